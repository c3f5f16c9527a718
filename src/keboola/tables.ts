/**
 * Writes out/tables/<table>.csv (RFC 4180, header row, UTF-8) and its manifest. Writes wait for the file
 * stream to drain, so a slow disk slows the readers instead of filling memory. A write the file system
 * refuses (a full disk, …) fails every later write and the close with one EnvironmentError naming the file.
 */
import { stringify, type Stringifier } from 'csv-stringify';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Manifest } from './manifest.js';
import { pipeline } from 'node:stream/promises';
import { fsError, mkdirp, writeFileAtomic } from './files.js';

export interface TableSpec {
  name: string;
  columns: string[];
  primaryKey: string[];
}


export class TableWriter {
  rows = 0;
  private readonly csv: Stringifier;
  private readonly done: Promise<void>;
  private failure: unknown;
  private ended = false;
  /**
   * Set while the buffer is full: every writer that finds it so waits on this one promise, woken by the one
   * 'drain' listener (or by the stream failing). Many concurrent writers never pile up listeners.
   */
  private drained?: Promise<void>;
  private wake?: (err?: unknown) => void;

  constructor(
    readonly spec: TableSpec,
    readonly file: string,
  ) {
    // Quote every field: a lone CR or a leading space then survives any loader.
    this.csv = stringify({ header: true, columns: spec.columns, quoted: true, quoted_empty: true, record_delimiter: '\n' });
    this.csv.on('drain', () => this.wake?.());
    this.done = pipeline(this.csv, createWriteStream(file, { encoding: 'utf8' })).catch((e: unknown) => {
      this.failure = fsError(e, file);
      this.wake?.(this.failure);
      throw this.failure;
    });
    this.done.catch(() => undefined); // surfaced by the next write() or by close()
  }

  async write(row: string[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.rows++;
    // Whoever comes while the buffer is full waits too (its row is queued already): the wait is shared, so
    // the buffer overshoots by at most one row per concurrent writer.
    if (!this.csv.write(row) || this.drained) await (this.drained ??= this.untilDrained());
  }

  private untilDrained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.wake = (err) => {
        this.drained = this.wake = undefined;
        if (err) reject(err);
        else resolve();
      };
    });
  }

  async close(): Promise<void> {
    if (!this.failure && !this.ended) this.csv.end();
    this.ended = true;
    await this.done;
  }
}

export class TableWriters {
  private readonly writers = new Map<string, TableWriter>();

  private constructor(readonly dir: string) {}

  /** Opens every table of the template at once: a table with no rows is still written, header only. */
  static async open(outTablesDir: string, specs: TableSpec[]): Promise<TableWriters> {
    await mkdirp(outTablesDir);
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

  /**
   * Closes every CSV and writes the manifests (each atomically: complete or absent); call only after every
   * row is written. If one fails, the rest are closed too before the error is thrown.
   */
  async close(manifestFor: (spec: TableSpec) => Manifest): Promise<void> {
    try {
      for (const w of this.writers.values()) {
        await w.close();
        await writeFileAtomic(`${w.file}.manifest`, JSON.stringify(manifestFor(w.spec), null, 2) + '\n');
      }
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** On failure: finish the files so no handle leaks; the platform loads nothing from a failed run. */
  async abort(): Promise<void> {
    await Promise.allSettled([...this.writers.values()].map((w) => w.close()));
  }
}
