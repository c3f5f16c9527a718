/**
 * Incremental runs over a changing workspace, loaded with the manifests' semantics, must leave storage
 * exactly as a fresh full run would.
 */
import { expect } from 'chai';
import {
  addContact, addConversation, addNote, addPart, deleteCompany, deleteConversation, deleteSegment, deleteTag, generateWorkspace, scrollWithout, setContactTags, startOfNextDay, startSimulator, updateContact, updateConversation,
  type Simulator, type Workspace,
} from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { differences, same, Storage } from '../helpers/storage.js';
import { TEMPLATE_TABLES } from '../contract.js';
import { MARGIN as OVERLAP_SECONDS } from '../helpers/reads.js';
import { ManualClock, onClock, pagesCost } from '../helpers/clock.js';

const TOKEN = 'incremental-token-0123456789';

const stateOf = (run: RunResult): Promise<any> => run.state();

/** `ignore`: columns left out of the comparison (a count Intercom changes without touching updated_at). */
/** `version`: the API version the incremental runs read (a full run on another renders some values otherwise). */
async function expectSameAsFullRun(storage: Storage, sim: Simulator, template: string, ignore?: RegExp, version?: string): Promise<void> {
  const full = await runExtractor(config(sim.url, TOKEN, { template, ...(version ? { api_version: version } : {}) }));
  expect(full.code, full.stderr).to.equal(0);
  const tables = TEMPLATE_TABLES[template] ?? (await full.tables());
  expect(differences(storage, full, tables, { ignore })).to.deep.equal(same(tables));
}

/** Every id a manifest's delete_where names, over all its deletes. */
function deleteSet(manifest: Record<string, any>): string[] {
  return (manifest.delete_where ?? []).flatMap((d: any) => d.where_filters.flatMap((f: any) => f.values_from_set)).sort();
}

describe('incremental runs', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let sim: Simulator;
  afterEach(() => sim?.close());

  it('a daily schedule over a changing workspace loads exactly what a full run writes (basic)', async () => {
    ws = generateWorkspace({ seed: 21, users: 120, leads: 40, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const storage = new Storage();
    const params = { template: 'basic', incremental: true };

    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    expect((await first.manifest('users')).incremental, 'the first run reads everything and replaces').to.equal(false);
    await storage.load(first);
    const state1 = await stateOf(first);
    const mark: number = state1.sync.lists.contacts.mark;
    expect(mark).to.equal(Math.max(...ws.contacts.map((c) => c.updated_at)));
    expect(JSON.stringify(state1).length).to.be.below(100_000);

    // Changes between runs: the same day as the mark, the next day, tags removed, new records, a lead that became a user.
    const users = ws.contacts.filter((c) => c.role === 'user');
    const leads = ws.contacts.filter((c) => c.role === 'lead');
    const sameDay = Math.min(mark + 60, startOfNextDay(mark, ws.timezone) - 1);
    expect(sameDay).to.be.greaterThan(mark);
    const tagged = users.find((c) => (ws.contactTags.get(c.id) ?? []).length > 10)!;
    const changed = [
      updateContact(ws, users[3].id, { email: 'same.day@example.com' }, sameDay),
      updateContact(ws, users[4].id, { name: 'Next Day, "quoted"' }, mark + 86_400),
      setContactTags(ws, tagged.id, (ws.contactTags.get(tagged.id) ?? []).slice(0, 2), mark + 90_000),
      addContact(ws, { role: 'user', email: 'new.user@example.com' }, mark + 100_000),
      addContact(ws, { role: 'lead', name: 'New lead' }, mark + 100_001),
      updateContact(ws, leads[0].id, { role: 'user' }, mark + 100_002),
    ];
    addNote(ws, users[3].id, sameDay);
    ws.now = mark + 100_100; // a day later: everything above is in the search index

    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
    expect(second.code, second.stderr).to.equal(0);
    for (const name of TEMPLATE_TABLES.basic.filter((t) => !['companies', 'admins', 'tags', 'segments', 'users_segments', 'leads_segments'].includes(t))) {
      expect((await second.manifest(name)).incremental, name).to.equal(true);
    }
    // Segment memberships are merged when read per contact, and replace storage's when read per segment (whole).
    const bySegments = /contact_segments: read by segments/.test(second.stdout);
    for (const name of ['users_segments', 'leads_segments']) expect((await second.manifest(name)).incremental, name).to.equal(!bySegments);
    const written = [...second.table('users').rows, ...second.table('leads').rows].map((r) => r.id).sort();
    expect(written).to.include.members(changed.map((c) => c.id));
    // delete_where names exactly the contacts this run wrote, in every table that hangs under them.
    expect(deleteSet(await second.manifest('users_tags'))).to.deep.equal(written);
    expect(deleteSet(await second.manifest('notes'))).to.deep.equal(written);
    expect(deleteSet(await second.manifest('leads'))).to.deep.equal(written);
    const resent = written.filter((id) => !changed.some((c) => c.id === id));
    for (const id of resent) expect(ws.contacts.find((c) => c.id === id)!.updated_at).to.be.at.least(mark - OVERLAP_SECONDS);
    console.log(`      (overlap: the second run re-sent ${resent.length} unchanged of ${ws.contacts.length} contacts; ${second.stdout.match(/Done in .*requests/)?.[0]})`);
    await storage.load(second);
    expect((await stateOf(second)).sync.lists.contacts.mark).to.equal(mark + 100_002);
    await expectSameAsFullRun(storage, sim, 'basic');

    // A third day: more changes on top of the loaded second run.
    const day3 = mark + 2 * 86_400;
    updateContact(ws, users[10].id, { phone: '+420 777 000 111' }, day3);
    setContactTags(ws, users[3].id, [], day3 + 1);
    updateContact(ws, leads[1].id, { name: 'Lead, renamed' }, day3 + 2);
    ws.now = day3 + 100;
    const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await stateOf(second));
    expect(third.code, third.stderr).to.equal(0);
    await storage.load(third);
    await expectSameAsFullRun(storage, sim, 'basic');
  });

  it('a daily schedule over changing conversations loads exactly what a full run writes, fetching parts only for changed ones', async () => {
    ws = generateWorkspace({ seed: 22, users: 10, leads: 2, conversations: 60 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const storage = new Storage();
    const params = { template: 'conversations', incremental: true };
    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    await storage.load(first);
    const state1 = await stateOf(first);
    const mark: number = state1.sync.lists.conversations.mark;

    const tagged = ws.conversations.find((c) => (c.tags?.tags ?? []).length > 1)!;
    updateConversation(ws, ws.conversations[5].id, { state: 'closed', open: false }, mark + 10);
    updateConversation(ws, tagged.id, { tags: { type: 'tag.list', tags: tagged.tags!.tags!.slice(0, 1) } }, mark + 20);
    addPart(ws, ws.conversations[7].id, mark + 30);
    const big = ws.conversations.find((c) => ws.parts.get(c.id)!.length > 500);
    if (big) addPart(ws, big.id, mark + 40);
    addConversation(ws, mark + 50);

    sim.resetStats();
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
    expect(second.code, second.stderr).to.equal(0);
    const written = second.table('conversations').rows.map((r) => r.id).sort();
    expect(sim.stats.byRoute['GET /conversations/:id']).to.equal(written.length);
    expect(written.length).to.be.below(ws.conversations.length / 2);
    expect(deleteSet(await second.manifest('conversation_parts'))).to.deep.equal(written);
    expect(deleteSet(await second.manifest('conversation_parts_attachments'))).to.deep.equal(written);
    await storage.load(second);
    await expectSameAsFullRun(storage, sim, 'conversations');
  });

  it('a backfill split by the time budget over several runs adds up to one full run', async () => {
    ws = generateWorkspace({ seed: 23, users: 420, leads: 60, conversations: 0 });
    // Each page of contacts costs 3.6 s of the runs' clock and the budget is 6 s: a run reads one page (and a
    // record of the next) on a busy machine as on an idle one.
    const clock = new ManualClock();
    sim = await startSimulator({ workspace: ws, token: TOKEN, ...pagesCost(clock, 'GET /contacts', 3_600) });
    const storage = new Storage();
    let state: unknown;
    let runs = 0;
    for (;;) {
      const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', incremental: true, max_run_minutes: 0.1 }), onClock(clock), state);
      expect(run.code, run.stderr).to.equal(0);
      await storage.load(run);
      state = await stateOf(run);
      runs++;
      if ((state as any).last_run.complete) break;
      expect(run.stdout).to.include('the next run continues from there');
      expect(runs, 'the backfill makes progress').to.be.below(12);
    }
    expect(runs).to.be.at.least(2);
    console.log(`      (the backfill took ${runs} runs)`);
    await expectSameAsFullRun(storage, sim, 'basic');
  });

  it('reads a list again from the start when the saved backfill cursor has expired', async () => {
    ws = generateWorkspace({ seed: 27, users: 30, leads: 5, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const state = { sync: { version: 1, template: 'users_and_events', lists: { contacts: { backfill: { starting_after: 'expired-cursor', started_at: ws.now } } } } };
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'users_and_events', incremental: true }), TEST_OVERRIDES, state);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('is no longer valid');
    expect(run.table('users').rows.length).to.equal(ws.contacts.filter((c) => c.role === 'user').length);
    expect((await stateOf(run)).sync.lists.contacts.mark).to.be.a('number');
  });

  it('a burst of changes larger than one run merges is written over several runs, each manifest listing at most that many ids', async () => {
    ws = generateWorkspace({ seed: 23, users: 120, leads: 40, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const storage = new Storage();
    // Two records at a time, so the cap is met within a few records of it.
    const params = { template: 'basic', incremental: true, max_concurrency: 2 };
    const cap = 30;
    const overrides = { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, maxMergedRecords: cap } };
    const first = await runExtractor(config(sim.url, TOKEN, params), overrides);
    expect(first.code, first.stderr).to.equal(0);
    await storage.load(first);
    let state = await stateOf(first);
    const mark: number = state.sync.lists.contacts.mark;
    // 100 contacts change, a day apart from the mark and a minute apart from each other (tags dropped on some).
    ws.contacts.slice(0, 100).forEach((c, i) => {
      if (i % 3 === 0) setContactTags(ws, c.id, [], mark + 86_400 + i * 60);
      else updateContact(ws, c.id, { name: `Burst ${i}` }, mark + 86_400 + i * 60);
    });
    ws.now = mark + 3 * 86_400;

    const marks: number[] = [];
    for (let runs = 0; ; runs++) {
      expect(runs, 'the burst is written within a few runs').to.be.below(8);
      const run = await runExtractor(config(sim.url, TOKEN, params), overrides, state);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.equal('');
      const ids = deleteSet(await run.manifest('users_tags'));
      expect(ids.length, 'the delete list stays near the cap').to.be.at.most(cap + 4);
      await storage.load(run);
      state = await stateOf(run);
      marks.push(state.sync.lists.contacts.mark);
      if (!/the most one incremental run merges/.test(run.stdout)) break;
      expect(state.last_run.complete, 'a capped run says it did not finish').to.equal(false);
    }
    expect(marks.length, 'the cap split the burst').to.be.at.least(3);
    for (let i = 1; i < marks.length; i++) expect(marks[i], 'each run moves the mark on').to.be.above(marks[i - 1]);
    await expectSameAsFullRun(storage, sim, 'basic');

    // A full read that the time budget will not cut reads past the cap and replaces its tables.
    const resync = await runExtractor(config(sim.url, TOKEN, { ...params, resync: true, max_run_minutes: 60 }), overrides, state);
    expect(resync.code, resync.stderr).to.equal(0);
    expect(resync.stdout).not.to.match(/the most one incremental run merges/);
    expect((await resync.manifest('users')).incremental).to.equal(false);
    expect(resync.table('users').rows.length + resync.table('leads').rows.length).to.equal(ws.contacts.length);
  });

  it('removes conversations deleted since the last run, with their parts, tags and customers: on API 2.16 from GET /conversations/deleted, before it from a census', async () => {
    ws = generateWorkspace({ seed: 24, users: 10, leads: 2, conversations: 40 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    for (const version of ['2.16', '2.14']) {
      const storage = new Storage();
      const params = { template: 'conversations', incremental: true, api_version: version };
      const first = await runExtractor(config(sim.url, TOKEN, params));
      expect(first.code, first.stderr).to.equal(0);
      await storage.load(first);
      const mark: number = (await stateOf(first)).sync.lists.conversations.mark;
      const gone = ws.conversations.filter((c) => (c.tags?.tags ?? []).length > 0).slice(0, 3).map((c) => c.id);
      expect(gone).to.have.length(3);
      gone.forEach((id, i) => deleteConversation(ws, id, mark + 100 + i));
      updateConversation(ws, ws.conversations[0].id, { state: 'closed', open: false }, mark + 200);
      ws.now = mark + 300;
      sim.resetStats();
      const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await stateOf(first));
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stderr).to.equal('');
      await storage.load(second);
      const stored = (table: string, col: string) => storage.rows(table).map((j) => JSON.parse(j)[col]);
      if (version === '2.16') {
        expect(sim.stats.byRoute['GET /conversations/deleted'], 'one page holds the deletions').to.equal(1);
        expect(second.stdout).to.match(/conversations: 3 deleted since/);
        expect(sim.stats.byRoute['GET /conversations/:id'], 'no census, no checks: the list says what went').to.equal(second.table('conversations').rows.length);
      } else {
        expect(sim.stats.byRoute['GET /conversations/deleted'] ?? 0, '2.14 has no deleted list').to.equal(0);
        expect(second.stdout).to.match(/conversations: 3 deleted or merged since the last run/);
        // The census (2 probes and the pages of its ranges), then one check per id it misses.
        expect(sim.stats.byRoute['POST /conversations/search']).to.be.at.most(2 + 4 + 1);
        expect(sim.stats.byRoute['GET /conversations/:id'], 'those written, and a check of each deleted one').to.equal(second.table('conversations').rows.length + 3);
      }
      for (const [table, col] of [['conversations', 'id'], ['conversation_parts', 'conversations_pk'], ['conversations_tags', 'conversations_pk'], ['conversations_customers', 'conversations_pk']]) {
        for (const id of gone) expect(stored(table, col), `${table} holds no row of deleted ${id}`).not.to.include(id);
      }
      await expectSameAsFullRun(storage, sim, 'conversations', undefined, version);
    }
  });

  it('removes the rows naming a tag or company deleted since the last run, though no contact or conversation changed', async () => {
    ws = generateWorkspace({ seed: 25, users: 60, leads: 15, conversations: 20 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    for (const template of ['basic', 'conversations', 'workspace']) {
      const storage = new Storage();
      const params = { template, incremental: true };
      const first = await runExtractor(config(sim.url, TOKEN, params));
      expect(first.code, first.stderr).to.equal(0);
      await storage.load(first);
      const state1 = await stateOf(first);
      expect(state1.sync.known.tags.length, 'the state keeps the tag ids').to.equal(ws.tags.length);
      const used = (id: string) => [...ws.contactTags.values()].some((t) => t.includes(id)) || ws.conversations.some((c) => (c.tags?.tags ?? []).some((t) => t.id === id));
      const tag = ws.tags.find((t) => used(t.id))!;
      const company = ws.companies.find((c) => [...ws.contactCompanies.values()].some((ids) => ids.includes(c.id)));
      deleteTag(ws, tag.id, ws.now + 10);
      if (template !== 'conversations' && company) deleteCompany(ws, company.id, ws.now + 10);
      ws.now += 60;
      const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stderr).to.equal('');
      expect(second.stdout).to.match(/rows naming 1 tags deleted since the last run are removed/);
      await storage.load(second);
      // A contact's tags_total_count and companies_total_count, and a part's tags JSON, change without any
      // updated_at moving: those wait for the record's next change or the full refresh (README); every relation
      // row is already right.
      await expectSameAsFullRun(storage, sim, template, /^((tags|companies)_total_count|tags)$/);
    }
  });

  it('a state with no ids of tags or companies but the ids its rows named (a first run cut short) still removes the rows naming one deleted since', async () => {
    ws = generateWorkspace({ seed: 27, users: 60, leads: 15, companies: 40, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'basic', incremental: true, skip_contact_details: ['notes', 'events_summary', 'segments'] };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await storage.load(first);
    // What a first run whose tags and companies were not read to the end keeps: only the ids its rows name.
    const state1 = await stateOf(first);
    const named = (tables: string[]) => [...new Set(tables.flatMap((t) => first.table(t).rows.map((r) => r.id)))].sort();
    delete state1.sync.known;
    delete state1.sync.known_sketch;
    state1.sync.unlisted = { tags: named(['users_tags', 'leads_tags']), companies: named(['users_companies', 'leads_companies']) };
    const tag = state1.sync.unlisted.tags[0];
    const company = state1.sync.unlisted.companies[0];
    deleteTag(ws, tag, ws.now + 10);
    deleteCompany(ws, company, ws.now + 10);
    ws.now += 60;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
    expect(second.code, second.stderr).to.equal(0);
    await storage.load(second);
    for (const table of ['users_tags', 'leads_tags']) expect(storage.rows(table).map((j) => JSON.parse(j).id), table).not.to.include(tag);
    for (const table of ['users_companies', 'leads_companies']) expect(storage.rows(table).map((j) => JSON.parse(j).id), table).not.to.include(company);
    const state2 = await stateOf(second);
    expect(state2.sync.known.tags, 'read whole now: the reference again').to.have.length(ws.tags.length);
  });

  it('asks for each tag a short tags answer lost, many at once: no relation row of a tag that exists is removed', async () => {
    ws = generateWorkspace({ seed: 26, users: 60, leads: 15, conversations: 0 });
    let short = false;
    sim = await startSimulator({ workspace: ws, token: TOKEN, rewrite: ({ route }, body) => (short && route === 'GET /tags' ? { ...body, data: body.data.slice(0, 1) } : body) });
    const params = { template: 'basic', incremental: true };
    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    const state1 = await stateOf(first);
    expect(ws.tags.length).to.be.above(3);
    short = true;
    ws.now += 60;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.match(new RegExp(`${ws.tags.length - 1} tags missing from GET /tags still exist`));
    expect(sim.stats.byRoute['GET /tags/:id'], 'each one asked for').to.equal(ws.tags.length - 1);
    // Only the re-read contacts' rows are deleted (by users_pk), none by tag id.
    for (const t of ['users_tags', 'leads_tags']) {
      const filters = (((await second.manifest(t)).delete_where ?? []) as any[]).flatMap((d: any) => d.where_filters);
      expect(filters.filter((f: any) => f.column === 'id'), t).to.deep.equal([]);
    }
    // The short answer does not become the reference: the next run compares with the last good one.
    expect((await stateOf(second)).sync.known.tags).to.deep.equal(state1.sync.known.tags);
  });

  it('a purge of most of a small list (three of four segments) takes their rows along at once, each deletion asked for', async () => {
    ws = generateWorkspace({ seed: 27, users: 60, leads: 15, conversations: 0, segments: 4 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'basic', incremental: true, full_refresh_days: 0 };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    await storage.load(first);
    const purged = ws.segments.slice(0, 3).map((g) => g.id);
    for (const id of purged) deleteSegment(ws, id);
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await stateOf(first));
    expect(second.code, second.stderr).to.equal(0);
    await storage.load(second);
    for (const t of ['users_segments', 'leads_segments', 'segments']) expect(storage.rows(t).map((j) => JSON.parse(j).id).filter((id: string) => purged.includes(id)), t).to.deep.equal([]);
    await expectSameAsFullRun(storage, sim, 'basic', /^count$/);
  });

  it('asks for a company missing from the scroll before removing the rows naming it: one that still exists keeps them', async () => {
    ws = generateWorkspace({ seed: 27, users: 60, leads: 15, conversations: 0 });
    let hidden: string | undefined;
    sim = await startSimulator({ workspace: ws, token: TOKEN, rewrite: scrollWithout(() => [hidden]) });
    const params = { template: 'basic', incremental: true };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    await storage.load(first);
    // Intercom leaves a company whose last user left out of its lists; it still has its leads.
    hidden = ws.companies.find((c) => [...ws.contactCompanies.values()].some((ids) => ids.includes(c.id)))!.id;
    ws.now += 60;
    sim.resetStats();
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await stateOf(first));
    expect(second.code, second.stderr).to.equal(0);
    expect(sim.stats.byRoute['GET /companies/:id']).to.equal(1);
    expect(second.stdout).to.include(`1 companies missing from GET /companies/scroll still exist (${hidden})`);
    expect((await stateOf(second)).sync.unlisted.companies, 'asked for again next run, so its deletion later is found').to.deep.equal([hidden]);
    await storage.load(second);
    const naming = (t: string) => storage.rows(t).map((j) => JSON.parse(j)).filter((r: Record<string, string>) => r.id === hidden).length;
    expect(naming('users_companies') + naming('leads_companies')).to.be.above(0);
  });

  it('catches a new contact that search had not indexed yet, through the overlap', async () => {
    ws = generateWorkspace({ seed: 24, users: 20, leads: 5, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN, searchLagSeconds: 600 });
    const params = { template: 'users_and_events', incremental: true };
    const first = await runExtractor(config(sim.url, TOKEN, params));
    const state1 = await stateOf(first);
    const t = ws.now + 3_600;
    const fresh = addContact(ws, { role: 'user', email: 'late@example.com' }, t);
    updateContact(ws, ws.contacts[0].id, { name: 'Touched' }, t + 30);
    ws.now = t + 60; // the new contact is not searchable yet
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
    expect(second.table('users').rows.map((r) => r.id)).not.to.include(fresh.id);
    ws.now = t + 7_200; // indexed now
    const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await stateOf(second));
    expect(third.table('users').rows.map((r) => r.id)).to.include(fresh.id);
  });

  it('a failed run writes no state, and the next run still catches the changes', async () => {
    ws = generateWorkspace({ seed: 25, users: 20, leads: 5, conversations: 0 });
    let failSearch = false;
    sim = await startSimulator({ workspace: ws, token: TOKEN, intercept: ({ route }) => (failSearch && route === 'POST /contacts/search' ? { status: 500 } : undefined) });
    const params = { template: 'users_and_events', incremental: true };
    const first = await runExtractor(config(sim.url, TOKEN, params));
    const state1 = await stateOf(first);
    const changed = updateContact(ws, ws.contacts[1].id, { name: 'Changed' }, ws.now + 500);
    failSearch = true;
    const failed = await runExtractor(config(sim.url, TOKEN, params), { ...TEST_OVERRIDES, client: { ...TEST_OVERRIDES.client, maxRetries: 1 } }, state1);
    expect(failed.code).to.equal(2);
    expect((await failed.outFiles()).some((f) => f.endsWith('state.json'))).to.equal(false);
    failSearch = false;
    const retry = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
    expect(retry.code, retry.stderr).to.equal(0);
    expect(retry.table('users').rows.map((r) => r.id)).to.include(changed.id);
  });

  it('turning raw_payload or custom_attribute_columns on or off reads everything and replaces the tables', async () => {
    ws = generateWorkspace({ seed: 28, users: 20, leads: 5, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'basic', incremental: true, skip_contact_details: ['segments', 'notes', 'events_summary'] };
    const first = await runExtractor(config(sim.url, TOKEN, params));
    const same = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await stateOf(first));
    expect((await same.manifest('users')).incremental, 'nothing changed: a change read').to.equal(true);
    for (const extra of [{ raw_payload: true }, { custom_attribute_columns: true }]) {
      const run = await runExtractor(config(sim.url, TOKEN, { ...params, ...extra }), TEST_OVERRIDES, await stateOf(first));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.include(`parameters.${Object.keys(extra)[0]} changed since the last run: this run reads everything`);
      expect((await run.manifest('users')).incremental).to.equal(false);
      expect(run.table('users').rows).to.have.length(ws.contacts.filter((c) => c.role === 'user').length);
      const back = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await stateOf(run));
      expect((await back.manifest('users')).incremental, 'and off again: read whole too').to.equal(false);
    }
  });

  it('re-sync ignores the stored state and replaces every table', async () => {
    ws = generateWorkspace({ seed: 26, users: 20, leads: 5, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const first = await runExtractor(config(sim.url, TOKEN, { template: 'basic', incremental: true }));
    const again = await runExtractor(config(sim.url, TOKEN, { template: 'basic', incremental: true, resync: true }), TEST_OVERRIDES, await stateOf(first));
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.include('Re-sync');
    expect(again.table('users').rows.length).to.equal(ws.contacts.filter((c) => c.role === 'user').length);
    for (const name of TEMPLATE_TABLES.basic) expect((await again.manifest(name)).incremental, name).to.equal(false);
  });
});
