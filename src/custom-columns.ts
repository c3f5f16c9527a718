/**
 * Custom attributes as typed columns (parameters.custom_attribute_columns), driven by a table's
 * `custom_columns` declaration in the template: the attribute definitions come from a list reader, and each
 * attribute becomes a column `custom_<key>` reading that key of the record's custom attribute object.
 *
 * Column names are stable from run to run: the previous run's columns (kept in the state) come first, in their
 * order and with their names, even when an attribute has gone (its column stays, empty); new attributes follow,
 * sorted by key. Names are the key with every character outside [A-Za-z0-9_] made `_`, at most 64 characters,
 * made unique (case-insensitively) by `_2`, `_3`, … in that order.
 */
import { readAll, type ReaderContext } from './resources/index.js';
import type { Template } from './flatten/template.js';
import type { ColumnSpec } from './generated/template.js';

export interface CustomColumn {
  column: string;
  /** The attribute's key in the record's custom attribute object. */
  key: string;
  /** Its values are dates: written as UNIX seconds. */
  date: boolean;
}

export type CustomColumns = Record<string, CustomColumn[]>;

const MAX_NAME = 64;

export async function customColumns(ctx: ReaderContext, template: Template, previous: CustomColumns): Promise<CustomColumns> {
  const out: CustomColumns = {};
  const definitions = new Map<string, Array<Record<string, unknown>>>();
  for (const root of template.roots) {
    const decl = root.node.custom_columns;
    if (!decl) continue;
    if (!definitions.has(decl.reader)) {
      const defs: Array<Record<string, unknown>> = [];
      for await (const d of readAll(ctx, decl.reader)) defs.push(d);
      definitions.set(decl.reader, defs);
    }
    const current = definitions
      .get(decl.reader)!
      .filter((d) => Object.entries(decl.where ?? {}).every(([k, v]) => d[k] === v))
      .map((d) => ({ key: String(d[decl.name]), date: decl.type !== undefined && (decl.dates ?? []).includes(String(d[decl.type])) }));
    const taken = new Set(root.columns.map((c) => c.toLowerCase()));
    const columns: CustomColumn[] = [];
    for (const p of previous[root.name] ?? []) {
      if (!isCustomColumn(p) || taken.has(p.column.toLowerCase())) continue;
      taken.add(p.column.toLowerCase());
      columns.push({ ...p, date: current.find((c) => c.key === p.key)?.date ?? p.date });
    }
    const known = new Set(columns.map((c) => c.key));
    for (const c of [...current].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      if (known.has(c.key)) continue;
      known.add(c.key);
      columns.push({ column: uniqueName(`custom_${c.key.replace(/[^A-Za-z0-9_]/g, '_')}`, taken), key: c.key, date: c.date });
    }
    out[root.name] = columns;
  }
  return out;
}

/** The column specs to add to each table. */
export function columnSpecs(template: Template, columns: CustomColumns): Map<string, Record<string, ColumnSpec>> {
  const specs = new Map<string, Record<string, ColumnSpec>>();
  for (const root of template.roots) {
    const decl = root.node.custom_columns;
    if (!decl || !columns[root.name]) continue;
    specs.set(root.name, Object.fromEntries(columns[root.name].map((c) => [c.column, { path: decl.path, key: c.key, ...(c.date ? { format: 'iso_to_unix' as const } : {}) }])));
  }
  return specs;
}

function uniqueName(wanted: string, taken: Set<string>): string {
  const base = wanted.slice(0, MAX_NAME);
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = base.slice(0, MAX_NAME - `_${i}`.length) + `_${i}`;
  taken.add(name.toLowerCase());
  return name;
}

/** A previous state's entry, checked: the state is read back from storage and trusted no further than that. */
function isCustomColumn(v: unknown): v is CustomColumn {
  const c = v as CustomColumn;
  return typeof c === 'object' && c !== null && typeof c.column === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(c.column) && typeof c.key === 'string' && typeof c.date === 'boolean';
}
