/**
 * Big tables as Keboola sliced tables: past `sliceBytes` of CSV a table becomes out/tables/<t>.csv/, a directory of
 * headerless gzipped slices (part-00000.csv.gz, …), and its manifest says has_header: false with the columns in
 * its schema. Smaller tables stay one plain CSV with a header. The rows are the same either way.
 */
import { expect } from 'chai';
import { mkdtemp, readdir, readFile, stat, symlink } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_SLICE_BYTES, TableWriters } from '../../src/keboola/tables.js';
import { EnvironmentError } from '../../src/errors.js';
import { setQuiet } from '../../src/log.js';
import { generateWorkspace, startSimulator, type Simulator } from '../simulator/index.js';
import { config, listFiles, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { readTable, sliceNames } from '../helpers/csv.js';
import { manifestOf, rowsOf, Storage } from '../helpers/storage.js';

const TOKEN = 'slices-token-0123456789abc';
const SLICE_BYTES = 10_000;

/** The uncompressed text of each slice of a sliced table, in order. */
async function slicesOf(dir: string): Promise<string[]> {
  return Promise.all(sliceNames(dir).map(async (n) => gunzipSync(await readFile(path.join(dir, n))).toString('utf8')));
}

const headerLine = (columns: string[]) => columns.map((c) => `"${c}"`).join(',') + '\n';

describe('sliced tables', function () {
  this.timeout(60_000);

  describe('a run with a small slice threshold', () => {
    let sim: Simulator;
    let plain: RunResult;
    let sliced: RunResult;
    const tablesOf = (run: RunResult) => path.join(run.dataDir, 'out', 'tables');

    before(async () => {
      sim = await startSimulator({ workspace: generateWorkspace({ seed: 13, users: 30, leads: 10, conversations: 40 }), token: TOKEN });
      const cfg = config(sim.url, TOKEN, { template: 'conversations' });
      // One data-type mode for both, so their manifests compare; the native-types form, which has a schema.
      plain = await runExtractor(cfg, TEST_OVERRIDES, undefined, { mode: 'authoritative' });
      expect(plain.code, plain.stderr).to.equal(0);
      sliced = await runExtractor(cfg, { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, sliceBytes: SLICE_BYTES } }, undefined, { mode: 'authoritative' });
      expect(sliced.code, sliced.stderr).to.equal(0);
      expect(sliced.stderr).to.equal('');
    });
    after(() => sim.close());

    it('writes a table past the threshold as several headerless gzipped slices of about the threshold each', async () => {
      const dir = path.join(tablesOf(sliced), 'conversation_parts.csv');
      expect((await stat(dir)).isDirectory()).to.equal(true);
      const names = await readdir(dir);
      expect(names.length).to.be.at.least(3);
      expect([...names].sort()).to.deep.equal(names.map((_, i) => `part-${String(i).padStart(5, '0')}.csv.gz`));
      const header = plain.table('conversation_parts').header;
      const texts = await slicesOf(dir);
      for (const [i, text] of texts.entries()) {
        expect(text.startsWith(headerLine(header)), `slice ${i} has no header`).to.equal(false);
        expect(text.startsWith('"conversation_part",'), `slice ${i} starts with a row`).to.equal(true);
        expect(text.endsWith('\n'), `slice ${i} ends with a whole row`).to.equal(true);
        const bytes = Buffer.byteLength(text);
        expect(bytes, `slice ${i} is cut after the row that reaches the threshold`).to.be.below(2 * SLICE_BYTES);
        if (i < texts.length - 1) expect(bytes, `slice ${i} is full`).to.be.at.least(SLICE_BYTES - Buffer.byteLength(headerLine(header)));
      }
      expect(sliced.stdout).to.include('Table conversation_parts passed 10000 bytes: writing it as gzipped slices in conversation_parts.csv/');
    });

    it("says so in the manifest: has_header false, the plain run's columns in its schema, the rest unchanged", async () => {
      const manifest = await sliced.manifest('conversation_parts');
      expect(manifest.has_header).to.equal(false);
      expect((manifest.schema as Array<{ name: string }>).map((c) => c.name)).to.deep.equal(plain.table('conversation_parts').header);
      // Keboola's output mapping refuses a manifest with both `schema` and `columns`.
      expect(manifest).not.to.have.property('columns');
      expect(manifest).to.deep.equal({ ...(await plain.manifest('conversation_parts')), has_header: false });
    });

    it('keeps a table below the threshold one plain CSV with a header, its manifest as before', async () => {
      const file = path.join(tablesOf(sliced), 'conversations_tags.csv');
      expect((await stat(file)).isFile()).to.equal(true);
      const text = await readFile(file, 'utf8');
      expect(Buffer.byteLength(text)).to.be.below(SLICE_BYTES);
      expect(text.startsWith(headerLine(plain.table('conversations_tags').header))).to.equal(true);
      expect(await sliced.manifest('conversations_tags')).to.deep.equal(await plain.manifest('conversations_tags'));
    });

    it('writes the same rows as a run with the default threshold, in every table, and counts them right', async () => {
      const names = await sliced.tables();
      expect(names).to.deep.equal(await plain.tables());
      const kinds = await Promise.all(names.map(async (n) => ((await stat(path.join(tablesOf(sliced), `${n}.csv`))).isDirectory() ? 'sliced' : 'plain')));
      expect(kinds.filter((k) => k === 'sliced').length, 'several tables sliced').to.be.at.least(2);
      expect(kinds, 'others plain').to.include('plain');
      for (const name of names) {
        expect(sliced.table(name).header, name).to.deep.equal(plain.table(name).header);
        expect(rowsOf(sliced, name), name).to.deep.equal(rowsOf(plain, name));
      }
      const state = JSON.parse(await readFile(path.join(sliced.dataDir, 'out', 'state.json'), 'utf8')) as { last_run: { rows: Record<string, number> } };
      const plainState = JSON.parse(await readFile(path.join(plain.dataDir, 'out', 'state.json'), 'utf8')) as { last_run: { rows: Record<string, number> } };
      expect(state.last_run.rows).to.deep.equal(plainState.last_run.rows);
      for (const name of names) expect(state.last_run.rows[name], name).to.equal(sliced.table(name).rows.length);
    });

    it('loads into storage as the plain run does, and leaves no temporary file', async () => {
      const a = new Storage();
      await a.load(plain);
      const b = new Storage();
      await b.load(sliced);
      for (const name of await plain.tables()) expect(b.rows(name), name).to.deep.equal(a.rows(name));
      const files = await listFiles(tablesOf(sliced));
      expect(files.filter((f) => path.basename(f).startsWith('.')), 'no temporary files').to.deep.equal([]);
      expect(files.filter((f) => !f.endsWith('.manifest')).every((f) => f.endsWith('.csv') || /\.csv\/part-\d{5}\.csv\.gz$/.test(f))).to.equal(true);
    });
  });

  describe('the writers', () => {
    const spec = { name: 't', columns: ['id', 'text'], primaryKey: ['id'] };
    const nasty = ['say "hi", ok', 'line1\nline2', 'cr\ronly', 'crlf\r\nend', ' lead ', 'žluťoučký 🐴 日本語', '', '"'];
    const rowOf = (i: number) => [String(i), `${nasty[i % nasty.length]} ${'x'.repeat(i % 97)}`];
    const fds = () => readdirSync('/proc/self/fd').length;
    // The writers log when a table turns sliced; a unit test has no use for the line.
    let wasQuiet = false;
    before(() => (wasQuiet = setQuiet(true)));
    after(() => setQuiet(wasQuiet));

    it('write rows across the threshold into slices that read back complete and in order, counted right', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'slices-'));
      const w = await TableWriters.open(dir, [spec, { name: 'small', columns: ['a'], primaryKey: ['a'] }], { sliceBytes: 5_000 });
      for (let i = 0; i < 1_000; i++) await w.get('t').write(rowOf(i));
      await w.get('small').write(['only']);
      expect(w.get('t').sliced).to.equal(true);
      await w.close((s, sliced) => manifestOf(s, sliced), 'authoritative');

      expect(w.counts()).to.deep.equal(new Map([['t', 1_000], ['small', 1]]));
      const table = readTable(path.join(dir, 't.csv'));
      expect(table.header).to.deep.equal(['id', 'text']);
      expect(table.rows.map((r) => [r.id, r.text])).to.deep.equal(Array.from({ length: 1_000 }, (_, i) => rowOf(i)));
      const texts = await slicesOf(path.join(dir, 't.csv'));
      expect(texts.length).to.equal(w.get('t').slices);
      expect(texts.length).to.be.above(10);
      for (const text of texts.slice(0, -1)) expect(Buffer.byteLength(text)).to.be.within(5_000 - 20, 5_000 + 200);
      expect(texts.some((t) => t.includes('"id","text"'))).to.equal(false);
      const manifest = JSON.parse(await readFile(path.join(dir, 't.csv.manifest'), 'utf8'));
      expect(manifest).to.deep.equal({ ...manifestOf(spec), has_header: false });
      expect(await readFile(path.join(dir, 'small.csv'), 'utf8')).to.equal('"a"\n"only"\n');
      expect(JSON.parse(await readFile(path.join(dir, 'small.csv.manifest'), 'utf8')).has_header).to.equal(true);
      expect((await readdir(dir)).sort()).to.deep.equal(['small.csv', 'small.csv.manifest', 't.csv', 't.csv.manifest']);
    });

    it('keep every row with many writers at once, and make one slice (no empty one) of a table that crosses at its last row', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'slices-'));
      const w = await TableWriters.open(dir, [spec, { name: 'once', columns: ['id', 'text'], primaryKey: ['id'] }], { sliceBytes: 3_000 });
      await Promise.all(Array.from({ length: 400 }, (_, i) => w.get('t').write(rowOf(i))));
      // A 12-byte header and rows of 300 bytes: the tenth and last row passes 3,000 bytes.
      for (let i = 0; i < 10; i++) await w.get('once').write([String(i), 'y'.repeat(293)]);
      await w.close((s, sliced) => manifestOf(s, sliced), 'authoritative');
      const rows = readTable(path.join(dir, 't.csv')).rows.map((r) => [r.id, r.text]);
      expect(rows.sort((a, b) => Number(a[0]) - Number(b[0]))).to.deep.equal(Array.from({ length: 400 }, (_, i) => rowOf(i)));
      expect(await readdir(path.join(dir, 'once.csv'))).to.deep.equal(['part-00000.csv.gz']);
      expect(readTable(path.join(dir, 'once.csv')).rows).to.have.length(10);
      expect(w.counts().get('once')).to.equal(10);
    });

    it('never slice a table with no rows, even when the header alone passes the threshold', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'slices-'));
      const w = await TableWriters.open(dir, [spec], { sliceBytes: 1 });
      await w.close((s, sliced) => manifestOf(s, sliced), 'authoritative');
      expect(await readFile(path.join(dir, 't.csv'), 'utf8')).to.equal('"id","text"\n');
      expect(JSON.parse(await readFile(path.join(dir, 't.csv.manifest'), 'utf8')).has_header).to.equal(true);
    });

    it('default to 256 MiB', () => {
      expect(DEFAULT_SLICE_BYTES).to.equal(256 * 1024 * 1024);
    });

    it('close every file and gzip stream on abort, mid-slice, leaving no handle open', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'slices-'));
      const before = fds();
      const w = await TableWriters.open(dir, [spec, { name: 'u', columns: ['id', 'text'], primaryKey: ['id'] }], { sliceBytes: 2_000 });
      for (let i = 0; i < 300; i++) await w.get('t').write(rowOf(i));
      await w.get('u').write(rowOf(1));
      expect(w.get('t').sliced).to.equal(true);
      expect(fds()).to.be.above(before);
      await w.abort();
      expect(fds()).to.equal(before);
      expect((await readdir(dir)).filter((f) => f.endsWith('.manifest') || f.startsWith('.'))).to.deep.equal([]);
    });

    it('fail every write with one EnvironmentError naming the file when the disk refuses it, and still close every handle', async function () {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'slices-'));
      await symlink('/dev/full', path.join(dir, 't.csv'));
      const before = fds();
      const w = await TableWriters.open(dir, [spec, { name: 'u', columns: ['id', 'text'], primaryKey: ['id'] }], { sliceBytes: 2_000 });
      let failure: unknown;
      try {
        for (let i = 0; i < 2_000; i++) await w.get('t').write(rowOf(i));
      } catch (e) {
        failure = e;
      }
      expect(failure).to.be.instanceOf(EnvironmentError);
      expect((failure as Error).message).to.equal(`Cannot write ${path.join(dir, 't.csv')}: no space left on device (ENOSPC). Free space on the data volume and run again.`);
      let closeFailure: unknown;
      await w.close((s, sliced) => manifestOf(s, sliced), 'authoritative').catch((e: unknown) => (closeFailure = e));
      expect(closeFailure).to.equal(failure);
      expect(fds()).to.equal(before);
      expect((await readdir(dir)).filter((f) => f.endsWith('.manifest'))).to.deep.equal([]);
    });
  });
});
