/**
 * Id columns are STRING, and a configuration whose typed tables an earlier version created keeps the id columns
 * that version declared INTEGER: storage refuses to change a column's type (keboola/output-mapping
 * TypedTableStructureValidator.php), which the DuckDB warehouse here refuses too.
 */
import { expect } from 'chai';
import { generateWorkspace, startSimulator, type Simulator } from '../simulator/index.js';
import { config, runExtractor, type RunResult } from '../helpers/run.js';
import { Warehouse } from '../helpers/warehouse.js';
import type { ManifestMode } from '../../src/keboola/manifest.js';

const TOKEN = 'id-columns-token-0123456789';
const ASSIGNEES = ['assignee_id', 'admin_assignee_id', 'team_assignee_id'];

/** What an earlier version left: a state with a last run (and a sync) but no id_columns. */
const EARLIER = { last_run: { template: 'conversations', incremental: false, finished_at: '2024-01-01T00:00:00.000Z', requests: 40, complete: true, rows: { conversations: 20 } } };

async function typesOf(run: RunResult, table: string, columns: string[]): Promise<string[]> {
  const m = (await run.manifest(table)) as { schema: Array<{ name: string; data_type: { base: { type: string } } }> };
  return columns.map((c) => m.schema.find((s) => s.name === c)!.data_type.base.type);
}

describe('id columns of a run, and of a configuration an earlier version started', function () {
  this.timeout(120_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ workspace: generateWorkspace({ seed: 41, users: 12, leads: 4, conversations: 20, bigConversations: 0 }), token: TOKEN });
  });
  after(() => sim.close());

  const run = async (state: unknown, mode: ManifestMode) => {
    const r = await runExtractor(config(sim.url, TOKEN, { template: 'conversations' }), undefined, state, { mode });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    return r;
  };
  const legacyLine = /WARNING: conversations\.assignee_id, conversations\.admin_assignee_id, conversations\.team_assignee_id stay INTEGER, as the tables an earlier version created hold them/;

  it('a first run declares every id STRING and says so in its state', async () => {
    const r = await run(undefined, 'authoritative');
    expect(await typesOf(r, 'conversations', ['id', ...ASSIGNEES])).to.deep.equal(['STRING', 'STRING', 'STRING', 'STRING']);
    expect(r.table('conversations').rows.some((row) => row.admin_assignee_id !== ''), 'some conversation is assigned').to.equal(true);
    expect((await r.state()).id_columns).to.equal('string');
    expect(r.stdout).not.to.match(legacyLine);
  });

  it('under authoritative, a state of an earlier version keeps its INTEGER ids, from then on, which storage then loads', async () => {
    const warehouse = await Warehouse.open();
    try {
      const first = await run(EARLIER, 'authoritative');
      expect(await typesOf(first, 'conversations', ['id', ...ASSIGNEES])).to.deep.equal(['STRING', 'INTEGER', 'INTEGER', 'INTEGER']);
      expect(first.stdout).to.match(legacyLine);
      const state = await first.state();
      expect(state.id_columns).to.equal('legacy');
      // The tables as the earlier version had them created: the assignee ids INTEGER.
      await warehouse.load(first);

      // The next run, in any mode, keeps them (a project may switch modes; the tables stay typed).
      for (const mode of ['authoritative', 'hints'] as const) {
        const next = await run(state, mode);
        expect(await typesOf(next, 'conversations', ASSIGNEES), mode).to.deep.equal(['INTEGER', 'INTEGER', 'INTEGER']);
        expect((await next.state()).id_columns, mode).to.equal('legacy');
        if (mode === 'authoritative') await warehouse.load(next);
      }

      // What it prevents: declared STRING, the load into those tables fails, as storage's does.
      const switched = await run({ ...state, id_columns: 'string' }, 'authoritative');
      expect(await typesOf(switched, 'conversations', ASSIGNEES)).to.deep.equal(['STRING', 'STRING', 'STRING']);
      let refused: unknown;
      await warehouse.load(switched).catch((e: unknown) => (refused = e));
      expect((refused as Error)?.message).to.match(/conversations\.assignee_id: the type changed from BIGINT to VARCHAR/);
    } finally {
      warehouse.close();
    }
  });

  it('under hints or none a state of an earlier version keeps the mark without a warning (the tables may be typed, the mode may change back); a project without native types takes the STRING ids at once', async () => {
    for (const mode of ['hints', 'none'] as const) {
      const r = await run(EARLIER, mode);
      expect((await r.state()).id_columns, mode).to.equal('legacy');
      expect(r.stdout, mode).not.to.match(legacyLine);
      if (mode === 'hints') expect(await typesOf(r, 'conversations', ASSIGNEES)).to.deep.equal(['INTEGER', 'INTEGER', 'INTEGER']);
    }
    const untyped = await run(EARLIER, 'legacy');
    expect((await untyped.state()).id_columns).to.equal('string');
    expect(untyped.stdout).not.to.match(legacyLine);
  });
});
