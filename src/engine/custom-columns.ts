/**
 * Custom attributes as typed columns (parameters.custom_attribute_columns), driven by a table's
 * `custom_columns` declaration in the template: the attribute definitions come from a list reader, and each
 * attribute becomes a column `custom_<key>` reading that key of the record's custom attribute object.
 *
 * Column names are stable from run to run: the previous run's columns (kept in the state) come first, in their
 * order and with their names, even when an attribute has gone (its column stays, empty); new attributes follow,
 * sorted by key. A name is one the platform keeps as written (src/keboola/platform-rules.ts), so the CSV's header,
 * the manifest and storage agree: see columnNameFor. Names are made unique (case-insensitively) by `_2`, `_3`, …
 * in that order. A name a previous version wrote that the platform would rename is formed again from its key.
 *
 * Each column is typed from its definition's data type (integer, float → number, boolean, a date → integer UNIX
 * seconds, anything else → string) and described from it. Both are kept in the state with the name, so a column
 * whose attribute has gone keeps its type (a typed storage table cannot change a column's type).
 */
import { readAll, type ReaderContext } from '../resources/index.js';
import type { Template } from '../flatten/template.js';
import type { ColumnSpec } from '../generated/template.js';
import type { ColumnType } from '../flatten/mapping.js';
import { createHash } from 'node:crypto';
import { columnNameProblem, MAX_COLUMN_NAME } from '../keboola/platform-rules.js';
import type { CustomColumn, CustomColumns } from '../incremental/state.js';

export type { CustomColumn, CustomColumns };

/** Column types by the definitions' data types (decimal: a conversation attribute from API 2.16); any other (string, a list, an object) is a string column. */
const TYPES: Record<string, ColumnType> = { integer: 'integer', float: 'number', decimal: 'number', boolean: 'boolean' };

const MAX_NAME = MAX_COLUMN_NAME;

export async function customColumns(ctx: ReaderContext, template: Template, previous: CustomColumns): Promise<CustomColumns> {
  const out: CustomColumns = {};
  // Each model's definitions once, all at once: one request each, and the form's column picker has 30 seconds.
  const readersOf = [...new Set(template.roots.flatMap((r) => (r.node.custom_columns ? [r.node.custom_columns.reader] : [])))];
  const definitions = new Map(await Promise.all(readersOf.map(async (reader) => [reader, await definitionsOf(ctx, reader)] as const)));
  for (const root of template.roots) {
    const decl = root.node.custom_columns;
    if (!decl) continue;
    const current = definitions
      .get(decl.reader)!
      .filter((d) => Object.entries(decl.where ?? {}).every(([k, v]) => d[k] === v))
      .map((d) => ({
        key: String(d[decl.name]),
        date: decl.type !== undefined && (decl.dates ?? []).includes(String(d[decl.type])),
        data_type: decl.type !== undefined && d[decl.type] !== undefined && d[decl.type] !== null ? String(d[decl.type]) : undefined,
        description: decl.description !== undefined ? oneLine(d[decl.description]) : undefined,
      }));
    const taken = new Set(root.columns.map((c) => c.toLowerCase()));
    const columns: CustomColumn[] = [];
    for (const p of previous[root.name] ?? []) {
      if (!isCustomColumn(p) || columnNameProblem(p.column) || taken.has(p.column.toLowerCase())) continue;
      taken.add(p.column.toLowerCase());
      const now = current.find((c) => c.key === p.key);
      const { column, key, date, data_type, description } = p;
      columns.push(now ? { ...now, column } : { column, key, date, ...(data_type !== undefined ? { data_type } : {}), ...(description !== undefined ? { description: oneLine(description) } : {}) });
    }
    const known = new Set(columns.map((c) => c.key));
    for (const c of [...current].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      if (known.has(c.key)) continue;
      known.add(c.key);
      columns.push({ column: uniqueName(columnNameFor(c.key), taken), ...c });
    }
    out[root.name] = columns;
  }
  return out;
}

async function definitionsOf(ctx: ReaderContext, reader: string): Promise<Array<Record<string, unknown>>> {
  const defs: Array<Record<string, unknown>> = [];
  for await (const d of readAll(ctx, reader)) defs.push(d);
  return defs;
}

/** The column specs to add to each table. */
export function columnSpecs(template: Template, columns: CustomColumns): Map<string, Record<string, ColumnSpec>> {
  const specs = new Map<string, Record<string, ColumnSpec>>();
  for (const root of template.roots) {
    const decl = root.node.custom_columns;
    if (!decl || !columns[root.name]) continue;
    specs.set(root.name, Object.fromEntries(columns[root.name].map((c) => [c.column, { path: decl.path, key: c.key, ...(c.date ? { format: 'iso_to_unix' as const } : {}), type: columnType(c), description: describe(c) }])));
  }
  return specs;
}

function columnType(c: CustomColumn): ColumnType {
  return c.date ? 'integer' : (TYPES[c.data_type ?? ''] ?? 'string');
}

/** `Custom attribute "plan" (string): The customer's plan.`: one line, ending with a period. */
function describe(c: CustomColumn): string {
  const type = `${c.data_type ?? 'unknown type'}${c.date ? ', as UNIX seconds' : ''}`;
  const description = oneLine(c.description);
  const text = `Custom attribute "${c.key.replace(/\s+/g, ' ')}" (${type})${description ? `: ${description}` : ''}`;
  return text.endsWith('.') ? text : `${text}.`;
}

/** A definition's free text on one line, or undefined when there is none. */
function oneLine(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : '';
  return text === '' ? undefined : text;
}

/**
 * `custom_` and the key in the characters the platform keeps: letters transliterated to ASCII (accents dropped,
 * Cyrillic and Greek spelled in Latin letters), each run of anything else one `_`, no `_` at the end, at most 64
 * characters. A key with no letter or digit left (Chinese, emoji) is named by its hash: `custom_` and the first 8
 * hex digits of the SHA-256 of the key, the same every run.
 */
export function columnNameFor(key: string): string {
  const slug = transliterate(key).replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  const name = slug === '' ? `custom_${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 8)}` : `custom_${slug}`;
  return name.slice(0, MAX_NAME).replace(/_+$/, '');
}

/** Latin letters with accents lose them; these become letters of their own. */
const LETTERS: Record<string, string> = {
  ß: 'ss', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', đ: 'd', Đ: 'D', ł: 'l', Ł: 'L', þ: 'th', Þ: 'TH', ð: 'd', Ð: 'D', ı: 'i',
  а: 'a', б: 'b', в: 'v', г: 'g', ґ: 'g', д: 'd', е: 'e', ё: 'e', є: 'ye', ж: 'zh', з: 'z', и: 'i', і: 'i', ї: 'yi', й: 'y', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
  α: 'a', β: 'v', γ: 'g', δ: 'd', ε: 'e', ζ: 'z', η: 'i', θ: 'th', ι: 'i', κ: 'k', λ: 'l', μ: 'm', ν: 'n', ξ: 'x', ο: 'o', π: 'p', ρ: 'r', σ: 's', ς: 's', τ: 't', υ: 'y', φ: 'f', χ: 'ch', ψ: 'ps', ω: 'o',
};

function transliterate(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFKD').replace(/\p{M}/gu, '')) {
    const lower = ch.toLowerCase();
    const mapped = LETTERS[ch] ?? (LETTERS[lower] !== undefined ? capitalised(LETTERS[lower]) : undefined);
    out += mapped ?? (ch <= '\x7f' ? ch : ' ');
  }
  return out;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

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
  return typeof c === 'object' && c !== null && typeof c.column === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(c.column) && typeof c.key === 'string' && typeof c.date === 'boolean' && ['data_type', 'description'].every((k) => c[k as 'data_type'] === undefined || typeof c[k as 'data_type'] === 'string');
}
