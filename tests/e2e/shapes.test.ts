/**
 * Intercom as a hostile or merely live API: answers of the wrong shape, shapes the spec documents but the happy
 * path never shows, records that change while they are read, answers that never end, paginations that go round
 * in circles. Each scenario ends one of two ways, and the test says which:
 * - exactly the truth, exit 0, nothing on stderr; or
 * - a clear failure: exit 2 (1 for the user's to fix), one line on stderr naming the endpoint and what was
 *   wrong, and no out/state.json.
 */
import { expect } from 'chai';
import { PROBE_LIMITS } from '../../src/actions/test-connection.js';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataAttributeDefinitions, generateWorkspace, startSimulator, updateContact, updateConversation, type InterceptRequest, type Simulator, type SimulatorOptions, type Workspace } from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { primaryKeyOf, Storage } from '../helpers/storage.js';
import { ManualClock, onClock, pagesCost } from '../helpers/clock.js';
import { SCROLL_DEFAULTS } from '../../src/resources/index.js';

const TOKEN = 'shapes-token-0123456789abcdef';
const nowSec = () => Math.floor(Date.now() / 1000);
const sorted = (xs: string[]) => [...xs].sort();
const ids = (run: RunResult, table: string, col = 'id') => sorted(run.table(table).rows.map((r) => r[col]));
const wrote = async (run: RunResult, file: string) => (await run.outFiles()).some((f) => f.endsWith(file));

/** Exit 0, nothing on stderr, and a state for the next run. */
async function expectSuccess(run: RunResult): Promise<void> {
  expect(run.code, run.stderr).to.equal(0);
  expect(run.stderr).to.equal('');
  expect(await wrote(run, 'state.json')).to.equal(true);
}

/** Exit code, exactly one line on stderr matching `line`, no state written, no token printed. */
async function expectCleanFailure(run: RunResult, code: 1 | 2, line: RegExp): Promise<void> {
  expect(run.code, run.stdout.slice(-2000)).to.equal(code);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).to.have.length(1);
  expect(lines[0], lines[0]).to.match(line);
  expect(run.stderr + run.stdout).not.to.include(TOKEN);
  expect(await wrote(run, 'state.json'), 'a failed run writes no state').to.equal(false);
}

const users = (ws: Workspace) => ws.contacts.filter((c) => c.role === 'user');
const leads = (ws: Workspace) => ws.contacts.filter((c) => c.role === 'lead');
const NO_DETAILS = { skip_contact_details: ['segments', 'notes', 'events_summary'] };

describe('hostile and live answers', function () {
  this.timeout(120_000);
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  const start = async (ws: Workspace, extra: Partial<SimulatorOptions> = {}) => (sim = await startSimulator({ workspace: ws, token: TOKEN, ...extra }));

  describe('records that change while a full read pages through them', () => {
    /** Updates, at the second list page, `count` records that sit on later pages: they move to the front. */
    function moveToFront<T extends { id: string; updated_at: number }>(records: () => T[], count: number, update: (id: string, at: number) => void) {
      const moved: string[] = [];
      return {
        moved,
        onSecondPage() {
          const later = [...records()].sort((a, b) => b.updated_at - a.updated_at).slice(150);
          for (const r of later.slice(0, count)) {
            update(r.id, nowSec());
            moved.push(r.id);
          }
        },
      };
    }

    it('conversations updated mid-read (most recently updated first) are all written, by reading the front of the list again', async () => {
      const ws = generateWorkspace({ seed: 61, users: 20, leads: 5, conversations: 500, maxPartsPerConversation: 3, bigConversations: 0 });
      const mover = moveToFront(() => ws.conversations, 26, (id, at) => updateConversation(ws, id, { state: 'closed', open: false }, at));
      await start(ws, { intercept: ({ route, query }) => void (route === 'GET /conversations' && query.get('starting_after') && mover.moved.length === 0 && mover.onSecondPage()) });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'conversations' }));
      await expectSuccess(run);
      expect(mover.moved).to.have.length(26);
      expect(ids(run, 'conversations')).to.deep.equal(sorted(ws.conversations.map((c) => c.id)));
      expect(run.table('conversation_parts').rows.length).to.equal(ws.conversations.reduce((n, c) => n + ws.parts.get(c.id)!.length, 0));
      expect(run.stdout).to.match(/The catch-up found 2\d conversations that the paged read missed/);
      expect((await run.manifest('conversations')).incremental).to.equal(false);
    });

    it('contacts updated mid-read are all written, on a full run and on the first run of an incremental schedule', async () => {
      const ws = generateWorkspace({ seed: 62, users: 330, leads: 90, conversations: 0 });
      for (const incremental of [false, true]) {
        const mover = moveToFront(() => ws.contacts, 20, (id, at) => updateContact(ws, id, { name: `Moved ${at}` }, at));
        await start(ws, { contactsOrder: 'updated_desc', intercept: ({ route, query }) => void (route === 'GET /contacts' && query.get('starting_after') && mover.moved.length === 0 && mover.onSecondPage()) });
        const run = await runExtractor(config(sim!.url, TOKEN, { template: 'basic', incremental, ...NO_DETAILS }));
        await expectSuccess(run);
        expect(mover.moved).to.have.length(20);
        expect(ids(run, 'users')).to.deep.equal(sorted(users(ws).map((c) => c.id)));
        expect(ids(run, 'leads')).to.deep.equal(sorted(leads(ws).map((c) => c.id)));
        expect((await run.manifest('users')).incremental, 'the first run replaces the table').to.equal(false);
        await sim!.close();
        sim = undefined;
      }
    });

    it('a record listed again on a later page (the list shifted) is written once', async () => {
      const ws = generateWorkspace({ seed: 60, users: 200, leads: 20, conversations: 0 });
      let firstOfPage1: unknown;
      await start(ws, {
        rewrite: (req, body) => {
          if (req.route !== 'GET /contacts') return body;
          if (!req.query.get('starting_after')) firstOfPage1 = body.data[149];
          return req.query.get('starting_after') ? { ...body, data: [firstOfPage1, ...body.data] } : body;
        },
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'basic', ...NO_DETAILS }));
      await expectSuccess(run);
      expect(run.table('users').rows.length + run.table('leads').rows.length).to.equal(ws.contacts.length);
      expect(ids(run, 'users')).to.deep.equal(sorted(users(ws).map((c) => c.id)));
    });

    it('with page-number cursors, a burst of updates that pushes a whole read page down is neither a loop nor a loss', async () => {
      const ws = generateWorkspace({ seed: 59, users: 290, leads: 40, conversations: 0 });
      const mover = moveToFront(() => ws.contacts, 150, (id, at) => updateContact(ws, id, { name: `Burst ${at}` }, at));
      let page2: string[] = [];
      await start(ws, {
        contactsOrder: 'updated_desc',
        offsetCursors: true,
        intercept: ({ route, query }) => void (route === 'GET /contacts' && query.get('starting_after') && mover.moved.length === 0 && mover.onSecondPage()),
        rewrite: (req, body) => {
          if (req.route === 'GET /contacts' && page2.length === 0 && req.query.get('starting_after')) page2 = body.data.map((c: { id: string }) => c.id);
          return body;
        },
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'basic', ...NO_DETAILS }));
      await expectSuccess(run);
      expect(page2.filter((id) => mover.moved.includes(id)), 'page 2 held only records of page 1, pushed down').to.have.length(0);
      expect(ids(run, 'users')).to.deep.equal(sorted(users(ws).map((c) => c.id)));
      expect(ids(run, 'leads')).to.deep.equal(sorted(leads(ws).map((c) => c.id)));
      expect(run.stdout).to.match(/The catch-up found 150 contacts/);
    });

    it('a backfill split over several runs ends with every conversation, however they moved between runs', async () => {
      const ws = generateWorkspace({ seed: 63, users: 10, leads: 2, conversations: 480, maxPartsPerConversation: 2, bigConversations: 0 });
      // Each page of conversations costs 3.6 s of the runs' clock and the budget is 6 s: a run reads one page (and a
      // record of the next) on a busy machine as on an idle one.
      const clock = new ManualClock();
      await start(ws, pagesCost(clock, 'GET /conversations', 3_600));
      const storage = new Storage();
      let state: unknown;
      const moved: string[] = [];
      for (let runs = 1; ; runs++) {
        const run = await runExtractor(config(sim!.url, TOKEN, { template: 'conversations', incremental: true, max_run_minutes: 0.1, max_concurrency: 2 }), onClock(clock), state);
        await expectSuccess(run);
        await storage.load(run);
        state = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(run.dataDir, 'out', 'state.json'), 'utf8'));
        if ((state as any).last_run.complete) break;
        expect(runs, 'the backfill makes progress').to.be.below(15);
        // Between runs, conversations not read yet (at the end of the list) are updated: they jump to its front.
        const tail = [...ws.conversations].sort((a, b) => b.updated_at - a.updated_at).slice(-3);
        for (const c of tail) {
          updateConversation(ws, c.id, { read: true }, Math.floor(clock.now() / 1000));
          moved.push(c.id);
        }
      }
      expect(moved.length).to.be.at.least(3);
      expect(sorted(storage.rows('conversations').map((r) => JSON.parse(r).id))).to.deep.equal(sorted(ws.conversations.map((c) => c.id)));
    });
  });

  describe('answers of the wrong shape fail the run instead of losing rows', () => {
    const ws = generateWorkspace({ seed: 64, users: 170, leads: 24, conversations: 40, bigConversations: 0 });
    /** Bad once (then retried and fine) or always (then reported). */
    const cases: Array<{ name: string; template: string; route: string; nth?: (n: number, q: URLSearchParams) => boolean; bad: (body: any) => unknown; says: RegExp }> = [
      { name: '200 with an error.list body', template: 'conversations', route: 'GET /conversations', bad: () => ({ type: 'error.list', request_id: 'x', errors: [{ code: 'server_error', message: 'oops' }] }), says: /GET \/conversations failed .*error list \(server_error/ },
      { name: 'conversations: null', template: 'conversations', route: 'GET /conversations', bad: (b) => ({ ...b, conversations: null }), says: /GET \/conversations failed .*without the "conversations" list/ },
      { name: '`data` missing on page 2 of contacts', template: 'basic', route: 'GET /contacts', nth: (_, q) => q.get('starting_after') !== null, bad: ({ data, ...rest }) => rest, says: /GET \/contacts failed .*without the "data" list/ },
      { name: '/tags answering []', template: 'basic', route: 'GET /tags', bad: () => [], says: /GET \/tags failed .*JSON array/ },
      { name: 'conversation_parts.conversation_parts: "oops"', template: 'conversations', route: 'GET /conversations/:id', bad: (b) => ({ ...b, conversation_parts: { ...b.conversation_parts, conversation_parts: 'oops' } }), says: /GET \/conversations\/:id failed .*"conversation_parts\.conversation_parts" is not a list/ },
      { name: 'contact companies: []', template: 'basic', route: 'GET /contacts', bad: (b) => ({ ...b, data: b.data.map((c: any, i: number) => (i === 3 ? { ...c, companies: [] } : c)) }), says: /GET \/contacts failed .*"companies\.data" is not a list|GET \/contacts failed .*"companies" is not an object/ },
      { name: 'contact tags: "oops"', template: 'basic', route: 'GET /contacts', bad: (b) => ({ ...b, data: b.data.map((c: any, i: number) => (i === 3 ? { ...c, tags: 'oops' } : c)) }), says: /GET \/contacts failed .*"tags" is not an object/ },
      { name: 'contact tags.data: {}', template: 'basic', route: 'GET /contacts', bad: (b) => ({ ...b, data: b.data.map((c: any, i: number) => (i === 3 ? { ...c, tags: { ...c.tags, data: {} } } : c)) }), says: /GET \/contacts failed .*"tags\.data" is not a list/ },
      { name: 'companies scroll page without scroll_param', template: 'basic', route: 'GET /companies/scroll', bad: ({ scroll_param, ...rest }) => rest, says: /found no company they had missed \(the last pass first met: Intercom's answer to GET \/companies\/scroll had companies but no scroll_param to continue from/ },
      { name: 'a companies scroll continuation without data (the scroll may have moved on: read again in another pass)', template: 'basic', route: 'GET /companies/scroll', nth: (_, q) => q.get('scroll_param') !== null, bad: ({ data, ...rest }) => rest, says: /companies scroll .* found no company they had missed \(the last pass first met: .*without the "data" list\)/ },
      { name: 'contacts without id', template: 'basic', route: 'GET /contacts', bad: (b) => ({ ...b, data: b.data.map((c: any, i: number) => (i % 40 === 7 ? { ...c, id: undefined } : c)) }), says: /GET \/contacts failed .*without "id"/ },
      { name: 'conversation detail {}', template: 'conversations', route: 'GET /conversations/:id', bad: () => ({}), says: /GET \/conversations\/:id failed .*with id null instead of/ },
      { name: '/contacts/{id}/segments answering {}', template: 'basic', route: 'GET /contacts/:id/segments', bad: () => ({}), says: /GET \/contacts\/:id\/segments failed .*without the "data" list/ },
      { name: 'a segment members search without data', template: 'basic', route: 'POST /contacts/search', bad: ({ data, ...rest }) => rest, says: /POST \/contacts\/search failed .*without the "data" list/ },
      { name: 'a note without id', template: 'basic', route: 'GET /contacts/:id/notes', bad: (b) => ({ ...b, data: b.data.map((n: any) => ({ ...n, id: null })) }), nth: (_, q) => true, says: /GET \/contacts\/:id\/notes failed .*without "id"/ },
    ];

    for (const c of cases) {
      it(`${c.name}: retried when it happens once, a clear exit 2 when it persists`, async () => {
        let hits = 0;
        let always = false;
        const rewrite = (req: InterceptRequest, body: any) => {
          // Segments as large as they come: memberships are then read per contact, the route this case breaks.
          if (req.route === 'GET /segments' && c.route === 'GET /contacts/:id/segments') return { ...body, segments: body.segments.map((x: any) => ({ ...x, count: 1_000_000 })) };
          if (req.route !== c.route || !(c.nth ?? (() => true))(req.n, req.query)) return body;
          if (c.name === 'a note without id' && body.data.length === 0) return body;
          hits++;
          return always || hits === 1 ? c.bad(body) : body;
        };
        // A broken scroll is restarted once our abandoned one has expired (a minute idle, as at Intercom), with
        // production's waits (15 s apart). The simulator and the client share a clock that only those waits move:
        // the abandoned scroll expires while the restart waits, and none expires while it is read, however slow
        // the machine is between two pages.
        const clock = c.route === 'GET /companies/scroll' ? new ManualClock() : undefined;
        await start(ws, { rewrite, ...(clock ? { now: () => clock.now() } : {}) });
        const overrides = clock ? onClock(clock, { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, scroll: SCROLL_DEFAULTS } }) : TEST_OVERRIDES;
        const once = await runExtractor(config(sim!.url, TOKEN, { template: c.template }), overrides);
        await expectSuccess(once);
        expect(hits, 'the bad answer was served').to.be.at.least(1);
        expect(once.stdout).to.match(/Retrying .* after: 200 |The companies scroll ended early \(.*no scroll_param/);
        if (c.template === 'conversations') expect(ids(once, 'conversations')).to.deep.equal(sorted(ws.conversations.map((x) => x.id)));
        else {
          expect(ids(once, 'users')).to.deep.equal(sorted(users(ws).map((x) => x.id)));
          expect(ids(once, 'companies')).to.deep.equal(sorted(ws.companies.map((x) => x.id)));
        }

        always = true;
        const persists = await runExtractor(config(sim!.url, TOKEN, { template: c.template }), overrides);
        await expectCleanFailure(persists, 2, c.says);
      });
    }
  });

  describe('shapes the spec documents are all accepted', () => {
    it('contact companies under "companies", null admins and null summary items, a trailing space in an ISO date', async () => {
      const ws = generateWorkspace({ seed: 65, users: 40, leads: 10, conversations: 0 });
      await start(ws, { contactCompaniesKey: 'companies', nullItems: true });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'basic' }));
      await expectSuccess(run);
      const companyLinks = users(ws).flatMap((c) => (ws.contactCompanies.get(c.id) ?? []).map((id) => `${c.id}|${id}`));
      expect(sorted(run.table('users_companies').rows.map((r) => `${r.users_pk}|${r.id}`))).to.deep.equal(sorted(companyLinks));
      expect(companyLinks.length, 'a contact with more than 10 companies read them from /contacts/{id}/companies').to.be.above(users(ws).length);
      expect(ids(run, 'admins').filter(Boolean)).to.deep.equal(sorted([...ws.admins, ...ws.teams].map((a) => a.id)));
      expect(run.stdout.match(/held null items in "admins"/g)).to.have.length(1);
      expect(run.stdout.match(/held null items in "events"/g), 'one warning however many summaries hold nulls').to.have.length(1);
      const summaries = users(ws).reduce((n, c) => n + new Set((ws.events.get(c.id) ?? []).map((e) => e.event_name)).size, 0);
      expect(run.table('events_summary').rows).to.have.length(summaries);
      const spaced = run.table('events_summary').rows.filter((r) => r.last.endsWith(' '));
      expect(spaced.length, 'the simulator served trailing spaces').to.be.above(0);
      for (const r of run.table('events_summary').rows) {
        const times = (ws.events.get(r.user_id) ?? []).filter((e) => e.event_name === r.name).map((e) => e.created_at);
        expect(r.last_at, `${r.user_id} ${r.name} ${JSON.stringify(r.last)}`).to.equal(String(Math.max(...times)));
      }
    });

    it('lists the spec leaves optional may be absent: a conversation without tags or contacts, parts and messages without attachments', async () => {
      const ws = generateWorkspace({ seed: 73, users: 10, leads: 2, conversations: 15, bigConversations: 0 });
      await start(ws, {
        rewrite: (req, body) => {
          if (req.route !== 'GET /conversations/:id' || Number(body.id) % 2 === 1) return body;
          const { tags, contacts, ...rest } = body;
          return { ...rest, source: { ...body.source, attachments: undefined }, conversation_parts: { ...body.conversation_parts, conversation_parts: body.conversation_parts.conversation_parts.map(({ attachments, ...p }: any) => p) } };
        },
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'conversations' }));
      await expectSuccess(run);
      expect(ids(run, 'conversations')).to.deep.equal(sorted(ws.conversations.map((c) => c.id)));
      const odd = ws.conversations.filter((c) => Number(c.id) % 2 === 1);
      expect(run.table('conversations_tags').rows.length).to.equal(odd.reduce((n, c) => n + (c.tags?.tags?.length ?? 0), 0));
      expect(run.table('conversation_parts').rows.length).to.equal(ws.conversations.reduce((n, c) => n + ws.parts.get(c.id)!.length, 0));
    });

    for (const template of ['basic', 'conversations', 'users_and_events', 'workspace']) {
      it(`${template}: an embedded list left out or null (the spec requires none) means no items, on every version`, async () => {
        const ws = generateWorkspace({ seed: 76, users: 30, leads: 8, conversations: 12, bigConversations: 0 });
        for (const version of ['2.14', '2.16']) {
          await sim?.close();
          await start(ws);
          const whole = await runExtractor(config(sim!.url, TOKEN, { template, api_version: version }));
          await expectSuccess(whole);
          await sim!.close();
          sim = undefined;
          let sparse = 0;
          await start(ws, { sparseLists: true, rewrite: (_req, body) => ((sparse += JSON.stringify(body).match(/"(companies|tags|segments|contacts|teammates|admin_ids|social_profiles|notes|conversation_parts|ticket_parts)":null/g)?.length ?? 0), body) });
          const run = await runExtractor(config(sim!.url, TOKEN, { template, api_version: version }));
          await expectSuccess(run);
          expect(sparse, 'the simulator served null lists').to.be.above(0);
          for (const t of await whole.tables()) {
            // Counts the record carries for its lists are empty where the list is left out: only the rows compare.
            const key = primaryKeyOf(await whole.manifest(t));
            const keys = (r: RunResult) => sorted(r.table(t).rows.map((row) => key.map((k) => row[k]).join('|')));
            expect(keys(run), `${version} ${t}`).to.deep.equal(keys(whole));
          }
        }
      });
    }

    it('a record listed twice is written once: one table\'s file never holds a key twice', async () => {
      const ws = generateWorkspace({ seed: 77, users: 20, leads: 4, conversations: 6, bigConversations: 0 });
      const tagged = users(ws).find((c) => (ws.contactTags.get(c.id) ?? []).length > 0 && (ws.contactTags.get(c.id) ?? []).length < 10)!;
      await start(ws, {
        rewrite: (req, body) => {
          // A mock that answers every model with the company attributes (what a spec-example server does).
          if (req.route === 'GET /data_attributes') return { ...body, data: dataAttributeDefinitions(ws, 'company', true) };
          // A contact whose embedded tags repeat one.
          if (req.route === 'GET /contacts') return { ...body, data: body.data.map((c: any) => (c.id === tagged.id ? { ...c, tags: { ...c.tags, data: [...c.tags.data, c.tags.data[0]] } } : c)) };
          return body;
        },
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'workspace', ...NO_DETAILS }));
      await expectSuccess(run);
      const attributes = dataAttributeDefinitions(ws, 'company', true);
      expect(run.table('data_attributes').rows.map((r) => `${r.model}|${r.full_name}`).sort()).to.deep.equal(attributes.map((a) => `company|${a.full_name}`).sort());
      expect(run.stdout).to.match(/WARNING: Intercom listed a data_attributes record more than once \(model \+ full_name company \/ /);
      const tags = run.table('contacts_tags').rows.filter((r) => r.contacts_pk === tagged.id).map((r) => r.id);
      expect(tags).to.deep.equal(ws.contactTags.get(tagged.id));
      expect(run.stdout).to.match(/WARNING: Intercom listed a contacts_tags record more than once/);
    });

    it('a null tags object on a contact means no tags', async () => {
      const ws = generateWorkspace({ seed: 66, users: 12, leads: 3, conversations: 0 });
      const bare = users(ws).find((c) => (ws.contactTags.get(c.id) ?? []).length === 0)!;
      await start(ws, { rewrite: (req, body) => (req.route === 'GET /contacts' ? { ...body, data: body.data.map((c: any) => (c.id === bare.id ? { ...c, tags: null } : c)) } : body) });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'basic', ...NO_DETAILS }));
      await expectSuccess(run);
      expect(ids(run, 'users')).to.include(bare.id);
      expect(run.table('users_tags').rows.length).to.equal(users(ws).reduce((n, c) => n + (ws.contactTags.get(c.id) ?? []).length, 0));
    });

    for (const version of ['2.14', '2.16']) {
      it(`assignees in API ${version}: admin wins, team-only is the team, unassigned (0 in 2.16) is empty`, async () => {
        const ws = generateWorkspace({ seed: 67, users: 10, leads: 2, conversations: 40, bigConversations: 0 });
        await start(ws);
        const run = await runExtractor(config(sim!.url, TOKEN, { template: 'conversations', api_version: version }));
        await expectSuccess(run);
        const byId = new Map(run.table('conversations').rows.map((r) => [r.id, r]));
        const kinds = new Set<string>();
        for (const c of ws.conversations) {
          const r = byId.get(c.id)!;
          const want = c.admin_assignee_id != null ? ['admin', String(c.admin_assignee_id)] : c.team_assignee_id != null ? ['team', String(c.team_assignee_id)] : ['', ''];
          expect([r.assignee_type, r.assignee_id], c.id).to.deep.equal(want);
          expect([r.admin_assignee_id, r.team_assignee_id]).to.deep.equal([String(c.admin_assignee_id ?? ''), String(c.team_assignee_id ?? '')]);
          kinds.add(want[0] === 'team' ? 'team-only' : want[0] === '' ? 'unassigned' : c.team_assignee_id != null ? 'admin+team' : 'admin');
        }
        expect([...kinds].sort()).to.deep.equal(['admin', 'admin+team', 'team-only', 'unassigned']);
      });
    }
  });

  it('warns when a table about to be replaced is empty where the previous run wrote many rows', async () => {
    const ws = generateWorkspace({ seed: 71, users: 12, leads: 3, conversations: 0 });
    await start(ws);
    const first = await runExtractor(config(sim!.url, TOKEN, { template: 'basic', ...NO_DETAILS }));
    await expectSuccess(first);
    const state = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(first.dataDir, 'out', 'state.json'), 'utf8'));
    expect(state.last_run.rows.tags).to.equal(ws.tags.length);
    ws.tags.splice(0, ws.tags.length);
    const second = await runExtractor(config(sim!.url, TOKEN, { template: 'basic', ...NO_DETAILS }), TEST_OVERRIDES, state);
    await expectSuccess(second);
    expect(second.stdout).to.include(`WARNING: Table tags has no rows this run, where the previous run wrote ${state.last_run.rows.tags}`);
    expect(second.stdout).not.to.match(/Table (users|notes)/);
  });

  describe('hangs', () => {
    const ws = generateWorkspace({ seed: 68, users: 30, leads: 5, conversations: 12, bigConversations: 0 });

    it('an answer that trickles a byte at a time is cut at the deadline and retried', async () => {
      // The run's clock moves only when the test moves it: the deadline fires then, never because a busy machine
      // was slow to answer another request.
      const clock = new ManualClock();
      let trickling!: () => void;
      const trickles = new Promise<void>((resolve) => (trickling = resolve));
      await start(ws, { intercept: ({ route, n }) => (route === 'GET /conversations/:id' && n === 3 ? (trickling(), 'trickle') : undefined) });
      // One request at a time: the trickling one's deadline is the only one pending while it trickles.
      const running = runExtractor(config(sim!.url, TOKEN, { template: 'conversations', max_concurrency: 1 }), onClock(clock));
      await trickles;
      expect(clock.advanceToDeadline(), 'its deadline, a minute after it was sent (production\'s)').to.equal(60_000);
      const run = await running;
      await expectSuccess(run);
      expect(ids(run, 'conversations')).to.deep.equal(sorted(ws.conversations.map((c) => c.id)));
      expect(run.stdout).to.match(/Retrying GET \/conversations\/:id in [\d.]+ s after: no complete answer within 60\.0 s \(attempt 2\)/);
      expect(sim!.stats.byRoute['GET /conversations/:id'], 'asked again once').to.equal(ws.conversations.length + 1);
    });

    it('testConnection against a trickling server fails within the 30 seconds the platform gives it', async () => {
      // GET /me trickles; the lists asked beside it answer. Once its request is the only one waiting (its deadline and
      // the whole test's, 25 s, are the only ones left), the test moves the clock to its deadline; the pause before the
      // second try passes on the same clock. What the clock shows at the end is the time testConnection's own limits
      // allow (two deadlines and a backoff), whatever a busy machine adds to it.
      const clock = new ManualClock();
      let asked = 0;
      const whenAlone = (): void => void (clock.deadlines.length === 2 && clock.deadlines[0] <= PROBE_LIMITS.timeoutMs ? clock.advanceToDeadline() : setImmediate(whenAlone));
      await start(ws, { intercept: ({ route }) => (route === 'GET /me' ? (asked++, setImmediate(whenAlone), 'trickle') : undefined) });
      const began = clock.now();
      const run = await runExtractor(config(sim!.url, TOKEN, {}, 'testConnection'), { client: { clock } });
      const took = clock.now() - began;
      expect(run.code).to.equal(2);
      expect(run.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(run.stderr).to.match(/GET \/me failed 2 times .*no complete answer within 5\.0 s/);
      expect(asked, 'one retry').to.equal(2);
      expect(took, 'two deadlines of 5 s and a backoff of at most 1 s').to.be.within(10_000, 11_000);
    });

    it('a cursor that cycles between two pages fails the run in a bounded time', async () => {
      const three = generateWorkspace({ seed: 69, users: 300, leads: 30, conversations: 0 });
      const given: string[] = [];
      await start(three, {
        rewrite: (req, body) => {
          if (req.route !== 'GET /contacts') return body;
          const after = req.query.get('starting_after');
          if (given.length < 2 && body.pages?.next) given.push(body.pages.next.starting_after);
          // Page 3 points back to page 2: 1 → 2 → 3 → 2 → 3 …
          return after === given[1] ? { ...body, pages: { ...body.pages, next: { per_page: 150, starting_after: given[0] } } } : body;
        },
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'users_and_events' }));
      await expectCleanFailure(run, 2, /GET \/contacts failed .*next-page cursor it gave before \(the pagination is going round in a circle\)/);
      expect(sim!.stats.byRoute['GET /contacts'], 'retried a few times, then stopped').to.be.below(300);
    });

    it('a cursor list that hands out new cursors but never anything new fails after 20 such pages', async () => {
      const few = generateWorkspace({ seed: 72, users: 160, leads: 0, conversations: 0 });
      let page1: unknown;
      await start(few, {
        rewrite: (req, body) => (req.route === 'GET /contacts' && !req.query.get('starting_after') ? (page1 = body) : body),
        intercept: ({ route, query, n }) => {
          if (route !== 'GET /contacts' || !query.get('starting_after')) return undefined;
          const p = page1 as { data: unknown[] };
          return { status: 200, body: { type: 'list', data: p.data, total_count: 160, pages: { type: 'pages', next: { per_page: 150, starting_after: `fresh-${n}` } } } };
        },
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'users_and_events' }));
      await expectCleanFailure(run, 2, /GET \/contacts failed .*20th page in a row with no record not read before/);
    });

    it('a page-numbered list that always says there is more fails instead of writing duplicates', async () => {
      const firstPages = new Map<string, unknown[]>();
      await start(ws, {
        rewrite: (req, body) => {
          if (req.route !== 'GET /contacts/:id/notes') return body;
          if (req.query.get('page') === '1') firstPages.set(req.path, body.data);
          const data = firstPages.get(req.path) ?? [];
          return data.length === 0 ? body : { ...body, data, pages: { type: 'pages', page: Number(req.query.get('page')), next: 'more', per_page: 50 } };
        },
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'basic' }));
      await expectCleanFailure(run, 2, /GET \/contacts\/:id\/notes failed .*repeats the previous page/);
    });

    it('a page number past pages.total_pages is a failure', async () => {
      await start(ws, {
        rewrite: (req, body) => {
          if (req.route !== 'GET /contacts/:id/notes' || body.data.length === 0) return body;
          // Page 1 claims a second page; page 2 then says there is only one.
          return req.query.get('page') === '1' ? { ...body, pages: { ...body.pages, total_pages: 2 } } : body;
        },
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'basic' }));
      await expectCleanFailure(run, 2, /GET \/contacts\/:id\/notes failed .*for page 2 while pages\.total_pages is 1/);
    });

    it('an events list whose next link comes back fails instead of looping', async () => {
      await start(ws, {
        // Every page links to the first one again.
        rewrite: (req, body) => (req.route === 'GET /events' && !req.query.get('summary') && body.events.length > 0 ? { ...body, pages: { next: `${sim!.url}/events?type=user&intercom_user_id=${req.query.get('intercom_user_id')}&per_page=100` } } : body),
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'users_and_events' }));
      await expectCleanFailure(run, 2, /GET \/events failed .*(next-page link it gave before|repeats the previous page)/);
    });
  });

  describe('retries', () => {
    it('are bounded by time, not count: 10% of requests failing in each of five ways still gives the truth', async () => {
      // Production's bound: the retry window (10 minutes), no count. The unluckiest request here fails some seven
      // times in a row, and must still get through (the window itself is tested on a clock in client.test.ts).
      const overrides = { ...TEST_OVERRIDES, client: { ...TEST_OVERRIDES.client, maxRetries: Infinity } };
      const ws = generateWorkspace({ seed: 70, users: 150, leads: 30, conversations: 0 });
      let k = 0;
      const faults = ['502', 'reset', 'empty', 'garbled', 'error.list'];
      await start(ws, {
        intercept: ({ route }) => {
          if (route === 'GET /companies/scroll') return undefined; // its own restart logic is tested elsewhere
          const roll = (k++ * 7919) % 100; // deterministic, spread evenly
          const fault = roll < 50 ? faults[roll % 5] : undefined;
          if (fault === '502') return { status: 502, body: 'Bad gateway' };
          if (fault === 'reset') return 'reset';
          if (fault === 'empty') return { status: 200 };
          if (fault === 'garbled') return { status: 200, body: '{"type":"list","da' };
          if (fault === 'error.list') return { status: 200, body: { type: 'error.list', errors: [{ code: 'server_error', message: 'hiccup' }] } };
          return undefined;
        },
      });
      const run = await runExtractor(config(sim!.url, TOKEN, { template: 'basic', max_concurrency: 8 }), overrides);
      await expectSuccess(run);
      expect(ids(run, 'users')).to.deep.equal(sorted(users(ws).map((c) => c.id)));
      expect(run.table('users_segments').rows.length).to.equal(users(ws).reduce((n, c) => n + (ws.contactSegments.get(c.id) ?? []).length, 0));
      expect(run.table('notes').rows.length).to.equal(ws.contacts.reduce((n, c) => n + (ws.notes.get(c.id) ?? []).length, 0));
      const longest = Math.max(...[...run.stdout.matchAll(/\(attempt (\d+)\)/g)].map((m) => Number(m[1])));
      console.log(`      (${sim!.stats.requests} requests; the unluckiest one took ${longest} attempts)`);
    });
  });

  describe('a host that cannot be reached', () => {
    it('fails within seconds with exit 1, naming api_base_url', async () => {
      const port = await closedPort();
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'intercom-unreachable-'));
      await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(config(`http://127.0.0.1:${port}`, TOKEN, { template: 'basic' })));
      const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');
      const child = spawn(process.execPath, [main, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise((r) => child.on('close', r));
      expect(code).to.equal(1);
      expect(stderr.trimEnd().split('\n')).to.have.length(1);
      expect(stderr).to.match(/Cannot reach Intercom at http:\/\/127\.0\.0\.1:\d+ \(network error ECONNREFUSED\): check parameters\.api_base_url/);
      // "Within seconds" by its own schedule, not by a stopwatch a busy machine could stop late: every request
      // (the lists are read at once) is refused, retried once after its first backoff (at most 1 s), and the
      // second refusal ends the run.
      const retries = [...stdout.matchAll(/^Retrying (.*) in ([\d.]+) s after: (.*)$/gm)];
      expect(retries.length, stdout).to.be.at.least(1);
      for (const [line, , seconds, why] of retries) {
        expect(why, line).to.equal('network error ECONNREFUSED (attempt 2).');
        expect(Number(seconds), line).to.be.at.most(1);
      }
    });
  });
});

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
