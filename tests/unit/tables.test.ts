import { expect } from 'chai';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getDefaultHighWaterMark, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { constants as zlib, gunzipSync } from 'node:zlib';
import { BATCH_BYTES, TableWriters, type TableWriter } from '../../src/keboola/tables.js';
import { setQuiet } from '../../src/log.js';
import { readTable, sliceNames } from '../helpers/csv.js';
import { manifestOf } from '../helpers/storage.js';

/**
 * A disk whose pace the test sets, given to the writers through their `openFile` seam. Each file is a stream that
 * passes every chunk on to the real file, except while the disk is held: then the chunk waits, unwritten, until
 * step() writes it or release() lets everything go. `handed` counts the bytes given to the file system.
 */
class Disk {
  /** The disk's own buffer (a file stream's, on Node 20): the writer sees it full as it would a real file's. */
  static readonly HIGH_WATER_MARK = 16 * 1024;
  handed = 0;
  private held = false;
  private readonly waiting: Array<() => Promise<void>> = [];
  /** What each gzipped slice got so far, and how much CSV that is (cached: only the open slice grows). */
  private readonly slices = new Map<string, { chunks: Buffer[]; csvBytes: number; counted: number }>();

  readonly open = (file: string): Writable => {
    const real = createWriteStream(file);
    const slice = file.endsWith('.gz') ? { chunks: [] as Buffer[], csvBytes: 0, counted: 0 } : undefined;
    if (slice) this.slices.set(file, slice);
    return new Writable({
      highWaterMark: Disk.HIGH_WATER_MARK,
      write: (chunk: Buffer, _encoding, callback) => {
        const pass = () =>
          new Promise<void>((resolve) =>
            real.write(chunk, (err) => {
              if (!err) {
                this.handed += chunk.length;
                slice?.chunks.push(chunk);
              }
              callback(err);
              resolve();
            }),
          );
        if (this.held) this.waiting.push(pass);
        else void pass();
      },
      final: (callback) => {
        real.end();
        finished(real).then(() => callback(), callback);
      },
      destroy: (err, callback) => {
        real.destroy();
        callback(err);
      },
    });
  };

  /** True while a chunk waits on the held disk. */
  get blocked(): boolean {
    return this.waiting.length > 0;
  }

  hold(): void {
    this.held = true;
  }

  /** Writes the oldest waiting chunk (the disk stays held); resolves once the file system has it. */
  async step(): Promise<void> {
    const pass = this.waiting.shift();
    if (!pass) throw new Error('no chunk waits on the disk');
    await pass();
  }

  release(): void {
    this.held = false;
    for (const pass of this.waiting.splice(0)) void pass();
  }

  /**
   * The CSV bytes in the gzipped slices the disk has taken: each slice's bytes so far, gunzipped as far as they go
   * (a sync flush reads a cut-off stream). Whatever gzip has taken but not yet given the disk is not counted.
   */
  slicedCsvBytes(): number {
    let total = 0;
    for (const s of this.slices.values()) {
      if (s.counted !== s.chunks.length) {
        s.csvBytes = gunzipSync(Buffer.concat(s.chunks), { finishFlush: zlib.Z_SYNC_FLUSH }).length;
        s.counted = s.chunks.length;
      }
      total += s.csvBytes;
    }
    return total;
  }
}

/**
 * 1 MiB of seeded pseudo-random base64 text. A row's pad is cut from it (rows a megabyte apart share text, far
 * outside gzip's 32 KiB window), so a gzipped slice is about as big as its CSV: bytes, not a few repeated letters.
 */
const NOISE = (() => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let seed = 0x2545f491;
  const chars: string[] = [];
  for (let i = 0; i < 1024 * 1024; i++) {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    chars.push(alphabet[((t ^ (t >>> 14)) >>> 0) % 64]);
  }
  return chars.join('');
})();
const PAD = 1000;
const rowOf = (i: number): [string, string] => {
  const at = (i * PAD) % (NOISE.length - PAD);
  return [String(i), NOISE.slice(at, at + PAD)];
};
/** The row as the writer's CSV: every field quoted (the pad holds no quote), one newline. */
const csvBytes = (row: string[]) => Buffer.byteLength(row.map((f) => `"${f}"`).join(',') + '\n');
const ROW_BYTES = csvBytes(rowOf(19_999)); // the longest row of the test

/**
 * The most a writer may hold that the disk has not taken: the batch it is handing to the file (BATCH_BYTES and
 * the row that filled it), then rows in the object-mode buffers between write() and the batch, counted as rows:
 * the CSV stringifier's 16 in and 16 out, the output's 4, one in each of the two stages and the caller's own, 39,
 * rounded up to 48. A writer that ignored the file's answer would hold the whole table.
 */
const BOUND_BYTES = BATCH_BYTES + 48 * ROW_BYTES;
/**
 * Under gzip, also what the gzip stream holds (its input and output buffers, zlib's default high-water mark each,
 * and one more output chunk) and the disk's buffer: compressed bytes, each counted as 2 bytes of CSV for good
 * measure (the noise compresses to about 0.76).
 */
const BOUND_GZIP_BYTES = BOUND_BYTES + 2 * (3 * getDefaultHighWaterMark(false) + Disk.HIGH_WATER_MARK);

interface Producer {
  /** Rows given to write(), the one it waits on included, and their CSV bytes. */
  offered: number;
  offeredBytes: number;
  done: boolean;
  finished: Promise<void>;
}

/** The extractor's way of writing a table: one row after another, each write awaited. */
function produce(table: TableWriter, rows: number): Producer {
  const p: Producer = { offered: 0, offeredBytes: 0, done: false, finished: Promise.resolve() };
  p.finished = (async () => {
    for (let i = 0; i < rows; i++) {
      const row = rowOf(i);
      p.offered++;
      p.offeredBytes += csvBytes(row);
      await table.write(row);
    }
    p.done = true;
  })();
  return p;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits until the writer is stuck on the held disk (a chunk waits on it and the producer gave no row for three
 * turns of the event loop) or the producer is done. No clock: with the disk held, a plain table's streams move on
 * ticks and promises alone, which one turn runs to the end, so where it stops is the same on any machine. (Under
 * gzip, zlib works on a thread and may free room after a stop; the rows the writer then takes count at the next
 * stop.) A writer that ignores the disk never stops: it stops when its rows run out, far past the bound.
 */
async function settle(disk: Disk, producer: Producer): Promise<void> {
  let last = -1;
  for (let still = 0; still < 3; ) {
    await nextTurn();
    still = producer.offered === last && (disk.blocked || producer.done) ? still + 1 : 0;
    last = producer.offered;
  }
}

describe('table writers', () => {
  it('escapes quotes, commas, newlines, CR and unicode so a loader reads back the same values', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tables-'));
    const w = await TableWriters.open(dir, [{ name: 't', columns: ['id', 'text'], primaryKey: ['id'] }]);
    const nasty = ['say "hi", ok', 'line1\nline2', 'cr\ronly', 'crlf\r\nend', ' lead and trail ', 'žluťoučký 🐴 日本語', '', '"'];
    for (const [i, text] of nasty.entries()) await w.get('t').write([String(i), text]);
    await w.close((spec, sliced) => manifestOf(spec, sliced), 'authoritative');

    const table = readTable(path.join(dir, 't.csv'));
    expect(table.header).to.deep.equal(['id', 'text']);
    expect(table.rows.map((r) => r.text)).to.deep.equal(nasty);
    const raw = await readFile(path.join(dir, 't.csv'), 'utf8');
    expect(raw.startsWith('"id","text"\n')).to.equal(true);
    expect(raw).to.include('"say ""hi"", ok"');
    const column = (name: string, primaryKey: boolean) => ({ name, data_type: { base: { type: 'STRING' } }, nullable: !primaryKey, primary_key: primaryKey, description: `Column ${name}.` });
    expect(JSON.parse(await readFile(path.join(dir, 't.csv.manifest'), 'utf8'))).to.deep.equal({
      manifest_type: 'output',
      has_header: true,
      incremental: false,
      description: 'Table t.',
      schema: [column('id', true), column('text', false)],
    });
  });

  it('writes every opened table, header only when it got no rows', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tables-'));
    const w = await TableWriters.open(dir, [{ name: 'empty', columns: ['a', 'b'], primaryKey: ['a'] }]);
    await w.close((spec, sliced) => manifestOf(spec, sliced), 'authoritative');
    expect(await readFile(path.join(dir, 'empty.csv'), 'utf8')).to.equal('"a","b"\n');
  });

  describe('backpressure: what a writer holds that the disk has not taken is bounded, however slow the disk', () => {
    const ROWS = 20_000; // about 20 MB of CSV, some 180 times the bound
    // Fewer under gzip: each stop of the disk gunzips the open slice to count what it holds (8 MB, 8 slices of 1 MiB).
    const GZIP_ROWS = 8_000;
    const spec = { name: 'big', columns: ['id', 'pad'], primaryKey: ['id'] };
    const HEADER_BYTES = csvBytes(spec.columns);
    // Nothing here prints: the writers' one log line (a table turning sliced, on stdout) is silenced, and a
    // listener pile-up warning, which Node would print on stderr, is caught and must not happen.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    let wasQuiet = false;
    beforeEach(() => {
      warnings.length = 0;
      process.on('warning', onWarning);
      wasQuiet = setQuiet(true);
    });
    afterEach(async () => {
      await nextTurn();
      setQuiet(wasQuiet);
      process.off('warning', onWarning);
      expect(warnings).to.deep.equal([]);
    });

    /**
     * The slowest disk: it takes one chunk, then nothing until the writer is stuck again, to the last row. `held`
     * (what the writer took less what the disk has) is measured at every stop; returns its largest value.
     */
    async function stepThrough(disk: Disk, producer: Producer, held: () => number): Promise<{ steps: number; maxHeld: number }> {
      let maxHeld = held();
      let steps = 0;
      while (!producer.done) {
        await disk.step();
        steps++;
        await settle(disk, producer);
        maxHeld = Math.max(maxHeld, held());
      }
      disk.release();
      await producer.finished;
      return { steps, maxHeld };
    }

    const expectAllRows = (file: string, count: number) => {
      const rows = readTable(file).rows;
      expect(rows).to.have.length(count);
      // Complete and in order: compared as one array, so a mismatch names its first differing row.
      expect(rows.map((r) => [r.id, r.pad])).to.deep.equal(Array.from({ length: count }, (_, i) => rowOf(i)));
    };

    it('survives many rows without holding them (backpressure)', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tables-'));
      const disk = new Disk();
      const w = await TableWriters.open(dir, [spec], { openFile: disk.open });
      disk.hold();
      const producer = produce(w.get('big'), ROWS);
      const held = () => HEADER_BYTES + producer.offeredBytes - disk.handed;

      // A disk that takes nothing: write() stops resolving once the writer holds a batch and its buffers.
      await settle(disk, producer);
      expect(disk.handed).to.equal(0);
      const whileHeld = producer.offered;
      expect(whileHeld, `rows taken while the disk took nothing, of ${ROWS}`).to.be.at.most(Math.floor(BOUND_BYTES / ROW_BYTES));
      expect(held(), `bytes held with ${whileHeld} rows taken`).to.be.at.most(BOUND_BYTES);
      expect(producer.done).to.equal(false);

      const { steps, maxHeld } = await stepThrough(disk, producer, held);
      await w.close((s, sliced) => manifestOf(s, sliced), 'authoritative');
      expect(maxHeld, `at most ${maxHeld} bytes held over ${steps} steps of the disk`).to.be.at.most(BOUND_BYTES);

      const file = path.join(dir, 'big.csv');
      expect((await stat(file)).size).to.equal(disk.handed);
      expect(disk.handed).to.equal(HEADER_BYTES + producer.offeredBytes);
      expectAllRows(file, ROWS);
    });

    it('and so does a table written as gzipped slices', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tables-'));
      const disk = new Disk();
      const w = await TableWriters.open(dir, [spec], { openFile: disk.open, sliceBytes: 1024 * 1024 });
      const producer = produce(w.get('big'), GZIP_ROWS);
      // Hold the disk once the rows go to a gzipped slice, the first slice (the plain file's rows, copied) written.
      while (w.get('big').slices < 2) await nextTurn();
      disk.hold();
      const base = producer.offered;
      const held = () => producer.offeredBytes - disk.slicedCsvBytes();

      await settle(disk, producer);
      const whileHeld = producer.offered - base;
      expect(held(), `bytes held, ${whileHeld} rows taken since the disk stopped at row ${base}`).to.be.at.most(BOUND_GZIP_BYTES);
      expect(producer.done).to.equal(false);

      const { steps, maxHeld } = await stepThrough(disk, producer, held);
      await w.close((s, sliced) => manifestOf(s, sliced), 'authoritative');
      expect(maxHeld, `at most ${maxHeld} bytes held over ${steps} steps of the disk`).to.be.at.most(BOUND_GZIP_BYTES);

      const file = path.join(dir, 'big.csv');
      expect(w.get('big').sliced).to.equal(true);
      expect(sliceNames(file)).to.have.length(w.get('big').slices).and.to.have.length.above(5);
      expect(disk.slicedCsvBytes()).to.equal(producer.offeredBytes);
      expectAllRows(file, GZIP_ROWS);
    });
  });
});
