/**
 * Writes out/tables/<table>.csv (RFC 4180, header row, UTF-8) and its manifest. Writes wait for the file
 * stream to drain, so a slow disk slows the readers instead of filling memory.
 */
import { stringify, type Stringifier } from 'csv-stringify';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';

export interface TableSpec {
  name: string;
  columns: string[];
  primaryKey: string[];
}

export interface Manifest {
  primary_key: string[];
  incremental: boolean;
  delete_where?: unknown;
}

export class TableWriter {
  rows = 0;
  private readonly csv: Stringifier;
  private readonly done: Promise<void>;

  constructor(readonly spec: TableSpec, readonly file: string) {
    // Quote every field: a lone CR or a leading space then survives any loader.
    this.csv = stringify({ header: true, columns: spec.columns, quoted: true, quoted_empty: true, record_delimiter: '\n' });
    const out: WriteStream = createWriteStream(file, { encoding: 'utf8' });
    this.done = pipeline(this.csv, out);
    this.done.catch(() => undefined); // surfaced by close()
  }

  async write(row: string[]): Promise<void> {
    this.rows++;
    if (!this.csv.write(row)) await Promise.race([once(this.csv, 'drain'), this.done]);
  }

  async close(): Promise<void> {
    this.csv.end();
    await this.done;
  }
}

export class TableWriters {
  private readonly writers = new Map<string, TableWriter>();

  private constructor(readonly dir: string) {}

  /** Opens every table of the template at once: a table with no rows is still written, header only. */
  static async open(outTablesDir: string, specs: TableSpec[]): Promise<TableWriters> {
    await mkdir(outTablesDir, { recursive: true });
    const w = new TableWriters(outTablesDir);
    for (const spec of specs) w.writers.set(spec.name, new TableWriter(spec, path.join(outTablesDir, `${spec.name}.csv`)));
    return w;
  }

  get(name: string): TableWriter {
    const w = this.writers.get(name);
    if (!w) throw new Error(`no writer for table ${name}`);
    return w;
  }

  counts(): Map<string, number> {
    return new Map([...this.writers].map(([name, w]) => [name, w.rows]));
  }

  /** Closes every CSV and writes the manifests; call only after every row is written. */
  async close(manifestFor: (spec: TableSpec) => Manifest): Promise<void> {
    for (const w of this.writers.values()) {
      await w.close();
      await writeFile(`${w.file}.manifest`, JSON.stringify(manifestFor(w.spec), null, 2) + '\n');
    }
  }

  /** On failure: finish the files so no handle leaks; the platform loads nothing from a failed run. */
  async abort(): Promise<void> {
    await Promise.allSettled([...this.writers.values()].map((w) => w.close()));
  }
}
