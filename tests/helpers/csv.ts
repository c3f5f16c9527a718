import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';

export interface Table {
  header: string[];
  rows: Record<string, string>[];
}

/** Reads a table the way a loader would: RFC 4180, header row, UTF-8. */
export function readTable(file: string): Table {
  const records: string[][] = parse(readFileSync(file, 'utf8'), { relax_quotes: false, relax_column_count: false });
  const [header = [], ...body] = records;
  return { header, rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]))) };
}
