/**
 * The user's rules over a template's tables (Fivetran's data blocking and column hashing): tables left out,
 * columns left out, columns hashed. Applied to the resolved table tree before it is compiled, so a left-out
 * table is never read and a left-out column never reaches a row, a manifest or the `data` column.
 */
import { createHash, createHmac } from 'node:crypto';
import { UserError } from '../errors.js';
import type { ColumnSpec, TableNode } from '../generated/template.js';

export interface ColumnRules {
  excludeTables: ReadonlySet<string>;
  /** "table.column" */
  excludeColumns: ReadonlySet<string>;
  hashColumns: ReadonlySet<string>;
  /** The HMAC key; without one, a plain SHA-256. */
  salt?: string;
  /** Names the template does not have are errors; off while custom attribute columns are not known yet. */
  strict: boolean;
}

export interface Ruled {
  nodes: TableNode[];
  /** Per table, its hashed columns. */
  hashed: Map<string, Set<string>>;
  /** Left-out tables that a request per parent record would have filled: what leaving them out saves. */
  unread: Array<{ table: string; parent: string; reader: string }>;
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
    for (const t of rules.excludeTables) if (!tables.has(t)) throw new UserError(`parameters.exclude_tables names ${t}, which template ${template} does not write: its tables are ${[...tables.keys()].join(', ')}.`);
    for (const [field, names] of [['exclude_columns', rules.excludeColumns], ['hash_columns', rules.hashColumns]] as const) {
      for (const name of names) {
        const [t, c] = name.split('.');
        const node = tables.get(t);
        if (!node) throw new UserError(`parameters.${field} names ${name}, but template ${template} has no table ${t}: its tables are ${[...tables.keys()].join(', ')}.`);
        if (!Object.hasOwn(node.columns, c)) throw new UserError(`parameters.${field} names ${name}, but table ${t} has no column ${c} (the README lists its columns).`);
        if (rules.excludeTables.has(t)) throw new UserError(`parameters.${field} names ${name}, but parameters.exclude_tables leaves out ${t}: remove one of them.`);
      }
    }
  }
  const hashed = new Map<string, Set<string>>();
  const unread: Ruled['unread'] = [];
  const prune = (node: TableNode, parent: TableNode | undefined, top: TableNode): TableNode | undefined => {
    const children = ((node.children ?? []) as TableNode[]).map((c) => ({ c, kept: prune(c, node, parent ? top : node) }));
    if (rules.excludeTables.has(node.table)) {
      const still = children.filter((x) => x.kept).map((x) => x.c.table);
      if (still.length > 0) throw new UserError(`parameters.exclude_tables leaves out ${node.table}, but not ${still.join(', ')}, which hang under it: leave those out too, or keep ${node.table}.`);
      // A detail list of a top-level record: one request per record not made.
      if (parent !== undefined && parent === top && node.from.kind === 'fetch') unread.push({ table: node.table, parent: parent.table, reader: node.from.reader });
      return undefined;
    }
    const columns: Record<string, ColumnSpec> = {};
    const omit: string[] = [];
    for (const [c, spec] of Object.entries(node.columns)) {
      const name = `${node.table}.${c}`;
      const excluded = rules.excludeColumns.has(name);
      if ((excluded || rules.hashColumns.has(name)) && isKey(node, c, spec)) {
        throw new UserError(`parameters.${excluded ? 'exclude_columns' : 'hash_columns'} names ${name}, a key column (it identifies the row or links it to its parent record): keep it as it is, or leave out the whole table.`);
      }
      if (rules.hashColumns.has(name)) {
        if (!hashed.has(node.table)) hashed.set(node.table, new Set());
        hashed.get(node.table)!.add(c);
      }
      if (!excluded) {
        columns[c] = spec;
        continue;
      }
      if (dataColumn === undefined) continue;
      // The value must not survive in the record's JSON either: a column of the record's own field is cut out
      // of it; anything else (a value from a list inside it, a choice of fields) cannot be told apart there.
      const path = spec.coalesce === undefined ? spec.path : undefined;
      if (parent || path === undefined || path.startsWith('$') || spec.key !== undefined) {
        throw new UserError(`parameters.exclude_columns names ${name}, whose values parameters.raw_payload would keep in ${top.table}.${dataColumn}: turn raw_payload off to leave it out.`);
      }
      omit.push(path);
    }
    if (omit.length > 0 && columns[dataColumn!]) columns[dataColumn!] = { ...columns[dataColumn!], omit: [...(columns[dataColumn!].omit ?? []), ...omit] };
    return { ...node, columns, children: children.flatMap((x) => (x.kept ? [x.kept] : [])) };
  };
  return { nodes: nodes.flatMap((n) => prune(n, undefined, n) ?? []), hashed, unread };
}

/** A column that identifies the row (its primary key) or links it to its parent or top-level record. */
function isKey(node: TableNode, column: string, spec: ColumnSpec): boolean {
  return node.primary_key.includes(column) || /^\$(parent|root)\./.test(spec.path ?? '');
}

/** A hashed column as the manifest and the README see it: text, whatever it was before. */
export function hashedSpec(spec: ColumnSpec, salted: boolean): ColumnSpec {
  return { type: 'string', description: `${spec.description.replace(/\.$/, '')}, hashed: the lowercase hex ${salted ? 'HMAC-SHA256 (keyed with parameters.#hash_salt)' : 'SHA-256'} of the value.` };
}
