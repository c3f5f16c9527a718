import { parse } from 'csv-parse/sync';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface Table {
  header: string[];
  rows: Record<string, string>[];
}

/**
 * Reads a table the way a loader would: RFC 4180, UTF-8. A plain table (`<t>.csv`, a file) starts with its header
 * row; a sliced one (`<t>.csv/`, a directory) is its slices in name order, gunzipped when `.gz`, without a header:
 * the columns are the manifest's (`columns`, else the names in `schema`).
 */
export function readTable(file: string): Table {
  if (!statSync(file).isDirectory()) {
    const [header = [], ...body] = parseCsv(readFileSync(file, 'utf8'));
    return { header, rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) };
  }
  const manifest = JSON.parse(readFileSync(`${file}.manifest`, 'utf8')) as { has_header?: boolean; columns?: string[]; schema?: Array<{ name: string }> };
  if (manifest.has_header === true) throw new Error(`${file}: a sliced table's manifest says has_header: true`);
  const header = manifest.columns ?? manifest.schema?.map((c) => c.name);
  if (!header) throw new Error(`${file}.manifest names no columns (neither columns nor schema)`);
  const text = sliceNames(file)
    .map((name) => {
      const data = readFileSync(path.join(file, name));
      return (name.endsWith('.gz') ? gunzipSync(data) : data).toString('utf8');
    })
    .join('');
  return { header, rows: parseCsv(text).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) };
}

/** A sliced table's slices, in name order (the order their rows were written). */
export function sliceNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort();
}

function parseCsv(text: string): string[][] {
  return parse(text, { relax_quotes: false, relax_column_count: false });
}
