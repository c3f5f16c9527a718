/**
 * What an earlier run left in out/tables (a run by hand into the same directory): the files of the product's
 * tables that this run does not write go after it succeeded, those of the tables it writes as it opens them, and
 * nothing the product did not name is touched (src/keboola/stale-tables.ts).
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { clearTable, removeStaleTables } from '../../src/keboola/stale-tables.js';
import { TableWriters } from '../../src/keboola/tables.js';
import { manifestFor } from '../../src/keboola/manifest.js';
import { UserError } from '../../src/errors.js';
import { listFiles } from '../helpers/run.js';

const OURS = new Set(['users', 'notes', 'segments', 'events_summary', 'tags']);

/** Writes files (a path ending in / is a directory) under a new directory. */
async function dirWith(files: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'stale-'));
  for (const f of files) {
    if (f.endsWith('/')) await mkdir(path.join(dir, f), { recursive: true });
    else {
      await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await writeFile(path.join(dir, f), `${f}\n`);
    }
  }
  return dir;
}

const relative = async (dir: string) => (await listFiles(dir)).map((f) => path.relative(dir, f)).sort();

describe('stale tables in out/tables', () => {
  it('after a run: removes the CSV, slices and manifest of each product table it did not write, and leftover temporary files', async () => {
    const dir = await dirWith([
      'users.csv', 'users.csv.manifest',
      'notes.csv', 'notes.csv.manifest',
      'events_summary.csv/part-00000.csv.gz', 'events_summary.csv/part-00001.csv.gz', 'events_summary.csv.manifest',
      'tags.csv.manifest',
      '.notes.csv.manifest.4242.lz3k1x.tmp', '.users.csv.4242.plain.tmp',
      // Not the product's: other names, and temporary files of names it does not write.
      'my_notes.csv', 'my_notes.csv.manifest', 'notes.txt', 'notes.csv.bak', '.other.csv.1.a.tmp', 'README',
    ]);
    const found = await removeStaleTables(dir, new Set(['users', 'segments']), OURS);
    expect(found.removed).to.deep.equal(['events_summary', 'notes', 'tags']);
    expect(found.temporary).to.equal(2);
    expect([...found.kept]).to.deep.equal([]);
    expect(await relative(dir)).to.deep.equal(['.other.csv.1.a.tmp', 'README', 'my_notes.csv', 'my_notes.csv.manifest', 'notes.csv.bak', 'notes.txt', 'users.csv', 'users.csv.manifest']);
    // The table it wrote is untouched.
    expect(await readFile(path.join(dir, 'users.csv'), 'utf8')).to.equal('users.csv\n');
  });

  it('keeps a table whole, manifest included, whose directory holds a file the product did not write', async () => {
    const dir = await dirWith(['segments.csv/part-00000.csv.gz', 'segments.csv/notes-to-self.txt', 'segments.csv.manifest']);
    const found = await removeStaleTables(dir, new Set(), OURS);
    expect(found.removed).to.deep.equal([]);
    expect([...found.kept]).to.deep.equal([['segments', ['notes-to-self.txt']]]);
    expect(await relative(dir)).to.deep.equal(['segments.csv.manifest', 'segments.csv/notes-to-self.txt', 'segments.csv/part-00000.csv.gz']);
  });

  it('finds nothing in an empty or missing directory', async () => {
    const dir = await dirWith([]);
    expect(await removeStaleTables(dir, new Set(), OURS)).to.deep.equal({ removed: [], temporary: 0, kept: new Map() });
    expect(await removeStaleTables(path.join(dir, 'absent'), new Set(), OURS)).to.deep.equal({ removed: [], temporary: 0, kept: new Map() });
  });

  it('before a table is written: its earlier manifest and sliced directory go; a plain CSV stays to be overwritten', async () => {
    const dir = await dirWith(['users.csv', 'users.csv.manifest', 'notes.csv/part-00000.csv.gz', 'notes.csv.manifest', 'tags.csv.manifest']);
    for (const t of ['users', 'notes', 'segments']) await clearTable(dir, t);
    expect(await relative(dir)).to.deep.equal(['tags.csv.manifest', 'users.csv']);
  });

  it('refuses to replace a table directory that holds a file the product did not write: one line, the user’s to fix', async () => {
    const dir = await dirWith(['notes.csv/part-00000.csv.gz', 'notes.csv/keep.me']);
    let failure: unknown;
    await clearTable(dir, 'notes').catch((e: unknown) => (failure = e));
    expect(failure).to.be.instanceOf(UserError);
    expect((failure as Error).message).to.equal(`Cannot write ${path.join(dir, 'notes.csv')}: it is a directory holding files this component did not write (keep.me). Move them elsewhere and run again.`);
    expect(await relative(dir)).to.deep.equal(['notes.csv/keep.me', 'notes.csv/part-00000.csv.gz']);
  });

  it('a table an earlier run wrote as slices is written as a plain CSV in its place', async () => {
    const dir = await dirWith(['t.csv/part-00000.csv.gz', 't.csv/part-00001.csv.gz', 't.csv.manifest']);
    const spec = { name: 't', columns: ['id'], primaryKey: ['id'] };
    const w = await TableWriters.open(dir, [spec]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.manifest')), 'opened: the old manifest is gone').to.deep.equal([]);
    await w.get('t').write(['1']);
    await w.close((s, sliced) => manifestFor({ primary_key: ['id'], columns: { id: { type: 'string', description: 'The id.' } } }, { mode: 'replace' }, { mode: 'authoritative', sliced }), 'authoritative');
    expect(await readFile(path.join(dir, 't.csv'), 'utf8')).to.equal('"id"\n"1"\n');
    expect(JSON.parse(await readFile(path.join(dir, 't.csv.manifest'), 'utf8')).has_header).to.equal(true);
  });
});
