/**
 * A run by hand into a data directory that holds an earlier run's output (the platform always gives a fresh out/):
 * once the run has succeeded, out/tables holds exactly its tables, and whatever the product did not name.
 */
import { expect } from 'chai';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateWorkspace, startSimulator, type Simulator, type Workspace } from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { loadTemplate } from '../../src/flatten/template.js';

const TOKEN = 'stale-tables-token-0123456789';

const tablesDir = (run: RunResult) => path.join(run.dataDir, 'out', 'tables');
const names = async (run: RunResult) => (await run.outFiles()).map((f) => path.relative(tablesDir(run), f)).filter((f) => !f.startsWith('..')).sort();
const staleEvents = (run: RunResult) => run.events.filter((e) => e.kind === 'stale_tables');

describe('a run by hand into a data directory that holds an earlier run’s output', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let sim: Simulator;
  before(async () => {
    ws = generateWorkspace({ seed: 77, users: 10, leads: 4, companies: 4, conversations: 12, bigConversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
  });
  after(() => sim.close());

  // One data-type mode: the user's own table below keeps the manifest of the mode it was copied in.
  const ok = async (params: Record<string, unknown>, dataDir?: string, overrides = TEST_OVERRIDES) => {
    const run = await runExtractor(config(sim.url, TOKEN, params), overrides, undefined, { dataDir, mode: 'authoritative' });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    return run;
  };

  it('a table left out (notes) loses its CSV and manifest; a file the product did not name stays', async () => {
    const first = await ok({ template: 'basic' });
    expect(await first.tables()).to.include('notes');
    expect(staleEvents(first), 'a fresh directory holds nothing stale').to.deep.equal([]);
    // A table of the user's own (a copy of tags, with its manifest), and a dotfile (out/tables may hold no other file).
    await copyFile(path.join(tablesDir(first), 'tags.csv'), path.join(tablesDir(first), 'my_tags.csv'));
    await copyFile(path.join(tablesDir(first), 'tags.csv.manifest'), path.join(tablesDir(first), 'my_tags.csv.manifest'));
    await writeFile(path.join(tablesDir(first), '.notes.csv.keep'), 'mine\n');

    const second = await ok({ template: 'basic', exclude_tables: ['notes'] }, first.dataDir);
    const written = loadTemplate('basic').tables.map((t) => t.name).filter((t) => t !== 'notes');
    expect(await names(second)).to.deep.equal([...written.flatMap((t) => [`${t}.csv`, `${t}.csv.manifest`]), '.notes.csv.keep', 'my_tags.csv', 'my_tags.csv.manifest'].sort());
    expect(staleEvents(second)).to.deep.equal([{ kind: 'stale_tables', removed: ['notes'], temporary: 0, kept: [] }]);
    expect(second.stdout).to.include("out/tables held an earlier run's output: removed the files of 1 table this run does not write (notes).");
    expect(await readFile(path.join(tablesDir(second), '.notes.csv.keep'), 'utf8')).to.equal('mine\n');
  });

  it('another template: the earlier one’s tables go, named up to ten in one line, the rest counted', async () => {
    const first = await ok({ template: 'basic' });
    const second = await ok({ template: 'conversations' }, first.dataDir);
    const basic = loadTemplate('basic').tables.map((t) => t.name);
    const conversations = loadTemplate('conversations').tables.map((t) => t.name);
    const gone = basic.filter((t) => !conversations.includes(t)).sort();
    expect(gone.length).to.be.above(10);
    expect(staleEvents(second)).to.deep.equal([{ kind: 'stale_tables', removed: gone, temporary: 0, kept: [] }]);
    expect(await second.tables()).to.deep.equal([...conversations].sort());
    expect(second.stdout).to.include(`removed the files of ${gone.length} tables this run does not write (${gone.slice(0, 10).join(', ')} and ${gone.length - 10} more).`);
  });

  it('a failed run removes nothing it did not replace, and leaves no manifest beside a CSV it did not finish', async () => {
    const first = await ok({ template: 'basic' });
    const notes = await readFile(path.join(tablesDir(first), 'notes.csv'), 'utf8');
    const failing = await startSimulator({
      workspace: ws,
      token: TOKEN,
      intercept: ({ route }) => (route === 'GET /segments' ? { status: 500, body: { type: 'error.list', errors: [{ code: 'server_error', message: 'Boom' }] } } : undefined),
    });
    try {
      const failed = await runExtractor(config(failing.url, TOKEN, { template: 'basic', exclude_tables: ['notes'] }), TEST_OVERRIDES, undefined, { dataDir: first.dataDir });
      expect(failed.code).to.equal(2);
      expect(staleEvents(failed)).to.deep.equal([]);
      // The table it would have removed is as the earlier run left it.
      expect(await readFile(path.join(tablesDir(first), 'notes.csv'), 'utf8')).to.equal(notes);
      expect((await names(failed)).filter((f) => f.endsWith('.manifest'))).to.deep.equal(['notes.csv.manifest']);
    } finally {
      await failing.close();
    }
    // The next successful run does what the failed one did not get to.
    const third = await ok({ template: 'basic', exclude_tables: ['notes'] }, first.dataDir);
    expect(staleEvents(third)).to.deep.equal([{ kind: 'stale_tables', removed: ['notes'], temporary: 0, kept: [] }]);
  });

  it('a table an earlier run wrote as slices is written plain in its place, with the same rows', async () => {
    const sliced = await ok({ template: 'conversations' }, undefined, { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, sliceBytes: 10_000 } });
    expect((await stat(path.join(tablesDir(sliced), 'conversation_parts.csv'))).isDirectory()).to.equal(true);
    const rows = sliced.table('conversation_parts').rows;
    const plain = await ok({ template: 'conversations' }, sliced.dataDir);
    expect((await stat(path.join(tablesDir(plain), 'conversation_parts.csv'))).isFile()).to.equal(true);
    expect(plain.table('conversation_parts').rows).to.have.deep.members(rows);
    expect(staleEvents(plain)).to.deep.equal([]);
  });
});
