/**
 * Writes out/tables/<table>.csv (RFC 4180, header row, UTF-8) and its manifest. Writes wait for the file
 * stream to drain, so a slow disk slows the readers instead of filling memory. A write the file system
 * refuses (a full disk, …) fails every later write and the close with one EnvironmentError naming the file.
 *
 * A big table is written as a sliced table (Keboola's form for large loads): once its CSV passes `sliceBytes`
 * (uncompressed), at a row boundary, the rows written so far become out/tables/<table>.csv/part-00000.csv.gz
 * (without the header) and later rows go to part-00001.csv.gz, … each holding about `sliceBytes` of CSV,
 * gzipped. The manifest of a sliced table says `has_header: false` and names the columns in order (src/keboola/manifest.ts).
 * A table below the threshold is one plain CSV with a header, as it always was.
 */
import { stringify, type Stringifier } from 'csv-stringify';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Manifest, ManifestMode } from './manifest.js';
import { describeProblem, manifestProblems } from './platform-rules.js';
import { AppError } from '../errors.js';
import { fsError, mkdirp, writeFileAtomic } from './files.js';
import { clearTable } from './stale-tables.js';
import { log } from '../log.js';

export interface TableSpec {
  name: string;
  columns: string[];
  primaryKey: string[];
}

export interface TableWriterOptions {
  /** Uncompressed CSV bytes past which a table is written as gzipped slices, each of about this size. */
  sliceBytes?: number;
  /**
   * A test seam, left unset in production: opens the stream a file of the table is written to (the plain CSV, or a
   * slice under its gzip). Unset, it is node:fs createWriteStream. tests/unit/tables.test.ts passes a disk it can hold
   * and let go, to measure how much a writer keeps in memory while the disk takes nothing.
   */
  openFile?: (file: string) => Writable;
}

const openFileStream = (file: string): Writable => createWriteStream(file);

/**
 * 256 MiB: gzip level 6 compresses a first slice this size in 6–8 s (34–43 MB/s measured on 2 cores), the
 * one pause a table takes when it turns sliced, and the slices stay under the 500 MB Keboola's own slicer cuts.
 */
export const DEFAULT_SLICE_BYTES = 256 * 1024 * 1024;
/** zlib's default: 15–18 MB/s through the CSV writer (several times what the rate limit lets a run produce), 6–8× smaller. */
export const GZIP_LEVEL = 6;
/** Rows are handed to the file (and to gzip) in batches: zlib pays per write, and a row is a few hundred bytes. */
export const BATCH_BYTES = 64 * 1024;

export class TableWriter {
  rows = 0;
  private readonly csv: Stringifier;
  private readonly out: TableOutput;
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
    sliceBytes = DEFAULT_SLICE_BYTES,
    openFile = openFileStream,
  ) {
    if (!(sliceBytes > 0)) throw new Error(`sliceBytes must be a positive number of bytes, not ${sliceBytes}`);
    // Quote every field: a lone CR or a leading space then survives any loader. One string per record (the header
    // is the first), so the output below sees row boundaries.
    this.csv = stringify({ header: true, columns: spec.columns, quoted: true, quoted_empty: true, record_delimiter: '\n', readableObjectMode: true });
    this.csv.on('drain', () => this.wake?.());
    this.out = new TableOutput(spec.name, file, sliceBytes, openFile);
    this.done = pipeline(this.csv, this.out).catch((e: unknown) => {
      this.failure = fsError(e, file);
      this.wake?.(this.failure);
      throw this.failure;
    });
    this.done.catch(() => undefined); // surfaced by the next write() or by close()
  }

  /** True once the table is written as gzipped slices in the directory `file` (then it has no header). */
  get sliced(): boolean {
    return this.out.sliced;
  }

  /** How many slices the table has so far (0 while it is one plain CSV). */
  get slices(): number {
    return this.out.slices;
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

/** Where a table's CSV text goes: the plain file, then (past the threshold) one gzipped slice after another. */
interface Target {
  file: string;
  /** What the CSV is written to: the file stream, or the gzip stream in front of it. */
  input: Writable;
  streams: Writable[];
  /** Settles when the file is written and closed; rejects with an EnvironmentError naming the file. */
  done: Promise<void>;
}

/**
 * Takes the CSV one record at a time (the header first) and writes it to the plain file, switching to slices
 * between two rows once the plain file passes the threshold.
 */
class TableOutput extends Writable {
  sliced = false;
  slices = 0;
  private target?: Target;
  /** The header line's bytes (it opens the plain file only); -1 until it is written. */
  private headerBytes = -1;
  /** Uncompressed CSV bytes, and rows, in the plain file or the current slice. */
  private bytes = 0;
  private rowsHere = 0;
  private batch: string[] = [];
  private batchBytes = 0;
  /** Stops the copy of the plain file into the first slice if the output is torn down meanwhile. */
  private readonly copying = new AbortController();

  constructor(
    readonly table: string,
    readonly file: string,
    private readonly sliceBytes: number,
    private readonly openFile: (file: string) => Writable,
  ) {
    super({ objectMode: true, highWaterMark: 4 });
    this.target = this.open(file, false);
  }

  override _write(record: string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const size = Buffer.byteLength(record);
    if (this.headerBytes < 0) this.headerBytes = size;
    else this.rowsHere++;
    this.bytes += size;
    this.batch.push(record);
    this.batchBytes += size;
    // A file or slice is cut only after a row (a header alone never makes a slice).
    const cut = this.rowsHere > 0 && this.bytes >= this.sliceBytes;
    if (!cut && this.batchBytes < BATCH_BYTES) return callback();
    (cut ? this.cut() : this.flush()).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush()
      .then(() => this.closeTarget())
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.copying.abort();
    for (const s of this.target?.streams ?? []) s.destroy();
    this.target = undefined;
    callback(error);
  }

  /** Writes the batched rows to the current file or slice (opening the next slice if none is open). */
  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const text = this.batch.join('');
    this.batch = [];
    this.batchBytes = 0;
    const t = (this.target ??= this.open(this.slicePath(this.slices++), true));
    if (!t.input.write(text)) {
      const drained = once(t.input, 'drain').catch((e: unknown) => {
        throw fsError(e, t.file);
      });
      await Promise.race([drained, t.done]);
    }
  }

  /** Ends the plain file or the current slice after the row just written; the next row starts a new slice. */
  private async cut(): Promise<void> {
    await this.flush();
    await this.closeTarget();
    if (!this.sliced) await this.toSlices();
    this.bytes = 0;
    this.rowsHere = 0;
  }

  private async closeTarget(): Promise<void> {
    const t = this.target;
    if (!t) return;
    this.target = undefined;
    t.input.end();
    await t.done;
  }

  /** The plain file, without its header, becomes the first slice of the directory that takes its name. */
  private async toSlices(): Promise<void> {
    const plain = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.plain.tmp`);
    try {
      await rename(this.file, plain);
      await mkdir(this.file);
    } catch (e) {
      throw fsError(e, this.file);
    }
    this.sliced = true;
    log.info(`Table ${this.table} passed ${size(this.sliceBytes)}: writing it as gzipped slices in ${path.basename(this.file)}/ (a sliced table: no header, the manifest lists the columns).`);
    const first = this.slicePath(this.slices++);
    try {
      await pipeline(createReadStream(plain, { start: this.headerBytes, highWaterMark: 1024 * 1024 }), createGzip({ level: GZIP_LEVEL }), this.openFile(first), { signal: this.copying.signal });
    } catch (e) {
      await unlink(plain).catch(() => undefined);
      throw fsError(e, first);
    }
    await unlink(plain).catch((e: unknown) => {
      throw fsError(e, plain, 'remove');
    });
  }

  /** A file refusing a write fails the whole output at once (the writers waiting on it wake with the error). */
  private open(file: string, gzip: boolean): Target {
    const fileStream = this.openFile(file);
    const z = gzip ? createGzip({ level: GZIP_LEVEL }) : undefined;
    const done = (z ? pipeline(z, fileStream) : finished(fileStream)).catch((e: unknown) => {
      throw fsError(e, file);
    });
    done.catch((e: unknown) => this.destroy(e as Error));
    return { file, input: z ?? fileStream, streams: z ? [z, fileStream] : [fileStream], done };
  }

  private slicePath(n: number): string {
    return path.join(this.file, `part-${String(n).padStart(5, '0')}.csv.gz`);
  }
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

export class TableWriters {
  private readonly writers = new Map<string, TableWriter>();

  private constructor(readonly dir: string) {}

  /**
   * Opens every table of the template at once: a table with no rows is still written, header only.
   * `sliceBytes` (default DEFAULT_SLICE_BYTES) is where a table turns into gzipped slices. An earlier run's
   * files of these tables (a run by hand into the same directory) are replaced: src/keboola/stale-tables.ts.
   */
  static async open(outTablesDir: string, specs: TableSpec[], options: TableWriterOptions = {}): Promise<TableWriters> {
    await mkdirp(outTablesDir);
    for (const spec of specs) await clearTable(outTablesDir, spec.name);
    const w = new TableWriters(outTablesDir);
    for (const spec of specs) w.writers.set(spec.name, new TableWriter(spec, path.join(outTablesDir, `${spec.name}.csv`), options.sliceBytes, options.openFile));
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
   * row is written. Each manifest is checked against the platform's rules first (src/keboola/platform-rules.ts):
   * one the platform would refuse fails the run here, naming the rule, instead of the platform's load later.
   * If one fails, the rest are closed too before the error is thrown.
   */
  async close(manifestFor: (spec: TableSpec, sliced: boolean) => Manifest, mode: ManifestMode): Promise<void> {
    try {
      for (const w of this.writers.values()) {
        await w.close();
        const manifest = manifestFor(w.spec, w.sliced);
        const problems = manifestProblems(w.spec.name, manifest, { mode, sliced: w.sliced, header: w.spec.columns });
        if (problems.length > 0) throw new AppError(`The manifest of table ${w.spec.name} breaks the platform's rules (a bug, please report it): ${problems.map(describeProblem).join('; ')}`);
        await writeFileAtomic(`${w.file}.manifest`, JSON.stringify(manifest, null, 2) + '\n');
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
