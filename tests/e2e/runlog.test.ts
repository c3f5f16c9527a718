/**
 * The run's log against the simulator: each list ends with the size its reader learned (the progress lines' total)
 * by every kind of paging that says one, a read of changes counts toward the records it keeps (not the search's
 * slack), the catch-up and the read of changes say why they start before the time they follow from, and a table
 * left out is counted once in the summary. (The progress lines' format and pace: tests/unit/runlog.test.ts.)
 */
import { expect } from 'chai';
import { DAY, generateWorkspace, startSimulator, updateContact, type Simulator } from '../simulator/index.js';
import { ManualClock, onClock } from '../helpers/clock.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { MARGIN } from '../helpers/reads.js';
import { SCROLL_DEFAULTS } from '../../src/resources/index.js';
import type { RunEvent } from '../../src/events.js';

const TOKEN = 'runlog-token-0123456789abcdef';
const iso = (sec: number) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');

/** The list's list_done event, without its kind. */
function done(run: RunResult, list: string): Omit<Extract<RunEvent, { kind: 'list_done' }>, 'kind'> | undefined {
  const e = run.events.find((x): x is Extract<RunEvent, { kind: 'list_done' }> => x.kind === 'list_done' && x.list === list);
  if (!e) return undefined;
  const { kind: _kind, ...rest } = e;
  return rest;
}

describe('the run log, end to end', function () {
  this.timeout(120_000);
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('every list that says its size ends with it (cursor, search, page numbers); the scroll and one-request lists keep counts', async () => {
    const ws = generateWorkspace({ seed: 77, users: 12, leads: 6, companies: 8, conversations: 8 });
    const clock = new ManualClock(ws.now * 1000);
    sim = await startSimulator({ workspace: ws, token: TOKEN, now: () => clock.now(), intercept: () => (clock.advance(50), undefined) });
    const overrides = onClock(clock, { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, scroll: SCROLL_DEFAULTS } });
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'workspace' }), overrides);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    expect(done(run, 'contacts'), 'cursor: total_count').to.deep.equal({ list: 'contacts', read: ws.contacts.length, total: ws.contacts.length });
    expect(done(run, 'conversations'), 'cursor').to.deep.equal({ list: 'conversations', read: ws.conversations.length, total: ws.conversations.length });
    expect(done(run, 'tickets'), 'search').to.deep.equal({ list: 'tickets', read: ws.tickets.length, total: ws.tickets.length });
    expect(done(run, 'calls'), 'page numbers').to.deep.equal({ list: 'calls', read: ws.calls.length, total: ws.calls.length });
    // Pages without a total_count: the first page's count times the pages, at least what there is.
    const logs = done(run, 'activity_logs')!;
    expect(logs.read).to.be.greaterThan(0);
    expect(logs.total).to.be.at.least(logs.read);
    expect(done(run, 'companies'), 'the scroll says no size').to.deep.equal({ list: 'companies', read: ws.companies.length });
    expect(done(run, 'admins'), 'one request, no size').to.deep.equal({ list: 'admins', read: ws.admins.length });
    expect(run.stdout).to.include(`contacts: ${ws.contacts.length} objects read in`);
    expect(run.stdout).to.match(/^Done in [\d.]+ s: [\d,]+ requests \(/m);
  });

  it('the catch-up and a read of changes say why they start a margin early; a read of changes counts toward what it keeps', async () => {
    const ws = generateWorkspace({ seed: 21, users: 60, leads: 20, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'basic', incremental: true };
    const top = Math.max(...ws.contacts.map((c) => c.updated_at));
    // Changed an hour before the newest: inside the next run's search (asked two days early), yet before its start.
    const users = ws.contacts.filter((c) => c.role === 'user');
    updateContact(ws, users[0].id, { name: 'An hour before the mark' }, top - 3600);
    updateContact(ws, users[1].id, { name: 'Also an hour before' }, top - 3600);

    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    const caught = /^Catching up on contacts updated since (\S+) \(the read began at (\S+), less 30 minutes: a change can reach Intercom's search index minutes late, and Intercom's clock may be behind ours\): records that moved between pages while it ran\.$/m.exec(first.stdout);
    expect(caught, first.stdout).to.not.equal(null);
    expect(Date.parse(caught![2]) - Date.parse(caught![1])).to.equal(MARGIN * 1000);
    const mark: number = (await first.state()).sync.lists.contacts.mark;
    expect(mark).to.equal(top);

    for (const u of users.slice(2, 5)) updateContact(ws, u.id, { name: 'Three days later' }, top + 3 * DAY);
    ws.now = top + 3 * DAY + 100;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.include(
      `Reading contacts changed since ${iso(top - MARGIN)} (the last run's mark, ${iso(top)}, less 30 minutes: a change can reach Intercom's search index minutes late, and Intercom's clock may be behind ours)…`,
    );
    const kept = ws.contacts.filter((c) => c.updated_at >= top - MARGIN).length;
    const asked = ws.contacts.filter((c) => c.updated_at > top - MARGIN - 2 * DAY).length;
    expect(asked, 'the search answers records the read leaves out').to.be.greaterThan(kept);
    expect(done(second, 'contacts')).to.deep.equal({ list: 'contacts', read: kept, total: kept });
  });

  it('a table left out is counted once among the requests saved, not again for the records that said their list was empty', async () => {
    const ws = generateWorkspace({ seed: 31, users: 60, leads: 20, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const saved = (run: RunResult) => /^Requests saved: (.*)\.$/m.exec(run.stdout)?.[1] ?? '';
    const normal = await runExtractor(config(sim.url, TOKEN, { template: 'basic' }));
    expect(normal.code, normal.stderr).to.equal(0);
    const notesAsked = sim.stats.byRoute['GET /contacts/:id/notes'];
    expect(notesAsked).to.be.greaterThan(0);
    expect(saved(normal)).to.match(/\bnotes \d+ \(the record said its list was empty\)/);
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', exclude_tables: ['notes'] }));
    expect(run.code, run.stderr).to.equal(0);
    expect(saved(run).match(/\bnotes \d+ \([^)]*\)/g)).to.deep.equal([`notes ${notesAsked} (its table left out by parameters.exclude_tables)`]);
  });
});
