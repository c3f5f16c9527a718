/**
 * History mode (parameters.history): every version a run sees of a top-level record is a row of
 * <table>_history, keyed by id and updated_at, never deleted, accumulating over incremental runs.
 */
import { expect } from 'chai';
import { generateWorkspace, startSimulator, updateContact, type Simulator, type Workspace } from '../simulator/index.js';
import { TEMPLATE_TABLES } from '../contract.js';
import { config, runExtractor, type RunResult } from '../helpers/run.js';
import { primaryKeyOf, Storage } from '../helpers/storage.js';

const TOKEN = 'history-token-0123456789abcdef';

const stateOf = (run: RunResult): Promise<any> => run.state();

/** A run, with the UNIX seconds it began and ended within (by the system clock, which the run reads). */
async function during(run: () => Promise<RunResult>): Promise<RunResult & { from: number; to: number }> {
  const from = Math.floor(Date.now() / 1000);
  const result = await run();
  return Object.assign(result, { from, to: Math.ceil(Date.now() / 1000) });
}

describe('history mode', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let sim: Simulator;
  before(async () => {
    ws = generateWorkspace({ seed: 41, users: 50, leads: 15, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
  });
  after(() => sim.close());

  it('keeps every version of users, leads and companies across three incremental runs, and the tables they come from as they are', async () => {
    const params = { template: 'basic', incremental: true, history: true };
    const storage = new Storage();
    /** Every (id, updated_at, name) a run saw, per table: what history must hold. */
    const seen = new Map<string, Set<string>>();
    const note = (run: RunResult) => {
      for (const t of ['users', 'leads', 'companies']) {
        const s = seen.get(t) ?? new Set<string>();
        for (const r of run.table(t).rows) s.add(`${r.id}|${r.updated_at}|${r.name}`);
        seen.set(t, s);
      }
    };

    const first = await during(() => runExtractor(config(sim.url, TOKEN, params)));
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stderr).to.equal('');
    expect(await first.tables()).to.deep.equal([...TEMPLATE_TABLES.basic, 'users_history', 'leads_history', 'companies_history'].sort());
    for (const t of ['users', 'leads', 'companies']) {
      const m = await first.manifest(`${t}_history`);
      expect(primaryKeyOf(m), `${t}_history's key`).to.deep.equal(['id', 'updated_at']);
      expect(m.incremental, 'versions accumulate').to.equal(true);
      expect(m).not.to.have.property('delete_where');
      expect(first.table(`${t}_history`).header).to.deep.equal([...first.table(t).header, 'valid_from', 'seen_at']);
    }
    // Seen by the run that read it: a time within the run, however long a busy machine made it take.
    for (const r of first.table('users_history').rows) expect(Number(r.seen_at)).to.be.within(first.from, first.to);
    for (const r of first.table('users_history').rows) expect(r.valid_from).to.equal(r.updated_at);
    note(first);
    await storage.load(first);
    const mark = Math.max(...ws.contacts.map((c) => c.updated_at));

    // A day later a user is renamed; two days later renamed back: two more versions, the last equal to the first but for updated_at.
    const user = ws.contacts.find((c) => c.role === 'user')!;
    const original = user.name;
    updateContact(ws, user.id, { name: 'Renamed Once' }, mark + 86_400);
    ws.now = mark + 86_400 + 100;
    const second = await during(async () => runExtractor(config(sim.url, TOKEN, params), undefined, await stateOf(first)));
    expect(second.code, second.stderr).to.equal(0);
    note(second);
    await storage.load(second);

    updateContact(ws, user.id, { name: original }, mark + 2 * 86_400);
    ws.now = mark + 2 * 86_400 + 100;
    const third = await during(async () => runExtractor(config(sim.url, TOKEN, params), undefined, await stateOf(second)));
    expect(third.code, third.stderr).to.equal(0);
    note(third);
    await storage.load(third);

    for (const t of ['users', 'leads', 'companies']) {
      const stored = new Set(storage.rows(`${t}_history`).map((j) => JSON.parse(j)).map((r: Record<string, string>) => `${r.id}|${r.updated_at}|${r.name}`));
      expect([...stored].sort(), `${t}_history holds every version seen`).to.deep.equal([...seen.get(t)!].sort());
    }
    const versions = storage.rows('users_history').map((j) => JSON.parse(j) as Record<string, string>).filter((r) => r.id === user.id).sort((a, b) => Number(a.valid_from) - Number(b.valid_from));
    expect(versions.map((v) => v.name)).to.deep.equal([original, 'Renamed Once', original]);
    versions.forEach((v, i) => expect(Number(v.seen_at), 'seen by the run that read it').to.be.within([first, second, third][i].from, [first, second, third][i].to));
    // The table itself still holds one row per user, the newest.
    expect(storage.rows('users').map((j) => JSON.parse(j) as Record<string, string>).filter((r) => r.id === user.id).map((r) => r.name)).to.deep.equal([original]);
  });

  it('leaves out and hashes in history tables what it leaves out and hashes in their tables', async () => {
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', history: true, exclude_columns: ['users.phone'], hash_columns: ['users.email'] }));
    expect(run.code, run.stderr).to.equal(0);
    const h = run.table('users_history');
    expect(h.header).not.to.include('phone');
    const byId = new Map(run.table('users').rows.map((r) => [r.id, r]));
    for (const r of h.rows) expect(r.email).to.equal(byId.get(r.id)!.email);
    expect(h.rows.some((r) => /^[0-9a-f]{64}$/.test(r.email))).to.equal(true);
  });
});
