/**
 * Loads a template from templates/<name>.json, resolves its {"$ref": ...} includes, checks it against the
 * readers that exist, and compiles every table's columns. A broken template fails before any request.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.js';
import { readers } from '../resources/index.js';
import { compileColumn, compileRow, getPath, type Json, type RowFn, type Scope } from './mapping.js';
import type { ColumnSpec, Include, TableNode, TemplateFile } from '../generated/template.js';
import { applyRules, hashedSpec, hasher, type ColumnRules, type Ruled } from './rules.js';
import { columnListProblems, describeProblem, tableNameProblem } from '../keboola/platform-rules.js';
import { ID_COLUMN_TYPE, isIdColumn } from '../model/column-type.js';
import { withLegacyIdTypes } from './legacy-id-types.js';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../templates');

export interface CompiledTable {
  node: TableNode;
  name: string;
  columns: string[];
  row: RowFn;
  children: CompiledTable[];
  /**
   * The column holding its top-level record's key (the list reader's id field): how an incremental run replaces
   * a changed record's rows, the record's own in its top-level table and its child rows in the others.
   */
  rootKey: string;
  /**
   * What is wrong with an object this table maps, or undefined: a primary-key column it fills is empty, or a
   * child list it reads from inside the object is missing or not a list. Readers run it on every answer, so a
   * malformed one is retried and reported instead of written as fewer rows.
   */
  check: (obj: Json) => string | undefined;
  /** The record's primary key as one string, for log lines ("conversations 10046: …"). */
  describe: (obj: Json, scope: Scope) => string;
  /** With parameters.history: the `<table>_history` table every row of this one is also written to. */
  history?: CompiledTable;
  /** This is a `<table>_history` table: rows accumulate, never replaced or deleted. */
  versions?: boolean;
  /**
   * With parameters.deletes "flag" (top-level tables and their history): the row that marks a deleted record,
   * its key and the flags, every other column empty (Intercom no longer serves its values); in a history table,
   * the final version, stamped with the deletion time.
   */
  flagged?: (id: string, at: number) => string[];
}

export interface Template {
  name: string;
  title: string;
  roots: CompiledTable[];
  /** Every table once, depth first: all of them are written, even when empty (but those the rules leave out). */
  tables: CompiledTable[];
  /** Detail tables the rules leave out, whose requests are not made. */
  unread: Ruled['unread'];
}

export interface TemplateOptions {
  /** parameters.raw_payload: every top-level table gains a `data` column, the record's JSON as read. */
  rawPayload?: boolean;
  /** parameters.custom_attribute_columns: columns to add to top-level tables, by table name. */
  extraColumns?: Map<string, Record<string, ColumnSpec>>;
  /** parameters.skip_contact_details: tables (and expansions) skipped, whose lists a record need not hold. */
  skip?: ReadonlySet<string>;
  /** parameters.exclude_tables, exclude_columns and hash_columns. */
  rules?: ColumnRules;
  /** parameters.history: the run's time (UNIX seconds), written as each version's `seen_at`. */
  history?: { seenAt: number };
  /** parameters.deletes "flag": every top-level table gains is_deleted and deleted_at. */
  flagDeletes?: boolean;
  /** The id columns earlier versions declared INTEGER stay so (src/flatten/legacy-id-types.ts): storage holds them so. */
  legacyIdTypes?: boolean;
}

export const FLAG_COLUMNS = ['is_deleted', 'deleted_at'] as const;

/**
 * The columns a history table adds. Named without the leading `_` that marks such columns elsewhere: the platform
 * trims it (keboola/php-storage-names-sanitizer), and a name it rewrites would no longer match the CSV's header.
 */
export const HISTORY_COLUMNS = ['valid_from', 'seen_at'] as const;

export const RAW_COLUMN = 'data';

export function loadTemplate(name: string, dir = TEMPLATES_DIR, options: TemplateOptions = {}): Template {
  const file = readJson<TemplateFile>(path.join(dir, `${name}.json`));
  const nodes = file.tables
    .map((t) => resolve(t, dir))
    .map((n) => (checkIdTypes(n, name), options.legacyIdTypes ? withLegacyIdTypes(n, name) : n))
    .map((n) => withColumns(n, options.extraColumns?.get(n.table), name))
    .map((n) => (options.rawPayload ? withRawColumn(n, name) : n));
  const ruled: Ruled = options.rules ? applyRules(nodes, options.rules, name, options.rawPayload ? RAW_COLUMN : undefined) : { nodes, hashed: new Map(), unread: [] };
  const hash = hasher(options.rules?.salt);
  const hashing = (table: string) => {
    const cols = ruled.hashed.get(table);
    return cols ? { columns: cols, hash, salted: options.rules?.salt !== undefined } : undefined;
  };
  const all: CompiledTable[] = [];
  const roots = ruled.nodes.map((n) => compile(n, undefined, all, options.skip ?? new Set(), hashing));
  if (options.flagDeletes) roots.forEach(withFlags);
  if (options.history) {
    for (const root of roots) {
      root.history = historyOf(root, options.history.seenAt);
      if (root.history) all.push(root.history);
    }
  }
  // One table may be fed from several places (notes of users and of leads) if they agree on its shape.
  const tables = new Map<string, CompiledTable>();
  for (const t of all) {
    const first = tables.get(t.name);
    if (!first) tables.set(t.name, t);
    else if (JSON.stringify([first.node.columns, first.node.primary_key, first.rootKey]) !== JSON.stringify([t.node.columns, t.node.primary_key, t.rootKey])) {
      throw new AppError(`Template ${name}: table ${t.name} is declared twice with different columns, primary keys or links to its top-level record.`);
    }
  }
  // Every table and column name is one the platform keeps as written: a renamed column would no longer match the
  // CSV's header, the key or delete_where (src/keboola/platform-rules.ts).
  for (const t of tables.values()) {
    const problems = [tableNameProblem(t.name), ...columnListProblems(t.columns)].filter((p) => p !== undefined);
    if (problems.length > 0) throw new AppError(`Template ${name}: ${problems.map((p) => `table ${t.name}: ${describeProblem(p)}`).join('; ')}`);
  }
  return { name: file.name, title: file.title, roots, tables: [...tables.values()], unread: ruled.unread };
}

/**
 * Resolves {"$ref": …} includes, at any depth. An include may rename the included tree (`as` replaces {as}:
 * one contact tree serves users and leads), filter its list (`where`), override or add top-table columns,
 * put some columns first (`column_order`), and add children.
 */
function resolve(entry: TableNode | Include, dir: string): TableNode {
  if (!('$ref' in entry)) return { ...entry, children: entry.children?.map((c) => resolve(c, dir)) };
  let text = readText(path.join(dir, entry.$ref));
  // `as` names tables and columns: a plain identifier, so replacing it in the JSON text cannot break the JSON.
  if (entry.as !== undefined && !/^[a-z][a-z0-9_]*$/.test(entry.as)) throw new AppError(`Template include ${entry.$ref}: "as" must be a lower-case identifier, not ${JSON.stringify(entry.as)}.`);
  if (entry.as !== undefined) text = text.split('{as}').join(entry.as);
  else if (text.includes('{as}')) throw new AppError(`Template include ${entry.$ref}: the file uses {as}, so the include needs "as".`);
  const base = resolve(parseJson<TableNode | Include>(text, entry.$ref), dir);
  if (entry.where && base.from.kind !== 'list') throw new AppError(`Template include ${entry.$ref}: "where" needs a table that reads a list.`);
  const baseWhere = base.from.kind === 'list' ? (base.from.where ?? {}) : {};
  for (const k of Object.keys(entry.where ?? {})) if (Object.hasOwn(baseWhere, k)) throw new AppError(`Template include ${entry.$ref}: "where" sets ${k}, which the included table already filters on.`);
  const from = entry.where && base.from.kind === 'list' ? { ...base.from, where: { ...baseWhere, ...entry.where } } : base.from;
  return {
    ...base,
    description: entry.description ?? base.description,
    from,
    columns: ordered({ ...base.columns, ...entry.columns }, entry.column_order ?? [], entry.$ref),
    children: [...(base.children ?? []), ...(entry.children ?? []).map((c) => resolve(c, dir))],
  };
}

/**
 * Every id column of a template (by its name: src/model/column-type.ts) has the one id type, so a join key has
 * the same type on both sides. Custom attribute columns, added after this check, are typed by their attribute.
 */
function checkIdTypes(node: TableNode, template: string): void {
  for (const [c, spec] of Object.entries(node.columns)) {
    if (isIdColumn(c) && spec.type !== ID_COLUMN_TYPE) throw new AppError(`Template ${template}: column ${node.table}.${c} holds an id: its type is "${ID_COLUMN_TYPE}", as every id column's (joins need no casts), not "${spec.type}".`);
  }
  for (const child of (node.children ?? []) as TableNode[]) checkIdTypes(child, template);
}

function withColumns(node: TableNode, extra: Record<string, ColumnSpec> | undefined, template: string): TableNode {
  if (!extra) return node;
  for (const c of Object.keys(extra)) if (Object.hasOwn(node.columns, c)) throw new AppError(`Template ${template}: table ${node.table} already has a column ${c}.`);
  return { ...node, columns: { ...node.columns, ...extra } };
}

/** The record as read, last: nothing dropped or renamed, except what the table says its own children hold in full. */
function withRawColumn(node: TableNode, template: string): TableNode {
  if (Object.hasOwn(node.columns, RAW_COLUMN)) throw new AppError(`Template ${template}: table ${node.table} already has a ${RAW_COLUMN} column, which parameters.raw_payload adds.`);
  const omitted = node.raw_omit?.length ? `; left out: ${node.raw_omit.join(', ')}, which its own child tables hold in full` : '';
  const description = `The record exactly as Intercom sent it, as JSON (keys sorted${omitted}).`;
  return { ...node, columns: { ...node.columns, [RAW_COLUMN]: { path: '$', format: 'json', ...(node.raw_omit?.length ? { omit: node.raw_omit } : {}), type: 'json', description } } };
}

/** The columns named in `first`, in that order, then the others in their own order. */
function ordered(columns: TableNode['columns'], first: string[], where: string): TableNode['columns'] {
  const out: TableNode['columns'] = {};
  for (const name of first) {
    if (!Object.hasOwn(columns, name)) throw new AppError(`Template include ${where}: column_order names ${name}, which is not a column.`);
    out[name] = columns[name];
  }
  for (const [name, spec] of Object.entries(columns)) if (!Object.hasOwn(out, name)) out[name] = spec;
  return out;
}

type Hashing = (table: string) => { columns: ReadonlySet<string>; hash: (v: string) => string; salted: boolean } | undefined;

function compile(node: TableNode, parent: TableNode | undefined, all: CompiledTable[], skip: ReadonlySet<string>, hashing: Hashing, depth = 0, rootIdOfParent?: string): CompiledTable {
  check(node, parent);
  const rootId = rootIdOfParent ?? idFieldOf(node);
  const h = hashing(node.table);
  const row = compileRow(node.table, node.columns, h);
  // Manifests and checks read the node: a hashed column is text there, whatever its value was.
  const shown: TableNode = h ? { ...node, columns: Object.fromEntries(Object.entries(node.columns).map(([c, spec]) => [c, h.columns.has(c) ? hashedSpec(spec, h.salted) : spec])) } : node;
  const compiled: CompiledTable = { node: shown, name: node.table, columns: Object.keys(node.columns), row, children: [], rootKey: rootKeyOf(node, depth, rootId), check: () => undefined, describe: describer(node) };
  all.push(compiled);
  // resolve() has replaced every include with the table it stands for.
  compiled.children = ((node.children ?? []) as TableNode[]).map((c) => compile(c, node, all, skip, hashing, depth + 1, rootId));
  compiled.check = compileCheck(compiled, skip);
  return compiled;
}

/**
 * A top-level table's history (Fivetran's history mode): the same columns and one row per version, keyed by the
 * record's key and its change field (its list reader's `updated`), plus when the version began and when a run
 * saw it. Tables whose records have no change field (admins, tags) have no versions to tell apart: none.
 */
function historyOf(root: CompiledTable, seenAt: number): CompiledTable | undefined {
  for (const c of HISTORY_COLUMNS) if (Object.hasOwn(root.node.columns, c)) throw new AppError(`Template table ${root.name} already has a column ${c}, which parameters.history adds to ${root.name}_history.`);
  const from = root.node.from;
  if (from.kind !== 'list') return undefined;
  // A list whose records never change (activity logs) has one version of each: nothing to keep a history of.
  if ([from.list].flat().every((l) => readers[l]?.filter?.append_only)) return undefined;
  const fields = [...new Set([from.list].flat().map((l) => readers[l]?.updated))];
  if (fields.length !== 1 || fields[0] === undefined) return undefined;
  const stamp = Object.entries(root.node.columns).find(([, spec]) => spec.path === fields[0] && spec.coalesce === undefined && spec.type === 'integer')?.[0];
  if (!stamp) return undefined;
  const at = root.columns.indexOf(stamp);
  const name = `${root.name}_history`;
  const node: TableNode = {
    ...root.node,
    table: name,
    description: `Every version of a ${root.name} record that a run saw, one row per ${root.rootKey} and ${stamp}; rows are never replaced or deleted, so versions accumulate run after run.`,
    primary_key: [root.rootKey, stamp],
    columns: {
      ...root.node.columns,
      valid_from: { type: 'integer', description: `When this version began (its ${stamp}, UNIX seconds); the next version's valid_from ends it.` },
      seen_at: { type: 'integer', description: 'When the latest run that wrote this version started (UNIX seconds); a version read again gets the later time.' },
    },
    children: [],
  };
  const seen = String(seenAt);
  const flagged = root.flagged && ((id: string, deletedAt: number) => {
    const r = root.flagged!(id, deletedAt);
    r[at] = String(deletedAt);
    return [...r, r[at], seen];
  });
  return { ...root, node, name, columns: [...root.columns, ...HISTORY_COLUMNS], row: (obj, scope) => { const r = root.row(obj, scope); return [...r, r[at], seen]; }, children: [], history: undefined, versions: true, flagged };
}

/**
 * parameters.deletes "flag" (Fivetran's soft deletes): a top-level table gains is_deleted and deleted_at, false
 * and empty for every record read; a deleted record's row keeps its key and says when it went. Only a table keyed
 * by its record's id alone gets flagged rows: one keyed by more (basic's admins by type and id, workspace's
 * data_attributes by model and full_name) would write a key with empty columns, which typed storage refuses and
 * which would not replace the live row; such a table is replaced every run, as under remove.
 */
function withFlags(root: CompiledTable): void {
  for (const c of FLAG_COLUMNS) if (Object.hasOwn(root.node.columns, c)) throw new AppError(`Template table ${root.name} already has a column ${c}, which parameters.deletes "flag" adds.`);
  const live = root.row;
  const key = root.columns.indexOf(root.rootKey);
  const width = root.columns.length;
  root.node = {
    ...root.node,
    columns: {
      ...root.node.columns,
      is_deleted: { type: 'boolean', description: 'true: the record was deleted in Intercom (or merged into another contact), and this row keeps only its key; false: it exists.' },
      deleted_at: { type: 'integer', description: 'When the record was deleted (UNIX seconds): Intercom\'s time where it says, otherwise when the run noticed; empty while it exists.' },
    },
  };
  root.columns = [...root.columns, ...FLAG_COLUMNS];
  root.row = (obj, scope) => [...live(obj, scope), 'false', ''];
  if (root.node.primary_key.length !== 1 || root.node.primary_key[0] !== root.rootKey) return;
  root.flagged = (id, at) => {
    const r = new Array<string>(width).fill('');
    r[key] = id;
    return [...r, 'true', String(at)];
  };
}

function describer(node: TableNode): (obj: Json, scope: Scope) => string {
  const keys = node.primary_key.map((k) => compileColumn(node.columns[k], `${node.table}.${k}`));
  return (obj, scope) => keys.map((k) => k(obj, scope)).join('/');
}

/**
 * The primary-key columns filled from the object itself (not from its parent) must not all be empty: a record
 * with no key of its own cannot be told from another. (One of several may be: a social profile may lack a url.)
 */
function compileCheck(table: CompiledTable, skip: ReadonlySet<string>): (obj: Json) => string | undefined {
  const keys = table.node.primary_key
    .map((k) => [k, table.node.columns[k]] as const)
    .filter(([, spec]) => !(spec.coalesce === undefined && /^\$(parent|root)\./.test(spec.path ?? '')))
    .map(([k, spec]) => [k, compileColumn(spec)] as const);
  // A skipped table's list is not read, so a record need not hold it (a conversation listed without its parts).
  const embedded = table.children.flatMap((c) => (c.node.from.kind === 'embedded' && !(c.node.skippable && skip.has(c.node.skippable)) ? [{ child: c, from: c.node.from }] : []));
  return (obj) => {
    if (keys.length > 0 && keys.every(([, value]) => value(obj, {}) === '')) return `no value for ${keys.map(([k]) => `${table.name}.${k}`).join(' or ')} (its primary key)`;
    for (const { child, from } of embedded) {
      const p = embeddedPath(obj, from);
      const list = embeddedList(obj, p, from.required === true);
      if (typeof list === 'string') return list;
      for (const item of list) {
        if (from.scalars) {
          if (typeof item !== 'string' && typeof item !== 'number') return `"${p}" holds ${item === null ? 'null' : typeof item} where an id was expected`;
          continue;
        }
        if (typeof item !== 'object' || item === null || Array.isArray(item)) return `"${p}" holds ${item === null ? 'null' : typeof item} where an object was expected`;
        const wrong = child.check(item as Json);
        if (wrong) return `in "${p}": ${wrong}`;
      }
    }
    return undefined;
  };
}

/** Where an embedded list is in this object: its `path`, or its `or_path` where only that holds something. */
export function embeddedPath(obj: Json, from: { path: string; or_path?: string }): string {
  if (from.or_path === undefined) return from.path;
  const at = (p: string) => getPath(obj, undefined, p);
  return (at(from.path) === undefined || at(from.path) === null) && at(from.or_path) !== undefined && at(from.or_path) !== null ? from.or_path : from.path;
}

/**
 * The list at a dotted path, or what is wrong. A null or absent step means no items, as Intercom's spec allows for
 * every embedded list it marks no part of as required (all the templates read, in 2.14 and 2.16); a `required` one
 * must be there. What is there must have the right shape (an object along the path, a list at its end).
 */
function embeddedList(obj: Json, dotted: string, required: boolean): unknown[] | string {
  const steps = dotted.split('.');
  let cur: unknown = obj;
  for (let i = 0; i < steps.length; i++) {
    const at = steps.slice(0, i + 1).join('.');
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return `"${steps.slice(0, i).join('.')}" is not an object`;
    cur = (cur as Json)[steps[i]];
    if (cur === null || cur === undefined) return required ? `no "${at}"${i === steps.length - 1 ? ' list' : ''}` : [];
  }
  return Array.isArray(cur) ? cur : `"${dotted}" is not a list`;
}

/** The field a top-level table's records are keyed by: its list reader's declared id. */
function idFieldOf(node: TableNode): string {
  const lists = node.from.kind === 'list' ? [node.from.list].flat() : [];
  const ids = [...new Set(lists.map((l) => readers[l]?.id))];
  if (ids.length !== 1 || ids[0] === undefined) throw new AppError(`Template table ${node.table}: a top-level table reads list readers that key their records by one field.`);
  return ids[0];
}

function rootKeyOf(node: TableNode, depth: number, rootId: string): string {
  const refs = depth === 0 ? [rootId] : depth === 1 ? [`$root.${rootId}`, `$parent.${rootId}`] : [`$root.${rootId}`];
  // A plain copy of the key: no rule (format, map, key, unset) that could change it on the way.
  const key = Object.entries(node.columns).find(([, spec]) => spec.path !== undefined && refs.includes(spec.path) && Object.keys(spec).every((k) => ['path', 'type', 'description'].includes(k)))?.[0];
  if (!key) throw new AppError(`Template table ${node.table}: it needs a column holding its top-level record's key (${refs.join(' or ')}), so an incremental run can replace its rows.`);
  return key;
}

function check(node: TableNode, parent: TableNode | undefined): void {
  const from = node.from;
  const fail = (msg: string) => {
    throw new AppError(`Template table ${node.table}: ${msg}`);
  };
  if (node.refers_to) {
    if (!isList(node.refers_to.list)) fail(`refers_to.list "${node.refers_to.list}" is not a list reader in src/resources`);
    if (!Object.hasOwn(node.columns, node.refers_to.column)) fail(`refers_to.column "${node.refers_to.column}" is not one of its columns`);
  }
  if (parent === undefined) {
    if (from.kind !== 'list') fail('a top-level table reads a list: from.kind "list"');
    else {
      for (const l of [from.list].flat()) if (!l || !isList(l)) fail(`"${l}" is not a list reader in src/resources`);
      if (from.expand && readers[from.expand]?.kind !== 'record') fail(`"${from.expand}" is not an expander (a reader of one record) in src/resources`);
      if (from.expand_skippable && !from.expand) fail('from.expand_skippable needs from.expand');
    }
  } else if (from.kind === 'list') {
    fail('a child table reads from its parent: from.kind "embedded" or "fetch"');
  } else if (from.kind === 'fetch') {
    if (!isDetail(from.reader)) fail(`"${from.reader}" is not a detail reader (a list per parent record) in src/resources`);
    if (from.members) {
      if (parent.from.kind !== 'list') fail('from.members reads the memberships of a top-level table only');
      if (!isList(from.members.list)) fail(`"${from.members.list}" is not a list reader in src/resources`);
      if (!isDetail(from.members.reader)) fail(`"${from.members.reader}" is not a detail reader (a list per record) in src/resources`);
    }
  } else if (from.kind === 'embedded') {
    if (from.complete_with && !isDetail(from.complete_with)) fail(`"${from.complete_with}" is not a detail reader (a list per parent record) in src/resources`);
    if (from.complete_with && from.complete_by) fail('from.complete_with and from.complete_by are alternatives');
    if (from.complete_by) {
      if (parent.from.kind !== 'list') fail('from.complete_by completes the lists of a top-level table only');
      if (!isList(from.complete_by.list)) fail(`"${from.complete_by.list}" is not a list reader in src/resources`);
      if (!isDetail(from.complete_by.members)) fail(`"${from.complete_by.members}" is not a detail reader (a list per record) in src/resources`);
    }
    const completes = Boolean(from.complete_with || from.complete_by);
    const capped = from.when !== undefined || from.capped_at !== undefined;
    if (from.when !== undefined && from.capped_at !== undefined) fail('from.when and from.capped_at are alternatives');
    if (completes !== capped) fail('completing a list (from.complete_with or from.complete_by) goes with saying when it is capped (from.when or from.capped_at)');
    if (from.scalars && completes) fail('a list of plain values cannot be completed');
  } else {
    fail(`from.kind must be "list", "embedded" or "fetch"`);
  }
  if (node.custom_columns && (parent !== undefined || !isList(node.custom_columns.reader))) fail('custom_columns belong to a top-level table and name a list reader of attribute definitions');
  for (const k of node.primary_key) if (!(k in node.columns)) fail(`primary key column ${k} is not a column`);
}

const isList = (name: string) => Object.hasOwn(readers, name) && readers[name].kind === 'list';
const isDetail = (name: string) => Object.hasOwn(readers, name) && readers[name].kind === 'detail';

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError(`Cannot read template file ${file}: ${(e as Error).message}`);
  }
}

function parseJson<T>(text: string, file: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new AppError(`Template file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function readJson<T>(file: string): T {
  return parseJson<T>(readText(file), file);
}
