/**
 * The rules Keboola's platform applies to what a job leaves in out/tables, read from the platform's own code, so
 * that a manifest the platform would refuse (or load wrongly) never first shows up in production. Every manifest
 * the component writes is checked here before it is written (src/keboola/tables.ts), and the tests check every
 * manifest of every end-to-end run under every data-type mode.
 *
 * Each rule names its source. Paths are in these repositories, at these commits:
 * - OM: keboola/output-mapping 46314c17e627e9d4382490693769e8b175316040, the library that loads a job's out/tables;
 *   BC is its src/Configuration/Table/BaseConfiguration.php (the manifest's configuration tree, parsed with
 *   symfony/config, whose array nodes refuse keys they do not define).
 * - DT: keboola/php-datatypes 5c467f9d72a21db6d3c28ae7947ccc351e9d3c93.
 * - SAN: keboola/php-storage-names-sanitizer 37be93f0030ac0544fd19f1ff14573b41fdd3d2d (OM's column renaming).
 * - DD: keboola/developers-docs b20fa1b364020e0ebbf3df9b6588fc6875399d7a.
 * - SAPI: keboola/storage-api-php-client 498dfbfcf58ff93151a0e6747604440171b01cd5 (apiary.apib, and Storage's
 *   errors as OM's tests quote them: Storage's own code is not public).
 */
import type { ManifestMode } from './manifest.js';

export interface Rule {
  id: string;
  /** What the platform requires, in a few words. */
  rule: string;
  source: string;
}

/** The rules, by id: the check's messages name them, and the README lists them. */
export const RULES = {
  keys: { rule: 'no key the manifest tree does not define, at any level but inside table_metadata and schema[].metadata', source: 'OM src/Configuration/Table/BaseConfiguration.php:34-243 (symfony/config ArrayNode refuses extra keys: "Unrecognized option")' },
  types: { rule: 'booleans are JSON booleans; scalars are not arrays; lists are arrays of scalars', source: 'OM BaseConfiguration.php:34-243 (booleanNode, scalarNode, arrayNode prototype scalar)' },
  schema_or_columns: { rule: 'not both schema and columns', source: 'OM BaseConfiguration.php:258-261 "Only one of \\"schema\\" or \\"columns\\" can be defined."' },
  schema_or_metadata: { rule: 'not both schema and metadata', source: 'OM BaseConfiguration.php:262-265' },
  schema_or_column_metadata: { rule: 'not both schema and column_metadata', source: 'OM BaseConfiguration.php:266-269' },
  description: { rule: 'not both description and table_metadata."KBC.description"', source: 'OM BaseConfiguration.php:270-275 "Only one of \\"description\\" or \\"table_metadata.KBC.description\\" can be defined." (test testErrorDescriptionAndTableMetadataDescriptionSetTogether)' },
  column_description: { rule: 'not both schema[].description and schema[].metadata."KBC.description"', source: 'OM BaseConfiguration.php:244-248' },
  primary_key: { rule: 'not both primary_key and schema[].primary_key', source: 'OM BaseConfiguration.php:276-281' },
  schema_name: { rule: 'schema[].name is required and not empty', source: 'OM BaseConfiguration.php:198' },
  data_type: { rule: 'data_type holds only base, snowflake and bigquery, each with a type; base is required', source: 'OM BaseConfiguration.php:20-24, 199-236' },
  base_type: { rule: 'a base type is one of BOOLEAN, DATE, FLOAT, INTEGER, NUMERIC, STRING, TIMESTAMP', source: 'DT src/Definition/BaseType.php:9-30; SAPI apiary.apib:2450-2458 (Storage checks the table definition)' },
  authoritative_types: { rule: 'under authoritative, a schema, and every column with data_type.base', source: 'OM src/Writer/Table/TableConfigurationValidator.php:62-83 "Configuration schema is missing." / "Missing data type for columns"' },
  hints_schema: { rule: 'under hints, a schema', source: 'OM src/Writer/Table/TableConfigurationValidator.php:62-70' },
  columns_mode: { rule: 'under none, or without KBC_DATA_TYPE_SUPPORT, the column names in columns and the key in primary_key: schema is not read for them', source: 'DD extend/common-interface/environment.md:29-32; OM src/LoadTableTaskCreator.php:114-137 (schema used only with native types)' },
  sliced_columns: { rule: 'a sliced table names its columns (columns or schema)', source: 'OM src/Writer/Table/TableConfigurationValidator.php:86-95 "Sliced file … columns specification missing."' },
  has_header: { rule: 'has_header true for a CSV whose first line is its header, false for headerless slices', source: 'OM src/LoadTableTaskCreator.php:145-147 (ignoredLinesCount 1); SAPI apiary.apib:3135 (with columns given, the first line is data unless skipped)' },
  key_columns: { rule: 'the primary key names columns of the table, which are not nullable', source: 'OM src/Writer/Helper/ConfigurationMerger.php:110-127; SAPI apiary.apib:2437-2448 (primaryKeysNames: a subset of the columns, not nullable)' },
  metadata_columns: { rule: 'column_metadata names columns of the table, each with a list of {key, value} strings', source: 'OM BaseConfiguration.php:176-188; OM src/DeferredTasks/Metadata/ColumnsMetadata.php:21-50' },
  table_metadata: { rule: 'table_metadata is a flat map of strings', source: 'OM src/Writer/Table/MetadataSetter.php:3, 44-54 (strict_types, fn(string $k, string $v))' },
  delete_where: { rule: 'each delete_where item has where_filters; each filter a column, an operator eq or ne, and exactly one non-empty value source', source: 'OM BaseConfiguration.php:67-164 ("Invalid operator", "One of \\"values_from_set\\", … must be defined.", "At least one of … must be defined.")' },
  delete_column: { rule: 'a delete_where column is a column of the table, named as written (output-mapping renames columns, not delete_where)', source: 'OM src/Configuration/Table/Webalizer.php:21-40 (renames columns, primary_key, column_metadata, schema only)' },
  column_name: { rule: 'a column name output-mapping keeps as written: [A-Za-z0-9_], no leading or trailing _, not a PostgreSQL system column', source: 'SAN src/Filter.php:18-26, src/ColumnNameSanitizer.php:9-40; OM src/Configuration/Table/Webalizer.php:61-87 (renamed with a warning)' },
  timestamp: { rule: 'no column named _timestamp (any case)', source: 'OM src/Writer/Helper/RestrictedColumnsHelper.php:11, 60-111 "System columns \\"_timestamp\\" cannot be imported to the table."' },
  name_length: { rule: 'a column name has at most 64 characters', source: 'OM tests/Writer/StorageApiLocalTableWriterTest.php:2247-2284 (Storage: "is more than 64 characters long")' },
  unique_columns: { rule: 'column names are unique, ignoring case', source: 'OM src/Storage/TableStructureModifier.php:119-137 (compared case-insensitively); help.keboola.com/storage/tables' },
  table_name: { rule: 'a table file is <name>.csv with a name of [A-Za-z0-9_-] (no other dot: a name with dots is read as a table id)', source: 'OM src/Writer/Table/TableConfigurationResolver.php:85-139, src/Writer/Table/MappingDestination.php:15-30' },
  orphan_manifest: { rule: 'every manifest has its table file', source: 'OM src/SourcesValidator/LocalSourcesValidator.php:16-36 "Found orphaned table manifest"' },
  stray_files: { rule: 'out/tables holds only tables and their manifests (any other file that is not a dotfile is loaded as a table)', source: 'OM src/Writer/Table/Strategy/LocalTableStrategy.php:162-178 (symfony/finder skips dotfiles only)' },
  empty_file: { rule: 'no 0-byte table file (a header-only CSV is fine)', source: 'OM tests/Writer/StorageApiLocalTableWriterTest.php:406-435 (Storage: "There are no data in import file")' },
  header_columns: { rule: 'a plain CSV\'s header names the manifest\'s columns in order (with columns given, storage ignores the header)', source: 'SAPI apiary.apib:3135; OM tests/Writer/StorageApiLocalTableWriterTest.php:2287-2338' },
} as const satisfies Record<string, Omit<Rule, 'id'>>;

export type RuleId = keyof typeof RULES;

export interface Problem {
  rule: RuleId;
  /** Where, and what is wrong. */
  detail: string;
}

export function describeProblem(p: Problem): string {
  return `${p.detail} (the platform's rule: ${RULES[p.rule].rule}; ${RULES[p.rule].source})`;
}

// ---------------------------------------------------------------------------------------------
// Names

/** PostgreSQL's system columns: output-mapping appends `_` to a column so named (SAN ColumnNameSanitizer.php:13-21). */
const SYSTEM_COLUMNS = ['oid', 'tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid'];
export const MAX_COLUMN_NAME = 64;

/**
 * What output-mapping makes of a column name (SAN Filter.php and ColumnNameSanitizer.php): transliterated to
 * ASCII, each run of other characters one `_`, `_` trimmed from both ends, a system column name suffixed with `_`.
 * Symfony's transliteration (UnicodeString::ascii) is approximated by stripping accents and dropping the rest:
 * what matters here is whether a name is kept as written, which only an ASCII name can be.
 */
export function webalizeColumnName(name: string): string {
  const ascii = name.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^\x00-\x7f]/g, '');
  let out = ascii.replace(/[^_A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (SYSTEM_COLUMNS.includes(out.toLowerCase())) out += '_';
  return out;
}

/** Why the platform would not keep a column name as written, or undefined. */
export function columnNameProblem(name: string): Problem | undefined {
  if (name.toLowerCase() === '_timestamp') return { rule: 'timestamp', detail: `column "${name}"` };
  if (name === '' || webalizeColumnName(name) !== name) return { rule: 'column_name', detail: `column "${name}" would be renamed to "${webalizeColumnName(name)}"` };
  if (name.length > MAX_COLUMN_NAME) return { rule: 'name_length', detail: `column "${name}" has ${name.length} characters` };
  return undefined;
}

/** Why a table name is not one the platform loads as `<bucket>.<name>`, or undefined. */
export function tableNameProblem(name: string): Problem | undefined {
  return /^[A-Za-z0-9_-]+$/.test(name) ? undefined : { rule: 'table_name', detail: `table "${name}"` };
}

/** The problems of a table's column list: each name, and names equal but for case. */
export function columnListProblems(columns: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const c of columns) {
    const p = columnNameProblem(c);
    if (p) problems.push(p);
    const lower = c.toLowerCase();
    if (seen.has(lower)) problems.push({ rule: 'unique_columns', detail: `columns "${seen.get(lower)}" and "${c}"` });
    else seen.set(lower, c);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Manifests

/** The keys of each node of the manifest tree (OM BaseConfiguration.php and Manifest.php:17). */
const TOP_KEYS = ['destination', 'incremental', 'unload_strategy', 'deduplication_strategy', 'primary_key', 'columns', 'distribution_key', 'delete_where_column', 'delete_where_values', 'delete_where_operator', 'delete_where', 'delimiter', 'enclosure', 'metadata', 'column_metadata', 'write_always', 'tags', 'manifest_type', 'has_header', 'description', 'table_metadata', 'schema'];
const SCHEMA_KEYS = ['name', 'data_type', 'nullable', 'primary_key', 'distribution_key', 'description', 'metadata'];
const BASE_KEYS = ['type', 'length', 'default'];
const DELETE_KEYS = ['changed_since', 'changed_until', 'where_filters'];
const FILTER_KEYS = ['column', 'operator', 'values_from_set', 'values_from_workspace', 'values_from_storage'];
const BACKENDS = ['base', 'snowflake', 'bigquery'];
const BASE_TYPE_NAMES = ['BOOLEAN', 'DATE', 'FLOAT', 'INTEGER', 'NUMERIC', 'STRING', 'TIMESTAMP'];
const BOOLEANS = ['incremental', 'write_always', 'has_header'];
const SCALARS = ['destination', 'unload_strategy', 'delete_where_column', 'delete_where_operator', 'delimiter', 'enclosure', 'manifest_type', 'description'];
const LISTS = ['primary_key', 'columns', 'distribution_key', 'delete_where_values', 'tags'];

export interface ManifestContext {
  /** The job's data-type mode the manifest was written for. */
  mode: ManifestMode;
  /** The table is a directory of headerless slices. */
  sliced: boolean;
  /** A plain CSV's header, when known: it must name the manifest's columns. */
  header?: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Where one manifest's problems are collected, each detail prefixed with the manifest's name. */
interface Findings {
  add: (rule: RuleId, detail: string) => void;
  /** Adds a `keys` problem for each key of `o` that is not `allowed` at `where`. */
  unknown: (o: Obj, allowed: string[], where: string) => void;
}

/** What a table's schema declares: its column names, its key, and its nullable columns. */
interface SchemaColumns {
  names: string[];
  keys: string[];
  nullable: Set<string>;
}

/** Everything the platform would refuse, or load otherwise than the component means, in a table's manifest. */
export function manifestProblems(table: string, manifest: unknown, ctx: ManifestContext): Problem[] {
  const out: Problem[] = [];
  const at = (detail: string) => `${table}.csv.manifest: ${detail}`;
  const add = (rule: RuleId, detail: string) => out.push({ rule, detail: at(detail) });
  const unknown = (o: Obj, allowed: string[], where: string) => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) add('keys', `"${k}" under ${where}`);
  };
  const found: Findings = { add, unknown };
  const name = tableNameProblem(table);
  if (name) out.push(name);
  if (!isObj(manifest)) {
    add('keys', 'not a JSON object');
    return out;
  }
  const m = manifest;
  const { schema, hasSchema, columns } = topLevelProblems(m, found);
  const declared = schemaProblems(schema ?? [], ctx, found);
  if (hasSchema && Array.isArray(m.primary_key) && m.primary_key.length > 0) add('primary_key', 'both "primary_key" and schema[].primary_key');

  const tableColumns = columnProblems(m, ctx, hasSchema, columns, declared, found);
  columnMetadataProblems(m, tableColumns, found);
  if (ctx.header && !ctx.sliced && JSON.stringify(ctx.header) !== JSON.stringify(tableColumns)) add('header_columns', `the CSV's header (${ctx.header.join(', ')}) is not the manifest's columns (${tableColumns.join(', ')})`);

  deleteWhereProblems(m, tableColumns, found);
  return out;
}

/** The top level's keys and value types, and the keys that exclude each other; returns the schema and columns. */
function topLevelProblems(m: Obj, found: Findings): { schema: unknown[] | undefined; hasSchema: boolean; columns: string[] } {
  const { add, unknown } = found;
  unknown(m, TOP_KEYS, 'the table');
  for (const k of BOOLEANS) if (k in m && typeof m[k] !== 'boolean') add('types', `"${k}" is not a boolean`);
  for (const k of SCALARS) if (k in m && !isScalar(m[k])) add('types', `"${k}" is not a scalar`);
  for (const k of LISTS) if (k in m && !(Array.isArray(m[k]) && (m[k] as unknown[]).every(isScalar))) add('types', `"${k}" is not a list of scalars`);

  const schema = Array.isArray(m.schema) ? (m.schema as unknown[]) : undefined;
  if ('schema' in m && !schema) add('types', '"schema" is not a list');
  const hasSchema = (schema?.length ?? 0) > 0;
  const columns = Array.isArray(m.columns) ? (m.columns as unknown[]).map(String) : [];
  if (hasSchema && columns.length > 0) add('schema_or_columns', 'both "schema" and "columns"');
  if (hasSchema && nonEmptyValue(m.metadata)) add('schema_or_metadata', 'both "schema" and "metadata"');
  if (hasSchema && nonEmptyValue(m.column_metadata)) add('schema_or_column_metadata', 'both "schema" and "column_metadata"');
  if (m.description !== undefined && isObj(m.table_metadata) && m.table_metadata['KBC.description'] !== undefined) add('description', 'both "description" and table_metadata."KBC.description"');
  if ('table_metadata' in m && !(isObj(m.table_metadata) && Object.values(m.table_metadata).every((v) => typeof v === 'string'))) add('table_metadata', '"table_metadata" is not a map of strings');
  return { schema, hasSchema, columns };
}

/** The problems of each schema[] entry; returns the columns, key and nullable columns the schema declares. */
function schemaProblems(schema: unknown[], ctx: ManifestContext, found: Findings): SchemaColumns {
  const { add, unknown } = found;
  const names: string[] = [];
  const keys: string[] = [];
  const nullable = new Set<string>();
  for (const [i, raw] of schema.entries()) {
    if (!isObj(raw)) {
      add('types', `schema[${i}] is not an object`);
      continue;
    }
    unknown(raw, SCHEMA_KEYS, `schema[${i}]`);
    const n = raw.name;
    if (!isScalar(n) || String(n) === '') add('schema_name', `schema[${i}] has no name`);
    names.push(String(n ?? ''));
    for (const k of ['nullable', 'primary_key', 'distribution_key']) if (k in raw && typeof raw[k] !== 'boolean') add('types', `schema[${i}].${k} is not a boolean`);
    if ('description' in raw && !isScalar(raw.description)) add('types', `schema[${i}].description is not a scalar`);
    if (raw.description !== undefined && isObj(raw.metadata) && raw.metadata['KBC.description'] !== undefined) add('column_description', `schema[${i}] has both "description" and metadata."KBC.description"`);
    if (raw.primary_key === true) keys.push(String(n));
    // nullable defaults to true (BC:238).
    if (raw.nullable !== false) nullable.add(String(n));
    if ('data_type' in raw) dataTypeProblems(raw.data_type, i, found);
    else if (ctx.mode === 'authoritative') {
      add('authoritative_types', `schema[${i}] ("${String(n)}") has no data_type`);
    }
  }
  return { names, keys, nullable };
}

/** The problems of schema[i].data_type: its backends, each with a type, and a known base type. */
function dataTypeProblems(dt: unknown, i: number, found: Findings): void {
  const { add, unknown } = found;
  if (!isObj(dt) || !isObj(dt.base)) add('data_type', `schema[${i}].data_type has no "base"`);
  if (isObj(dt)) {
    for (const [backend, v] of Object.entries(dt)) {
      if (!BACKENDS.includes(backend)) add('data_type', `schema[${i}].data_type has "${backend}"`);
      else if (!isObj(v) || !isScalar(v.type) || v.type === '') add('data_type', `schema[${i}].data_type.${backend} has no type`);
      else if (backend === 'base') {
        unknown(v, BASE_KEYS, `schema[${i}].data_type.base`);
        if (!BASE_TYPE_NAMES.includes(String(v.type))) add('base_type', `schema[${i}].data_type.base.type "${String(v.type)}"`);
      }
    }
  }
}

/** Where the mode reads the columns and key from, and their problems; returns the table's columns. */
function columnProblems(m: Obj, ctx: ManifestContext, hasSchema: boolean, columns: string[], declared: SchemaColumns, found: Findings): string[] {
  const { add } = found;
  const columnMode = ctx.mode === 'none' || ctx.mode === 'legacy';
  if (!columnMode && !hasSchema) add(ctx.mode === 'authoritative' ? 'authoritative_types' : 'hints_schema', `no "schema" under ${ctx.mode}`);
  if (columnMode && columns.length === 0) add('columns_mode', `no "columns" under ${ctx.mode === 'legacy' ? 'no KBC_DATA_TYPE_SUPPORT' : 'none'}`);
  if (columnMode && hasSchema) add('columns_mode', `"schema" under ${ctx.mode === 'legacy' ? 'no KBC_DATA_TYPE_SUPPORT' : 'none'}`);

  const tableColumns = columnMode ? columns : declared.names;
  const declaredKey = columnMode ? (Array.isArray(m.primary_key) ? (m.primary_key as unknown[]).map(String) : []) : declared.keys;
  if (ctx.sliced && tableColumns.length === 0) add('sliced_columns', 'a sliced table without its columns');
  if (m.has_header !== !ctx.sliced) add('has_header', `has_header is ${String(m.has_header)} for ${ctx.sliced ? 'headerless slices' : 'a CSV with a header'}`);
  for (const p of columnListProblems(tableColumns)) add(p.rule, p.detail);
  for (const k of declaredKey) {
    if (!tableColumns.includes(k)) add('key_columns', `primary key column "${k}" is not a column`);
    else if (!columnMode && declared.nullable.has(k)) add('key_columns', `primary key column "${k}" is nullable`);
  }
  return tableColumns;
}

/** column_metadata: a map from the table's columns to lists of {key, value} strings. */
function columnMetadataProblems(m: Obj, tableColumns: string[], found: Findings): void {
  const { add } = found;
  if ('column_metadata' in m) {
    const cm = m.column_metadata;
    if (!isObj(cm)) add('metadata_columns', '"column_metadata" is not a map');
    else {
      for (const [c, list] of Object.entries(cm)) {
        if (!tableColumns.includes(c)) add('metadata_columns', `column_metadata names "${c}", not a column`);
        if (!Array.isArray(list) || !list.every((e) => isObj(e) && Object.keys(e).every((k) => k === 'key' || k === 'value') && typeof e.key === 'string' && typeof e.value === 'string')) add('metadata_columns', `column_metadata."${c}" is not a list of {key, value} strings`);
      }
    }
  }
}

/** delete_where: a list of conditions, each with a time span or filters. */
function deleteWhereProblems(m: Obj, tableColumns: string[], found: Findings): void {
  const { add, unknown } = found;
  if ('delete_where' in m) {
    if (!Array.isArray(m.delete_where)) add('types', '"delete_where" is not a list');
    for (const [i, d] of (Array.isArray(m.delete_where) ? m.delete_where : []).entries()) {
      if (!isObj(d)) {
        add('types', `delete_where[${i}] is not an object`);
        continue;
      }
      unknown(d, DELETE_KEYS, `delete_where[${i}]`);
      const filters = Array.isArray(d.where_filters) ? (d.where_filters as unknown[]) : [];
      if (filters.length === 0 && !d.changed_since && !d.changed_until) add('delete_where', `delete_where[${i}] has no condition`);
      for (const [j, f] of filters.entries()) whereFilterProblems(f, `delete_where[${i}].where_filters[${j}]`, tableColumns, found);
    }
  }
}

/** One where_filters item: a column of the table, an operator eq or ne, and exactly one source of values. */
function whereFilterProblems(f: unknown, where: string, tableColumns: string[], found: Findings): void {
  const { add, unknown } = found;
  if (!isObj(f)) {
    add('types', `${where} is not an object`);
    return;
  }
  unknown(f, FILTER_KEYS, where);
  if (!isScalar(f.column) || f.column === '') add('delete_where', `${where} has no column`);
  else if (!tableColumns.includes(String(f.column))) add('delete_column', `${where} deletes by "${String(f.column)}", not a column`);
  if (f.operator !== undefined && f.operator !== 'eq' && f.operator !== 'ne') add('delete_where', `${where} has operator ${JSON.stringify(f.operator)}`);
  const sources = ['values_from_set', 'values_from_workspace', 'values_from_storage'].filter((k) => nonEmptyValue(f[k]));
  if (sources.length !== 1) add('delete_where', `${where} has ${sources.length} value sources${Array.isArray(f.values_from_set) && f.values_from_set.length === 0 ? ' (an empty values_from_set is none)' : ''}`);
  if ('values_from_set' in f && !(Array.isArray(f.values_from_set) && f.values_from_set.every(isScalar))) add('types', `${where}.values_from_set is not a list of scalars`);
}

function nonEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObj(v)) return Object.keys(v).length > 0;
  return true;
}

/**
 * What a finished out/tables directory must look like: `<t>.csv` files or slice directories, each with its
 * `<t>.csv.manifest`, no manifest without its table, no other file but dotfiles, no 0-byte file.
 */
export function outputProblems(entries: Array<{ name: string; kind: 'file' | 'dir'; bytes?: number; files?: Array<{ name: string; kind: 'file' | 'dir' }> }>): Problem[] {
  const out: Problem[] = [];
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.name.endsWith('.manifest')) {
      if (!names.has(e.name.slice(0, -'.manifest'.length))) out.push({ rule: 'orphan_manifest', detail: e.name });
      continue;
    }
    if (!e.name.endsWith('.csv')) {
      out.push({ rule: 'stray_files', detail: `out/tables/${e.name}` });
      continue;
    }
    const t = tableNameProblem(e.name.slice(0, -4));
    if (t) out.push(t);
    if (e.kind === 'file' && e.bytes === 0) out.push({ rule: 'empty_file', detail: `out/tables/${e.name}` });
    for (const f of e.files ?? []) {
      if (f.name.startsWith('.')) continue;
      // Empty slices load (OM tests/Writer/StorageApiSlicedWriterTest.php:162-330); a sub-directory does not.
      if (f.kind === 'dir') out.push({ rule: 'stray_files', detail: `out/tables/${e.name}/${f.name}/ (sub-directories of a sliced table are not loaded)` });
    }
  }
  return out;
}
