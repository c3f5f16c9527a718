/**
 * Capturing deletes (parameters.deletes): records deleted in Intercom, and leads merged into users, leave
 * storage after the next incremental run ("remove"), or stay as flagged rows ("flag"). Each run is loaded with
 * the manifests' semantics and compared with a fresh full run.
 */
import { expect } from 'chai';
import { addConversation, deleteCompany, deleteContact, deleteConversation, deleteSegment, deleteTag, generateWorkspace, mergeContact, scrollWithout, startSimulator, type Simulator, type Workspace } from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { differences, same, Storage } from '../helpers/storage.js';
import { TEMPLATE_TABLES } from '../contract.js';
import { ManualClock, onClock, pagesCost } from '../helpers/clock.js';
import { expectEvent } from '../helpers/events.js';

const TOKEN = 'deletes-token-0123456789abcdef';

/** The tables of basic that hang under a contact, with the column naming it. */
const CONTACT_ROWS: Array<[string, string]> = [
  ['users', 'id'], ['users_tags', 'users_pk'], ['users_companies', 'users_pk'], ['users_segments', 'users_pk'], ['users_social_profiles', 'users_pk'],
  ['notes', 'user_id'], ['events_summary', 'user_id'],
  ['leads', 'id'], ['leads_tags', 'leads_pk'], ['leads_companies', 'leads_pk'], ['leads_segments', 'leads_pk'], ['leads_social_profiles', 'leads_pk'],
];

/** Every id a manifest's delete_where names, over all its deletes. */
const deleteSet = (manifest: Record<string, any>): string[] => (manifest.delete_where ?? []).flatMap((d: any) => d.where_filters.flatMap((f: any) => f.values_from_set)).sort();
const values = (storage: Storage, table: string, col: string) => storage.rows(table).map((j) => JSON.parse(j)[col] as string);

/** A user with tags, notes and companies, a lead with tags, and a lead to merge into another user: all different. */
function victims(ws: Workspace) {
  const has = (id: string, m: Map<string, unknown[]>) => (m.get(id) ?? []).length > 0;
  const users = ws.contacts.filter((c) => c.role === 'user');
  const leads = ws.contacts.filter((c) => c.role === 'lead');
  const user = users.find((c) => has(c.id, ws.contactTags) && has(c.id, ws.notes) && has(c.id, ws.contactCompanies))!;
  const lead = leads.find((c) => has(c.id, ws.contactTags))!;
  const merged = leads.find((c) => c !== lead && has(c.id, ws.contactTags))!;
  const into = users.find((c) => c !== user)!;
  for (const c of [user, lead, merged, into]) expect(c, 'the workspace has the contacts the test needs').to.not.equal(undefined);
  return { user, lead, merged, into };
}

/** A run that succeeded, loaded into storage with its manifests' semantics. */
async function loadOk(storage: Storage, run: RunResult): Promise<void> {
  expect(run.code, run.stderr).to.equal(0);
  await storage.load(run);
}

/**
 * Runs until the split full read of `list` has ended (at most `most` runs), loading each into storage; returns the
 * last state.
 */
async function untilBackfillEnds(list: string, run: (state: any) => Promise<RunResult>, storage: Storage, state: any, most: number): Promise<any> {
  for (let i = 0; i < most && state.sync.lists[list].backfill; i++) {
    const next = await run(state);
    await loadOk(storage, next);
    state = await next.state();
  }
  return state;
}

/** 420 of a 500-contact workspace's users deleted, a second apart: more than its sketch (384 cells) can peel. */
function deleteManyUsers(ws: Workspace) {
  const doomed = ws.contacts.filter((c) => c.role === 'user').slice(0, 420);
  doomed.forEach((c, i) => deleteContact(ws, c.id, ws.now + 10 + i));
  return doomed;
}

describe('capturing deletes', function () {
  this.timeout(240_000);
  let ws: Workspace;
  let sim: Simulator;
  afterEach(() => sim?.close());

  for (const version of ['2.14', '2.16']) {
    it(`removes deleted and merged contacts with every row under them (basic, API ${version})`, async () => {
      ws = generateWorkspace({ seed: 61, users: 90, leads: 40, conversations: 0 });
      sim = await startSimulator({ workspace: ws, token: TOKEN });
      const params = { template: 'basic', incremental: true, api_version: version };
      const storage = new Storage();
      const first = await runExtractor(config(sim.url, TOKEN, params));
      expect(first.code, first.stderr).to.equal(0);
      await storage.load(first);
      const state1 = await first.state();
      expect(state1.sync.lists.contacts.sketch, 'the full read leaves a sketch of the ids').to.be.a('string');
      expect(JSON.stringify(state1).length, 'a small state').to.be.below(20_000);

      const { user, lead, merged, into } = victims(ws);
      const at = ws.now + 60;
      deleteContact(ws, user.id, at);
      deleteContact(ws, lead.id, at + 1);
      mergeContact(ws, merged.id, into.id, at + 2);
      ws.now = at + 3_600;
      sim.resetStats();
      const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stderr).to.equal('');
      expectEvent(second, { kind: 'deletions', list: 'contacts', count: 3, via: 'census' });
      // One check per id the census missed, and no more.
      expect(sim.stats.byRoute['GET /contacts/:id'], 'a 404 confirms each deletion').to.equal(3);
      await storage.load(second);
      for (const [table, col] of CONTACT_ROWS) {
        for (const c of [user, lead, merged]) expect(values(storage, table, col), `${table} holds no row of ${c.role} ${c.id}`).not.to.include(c.id);
      }
      // The user the lead was merged into changed (it gained the lead's tags): it was read again.
      expect(values(storage, 'users_tags', 'users_pk').filter((id) => id === into.id).length).to.equal((ws.contactTags.get(into.id) ?? []).length);

      const full = await runExtractor(config(sim.url, TOKEN, { template: 'basic', api_version: version }));
      expect(full.code, full.stderr).to.equal(0);
      expect(differences(storage, full, TEMPLATE_TABLES.basic)).to.deep.equal(same(TEMPLATE_TABLES.basic));

      // A run with nothing deleted checks nothing and removes nothing.
      sim.resetStats();
      const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await second.state());
      expect(third.code, third.stderr).to.equal(0);
      expectEvent(third, { kind: 'deletions', list: 'contacts', count: 0, via: 'census' });
      expect(sim.stats.byRoute['GET /contacts/:id'] ?? 0).to.equal(0);
    });
  }

  it('more deletions than the sketch tells apart: the next run reads the contacts whole and replaces the tables', async () => {
    ws = generateWorkspace({ seed: 62, users: 460, leads: 40, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'basic', incremental: true, skip_contact_details: ['notes', 'events_summary', 'segments'] };
    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    const doomed = deleteManyUsers(ws);
    ws.now += 3_600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.equal('');
    expectEvent(second, { kind: 'sketch_overflow', list: 'contacts' });
    const state2 = await second.state();
    expect(state2.sync.lists.contacts.read_whole).to.equal(true);
    const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state2);
    expect(third.code, third.stderr).to.equal(0);
    expectEvent(third, { kind: 'list_read', list: 'contacts', mode: 'full', reason: 'read_whole' });
    expect((await third.manifest('users')).incremental, 'read whole, replaced').to.equal(false);
    expect(third.table('users').rows.map((r) => r.id)).not.to.include.members(doomed.map((c) => c.id));
    expect((await third.state()).sync.lists.contacts.read_whole).to.equal(undefined);
  });

  for (const version of ['2.14', '2.16']) it(`flag: deleted contacts, tags and companies keep a flagged row, through later runs and a full refresh; their child rows go (API ${version})`, async () => {
    ws = generateWorkspace({ seed: 63, users: 90, leads: 40, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'basic', incremental: true, deletes: 'flag', history: true, api_version: version };
    const roots = ['users', 'leads', 'companies', 'admins', 'tags', 'segments'];
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    for (const t of roots) {
      expect(first.table(t).header.slice(-2), `${t} has the flags even when nothing is deleted`).to.deep.equal(['is_deleted', 'deleted_at']);
      expect(new Set(first.table(t).rows.map((r) => `${r.is_deleted}/${r.deleted_at}`))).to.deep.equal(new Set(['false/']));
    }
    expect(first.table('users_tags').header, 'child tables have no flags').not.to.include('is_deleted');
    await storage.load(first);

    const { user, lead, merged, into } = victims(ws);
    const used = (id: string) => [...ws.contactTags.values()].some((t) => t.includes(id));
    const tag = ws.tags.find((t) => used(t.id))!;
    const company = ws.companies.find((c) => [...ws.contactCompanies.values()].some((ids) => ids.includes(c.id)))!;
    const at = ws.now + 60;
    deleteContact(ws, user.id, at);
    deleteContact(ws, lead.id, at + 1);
    mergeContact(ws, merged.id, into.id, at + 2);
    deleteTag(ws, tag.id, at + 3);
    deleteCompany(ws, company.id, at + 4);
    ws.now = at + 3_600;
    const before = Math.floor(Date.now() / 1000);
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    const after = Math.ceil(Date.now() / 1000);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.equal('');
    // basic's admins (admins and teams) is keyed by type and id, which a flagged row could not hold: replaced.
    for (const t of roots) expect((await second.manifest(t)).incremental, `${t} keeps earlier flagged rows: merged`).to.equal(t !== 'admins');
    await storage.load(second);

    const flagged = new Map([['users', [user.id]], ['leads', [lead.id, merged.id]], ['tags', [tag.id]], ['companies', [company.id]], ['admins', []], ['segments', []]]);
    const expectFlags = async (note: string) => {
      for (const [table, ids] of flagged) {
        const rows = storage.rows(table).map((j) => JSON.parse(j) as Record<string, string>).filter((r) => r.is_deleted === 'true');
        expect(rows.map((r) => r.id).sort(), `${table}: flagged rows ${note}`).to.deep.equal([...ids].sort());
        for (const r of rows) {
          expect(Number(r.deleted_at), 'when the run noticed: during the second run').to.be.within(before, after);
          const filled = Object.entries(r).filter(([k, v]) => v !== '' && !['id', 'is_deleted', 'deleted_at'].includes(k));
          expect(filled, 'a flagged row keeps its key and the flags only').to.deep.equal([]);
        }
      }
      for (const [table, col] of CONTACT_ROWS.filter(([t]) => !['users', 'leads'].includes(t))) {
        for (const c of [user, lead, merged]) expect(values(storage, table, col), `${table}: no child row of ${c.id} ${note}`).not.to.include(c.id);
      }
      expect(values(storage, 'users_tags', 'id'), `no relation row names the deleted tag ${note}`).not.to.include(tag.id);
      // Apart from the flagged rows, storage is what a full run writes (but for the counts of a contact's tags and
      // companies, which a deleted tag or company changes without touching updated_at: see the README).
      const full = await runExtractor(config(sim.url, TOKEN, { template: 'basic', deletes: 'flag', api_version: version }));
      expect(full.code, full.stderr).to.equal(0);
      const tables = TEMPLATE_TABLES.basic;
      expect(differences(storage, full, tables, { only: (r) => r.is_deleted !== 'true', ignore: /^(tags|companies)_total_count$/ })).to.deep.equal(same(tables));
    };
    await expectFlags('after the run that noticed');
    // History: the last version read, then a final version that says the record went.
    const finals = storage.rows('users_history').map((j) => JSON.parse(j)).filter((r) => r.id === user.id);
    expect(finals.map((r) => r.is_deleted).sort()).to.deep.equal(['false', 'true']);
    const final = finals.find((r) => r.is_deleted === 'true');
    expect(final.updated_at).to.equal(final.deleted_at);
    expect(final.valid_from).to.equal(final.deleted_at);

    // Nothing changes: the flagged rows stay in storage (nothing deletes them) and no new ones are written.
    const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await second.state());
    expect(third.code, third.stderr).to.equal(0);
    expect(third.table('users').rows.filter((r) => r.is_deleted === 'true')).to.deep.equal([]);
    await storage.load(third);
    await expectFlags('a run later');

    // The periodic full refresh reads every contact again, and still keeps the flags.
    const state3 = await third.state();
    state3.sync.lists.contacts.full_at = 0;
    const fourth = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state3);
    expect(fourth.code, fourth.stderr).to.equal(0);
    expectEvent(fourth, { kind: 'list_read', list: 'contacts', mode: 'full', reason: 'full_refresh' });
    expect((await fourth.manifest('users')).incremental, 'a full read that knows every deletion merges its top-level table').to.equal(true);
    expect((await fourth.manifest('users_tags')).incremental, 'and replaces the child tables').to.equal(false);
    await storage.load(fourth);
    await expectFlags('after a full refresh');
  });

  it('flag: conversations deleted on API 2.16 (their deletion time) and 2.14 (when the census noticed)', async () => {
    ws = generateWorkspace({ seed: 64, users: 10, leads: 2, conversations: 40 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    for (const version of ['2.16', '2.14']) {
      const params = { template: 'conversations', incremental: true, deletes: 'flag', api_version: version };
      const storage = new Storage();
      const first = await runExtractor(config(sim.url, TOKEN, params));
      expect(first.code, first.stderr).to.equal(0);
      await storage.load(first);
      const gone = ws.conversations.slice(0, 2).map((c) => c.id);
      const at = ws.now + 100;
      gone.forEach((id) => deleteConversation(ws, id, at));
      // One created after the first run and deleted before the second: storage never held it, so it gains no row
      // (2.16's deleted list names it; the census says the last run did not have it).
      const fleeting = addConversation(ws, at + 10).id;
      deleteConversation(ws, fleeting, at + 20);
      ws.now = at + 300;
      const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stderr).to.equal('');
      await storage.load(second);
      const rows = storage.rows('conversations').map((j) => JSON.parse(j)).filter((r) => r.is_deleted === 'true');
      expect(rows.map((r) => r.id).sort(), 'flagged: those storage held, not the one it never had').to.deep.equal([...gone].sort());
      expect(values(storage, 'conversations', 'id')).not.to.include(fleeting);
      if (version === '2.16') expectEvent(second, { kind: 'deletions_unheld', list: 'conversations', count: 1 });
      if (version === '2.16') for (const r of rows) expect(Number(r.deleted_at), "Intercom's deletion time").to.equal(at);
      else for (const r of rows) expect(Number(r.deleted_at), 'when the run noticed').to.be.above(at);
      for (const id of gone) expect(values(storage, 'conversation_parts', 'conversations_pk')).not.to.include(id);
      const full = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', deletes: 'flag', api_version: version }));
      const tables = TEMPLATE_TABLES.conversations;
      expect(differences(storage, full, tables, { only: (r) => r.is_deleted !== 'true' })).to.deep.equal(same(tables));

      // The periodic full refresh keeps the flags as they were (the loader refuses a key written twice).
      const state2 = await second.state();
      state2.sync.lists.conversations.full_at = 0;
      const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state2);
      expect(third.code, third.stderr).to.equal(0);
      expect((await third.manifest('conversations')).incremental, 'merged: every deletion since is known').to.equal(true);
      await storage.load(third);
      const after = storage.rows('conversations').map((j) => JSON.parse(j)).filter((r) => r.is_deleted === 'true');
      expect(after.map((r) => `${r.id} ${r.deleted_at}`).sort()).to.deep.equal(rows.map((r) => `${r.id} ${r.deleted_at}`).sort());
    }
  });

  it('flag with users only (users_and_events): a deleted user is flagged, a deleted lead is not written to users', async () => {
    ws = generateWorkspace({ seed: 69, users: 40, leads: 20, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'users_and_events', incremental: true, deletes: 'flag' };
    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    const { user, lead } = victims(ws);
    deleteContact(ws, user.id, ws.now + 10);
    deleteContact(ws, lead.id, ws.now + 11);
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expectEvent(second, { kind: 'deletions', list: 'contacts', count: 2, via: 'census' });
    expect(second.table('users').rows.filter((r) => r.is_deleted === 'true').map((r) => r.id)).to.deep.equal([user.id]);
  });

  it('removes deleted contacts, conversations, tags and companies on the workspace template (API 2.14), as a full run leaves them', async () => {
    ws = generateWorkspace({ seed: 70, users: 50, leads: 20, conversations: 25 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'workspace', incremental: true, api_version: '2.14' };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    const { user, lead, merged, into } = victims(ws);
    const tag = ws.tags.find((t) => [...ws.contactTags.values()].some((ids) => ids.includes(t.id)))!;
    const company = ws.companies.find((c) => [...ws.contactCompanies.values()].some((ids) => ids.includes(c.id)))!;
    const at = ws.now + 60;
    deleteContact(ws, user.id, at);
    deleteContact(ws, lead.id, at + 1);
    mergeContact(ws, merged.id, into.id, at + 2);
    deleteConversation(ws, ws.conversations[0].id, at + 3);
    deleteTag(ws, tag.id, at + 4);
    deleteCompany(ws, company.id, at + 5);
    ws.now = at + 600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.equal('');
    expectEvent(second, { kind: 'deletions', list: 'contacts', count: 3, via: 'census' });
    expectEvent(second, { kind: 'deletions', list: 'conversations', count: 1, via: 'census' });
    await storage.load(second);
    const full = await runExtractor(config(sim.url, TOKEN, { template: 'workspace', api_version: '2.14' }));
    expect(full.code, full.stderr).to.equal(0);
    const tables = await full.tables();
    // Counts and a part's tags JSON that a deleted tag or company changes without moving updated_at (README).
    expect(differences(storage, full, tables, { ignore: /^((tags|companies)_total_count|tags|user_count)$/ })).to.deep.equal(same(tables));
  });

  it('a tag deleted after the run read the contacts that had it, but before GET /tags, leaves with its rows at the next run', async () => {
    ws = generateWorkspace({ seed: 66, users: 60, leads: 15, conversations: 0 });
    const used = (id: string) => [...ws.contactTags.values()].some((t) => t.includes(id));
    const tag = ws.tags.find((t) => used(t.id))!;
    // GET /tags answers as if the tag had just been deleted; the contacts were read while it still existed.
    let hide = true;
    sim = await startSimulator({ workspace: ws, token: TOKEN, rewrite: (req, body) => (hide && req.route === 'GET /tags' ? { ...body, data: body.data.filter((t: { id: string }) => t.id !== tag.id) } : body) });
    const params = { template: 'basic', incremental: true };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    expect(values(storage, 'users_tags', 'id')).to.include(tag.id);
    expect((await first.state()).sync.unlisted.tags, 'rows name it, the list lacks it: asked for next run').to.include(tag.id);
    hide = false;
    deleteTag(ws, tag.id, ws.now + 10);
    ws.now += 60;
    sim.resetStats();
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expect(sim.stats.byRoute['GET /tags/:id'], 'asked for before its rows go').to.equal(1);
    await storage.load(second);
    expect(values(storage, 'users_tags', 'id')).not.to.include(tag.id);
    expect(values(storage, 'leads_tags', 'id')).not.to.include(tag.id);
  });

  it('a deleted segment leaves users_segments and leads_segments, though no contact changed', async () => {
    ws = generateWorkspace({ seed: 67, users: 60, leads: 15, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'basic', incremental: true };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    const segment = ws.segments.find((g) => [...ws.contactSegments.values()].some((ids) => ids.includes(g.id)))!;
    expect(values(storage, 'users_segments', 'id').concat(values(storage, 'leads_segments', 'id'))).to.include(segment.id);
    deleteSegment(ws, segment.id);
    ws.now += 60;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stderr).to.equal('');
    await storage.load(second);
    for (const t of ['users_segments', 'leads_segments', 'segments']) expect(values(storage, t, 'id'), t).not.to.include(segment.id);
    const full = await runExtractor(config(sim.url, TOKEN, { template: 'basic' }));
    expect(differences(storage, full, TEMPLATE_TABLES.basic, { ignore: /^count$/ })).to.deep.equal(same(TEMPLATE_TABLES.basic));
  });

  it('reads GET /conversations/deleted to its end when it does not come newest first', async () => {
    ws = generateWorkspace({ seed: 68, users: 10, leads: 2, conversations: 30 });
    // An old deletion first, then newer ones: the order the request asked for is not the one that came.
    sim = await startSimulator({ workspace: ws, token: TOKEN, rewrite: (req, body) => (req.route === 'GET /conversations/deleted' ? { ...body, conversations: [...body.conversations].reverse() } : body) });
    deleteConversation(ws, ws.conversations[0].id, ws.now - 10 * 86_400);
    const params = { template: 'conversations', incremental: true, api_version: '2.16' };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    const gone = ws.conversations.slice(0, 2).map((c) => c.id);
    gone.forEach((id, i) => deleteConversation(ws, id, ws.now + 100 + i));
    ws.now += 300;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expectEvent(second, { kind: 'deletions', list: 'conversations', count: 2, via: 'deleted_list' });
    await storage.load(second);
    for (const id of gone) expect(values(storage, 'conversations', 'id')).not.to.include(id);
  });

  it('flag: after more deletions than the sketch told apart, the full read replaces the tables, so no deleted record stays live', async () => {
    ws = generateWorkspace({ seed: 71, users: 460, leads: 40, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'basic', incremental: true, deletes: 'flag', skip_contact_details: ['notes', 'events_summary', 'segments'] };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    const doomed = deleteManyUsers(ws);
    ws.now += 3_600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    await loadOk(storage, second);
    // A time budget does not split it: a split read would merge, and the deleted users would stay live.
    const third = await runExtractor(config(sim.url, TOKEN, { ...params, max_run_minutes: 0.001 }), TEST_OVERRIDES, await second.state());
    expect(third.code, third.stderr).to.equal(0);
    expectEvent(third, { kind: 'budget_ignored', list: 'contacts', why: 'must_end' });
    expect((await third.manifest('users')).incremental, 'replaced').to.equal(false);
    expectEvent(third, { kind: 'flags_dropped', table: 'users' });
    await storage.load(third);
    const live = storage.rows('users').map((j) => JSON.parse(j)).filter((r) => r.is_deleted !== 'true').map((r) => r.id);
    expect(live.filter((id) => doomed.some((c) => c.id === id))).to.deep.equal([]);
  });

  it('a contact the census missed (not yet in the search index) stays, and its deletion later is still found', async () => {
    ws = generateWorkspace({ seed: 72, users: 40, leads: 10, conversations: 0 });
    // The newest contact was created a minute ago: search finds it only ten minutes after that.
    const fresh = ws.contacts.reduce((a, b) => (a.created_at > b.created_at ? a : b));
    ws.now = fresh.created_at + 60;
    sim = await startSimulator({ workspace: ws, token: TOKEN, searchLagSeconds: 600 });
    const params = { template: 'basic', incremental: true, full_refresh_days: 0 };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    expect(values(storage, 'users', 'id').concat(values(storage, 'leads', 'id'))).to.include(fresh.id);
    ws.now += 120;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expectEvent(second, { kind: 'still_exists', list: 'contacts', id: fresh.id });
    await storage.load(second);
    expect(values(storage, 'users', 'id').concat(values(storage, 'leads', 'id'))).to.include(fresh.id);
    deleteContact(ws, fresh.id, ws.now + 10);
    ws.now += 3_600;
    const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await second.state());
    expect(third.code, third.stderr).to.equal(0);
    expectEvent(third, { kind: 'deletions', list: 'contacts', count: 1, via: 'census' });
    await storage.load(third);
    expect(values(storage, 'users', 'id').concat(values(storage, 'leads', 'id'))).not.to.include(fresh.id);
  });

  it('a merged contact answered 410 Gone (API 2.17 and later) counts as deleted', async () => {
    ws = generateWorkspace({ seed: 73, users: 30, leads: 10, conversations: 0 });
    let mergedId = '';
    sim = await startSimulator({
      workspace: ws,
      token: TOKEN,
      intercept: (req) => (req.route === 'GET /contacts/:id' && req.path.endsWith(`/${mergedId}`) ? { status: 410, body: { type: 'error.list', errors: [{ code: 'gone', message: 'Contact merged' }] } } : undefined),
    });
    const params = { template: 'basic', incremental: true };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    const { merged, into } = victims(ws);
    mergedId = merged.id;
    mergeContact(ws, merged.id, into.id, ws.now + 10);
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expectEvent(second, { kind: 'deletions', list: 'contacts', count: 1, via: 'census' });
    await storage.load(second);
    expect(values(storage, 'leads', 'id')).not.to.include(merged.id);
  });

  it('a deletion listed without deleted_at is a malformed answer: retried, then the run fails with exit 2 and writes no state', async () => {
    ws = generateWorkspace({ seed: 74, users: 10, leads: 2, conversations: 20 });
    sim = await startSimulator({
      workspace: ws,
      token: TOKEN,
      rewrite: (req, body) => (req.route === 'GET /conversations/deleted' ? { ...body, conversations: body.conversations.map((c: Record<string, unknown>) => ({ ...c, deleted_at: null })) } : body),
    });
    const params = { template: 'conversations', incremental: true, api_version: '2.16' };
    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    deleteConversation(ws, ws.conversations[0].id, ws.now + 10);
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code).to.equal(2);
    expect(second.stderr).to.match(/GET \/conversations\/deleted.*without a deleted_at/);
    expect(await second.outFiles()).not.to.include.members([`${second.dataDir}/out/state.json`]);
  });

  it('flag: a company the scroll stops listing though it exists leaves companies unflagged, as a full run leaves it', async () => {
    ws = generateWorkspace({ seed: 75, users: 60, leads: 15, conversations: 0 });
    let hidden: string | undefined;
    sim = await startSimulator({ workspace: ws, token: TOKEN, rewrite: scrollWithout(() => [hidden]) });
    const params = { template: 'basic', incremental: true, deletes: 'flag' };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    hidden = ws.companies.find((c) => [...ws.contactCompanies.values()].some((ids) => ids.includes(c.id)))!.id;
    ws.now += 60;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expect((await second.manifest('companies')).incremental).to.equal(true);
    await storage.load(second);
    expect(values(storage, 'companies', 'id'), 'no live row a full run would not have, and no flag: it exists').not.to.include(hidden);
    const full = await runExtractor(config(sim.url, TOKEN, { template: 'basic', deletes: 'flag' }));
    expect(differences(storage, full, ['companies'])).to.deep.equal(same(['companies']));
    // Deleted while left out: its relation rows go; companies, which no longer holds it, gets no flagged row.
    deleteCompany(ws, hidden!, ws.now + 10);
    ws.now += 60;
    const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await second.state());
    await loadOk(storage, third);
    expect(values(storage, 'companies', 'id')).not.to.include(hidden);
    expect(values(storage, 'users_companies', 'id').concat(values(storage, 'leads_companies', 'id'))).not.to.include(hidden);
  });

  it('flag: a conversation search still lists after its deletion (its detail answers 404) keeps a flagged row', async () => {
    ws = generateWorkspace({ seed: 76, users: 10, leads: 2, conversations: 20 });
    const listed = new Map<string, Record<string, unknown>>();
    let ghost: string | undefined;
    sim = await startSimulator({
      workspace: ws,
      token: TOKEN,
      rewrite: ({ route, body: request }, body) => {
        if (route === 'GET /conversations') for (const c of body.conversations) listed.set(c.id, c);
        // The search of changes (sorted by updated_at), not the census's (by created_at), where it would be out of order.
        if (ghost && route === 'POST /conversations/search' && request?.sort?.field === 'updated_at') return { ...body, conversations: [...body.conversations, { ...listed.get(ghost), updated_at: ws.now - 5 }] };
        return body;
      },
    });
    const params = { template: 'conversations', incremental: true, deletes: 'flag', api_version: '2.16' };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    ghost = ws.conversations[0].id;
    deleteConversation(ws, ghost, ws.now + 10);
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expectEvent(second, { kind: 'vanished', table: 'conversations', id: ghost });
    await storage.load(second);
    const row = storage.rows('conversations').map((j) => JSON.parse(j)).find((r) => r.id === ghost);
    expect(row?.is_deleted).to.equal('true');
  });

  it('switching deletes reads everything again and replaces the tables, but keeps the history tables', async () => {
    ws = generateWorkspace({ seed: 77, users: 20, leads: 5, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const first = await runExtractor(config(sim.url, TOKEN, { template: 'basic', incremental: true, history: true }));
    expect(first.code, first.stderr).to.equal(0);
    const second = await runExtractor(config(sim.url, TOKEN, { template: 'basic', incremental: true, history: true, deletes: 'flag' }), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expectEvent(second, { kind: 'state_ignored', reason: 'columns', options: ['deletes'] });
    expect((await second.manifest('users')).incremental).to.equal(false);
    expect((await second.manifest('users_history')).incremental, 'versions kept').to.equal(true);
    expectEvent(second, { kind: 'history_restarts' }, 'only the flags changed', true);
  });

  it('keeps the ids of a long list (companies) as a sketch, and still removes the rows naming a deleted one', async () => {
    ws = generateWorkspace({ seed: 78, users: 60, leads: 15, companies: 40, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const overrides = { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, knownIdsAtMost: 10 } };
    const params = { template: 'basic', incremental: true };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params), overrides);
    await loadOk(storage, first);
    const state1 = await first.state();
    expect(state1.sync.known.companies, 'not as a list').to.equal(undefined);
    expect(state1.sync.known_sketch.companies.size).to.equal(ws.companies.length);
    const company = ws.companies.find((c) => [...ws.contactCompanies.values()].some((ids) => ids.includes(c.id)))!;
    deleteCompany(ws, company.id, ws.now + 10);
    ws.now += 60;
    const second = await runExtractor(config(sim.url, TOKEN, params), overrides, state1);
    expect(second.code, second.stderr).to.equal(0);
    expectEvent(second, { kind: 'relation_rows_removed', list: 'companies', count: 1 });
    await storage.load(second);
    expect(values(storage, 'users_companies', 'id').concat(values(storage, 'leads_companies', 'id'))).not.to.include(company.id);
  });

  it('a long list that grew past what its sketch tells apart becomes the reference, and a deletion after that is found', async () => {
    ws = generateWorkspace({ seed: 79, users: 60, leads: 15, companies: 40, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const overrides = { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, knownIdsAtMost: 10 } };
    const params = { template: 'basic', incremental: true, skip_contact_details: ['notes', 'events_summary', 'segments'] };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params), overrides);
    await loadOk(storage, first);
    // 2,000 new companies: more than the cells of a sketch of 40 (1,536), which cannot then decode.
    const model = ws.companies[0];
    for (let i = 0; i < 2_000; i++) ws.companies.push({ ...model, id: `c0ffee${String(i).padStart(18, '0')}`, company_id: `new-${i}`, name: `New ${i}` });
    ws.now += 60;
    const second = await runExtractor(config(sim.url, TOKEN, params), overrides, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expectEvent(second, { kind: 'known_ids_reset', list: 'companies' });
    await storage.load(second);
    const state2 = await second.state();
    expect(state2.sync.known_sketch.companies.size).to.equal(ws.companies.length);
    const company = ws.companies.find((c) => [...ws.contactCompanies.values()].some((ids) => ids.includes(c.id)))!;
    deleteCompany(ws, company.id, ws.now + 10);
    ws.now += 60;
    const third = await runExtractor(config(sim.url, TOKEN, params), overrides, state2);
    expect(third.code, third.stderr).to.equal(0);
    expectEvent(third, { kind: 'relation_rows_removed', list: 'companies', count: 1 });
  });

  it('a full read split by max_run_minutes leaves a sketch, so a deletion after it is found', async () => {
    ws = generateWorkspace({ seed: 80, users: 400, leads: 50, conversations: 0 });
    // Each page of contacts costs 3.6 s of the runs' clock and the budget is 6 s: a run reads one page (and a
    // record of the next) on a busy machine as on an idle one.
    const clock = new ManualClock();
    sim = await startSimulator({ workspace: ws, token: TOKEN, ...pagesCost(clock, 'GET /contacts', 3_600) });
    const params = { template: 'basic', incremental: true, max_run_minutes: 0.1, skip_contact_details: ['notes', 'events_summary', 'segments'] };
    let state: any;
    let runs = 0;
    do {
      const run = await runExtractor(config(sim.url, TOKEN, params), onClock(clock), state);
      expect(run.code, run.stderr).to.equal(0);
      state = await run.state();
      runs++;
    } while (state.sync.lists.contacts.backfill && runs < 20);
    expect(runs, 'the full read was split').to.be.above(1);
    expect(state.sync.lists.contacts.sketch, 'the last chunk took a census').to.be.a('string');
    const victim = ws.contacts[5];
    deleteContact(ws, victim.id, ws.now + 10);
    ws.now += 600;
    const next = await runExtractor(config(sim.url, TOKEN, { ...params, max_run_minutes: undefined }), onClock(clock), state);
    expect(next.code, next.stderr).to.equal(0);
    expectEvent(next, { kind: 'deletions', list: 'contacts', count: 1, via: 'census' });
  });

  it('a contact written by the first part of a split full read and deleted before the next part leaves storage', async () => {
    ws = generateWorkspace({ seed: 82, users: 400, leads: 50, conversations: 0 });
    // Each page of contacts costs 3.6 s of the runs' clock and the budget is 6 s: a run reads one page (and a
    // record of the next) on a busy machine as on an idle one.
    const clock = new ManualClock();
    sim = await startSimulator({ workspace: ws, token: TOKEN, ...pagesCost(clock, 'GET /contacts', 3_600) });
    const params = { template: 'basic', incremental: true, max_run_minutes: 0.1, skip_contact_details: ['notes', 'events_summary', 'segments'] };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params), onClock(clock));
    await loadOk(storage, first);
    const state1 = await first.state();
    expect(state1.sync.lists.contacts.backfill, 'split').to.not.equal(undefined);
    expect(state1.sync.lists.contacts.sketch, 'the first part took a census beside it').to.be.a('string');
    const victim = first.table('users').rows[0].id;
    deleteContact(ws, victim, ws.now + 10);
    ws.now += 600;
    await untilBackfillEnds('contacts', (st) => runExtractor(config(sim.url, TOKEN, params), onClock(clock), st), storage, state1, 20);
    expect(values(storage, 'users', 'id')).not.to.include(victim);
  });

  it('API 2.16: a conversation written by the first part of a split first read and deleted before the next part leaves storage', async () => {
    ws = generateWorkspace({ seed: 87, users: 10, leads: 2, conversations: 90, bigConversations: 0 });
    // The runs' clock is the workspace's (deletion times and the read's start compare), and each page of
    // conversations costs 3.6 s of it against a budget of 6 s: a run reads a page or two.
    const clock = new ManualClock(ws.now * 1000);
    sim = await startSimulator({ workspace: ws, token: TOKEN, pageSize: 10, ...pagesCost(clock, 'GET /conversations', 3_600) });
    const params = { template: 'conversations', incremental: true, max_run_minutes: 0.1, api_version: '2.16' };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params), onClock(clock));
    await loadOk(storage, first);
    let state = await first.state();
    expect(state.sync.lists.conversations.backfill, 'split').to.not.equal(undefined);
    expect(state.sync.lists.conversations.mark, 'a first read: no mark, no earlier read of deletions').to.equal(undefined);
    const victim = first.table('conversations').rows[0].id;
    ws.now = Math.floor(clock.now() / 1000);
    deleteConversation(ws, victim, ws.now + 10);
    clock.advance(600_000);
    ws.now += 600;
    state = await untilBackfillEnds('conversations', (st) => runExtractor(config(sim.url, TOKEN, params), onClock(clock), st), storage, state, 20);
    expect(state.sync.lists.conversations.backfill, 'the backfill ended').to.equal(undefined);
    expect(values(storage, 'conversations', 'id')).not.to.include(victim);
    expect(values(storage, 'conversation_parts', 'conversations_pk')).not.to.include(victim);
  });

  it('a lead merged into a user while the run reads them: its note is written once, under the lead, and the next run writes it under the user', async () => {
    ws = generateWorkspace({ seed: 88, users: 40, leads: 20, conversations: 0 });
    const position = (id: string) => ws.contacts.findIndex((c) => c.id === id);
    const lead = ws.contacts.find((c) => c.role === 'lead' && (ws.notes.get(c.id) ?? []).length > 0 && position(c.id) < 20)!;
    const user = [...ws.contacts].reverse().find((c) => c.role === 'user')!;
    expect(position(user.id) - position(lead.id), 'the user is read pages after the lead').to.be.above(20);
    const note = ws.notes.get(lead.id)![0].id;
    let merged = false;
    // Merged once the lead's notes are answered, before the user's page is read: the note then shows under both.
    const rewrite = (req: { route: string; path: string }, body: unknown) => {
      if (!merged && req.route === 'GET /contacts/:id/notes' && req.path.includes(lead.id)) {
        merged = true;
        mergeContact(ws, lead.id, user.id, ws.now + 1);
      }
      return body;
    };
    sim = await startSimulator({ workspace: ws, token: TOKEN, pageSize: 10, rewrite });
    const params = { template: 'basic', incremental: true, skip_contact_details: ['events_summary', 'segments'] };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    expect(merged).to.equal(true);
    expect(first.table('notes').rows.filter((r) => r.id === note).map((r) => r.user_id), 'once, under the lead').to.deep.equal([lead.id]);
    const state = await first.state();
    expect(state.sync.lists.contacts.resume_at, 'the next run reads the user again').to.be.at.most(ws.contacts.find((c) => c.id === user.id)!.updated_at - 1);
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state);
    await loadOk(storage, second);
    expect(storage.rows('notes').map((j) => JSON.parse(j)).filter((r) => r.id === note).map((r) => r.user_id), 'under the user').to.deep.equal([user.id]);
    const full = await runExtractor(config(sim.url, TOKEN, { template: 'basic', skip_contact_details: ['events_summary', 'segments'] }));
    expect(differences(storage, full, TEMPLATE_TABLES.basic, { ignore: /^(tags|companies)_total_count$/ })).to.deep.equal(same(TEMPLATE_TABLES.basic));
  });

  it('too many deletions found while a full read is split: the next run reads whole, unsplit, and replaces', async () => {
    ws = generateWorkspace({ seed: 83, users: 460, leads: 40, conversations: 0 });
    // Each page of contacts costs 3.6 s of the runs' clock and the budget is 6 s: a run reads one page (and a
    // record of the next) on a busy machine as on an idle one.
    const clock = new ManualClock();
    sim = await startSimulator({ workspace: ws, token: TOKEN, ...pagesCost(clock, 'GET /contacts', 3_600) });
    const params = { template: 'basic', incremental: true, max_run_minutes: 0.1, skip_contact_details: ['notes', 'events_summary', 'segments'] };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params), onClock(clock));
    await loadOk(storage, first);
    const doomed = deleteManyUsers(ws);
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, params), onClock(clock), await first.state());
    await loadOk(storage, second);
    const state2 = await second.state();
    expect(state2.sync.lists.contacts.read_whole).to.equal(true);
    const third = await runExtractor(config(sim.url, TOKEN, params), onClock(clock), state2);
    expect(third.code, third.stderr).to.equal(0);
    expect((await third.manifest('users')).incremental, 'read whole and replaced, not the split read going on').to.equal(false);
    await storage.load(third);
    expect(values(storage, 'users', 'id').filter((id) => doomed.some((c) => c.id === id))).to.deep.equal([]);
  });

  it('companies the scroll never lists but rows name are asked for, not counted as gone: a deletion among the listed ones still applies', async () => {
    ws = generateWorkspace({ seed: 84, users: 80, leads: 20, companies: 150, conversations: 0 });
    const named = new Set([...ws.contactCompanies.values()].flat());
    const hidden = new Set(ws.companies.filter((c) => named.has(c.id)).slice(0, 40).map((c) => c.id));
    sim = await startSimulator({ workspace: ws, token: TOKEN, rewrite: scrollWithout(() => hidden) });
    const params = { template: 'basic', incremental: true, skip_contact_details: ['notes', 'events_summary', 'segments'] };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    const state1 = await first.state();
    expect(state1.sync.known.companies).not.to.include.members([...hidden].slice(0, 1));
    expect(state1.sync.unlisted.companies).to.have.members([...hidden]);
    const victim = ws.companies.find((c) => named.has(c.id) && !hidden.has(c.id))!;
    deleteCompany(ws, victim.id, ws.now + 10);
    ws.now += 60;
    sim.resetStats();
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).not.to.match(/WARNING/);
    expect(sim.stats.byRoute['GET /companies/:id'], 'each left-out one asked for, and the deleted one').to.equal(hidden.size + 1);
    expectEvent(second, { kind: 'relation_rows_removed', list: 'companies', count: 1 });
    await storage.load(second);
    expect(values(storage, 'users_companies', 'id').concat(values(storage, 'leads_companies', 'id'))).not.to.include(victim.id);
    expect((await second.state()).sync.unlisted.companies).to.have.members([...hidden]);
  });

  it('going back from 2.16 (no sketch kept) to 2.14: the conversations are read whole and replaced, so one deleted in between leaves storage at once', async () => {
    ws = generateWorkspace({ seed: 85, users: 10, leads: 2, conversations: 30, bigConversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = (v: string) => ({ template: 'conversations', incremental: true, api_version: v });
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params('2.16')));
    await loadOk(storage, first);
    const state1 = await first.state();
    expect(state1.sync.lists.conversations.sketch, 'none on 2.16').to.equal(undefined);
    const victim = ws.conversations[4].id;
    deleteConversation(ws, victim, ws.now + 10);
    ws.now += 600;
    // A state written before the version was kept (no sync.api_version) is taken as the configured version's, but
    // its missing sketch still makes the run read the conversations whole.
    const { api_version: kept, ...older } = state1.sync;
    expect(kept).to.equal('2.16');
    expect(older.lists.conversations.api_version, 'each list keeps the version it was read on').to.equal('2.16');
    for (const list of Object.values(older.lists) as Array<Record<string, unknown>>) delete list.api_version;
    const second = await runExtractor(config(sim.url, TOKEN, params('2.14')), TEST_OVERRIDES, { ...state1, sync: older });
    await loadOk(storage, second);
    expectEvent(second, { kind: 'list_read', mode: 'full', reason: 'unsketched' });
    expect((await second.manifest('conversations')).incremental, 'read whole, replaced').to.equal(false);
    expect(values(storage, 'conversations', 'id')).not.to.include(victim);
    expect(values(storage, 'conversation_parts', 'conversations_pk')).not.to.include(victim);
    expect(values(storage, 'conversation_parts', 'conversations_pk').length, 'parts are named by conversations_pk').to.be.above(0);
    expect((await second.state()).sync.lists.conversations.sketch, 'the next 2.14 run compares again').to.be.a('string');
  });

  it('switching api_version reads every list whole once, so no row keeps the old version\'s rendering, then reads changes only', async () => {
    ws = generateWorkspace({ seed: 86, users: 10, leads: 2, conversations: 30, bigConversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = (v: string) => ({ template: 'conversations', incremental: true, api_version: v });
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params('2.14')));
    await loadOk(storage, first);
    expect((await first.state()).sync.api_version).to.equal('2.14');
    expect(values(storage, 'conversations', 'priority'), '2.14 renders priority as priority or not_priority').to.include('not_priority');
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, params('2.16')), TEST_OVERRIDES, await first.state());
    await loadOk(storage, second);
    expectEvent(second, { kind: 'list_read', list: 'conversations', mode: 'full', reason: 'api_version' });
    expect((await second.manifest('conversations')).incremental, 'read whole, replaced').to.equal(false);
    expect(values(storage, 'conversations', 'priority').filter((p) => ['priority', 'not_priority'].includes(p)), 'no row keeps 2.14\'s values').to.deep.equal([]);
    const full = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', api_version: '2.16' }));
    expect(differences(storage, full, TEMPLATE_TABLES.conversations)).to.deep.equal(same(TEMPLATE_TABLES.conversations));
    ws.now += 600;
    const third = await runExtractor(config(sim.url, TOKEN, params('2.16')), TEST_OVERRIDES, await second.state());
    await loadOk(storage, third);
    expectEvent(third, { kind: 'list_read', list: 'conversations', mode: 'changes' }, 'the next run on the same version reads changes');
  });

  it('keeps no conversations sketch where the API lists deleted conversations (2.16), so going back to 2.14 names none twice', async () => {
    ws = generateWorkspace({ seed: 81, users: 10, leads: 2, conversations: 20 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = (v: string) => ({ template: 'conversations', incremental: true, api_version: v });
    const first = await runExtractor(config(sim.url, TOKEN, params('2.14')));
    expect(first.code, first.stderr).to.equal(0);
    expect((await first.state()).sync.lists.conversations.sketch).to.be.a('string');
    const second = await runExtractor(config(sim.url, TOKEN, params('2.16')), TEST_OVERRIDES, await first.state());
    expect(second.code, second.stderr).to.equal(0);
    expect((await second.state()).sync.lists.conversations.sketch).to.equal(undefined);
  });

  it('flag on 2.16: a deletion the deleted list names again (its overlap) keeps the flagged row the last run wrote', async () => {
    ws = generateWorkspace({ seed: 93, users: 20, leads: 5, conversations: 30, bigConversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'conversations', incremental: true, deletes: 'flag', api_version: '2.16' };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    const victim = ws.conversations[3].id;
    deleteConversation(ws, victim, ws.now + 100);
    ws.now += 300;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
    await loadOk(storage, second);
    const row = () => storage.rows('conversations').map((j) => JSON.parse(j)).filter((r) => r.id === victim).map((r) => `${r.is_deleted} ${r.deleted_at}`);
    expect(row()).to.deep.equal([`true ${ws.now - 200}`]);
    // Within the 30-minute overlap the next run reads the same deletion again: the row must stay as it is.
    ws.now += 300;
    const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await second.state());
    await loadOk(storage, third);
    expect(deleteSet(await third.manifest('conversations')), 'no delete of the flagged row').not.to.include(victim);
    expect(row()).to.deep.equal([`true ${ws.now - 500}`]);
  });

  it('flag on 2.16 without the last run\'s ids (no sketch to compare with): a deleted conversation storage may hold is flagged, not lost', async () => {
    ws = generateWorkspace({ seed: 91, users: 20, leads: 5, conversations: 30, bigConversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const params = { template: 'conversations', incremental: true, deletes: 'flag', api_version: '2.16' };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, params));
    await loadOk(storage, first);
    const state = await first.state();
    delete state.sync.lists.conversations.sketch;
    delete state.sync.lists.conversations.sketch_at;
    const victim = ws.conversations[3].id;
    deleteConversation(ws, victim, ws.now + 10);
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state);
    await loadOk(storage, second);
    expect(storage.rows('conversations').map((j) => JSON.parse(j)).filter((r) => r.id === victim).map((r) => r.is_deleted)).to.deep.equal(['true']);
  });

  it('flag: a table keyed by more than its record\'s id (basic admins: type and id; data_attributes: model and full_name) is replaced, its gone entries absent, never a flagged row with an empty key', async () => {
    ws = generateWorkspace({ seed: 92, users: 20, leads: 5, conversations: 10, bigConversations: 0 });
    let drop: string | undefined;
    sim = await startSimulator({ workspace: ws, token: TOKEN, rewrite: (req, body) => (req.route === 'GET /admins' && drop ? { ...body, admins: body.admins.filter((a: any) => a.id !== drop) } : body) });
    const basic = { template: 'basic', incremental: true, deletes: 'flag', skip_contact_details: ['notes', 'events_summary', 'segments'] };
    const storage = new Storage();
    const first = await runExtractor(config(sim.url, TOKEN, basic), TEST_OVERRIDES, undefined, { mode: 'authoritative' });
    await loadOk(storage, first);
    drop = ws.admins[1].id;
    ws.now += 600;
    const second = await runExtractor(config(sim.url, TOKEN, basic), TEST_OVERRIDES, await first.state(), { mode: 'authoritative' });
    await loadOk(storage, second);
    expect((await second.manifest('admins')).incremental).to.equal(false);
    expect(storage.rows('admins').map((j) => JSON.parse(j)).filter((r) => r.id === drop)).to.deep.equal([]);
    expect(storage.rows('admins').map((j) => JSON.parse(j)).every((r) => r.type !== '' && r.is_deleted === 'false')).to.equal(true);

    // 2.16 lists no standard conversation attributes: they leave data_attributes, with no flagged row keyed "" + name.
    const workspace = { template: 'workspace', incremental: true, deletes: 'flag', skip_contact_details: ['notes', 'segments', 'events_summary', 'conversation_parts', 'ticket_parts'] };
    const store2 = new Storage();
    const before = await runExtractor(config(sim.url, TOKEN, { ...workspace, api_version: '2.14' }), TEST_OVERRIDES, undefined, { mode: 'authoritative' });
    await loadOk(store2, before);
    ws.now += 600;
    const after = await runExtractor(config(sim.url, TOKEN, { ...workspace, api_version: '2.16' }), TEST_OVERRIDES, await before.state(), { mode: 'authoritative' });
    await loadOk(store2, after);
    const attributes = store2.rows('data_attributes').map((j) => JSON.parse(j));
    expect(attributes.filter((r) => r.model === '' || r.is_deleted === 'true')).to.deep.equal([]);
    expect(attributes.filter((r) => r.model === 'conversation' && r.custom === 'false')).to.deep.equal([]);
  });

  for (const version of ['2.14', '2.16']) {
    it(`flag on ${version}: a conversation created since the last run that vanished while read gains no flagged row when it is found gone`, async () => {
      ws = generateWorkspace({ seed: 94, users: 10, leads: 2, conversations: 12, bigConversations: 0 });
      let hidden: string | undefined;
      sim = await startSimulator({ workspace: ws, token: TOKEN, intercept: ({ route, path }) => (hidden && route === 'GET /conversations/:id' && path.endsWith(`/${hidden}`) ? { status: 404, body: { type: 'error.list', errors: [{ code: 'not_found', message: 'Resource Not Found' }] } } : undefined) });
      const params = { template: 'conversations', incremental: true, deletes: 'flag', api_version: version };
      const storage = new Storage();
      const first = await runExtractor(config(sim.url, TOKEN, params));
      await loadOk(storage, first);
      const fleeting = addConversation(ws, ws.now + 10).id;
      hidden = fleeting;
      ws.now += 600;
      const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await first.state());
      await loadOk(storage, second);
      expectEvent(second, { kind: 'vanished', table: 'conversations', id: fleeting });
      deleteConversation(ws, fleeting, ws.now + 10);
      hidden = undefined;
      ws.now += 600;
      const third = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, await second.state());
      await loadOk(storage, third);
      expect(values(storage, 'conversations', 'id')).not.to.include(fleeting);
    });
  }

  for (const version of ['2.14', '2.16']) {
    it(`flag on ${version}: a conversation the first, split, read never reached and deleted before the next part gains no flagged row`, async () => {
      ws = generateWorkspace({ seed: 90, users: 20, leads: 5, conversations: 300, bigConversations: 0 });
      // Each page of conversations costs 3.6 s of the runs' clock and the budget is 6 s: the first run reads one page.
      const clock = new ManualClock();
      sim = await startSimulator({ workspace: ws, token: TOKEN, pageSize: 10, ...pagesCost(clock, 'GET /conversations', 3_600) });
      const params = { template: 'conversations', incremental: true, deletes: 'flag', api_version: version, max_run_minutes: 0.1 };
      const storage = new Storage();
      const first = await runExtractor(config(sim.url, TOKEN, params), onClock(clock));
      await loadOk(storage, first);
      let state = await first.state();
      expect(state.sync.lists.conversations.backfill, 'split').to.not.equal(undefined);
      const written = new Set(first.table('conversations').rows.map((r) => r.id));
      const victim = ws.conversations.find((c) => !written.has(c.id))!.id;
      deleteConversation(ws, victim, ws.now + 10);
      ws.now += 600;
      state = await untilBackfillEnds('conversations', (st) => runExtractor(config(sim.url, TOKEN, params), onClock(clock), st), storage, state, 30);
      expect(state.sync.lists.conversations.backfill, 'the read ended').to.equal(undefined);
      expect(values(storage, 'conversations', 'id'), 'storage never held it, so no flagged row').not.to.include(victim);
      expect(values(storage, 'conversations', 'id').sort()).to.deep.equal(ws.conversations.map((c) => c.id).sort());
    });
  }

  it('a value of parameters.deletes other than remove or flag fails with exit 1 and one line naming it', async () => {
    ws = generateWorkspace({ seed: 65, users: 3, leads: 1, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    const run: RunResult = await runExtractor(config(sim.url, TOKEN, { deletes: 'soft' }));
    expect(run.code).to.equal(1);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.match(/parameters\.deletes "soft" is unknown: use "remove".*or "flag"/);
    expect(sim.stats.requests, 'nothing is asked of Intercom').to.equal(0);
  });
});
