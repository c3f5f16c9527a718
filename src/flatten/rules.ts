/**
 * The user's rules over a template's tables (Fivetran's data blocking and column hashing): tables left out,
 * columns left out, columns hashed. Applied to the resolved table tree before it is compiled, so a left-out
 * table is never read and a left-out column never reaches a row, a manifest or the `data` column.
 */
import { didYouMean } from '../util/closest.js';
import { createHash, createHmac } from 'node:crypto';
import { UserError } from '../errors.js';
import type { ColumnSpec, TableNode } from '../generated/template.js';
import { readers } from '../resources/index.js';

export interface ColumnRules {
  excludeTables: ReadonlySet<string>;
  /** "table.column" */
  excludeColumns: ReadonlySet<string>;
  hashColumns: ReadonlySet<string>;
  /** The HMAC key; without one, a plain SHA-256. */
  salt?: string;
  /** Names the template does not have are errors; off while custom attribute columns are not known yet. */
  strict: boolean;
  /** parameters.history: a top-level table's change field keys its versions, so it is kept as it is. */
  history?: boolean;
}

export interface Ruled {
  nodes: TableNode[];
  /** Per table, its hashed columns. */
  hashed: Map<string, Set<string>>;
  /** Left-out tables that a request per parent record would have filled: what leaving them out saves. */
  unread: Array<{ table: string; parent: string; reader: string; unlessZero?: string[]; skippable?: string; included?: string }>;
}

/** Lowercase hex SHA-256 of the UTF-8 text, keyed (HMAC) with the salt when there is one; empty stays empty. */
export function hasher(salt: string | undefined): (value: string) => string {
  return (v) => (v === '' ? '' : (salt ? createHmac('sha256', salt) : createHash('sha256')).update(v, 'utf8').digest('hex'));
}

export function applyRules(nodes: TableNode[], rules: ColumnRules, template: string, dataColumn: string | undefined): Ruled {
  const tables = new Map<string, TableNode>();
  const walk = (n: TableNode) => {
    if (!tables.has(n.table)) tables.set(n.table, n);
    (n.children as TableNode[] | undefined)?.forEach(walk);
  };
  nodes.forEach(walk);
  if (rules.strict) {
    for (const t of rules.excludeTables) if (!tables.has(t)) throw new UserError(`parameters.exclude_tables names ${t}, which template ${template} does not write: its tables are ${[...tables.keys()].join(', ')}.${didYouMean(t, [...tables.keys()])}`);
    for (const [field, names] of [['exclude_columns', rules.excludeColumns], ['hash_columns', rules.hashColumns]] as const) {
      for (const name of names) {
        const [t, c] = name.split('.');
        const node = tables.get(t);
        if (!node) throw new UserError(`parameters.${field} names ${name}, but template ${template} has no table ${t}: its tables are ${[...tables.keys()].join(', ')}.${didYouMean(t, [...tables.keys()])}`);
        if (!Object.hasOwn(node.columns, c)) throw new UserError(`parameters.${field} names ${name}, but table ${t} has no column ${c} (docs/tables/<template>.md lists its columns).${didYouMean(c, Object.keys(node.columns)).replace(/"([^"]+)"\?$/, `"${t}.$1"?`)}`);
        if (rules.excludeTables.has(t)) throw new UserError(`parameters.${field} names ${name}, but parameters.exclude_tables leaves out ${t}: remove one of them.`);
      }
    }
  }
  const hashed = new Map<string, Set<string>>();
  const unread: Ruled['unread'] = [];
  const prune = (node: TableNode, parent: TableNode | undefined, top: TableNode, inside: boolean): TableNode | undefined => {
    const children = ((node.children ?? []) as TableNode[]).map((c) => ({ c, kept: prune(c, node, parent ? top : node, childInside(node, parent, inside, c)) }));
    if (rules.excludeTables.has(node.table)) {
      const still = children.filter((x) => x.kept).map((x) => x.c.table);
      if (still.length > 0) throw new UserError(`parameters.exclude_tables leaves out ${node.table}, but not ${still.join(', ')}, which hang under it: leave those out too, or keep ${node.table}.`);
      // A detail list of a kept top-level record: one request per record not made.
      if (parent !== undefined && parent === top && !rules.excludeTables.has(parent.table) && node.from.kind === 'fetch') unread.push({ table: node.table, parent: parent.table, reader: node.from.reader, unlessZero: node.from.unless_zero, skippable: node.skippable, included: node.included });
      return undefined;
    }
    const columns: Record<string, ColumnSpec> = { ...node.columns };
    const cuts: string[] = [];
    for (const [c, spec] of Object.entries(node.columns)) {
      const name = `${node.table}.${c}`;
      const excluded = rules.excludeColumns.has(name);
      const hashing = rules.hashColumns.has(name);
      if (!excluded && !hashing) continue;
      const problem = columnProblem({ node, parent, top, inside }, c, spec, excluded ? 'exclude_columns' : 'hash_columns', { history: rules.history, dataColumn });
      if (problem !== undefined) throw new UserError(problem);
      if (hashing) {
        if (!hashed.has(node.table)) hashed.set(node.table, new Set());
        hashed.get(node.table)!.add(c);
      }
      if (excluded) delete columns[c];
      // The value must not survive in the record's JSON columns (custom_attributes, data) either. A value read from
      // the parent or the top-level record lives there, in their own columns.
      const paths = valuePaths(spec);
      if (!paths.some((p) => p.startsWith('$'))) cuts.push(...paths);
    }
    for (const p of cuts) {
      for (const [c, spec] of Object.entries(columns)) {
        if (spec.format !== 'json' || spec.path === undefined) continue;
        const rest = spec.path === '$' ? p : p.startsWith(`${spec.path}.`) ? p.slice(spec.path.length + 1) : undefined;
        if (rest !== undefined) columns[c] = { ...spec, omit: [...(spec.omit ?? []), rest] };
      }
    }
    return { ...node, columns, children: children.flatMap((x) => (x.kept ? [x.kept] : [])) };
  };
  return { nodes: nodes.flatMap((n) => prune(n, undefined, n, true) ?? []), hashed, unread };
}

/** Where a table sits in its template: what the rules about its columns depend on. */
export interface Place {
  node: TableNode;
  parent: TableNode | undefined;
  top: TableNode;
  /**
   * The table's rows come from lists inside the top-level record as read (embedded all the way down, not left out
   * of its `data`), so their values are in that record's `data` too.
   */
  inside: boolean;
}

export type ColumnField = 'exclude_columns' | 'hash_columns';

/** Whether a child's rows come from inside the top-level record as read (see Place.inside). */
function childInside(node: TableNode, parent: TableNode | undefined, inside: boolean, child: TableNode): boolean {
  if (child.from.kind !== 'embedded') return false;
  return parent === undefined ? !(node.raw_omit ?? []).includes(child.from.path!) : inside;
}

/** Every table of the trees at its place, depth first; a table fed from two places (notes of users and of leads) comes twice. */
export function* places(nodes: TableNode[]): Generator<Place> {
  function* visit(node: TableNode, parent: TableNode | undefined, top: TableNode, inside: boolean): Generator<Place> {
    yield { node, parent, top, inside };
    for (const c of (node.children ?? []) as TableNode[]) yield* visit(c, node, parent ? top : node, childInside(node, parent, inside, c));
  }
  for (const n of nodes) yield* visit(n, undefined, n, true);
}

/**
 * Why parameters.<field> cannot name this column, or undefined when it can. `history`: parameters.history;
 * `dataColumn`: the raw payload's column, when parameters.raw_payload adds one.
 */
export function columnProblem(place: Place, column: string, spec: ColumnSpec, field: ColumnField, opts: { history?: boolean; dataColumn?: string }): string | undefined {
  const { node, parent, top, inside } = place;
  const name = `${node.table}.${column}`;
  if (isKey(node, column, spec, idOf(top))) return `parameters.${field} names ${name}, a key column (it identifies the row or links it to its parent record): keep it as it is, or leave out the whole table.`;
  const stamp = parent === undefined && opts.history ? changeField(node) : undefined;
  if (stamp !== undefined && spec.path === stamp) return `parameters.${field} names ${name}, which keys the versions of ${node.table}_history (parameters.history): keep it, or turn history off.`;
  if (spec.key?.includes('.')) return `parameters.${field} names ${name}, whose key ${JSON.stringify(spec.key)} holds a dot and cannot be cut out of ${spec.path}: leave out the whole ${node.table}.${spec.path} column instead.`;
  const data = opts.dataColumn;
  if (data === undefined || !inside) return undefined;
  if (valuePaths(spec).some((p) => p.startsWith('$'))) return `parameters.${field} names ${name}, whose values parameters.raw_payload would keep in ${top.table}.${data}: turn raw_payload off, or leave out the column it comes from.`;
  if (parent !== undefined) return `parameters.${field} names ${name}, whose values parameters.raw_payload would keep in ${top.table}.${data}: turn raw_payload off to leave it out.`;
  return undefined;
}

/** The paths a column's value is read from, its key appended to the first (a key inside a JSON object). */
function valuePaths(spec: ColumnSpec): string[] {
  const paths = [...(spec.coalesce ?? (spec.path !== undefined ? [spec.path] : []))];
  if (spec.key !== undefined) paths[0] = `${paths[0]}.${spec.key}`;
  return paths;
}

/**
 * Every `table.column` that parameters.<field> may name, in template order: a column that a rule may name at
 * every place its table is fed from. What the form's column pickers offer.
 */
export function nameableColumns(nodes: TableNode[], field: ColumnField, opts: { history?: boolean; dataColumn?: string }): Array<{ name: string; spec: ColumnSpec }> {
  const out = new Map<string, { name: string; spec: ColumnSpec } | undefined>();
  for (const place of places(nodes)) {
    for (const [c, spec] of Object.entries(place.node.columns)) {
      const name = `${place.node.table}.${c}`;
      const ok = columnProblem(place, c, spec, field, opts) === undefined;
      if (!out.has(name) || !ok) out.set(name, ok ? { name, spec } : undefined);
    }
  }
  return [...out.values()].filter((x) => x !== undefined);
}

/** The field a top-level table's records are keyed by (its list reader's id). */
function idOf(top: TableNode): string | undefined {
  return top.from.kind === 'list' ? readers[[top.from.list].flat()[0]]?.id : undefined;
}

/** The field a top-level table's records change by (its list reader's `updated`). */
function changeField(node: TableNode): string | undefined {
  return node.from.kind === 'list' ? readers[[node.from.list].flat()[0]]?.updated : undefined;
}

/** A column that identifies the row (its primary key) or is a plain copy of its parent's or top-level record's key. */
function isKey(node: TableNode, column: string, spec: ColumnSpec, rootId: string | undefined): boolean {
  if (node.primary_key.includes(column)) return true;
  const plain = spec.coalesce === undefined && Object.keys(spec).every((k) => ['path', 'type', 'description'].includes(k));
  return plain && rootId !== undefined && [`$root.${rootId}`, `$parent.${rootId}`, '$parent.id'].includes(spec.path ?? '');
}

/** A hashed column as the manifest and the README see it: text, whatever it was before. */
export function hashedSpec(spec: ColumnSpec, salted: boolean): ColumnSpec {
  return { type: 'string', description: `${spec.description.replace(/\.$/, '')}, hashed: the lowercase hex ${salted ? 'HMAC-SHA256 (keyed with parameters.#hash_salt)' : 'SHA-256'} of the value.` };
}
