/**
 * A table's manifest, in the form the platform reads in the job's data-type mode (KBC_DATA_TYPE_SUPPORT):
 *
 * - `authoritative` and `hints`: the native-types form. `schema` lists every column in CSV order with its base
 *   type, nullability, primary-key flag and description. Under hints output-mapping keeps the types as metadata
 *   (KBC.datatype.basetype) and creates the columns as strings (TableHintsConfigurationSchemaResolver.php), which is
 *   what Keboola's own component library writes too (keboola/python-component, interface.py).
 * - `none`, and `legacy` (the variable absent: a project without native types): the columns form. `columns` and
 *   `primary_key` name the columns and the key, `column_metadata` carries the descriptions. Output-mapping takes
 *   the load's columns and key from `schema` only in projects with native types (LoadTableTaskCreator.php
 *   buildLoadOptions); without them a schema-only manifest would load without its key, and a sliced table without
 *   any column names.
 *
 * In both forms: the table's description only as `description` (output-mapping refuses it beside
 * table_metadata."KBC.description"), nothing empty, `has_header` true for a plain CSV and false for headerless
 * slices, and a merge as `incremental` with `delete_where`. src/keboola/platform-rules.ts holds the platform's
 * rules these manifests are checked against.
 */
import type { ColumnType } from '../model/column-type.js';
import type { Load } from '../model/load.js';

/** The values the platform sets KBC_DATA_TYPE_SUPPORT to (keboola/job-queue-job-configuration DataTypeSupport.php). */
export const DATA_TYPE_SUPPORT = ['authoritative', 'hints', 'none'] as const;
export type DataTypeSupport = (typeof DATA_TYPE_SUPPORT)[number];
/** What a job's manifests are written for: a data-type mode, or `legacy` where the platform sets none. */
export type ManifestMode = DataTypeSupport | 'legacy';
export const MANIFEST_MODES: readonly ManifestMode[] = [...DATA_TYPE_SUPPORT, 'legacy'];

/** Keboola's base types (keboola/php-datatypes BaseType.php): JSON text is a string to storage, and a number a float. */
const BASE_TYPES: Record<ColumnType, BaseType> = { string: 'STRING', json: 'STRING', integer: 'INTEGER', number: 'FLOAT', boolean: 'BOOLEAN' };

export type BaseType = 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN';

export interface SchemaColumn {
  name: string;
  data_type: { base: { type: BaseType } };
  nullable: boolean;
  primary_key: boolean;
  description?: string;
}

export interface DeleteWhere {
  where_filters: Array<{ column: string; operator: 'eq'; values_from_set: string[] }>;
}

interface ManifestBase {
  manifest_type: 'output';
  /** False for a sliced table (headerless gzipped slices); see src/keboola/tables.ts. */
  has_header: boolean;
  incremental: boolean;
  description?: string;
  delete_where?: DeleteWhere[];
}

/** The native-types form (authoritative, hints). */
export interface SchemaManifest extends ManifestBase {
  schema: SchemaColumn[];
}

/** The columns form (none, legacy). */
export interface ColumnsManifest extends ManifestBase {
  columns: string[];
  primary_key: string[];
  column_metadata?: Record<string, Array<{ key: string; value: string }>>;
}

export type Manifest = SchemaManifest | ColumnsManifest;

/** What a manifest says about a table: a template table node has this shape (columns in CSV order). */
export interface TableSchema {
  description?: string;
  primary_key: string[];
  columns: Record<string, { type: ColumnType; description: string }>;
}

/** How storage takes the table (src/model/load.ts): replaced, or merged after deleting the rows whose column holds one of the values. */
export type TableLoad = Load;

export interface ManifestOptions {
  mode: ManifestMode;
  /** Written as headerless slices (src/keboola/tables.ts). */
  sliced: boolean;
}

export function manifestFor(table: TableSchema, load: TableLoad, { mode, sliced }: ManifestOptions): Manifest {
  const names = Object.keys(table.columns);
  const description = nonEmpty(table.description);
  const base: ManifestBase = {
    manifest_type: 'output',
    has_header: !sliced,
    incremental: load.mode !== 'replace',
    ...(description ? { description } : {}),
  };
  const deletes = deleteWhere(load);
  const tail = deletes.length > 0 ? { delete_where: deletes } : {};
  if (mode === 'authoritative' || mode === 'hints') {
    const schema = names.map((name) => schemaColumn(name, table.columns[name], table.primary_key.includes(name)));
    return { ...base, schema, ...tail };
  }
  const column_metadata: Record<string, Array<{ key: string; value: string }>> = {};
  for (const name of names) {
    const d = nonEmpty(table.columns[name].description);
    if (d) column_metadata[name] = [{ key: 'KBC.description', value: d }];
  }
  // The key in column order, as the schema form flags it.
  const primary_key = names.filter((n) => table.primary_key.includes(n));
  return { ...base, columns: names, primary_key, ...(Object.keys(column_metadata).length > 0 ? { column_metadata } : {}), ...tail };
}

/** The columns a manifest names, in CSV order, whichever its form. */
export function manifestColumns(m: Manifest): string[] {
  return 'schema' in m ? m.schema.map((c) => c.name) : m.columns;
}

/** The primary key a manifest declares, in column order, whichever its form. */
export function manifestPrimaryKey(m: Manifest): string[] {
  return 'schema' in m ? m.schema.filter((c) => c.primary_key).map((c) => c.name) : m.primary_key;
}

/**
 * One delete per slice of ids (storage runs them in turn, keboola/output-mapping TableDataModifier.php): an SQL
 * IN list of tens of thousands of values is where warehouses draw the line (Snowflake's is 16,384 expressions).
 * An empty list is no delete at all (output-mapping refuses an empty values_from_set).
 */
function deleteWhere(load: TableLoad): DeleteWhere[] {
  if (load.mode === 'replace') return [];
  const out: DeleteWhere[] = [];
  for (const { column, values } of [load.deleteBy, load.alsoDelete].flatMap((d) => (d && d.values.length > 0 ? [d] : []))) {
    for (let i = 0; i < values.length; i += DELETE_VALUES_PER_FILTER) {
      out.push({ where_filters: [{ column, operator: 'eq', values_from_set: values.slice(i, i + DELETE_VALUES_PER_FILTER) }] });
    }
  }
  return out;
}

export const DELETE_VALUES_PER_FILTER = 10_000;

function schemaColumn(name: string, c: { type: ColumnType; description: string }, primaryKey: boolean): SchemaColumn {
  const description = nonEmpty(c.description);
  // A key column is never empty (the template check refuses a record without its key); every other may be.
  return { name, data_type: { base: { type: BASE_TYPES[c.type] } }, nullable: !primaryKey, primary_key: primaryKey, ...(description ? { description } : {}) };
}

/** Metadata with an empty value is left out: Keboola's own component library drops it (keboola/python-component dao.py). */
function nonEmpty(text: string | undefined): string | undefined {
  return text !== undefined && text.trim() !== '' ? text : undefined;
}
