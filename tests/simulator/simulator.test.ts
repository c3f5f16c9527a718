import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type {
  Company,
  CompanyList,
  Contact,
  ContactList,
  Conversation,
  ConversationList,
  DataEventList,
  DataEventSummary,
  ErrorList,
  NoteList,
  TagList,
} from '../../src/generated/intercom.js';
import {
  addContact,
  addConversation,
  addNote,
  addPart,
  addTicket,
  addTicketPart,
  companyEdgeCases,
  companySegmentIds,
  companyTagIds,
  companyView,
  dataAttributeDefinitions,
  DAY,
  deleteCompany,
  deleteContact,
  deleteConversation,
  deleteTag,
  EVENT_LIST_WINDOW,
  generateWorkspace,
  listPositions,
  mergeContact,
  previousTicketStateId,
  SCOPES,
  startOfDay,
  startSimulator,
  toPlaintext,
  updateContact,
  updateConversation,
  updateTicket,
  workspaceStats,
  type Article,
  type HelpCenterCollection,
  type Simulator,
  type SimulatorOptions,
  type Ticket,
  type TicketPart,
  type Workspace,
} from './index.js';

const TOKEN = 'sim-token';

interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function call<T>(sim: Simulator, path: string, init: { token?: string | null; method?: string; body?: unknown; version?: string } = {}): Promise<Reply<T>> {
  const token = init.token === undefined ? TOKEN : init.token;
  const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
  if (init.version) headers['Intercom-Version'] = init.version;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const url = path.startsWith('http') ? path : sim.url + path;
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

const get = <T>(sim: Simulator, path: string, token?: string | null) => call<T>(sim, path, { token });
const post = <T>(sim: Simulator, path: string, body: unknown) => call<T>(sim, path, { method: 'POST', body });

async function withSimulator(ws: Workspace, extra: Partial<SimulatorOptions>, run: (sim: Simulator) => Promise<void>): Promise<void> {
  const sim = await startSimulator({ workspace: ws, token: TOKEN, ...extra });
  try {
    await run(sim);
  } finally {
    await sim.close();
  }
}

/** Follows `pages.next.starting_after` to the end (GET lists and POST searches alike). */
async function collectCursor<T>(fetchPage: (startingAfter?: string) => Promise<{ items: T[]; next?: string | null }>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.next ?? undefined;
    pages++;
  } while (cursor);
  return { items, pages };
}

const serialize = (ws: Workspace) => JSON.stringify(ws, (_, v: unknown) => (v instanceof Map ? [...v] : v));
const ids = (items: Array<{ id?: string | null }>) => items.map((i) => i.id);

describe('Intercom simulator', () => {
  let ws: Workspace;
  let sim: Simulator;

  before(async () => {
    ws = generateWorkspace();
    sim = await startSimulator({ workspace: ws, token: TOKEN, restrictedToken: 'restricted' });
  });
  after(() => sim.close());

  describe('workspace', () => {
    it('is a pure function of the seed', () => {
      expect(serialize(generateWorkspace({ seed: 42 }))).to.equal(serialize(generateWorkspace({ seed: 42 })));
      expect(serialize(generateWorkspace({ seed: 42 }))).not.to.equal(serialize(generateWorkspace({ seed: 43 })));
    });

    it('exercises every edge case with the defaults', () => {
      const sizes = (m: Map<string, unknown[]>) => [...m.values()].map((v) => v.length);
      for (const links of [ws.contactTags, ws.contactCompanies, ws.notes]) {
        expect(Math.max(...sizes(links))).to.be.above(10);
        expect(Math.min(...sizes(links))).to.equal(0);
      }
      const text = JSON.stringify([ws.contacts.map((c) => c.name), [...ws.notes.values()], [...ws.parts.values()]]);
      for (const s of ['\\"', ',', '\\n', '\\r', '\\t', '🚀', 'Zoë', '田中']) expect(text).to.include(s);
      const values = ws.contacts.flatMap((c) => Object.values(c.custom_attributes ?? {}));
      for (const type of ['string', 'number', 'boolean', 'object']) expect(values.some((v) => v !== null && typeof v === type)).to.equal(true, type);
      expect(values).to.include(null);
      expect(ws.contacts.some((c) => c.phone === null && c.external_id === null && c.avatar === null && c.location?.country === null)).to.equal(true);
      expect(ws.contacts.some((c) => (c.social_profiles?.data ?? []).length > 0)).to.equal(true);

      const events = [...ws.events.values()];
      const listable = (list: typeof events[number]) => list.filter((e) => e.created_at > ws.now - EVENT_LIST_WINDOW);
      expect(events.some((list) => list.length > listable(list).length)).to.equal(true, 'events older than 90 days');
      expect(events.some((list) => listable(list).length > 100)).to.equal(true, 'more than a page of events');
      expect(events.some((list) => list.length === 0)).to.equal(true, 'users without events');

      const parts = [...ws.parts.values()];
      expect(parts.some((p) => p.length > 500)).to.equal(true);
      const shapes = new Set(parts.flat().map((p) => `${p.part_type}/${p.author?.type}`));
      for (const s of ['comment/user', 'comment/lead', 'comment/admin', 'comment/bot', 'note/admin', 'assignment/bot', 'open/user', 'close/admin']) expect(shapes).to.include(s);
      expect(parts.flat().some((p) => p.part_type === 'assignment' && p.assigned_to?.id)).to.equal(true);
      expect(parts.flat().some((p) => (p.attachments ?? []).length > 0)).to.equal(true);
      expect(new Set(ws.conversations.map((c) => c.state))).to.have.keys('open', 'closed', 'snoozed');
      expect(ws.conversations.some((c) => (c.contacts?.contacts ?? []).length === 3)).to.equal(true);
      expect(ws.conversations.some((c) => c.admin_assignee_id === null)).to.equal(true);
      expect(ws.conversations.some((c) => c.admin_assignee_id !== null)).to.equal(true);
      expect(ws.conversations.some((c) => (c.source?.attachments ?? []).length > 0)).to.equal(true);
    });

    it('renders HTML bodies as plain text', () => {
      expect(toPlaintext('<p>Hello &amp; welcome</p><p>a &lt;b&gt; &quot;c&quot; &#39;d&#39; caf&#233;<br>next</p>')).to.equal('Hello & welcome\na <b> "c" \'d\' café\nnext');
    });
  });

  describe('auth and rate limits', () => {
    it('rejects missing and wrong tokens with 401, restricted ones with 403', async () => {
      for (const token of [null, 'wrong']) {
        const res = await get<ErrorList>(sim, '/me', token);
        expect(res.status).to.equal(401);
        expect(res.body).to.include({ type: 'error.list' });
        expect(res.body.errors[0]).to.deep.equal({ code: 'unauthorized', message: 'Access Token Invalid' });
      }
      const restricted = await get<ErrorList>(sim, '/contacts', 'restricted');
      expect(restricted.status).to.equal(403);
      expect(restricted.body.errors[0].code).to.equal('api_plan_restricted');
    });

    it("answers a token without a route's scope 403 forbidden, naming the scope as the spec's example does; its region on /me", async () => {
      await withSimulator(ws, { scopes: { 'no-tags': SCOPES.filter((s) => s !== 'read_tags') }, appRegion: 'Europe' }, async (scoped) => {
        for (const p of ['/tags', `/contacts/${ws.contacts[0].id}/tags`]) {
          const refused = await get<ErrorList>(scoped, p, 'no-tags');
          expect(refused.status, p).to.equal(403);
          expect(refused.body.errors[0], p).to.deep.equal({ code: 'forbidden', message: 'You do not have the required scope (read_tags) to access this resource' });
        }
        for (const p of ['/me', '/contacts', '/teams']) expect((await get(scoped, p, 'no-tags')).status, p).to.equal(200);
        expect((await get<{ app: { region: string } }>(scoped, '/me')).body.app.region).to.equal('Europe');
        expect((await get(scoped, '/me', 'another')).status).to.equal(401);
      });
    });

    it('sends rate-limit headers and a 429 once over the limit', async () => {
      const before = Date.now() / 1000;
      await withSimulator(ws, { rateLimit: { limit: 3, windowSeconds: 3600 } }, async (small) => {
        const remaining: string[] = [];
        for (let i = 0; i < 3; i++) {
          const res = await get(small, '/admins');
          expect(res.status).to.equal(200);
          expect(res.headers.get('x-ratelimit-limit')).to.equal('3');
          remaining.push(res.headers.get('x-ratelimit-remaining')!);
        }
        expect(remaining).to.deep.equal(['2', '1', '0']);
        const limited = await get<ErrorList>(small, '/admins');
        expect(limited.status).to.equal(429);
        expect(limited.body.errors[0]).to.deep.equal({ code: 'rate_limit_exceeded', message: 'Exceeded rate limit of 3 in 3600_seconds' });
        const reset = Number(limited.headers.get('x-ratelimit-reset'));
        expect(reset % 3600).to.equal(0);
        expect(reset, 'the end of the window the requests fell in').to.be.above(before);
        expect(small.stats.rateLimited).to.equal(1);
      });
    });
  });

  describe('contacts', () => {
    it('pages through every contact exactly once', async () => {
      const { items, pages } = await collectCursor(async (after) => {
        const res = await get<ContactList>(sim, `/contacts?per_page=7${after ? `&starting_after=${encodeURIComponent(after)}` : ''}`);
        expect(res.status).to.equal(200);
        expect(res.body.total_count).to.equal(ws.contacts.length);
        return { items: res.body.data, next: res.body.pages?.next?.starting_after };
      });
      expect(ids(items)).to.deep.equal(ids(ws.contacts));
      expect(pages).to.equal(Math.ceil(ws.contacts.length / 7));
      expect((await get(sim, '/contacts?per_page=151')).status).to.equal(400);
    });

    it('caps nested lists at 10 and serves them all from the sub-resources', async () => {
      const rich = ws.contacts.find((c) => ws.contactTags.get(c.id)!.length > 10 && ws.contactCompanies.get(c.id)!.length > 10 && ws.notes.get(c.id)!.length > 10)!;
      const contact = (await get<Contact>(sim, `/contacts/${rich.id}`)).body;
      for (const [name, all] of [['tags', ws.contactTags.get(rich.id)!], ['companies', ws.contactCompanies.get(rich.id)!], ['notes', ws.notes.get(rich.id)!.map((n) => n.id)]] as const) {
        const capped = contact[name]!;
        expect(capped.data).to.have.length(10);
        expect(capped).to.include({ type: 'list', url: `/contacts/${rich.id}/${name}`, total_count: all.length, has_more: true });
        expect(ids(capped.data)).to.deep.equal(all.slice(0, 10));
      }

      const tags = await get<TagList>(sim, `/contacts/${rich.id}/tags`);
      expect(ids(tags.body.data)).to.deep.equal(ws.contactTags.get(rich.id));

      const companies: string[] = [];
      for (let url: string | null = `/contacts/${rich.id}/companies?per_page=5`; url; ) {
        const res: Reply<CompanyList> = await get<CompanyList>(sim, url);
        companies.push(...ids(res.body.data).map(String));
        url = (res.body.pages?.next as unknown as string | null) ?? null;
      }
      expect(companies).to.deep.equal(ws.contactCompanies.get(rich.id));

      const notes = await get<NoteList>(sim, `/contacts/${rich.id}/notes`);
      expect(notes.body.total_count).to.equal(ws.notes.get(rich.id)!.length);
      expect(notes.body.data).to.deep.equal(ws.notes.get(rich.id));

      const bare = ws.contacts.find((c) => ws.contactTags.get(c.id)!.length === 0)!;
      expect((await get<Contact>(sim, `/contacts/${bare.id}`)).body.tags).to.include({ total_count: 0, has_more: false });
      expect((await get<ErrorList>(sim, '/contacts/000000000000000000000000/tags')).status).to.equal(404);
    });
  });

  describe('conversations', () => {
    it('lists every conversation without parts', async () => {
      const { items, pages } = await collectCursor(async (after) => {
        const res = await get<ConversationList>(sim, `/conversations${after ? `?starting_after=${encodeURIComponent(after)}` : ''}`);
        return { items: res.body.conversations, next: res.body.pages?.next?.starting_after };
      });
      // Most recently updated first, as Intercom lists them.
      const byUpdate = [...ws.conversations].sort((a, b) => b.updated_at - a.updated_at || ws.conversations.indexOf(a) - ws.conversations.indexOf(b));
      expect(items.map((c) => c.id)).to.deep.equal(byUpdate.map((c) => c.id));
      expect(pages).to.equal(Math.ceil(ws.conversations.length / 20));
      expect(items.every((c) => c.conversation_parts === undefined)).to.equal(true);
    });

    it('returns only the 500 most recent parts, with HTML or plaintext bodies', async () => {
      const big = ws.conversations.find((c) => ws.parts.get(c.id)!.length > 500)!;
      const all = ws.parts.get(big.id)!;
      const html = (await get<Conversation>(sim, `/conversations/${big.id}`)).body.conversation_parts!;
      expect(html.total_count).to.equal(all.length);
      expect(html.conversation_parts).to.deep.equal(all.slice(-500));

      const plain = (await get<Conversation>(sim, `/conversations/${big.id}?display_as=plaintext`)).body;
      const withBody = plain.conversation_parts!.conversation_parts.findIndex((p) => p.body);
      expect(plain.conversation_parts!.conversation_parts[withBody].body).to.equal(toPlaintext(all[all.length - 500 + withBody].body!));
      expect(plain.source!.body).to.equal(toPlaintext(big.source!.body!));
      expect(JSON.stringify(plain.conversation_parts)).not.to.match(/<p>|&amp;/);

      const missing = await get<ErrorList>(sim, '/conversations/1');
      expect(missing.status).to.equal(404);
      expect(missing.body.errors[0].code).to.equal('not_found');
    });
  });

  describe('events', () => {
    it('lists the last 90 days newest first, following pages.next to the end', async () => {
      const [userId, all] = [...ws.events.entries()].sort((a, b) => b[1].length - a[1].length)[0];
      const listable = all.filter((e) => e.created_at > ws.now - EVENT_LIST_WINDOW);
      const seen: DataEventList['events'] = [];
      let pages = 0;
      for (let url: string | null | undefined = `/events?type=user&intercom_user_id=${userId}&per_page=50`; url; pages++) {
        const res: Reply<DataEventList> = await get<DataEventList>(sim, url);
        expect(res.status).to.equal(200);
        seen.push(...res.body.events);
        url = res.body.pages?.next;
        if (url) expect(url.startsWith(sim.url)).to.equal(true);
      }
      expect(seen).to.deep.equal(listable);
      expect(pages).to.equal(Math.ceil(listable.length / 50));

      const summary = (await get<DataEventSummary>(sim, `/events?type=user&intercom_user_id=${userId}&summary=true`)).body;
      expect(summary.type).to.equal('event.summary');
      expect(summary.events.reduce((n, e) => n + (e.count ?? 0), 0)).to.equal(all.length);
      expect(summary.events[0].first).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+00:00$/);

      expect((await get(sim, `/events?intercom_user_id=${userId}`)).status).to.equal(400);
      expect((await get(sim, '/events?type=user')).status).to.equal(400);
    });
  });

  describe('companies scroll', () => {
    it('scrolls to the end, allows one scroll at a time, and expires idle scrolls', async () => {
      // The server's clock stands still unless moved: a scroll expires when the test says a minute has passed,
      // never because a busy machine was slow between two pages.
      let now = Date.now();
      await withSimulator(ws, { scrollPageSize: 5, now: () => now }, async (s) => {
        const first = await get<CompanyList>(s, '/companies/scroll');
        expect(first.body.data).to.have.length(5);
        const conflict = await get<ErrorList>(s, '/companies/scroll');
        expect(conflict.status).to.equal(400);
        expect(conflict.body.errors[0].code).to.equal('scroll_exists');
        expect(conflict.body.errors[0].message).to.include('scroll already exists');

        const seen = ids(first.body.data);
        const param = first.body.scroll_param!;
        for (;;) {
          const page = await get<CompanyList>(s, `/companies/scroll?scroll_param=${param}`);
          expect(page.status).to.equal(200);
          if (page.body.data.length === 0) break;
          seen.push(...ids(page.body.data));
        }
        expect(seen).to.deep.equal(ids(ws.companies));
        expect((await get(s, `/companies/scroll?scroll_param=${param}`)).status).to.equal(404, 'closed at the end');

        const next = await get<CompanyList>(s, '/companies/scroll');
        expect(next.status).to.equal(200);
        now += 59_999;
        expect((await get<ErrorList>(s, '/companies/scroll')).body.errors[0].code, 'still open a moment before a minute').to.equal('scroll_exists');
        now += 1;
        expect((await get(s, `/companies/scroll?scroll_param=${next.body.scroll_param}`)).status).to.equal(404, 'expired after a minute idle');
        expect((await get(s, '/companies/scroll')).status).to.equal(200);
      });
    });
  });

  describe('search', () => {
    it('matches contact dates by whole day in the workspace timezone', async () => {
      const tz = 'America/New_York';
      const w = generateWorkspace({ timezone: tz });
      const dayStart = Date.UTC(2025, 10, 20, 5) / 1000; // 2025-11-20T00:00 in New York (UTC-5)
      const t = dayStart + 15 * 3600;
      expect(startOfDay(t, tz)).to.equal(dayStart);
      const [sameDayLater, lastSecond, nextDay, dayBefore, firstSecond] = w.contacts;
      updateContact(w, sameDayLater.id, {}, t + 3600);
      updateContact(w, lastSecond.id, {}, dayStart + DAY - 1);
      updateContact(w, nextDay.id, {}, dayStart + DAY);
      updateContact(w, dayBefore.id, {}, dayStart - 1);
      updateContact(w, firstSecond.id, {}, dayStart);

      await withSimulator(w, {}, async (s) => {
        const search = async (operator: string) => {
          const res = await post<ContactList>(s, '/contacts/search', { query: { field: 'updated_at', operator, value: String(t) }, pagination: { per_page: 150 } });
          expect(res.status).to.equal(200);
          return res.body.data;
        };
        const after = await search('>');
        expect(ids(after)).to.include(nextDay.id).and.not.include.members([sameDayLater.id, lastSecond.id]);
        expect(after.every((c) => c.updated_at >= dayStart + DAY)).to.equal(true);
        expect(ids(await search('<'))).to.include(dayBefore.id).and.not.include(firstSecond.id);
        expect(ids(await search('='))).to.include.members([sameDayLater.id, lastSecond.id, firstSecond.id]).and.not.include.members([nextDay.id, dayBefore.id]);
        expect((await post(s, '/contacts/search', { query: { field: 'updated_at', operator: '>=', value: t } })).status).to.equal(400);
      });
    });

    it('pages search results and hides contacts still being indexed', async () => {
      const w = generateWorkspace();
      const fresh = addContact(w, { role: 'user', email: 'fresh@example.com' }, w.now - 60);
      await withSimulator(w, { searchLagSeconds: 300 }, async (s) => {
        const query = { operator: 'AND', value: [{ field: 'role', operator: '=', value: 'user' }, { field: 'created_at', operator: '>', value: 0 }] };
        const { items } = await collectCursor(async (after) => {
          const res = await post<ContactList>(s, '/contacts/search', { query, pagination: { per_page: 7, starting_after: after } });
          return { items: res.body.data, next: res.body.pages?.next?.starting_after };
        });
        const users = w.contacts.filter((c) => c.role === 'user' && c.id !== fresh.id);
        expect(ids(items)).to.deep.equal(ids(users));
        expect(ids((await get<ContactList>(s, '/contacts?per_page=150')).body.data)).to.include(fresh.id);
      });
    });

    it('treats conversation updated_at > t as >= t', async () => {
      const w = generateWorkspace();
      const t = w.now - 3 * DAY + 123;
      const exact = updateConversation(w, w.conversations[3].id, {}, t);
      await withSimulator(w, {}, async (s) => {
        const res = await post<ConversationList>(s, '/conversations/search', { query: { field: 'updated_at', operator: '>', value: t }, pagination: { per_page: 150 } });
        expect(ids(res.body.conversations)).to.include(exact.id);
        expect(res.body.conversations.every((c) => c.updated_at >= t)).to.equal(true);
        expect(res.body.total_count).to.equal(w.conversations.filter((c) => c.updated_at >= t).length);
      });
    });
  });

  describe('failure injection and stats', () => {
    it('serves injected responses, resets and hangs, and still closes', async () => {
      const intercept: SimulatorOptions['intercept'] = ({ route, n }) => {
        if (route === 'GET /admins' && n === 2) return { status: 502, body: '{"garbled' };
        if (route === 'GET /tags') return 'reset';
        if (route === 'GET /teams') return 'hang';
        return undefined;
      };
      // The client gives up on the hanging request once the server has it: it was served a hang, not refused.
      const gaveUp = new AbortController();
      const s = await startSimulator({ workspace: ws, token: TOKEN, intercept: (req) => (req.route === 'GET /teams' && setImmediate(() => gaveUp.abort()), intercept(req)) });
      expect((await get(s, '/admins')).status).to.equal(200);
      const garbled = await fetch(`${s.url}/admins`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect([garbled.status, await garbled.text()]).to.deep.equal([502, '{"garbled']);
      expect((await get(s, '/admins')).status).to.equal(200);
      let failures = 0;
      await get(s, '/tags').catch(() => failures++);
      await fetch(`${s.url}/teams`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: gaveUp.signal }).catch(() => failures++);
      expect(failures).to.equal(2);
      expect(s.stats.byRoute['GET /teams'], 'the hanging request reached the server').to.equal(1);
      await s.close();
    });

    it('counts requests per route and concurrency', async () => {
      await withSimulator(ws, { latencyMs: 30 }, async (s) => {
        const contact = ws.contacts[0];
        await Promise.all([1, 2, 3, 4].map(() => get(s, `/contacts/${contact.id}/tags`)));
        await get(s, '/nope');
        expect(s.stats.byRoute).to.deep.equal({ 'GET /contacts/:id/tags': 4, 'GET /nope': 1 });
        expect(s.stats.maxInFlight).to.be.at.least(2);
        expect((await get<ErrorList>(s, '/nope')).body.errors[0].code).to.equal('not_found');
        s.resetStats();
        expect(s.stats).to.deep.include({ requests: 0, byRoute: {}, rateLimited: 0 });
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Tickets, help center, subscription types, company tags/segments, teams' and conversations' spec
// fields, data attributes: added after the records above existed, from RNG streams of their own.

/** Keys added to records that already existed; everything else about them is pinned below. */
const TEAM_ADDED = ['admin_priority_level', 'assignment_limit', 'distribution_method'];
const PART_ADDED = ['email_message_metadata', 'metadata', 'state', 'tags', 'event_details', 'app_package_code'];
const STATISTICS_ORIGINAL = ['type', 'time_to_assignment', 'count_reopens', 'count_conversation_parts'];
/** Every conversation_statistics property of the spec. */
const STATISTICS_KEYS = [
  'type', 'time_to_assignment', 'time_to_admin_reply', 'time_to_first_close', 'time_to_last_close', 'median_time_to_reply', 'first_contact_reply_at',
  'first_assignment_at', 'first_admin_reply_at', 'first_close_at', 'last_assignment_at', 'last_assignment_admin_reply_at', 'last_contact_reply_at',
  'last_admin_reply_at', 'last_close_at', 'last_closed_by_id', 'count_reopens', 'count_assignments', 'count_conversation_parts',
  'assigned_team_first_response_time', 'assigned_team_first_response_time_in_office_hours', 'handling_time', 'adjusted_handling_time',
];

/** Digests of the records as they were before any of the additions (minus the keys added to them since). */
function legacyDigests(ws: Workspace): Record<string, string> {
  const plain = JSON.parse(serialize(ws));
  const strip = (o: any, keys: string[]) => (o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k))) : o);
  const pick = (o: any, keys: string[]) => (o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k))) : o);
  const sections = {
    workspace: [plain.now, plain.timezone, plain.appId, plain.appName],
    contacts: [plain.contacts, plain.contactTags, plain.contactCompanies, plain.contactSegments],
    notesAndEvents: [plain.notes, plain.events],
    companies: plain.companies,
    adminsTagsSegments: [plain.admins, plain.tags, plain.segments],
    teams: plain.teams.slice(0, 2).map((t: any) => strip(t, TEAM_ADDED)),
    conversations: plain.conversations.map((c: any) => ({ ...c, statistics: pick(c.statistics, STATISTICS_ORIGINAL), teammates: strip(c.teammates, ['teammates']) })),
    parts: plain.parts.map(([id, ps]: [string, any[]]) => [id, ps.map((p) => strip(p, PART_ADDED))]),
  };
  return Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16)]));
}

interface Paged<T> {
  type: string;
  data: T[];
  total_count: number;
  pages: { type: string; page: number; per_page: number; total_pages: number; next?: { page: number; per_page: number; starting_after: string } | null };
}

/** Follows `pages.next.page` (or `next.starting_after` with byCursor) to the end, checking each page's numbers. */
async function walkPages<T>(sim: Simulator, path: string, perPage: number, byCursor = false): Promise<{ items: T[]; replies: Array<Paged<T>> }> {
  const items: T[] = [];
  const replies: Array<Paged<T>> = [];
  let query = `per_page=${perPage}`;
  for (let n = 1; n < 100; n++) {
    const res = await get<Paged<T>>(sim, `${path}${path.includes('?') ? '&' : '?'}${query}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.pages).to.include({ type: 'pages', page: n, per_page: perPage });
    replies.push(res.body);
    items.push(...res.body.data);
    const next = res.body.pages.next;
    if (!next) break;
    expect(next).to.include({ page: n + 1, per_page: perPage });
    query = byCursor ? `per_page=${perPage}&starting_after=${encodeURIComponent(next.starting_after)}` : `per_page=${perPage}&page=${next.page}`;
  }
  return { items, replies };
}

const byUpdatedDesc = <T extends { updated_at: number }>(all: T[]) => [...all].sort((a, b) => b.updated_at - a.updated_at || all.indexOf(a) - all.indexOf(b));

describe('Intercom simulator: tickets, help center and the other additions', () => {
  let ws: Workspace;
  let sim: Simulator;

  before(async () => {
    ws = generateWorkspace();
    sim = await startSimulator({ workspace: ws, token: TOKEN });
  });
  after(() => sim.close());

  describe('existing records', () => {
    it('keep every value they had before the additions (digests recorded with the earlier simulator)', () => {
      expect(legacyDigests(ws)).to.deep.equal({
        workspace: '032a37146d1cbcf0',
        contacts: '80e750a232fa0666',
        notesAndEvents: '4e3f893bef77eae4',
        companies: '0fc41d04e5d93611',
        adminsTagsSegments: '158b6e450d0ef212',
        teams: '9dc21e200b8e563a',
        conversations: 'd20e3895efe8cd2b',
        parts: 'ea175a4bf73f7b52',
      });
      expect(legacyDigests(generateWorkspace({ seed: 7, users: 260, leads: 60, conversations: 170 }))).to.deep.equal({
        workspace: '1f5b53450935d2f8',
        contacts: '499714810482ed65',
        notesAndEvents: '2bd8704397401f34',
        companies: 'ba2f07182d23c251',
        adminsTagsSegments: '5fd0c335b1bebe6d',
        teams: 'ca98426434332f92',
        conversations: 'db5a4c017b45e2cf',
        parts: '742aa4f5d0b24c2e',
      });
    });

    it('keep their counts; the new objects have theirs', () => {
      expect(workspaceStats(ws)).to.deep.equal({
        contacts: 55, users: 40, leads: 15, companies: 12, admins: 4, teams: 3, tags: 15, segments: 5, contactTags: 101, contactCompanies: 91,
        contactSegments: 84, notes: 94, events: 609, listableEvents: 470, conversations: 25, parts: 799, conversationsOver500Parts: 1,
        tickets: 12, ticketParts: 51, articles: 30, collections: 23, subscriptionTypes: 3, companyTags: 39, companySegments: 21, teamAdmins: 3,
      });
    });

    it('do not depend on the richConversations option, beyond the conversations it enriches', () => {
      const rich = legacyDigests(generateWorkspace({ richConversations: true }));
      const plain = legacyDigests(ws);
      expect({ ...rich, conversations: '' }).to.deep.equal({ ...plain, conversations: '' });
      expect(rich.conversations).not.to.equal(plain.conversations);
    });
  });

  describe('tickets', () => {
    const search = (s: Simulator, body: unknown, version?: string) => call<any>(s, '/tickets/search', { method: 'POST', body, version });
    const all = { field: 'created_at', operator: '>', value: '0' };

    it('has every edge case with the defaults', () => {
      const parts = [...ws.ticketParts.values()];
      expect(ws.tickets.some((t) => t.contacts.contacts.length === 0)).to.equal(true, 'no contacts');
      expect(ws.tickets.some((t) => t.contacts.contacts.length === 2)).to.equal(true, 'two contacts');
      expect(parts.some((p) => p.length === 0)).to.equal(true, 'no parts');
      expect(Math.max(...parts.map((p) => p.length))).to.equal(8);
      const flat = parts.flat();
      expect(flat.some((p) => p.attachments.length === 2)).to.equal(true, 'two attachments');
      expect(flat.some((p) => p.app_package_code !== undefined) && flat.some((p) => p.app_package_code === undefined)).to.equal(true);
      expect(flat.some((p) => p.updated_attribute_data)).to.equal(true);
      expect(new Set(flat.map((p) => p.author.type))).to.include.members(['admin', 'user', 'bot']);
      expect(new Set(ws.tickets.map((t) => t.category))).to.have.keys('Customer', 'Back-office', 'Tracker');
      expect(ws.tickets.some((t) => t.admin_assignee_id === null) && ws.tickets.some((t) => typeof t.admin_assignee_id === 'string')).to.equal(true);
      expect(ws.tickets.some((t) => t.linked_objects.total_count > 0)).to.equal(true);
      const partIds = [...flat, ...[...ws.parts.values()].flat()].map((p) => p.id);
      expect(new Set(partIds).size).to.equal(partIds.length, 'part ids are unique across the workspace');
      for (const t of ws.tickets) {
        const last = ws.ticketParts.get(t.id)!.at(-1);
        expect(t.ticket_state.category).to.equal(last?.ticket_state ?? 'submitted');
        expect(t.open).to.equal(t.ticket_state.category !== 'resolved');
      }
    });

    it('searches page by page in id (creation) order, without ticket_parts', async () => {
      const seen: any[] = [];
      let after: string | undefined;
      for (let page = 1; ; page++) {
        const res = await search(sim, { query: all, pagination: { per_page: 5, starting_after: after } });
        expect(res.status).to.equal(200);
        expect(res.body).to.include({ type: 'ticket.list', total_count: 12 });
        expect(res.body.pages).to.include({ type: 'pages', page, per_page: 5, total_pages: 3 });
        seen.push(...res.body.tickets);
        if (!res.body.pages.next) break;
        expect(res.body.pages.next).to.include({ page: page + 1, per_page: 5 });
        after = res.body.pages.next.starting_after;
      }
      expect(ids(seen)).to.deep.equal(ids(ws.tickets));
      expect(ids(seen)).to.deep.equal([...ids(ws.tickets)].sort((a, b) => Number(a) - Number(b)));
      expect(seen.every((t) => !('ticket_parts' in t))).to.equal(true);
      expect(seen).to.deep.equal(JSON.parse(JSON.stringify(ws.tickets)));

      const one = await search(sim, { query: all });
      expect(one.body.pages).to.deep.equal({ type: 'pages', page: 1, per_page: 20, total_pages: 1 });
      expect((await search(sim, { query: all, pagination: { per_page: 151 } })).status).to.equal(400);
      expect((await search(sim, { query: { field: 'nope', operator: '=', value: 1 } })).status).to.equal(400);
      expect((await search(sim, { pagination: {} })).status).to.equal(400);
    });

    it('filters on updated_at, created_at and id, alone or in AND/OR groups, with numbers or numeric strings', async () => {
      const find = async (query: unknown) => {
        const res = await search(sim, { query, pagination: { per_page: 150 } });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.total_count).to.equal(res.body.tickets.length);
        return ids(res.body.tickets);
      };
      const want = (keep: (t: Ticket) => boolean) => ids(ws.tickets.filter(keep));
      const t = [...ws.tickets].sort((a, b) => a.updated_at - b.updated_at)[5].updated_at;
      // `>` and `<` include the boundary ("Greater (or equal) than"), as for conversations.
      expect(await find({ field: 'updated_at', operator: '>', value: t })).to.deep.equal(want((x) => x.updated_at >= t));
      expect(await find({ field: 'updated_at', operator: '>=', value: String(t) })).to.deep.equal(want((x) => x.updated_at >= t));
      expect(await find({ field: 'updated_at', operator: '<', value: String(t) })).to.deep.equal(want((x) => x.updated_at <= t));
      expect(await find({ field: 'updated_at', operator: '<=', value: t })).to.deep.equal(want((x) => x.updated_at <= t));
      expect(await find({ field: 'updated_at', operator: '=', value: t })).to.deep.equal(want((x) => x.updated_at === t));
      expect(await find({ field: 'updated_at', operator: '!=', value: t })).to.deep.equal(want((x) => x.updated_at !== t));
      const mid = ws.tickets[6];
      expect(await find({ field: 'id', operator: '>', value: mid.id })).to.deep.equal(want((x) => Number(x.id) >= Number(mid.id)));
      expect(await find({ operator: 'OR', value: [{ field: 'id', operator: '=', value: ws.tickets[1].id }, { field: 'id', operator: '=', value: Number(ws.tickets[4].id) }] })).to.deep.equal(ids([ws.tickets[1], ws.tickets[4]]));
      const c = ws.tickets[3].created_at;
      expect(await find({ operator: 'AND', value: [{ field: 'created_at', operator: '>=', value: c }, { field: 'updated_at', operator: '<=', value: String(ws.now) }] })).to.deep.equal(want((x) => x.created_at >= c));
    });

    it('honours sort', async () => {
      const res = await search(sim, { query: all, sort: { field: 'updated_at', order: 'descending' }, pagination: { per_page: 150 } });
      expect(ids(res.body.tickets)).to.deep.equal(ids(byUpdatedDesc(ws.tickets)));
      const asc = await search(sim, { query: all, sort: { field: 'updated_at', order: 'ascending' }, pagination: { per_page: 150 } });
      expect(ids(asc.body.tickets)).to.deep.equal(ids([...ws.tickets].sort((a, b) => a.updated_at - b.updated_at || ws.tickets.indexOf(a) - ws.tickets.indexOf(b))));
    });

    it('serves a ticket with all its parts, oldest first; 404 for an unknown one', async () => {
      for (const t of ws.tickets) {
        const res = await get<any>(sim, `/tickets/${t.id}`);
        expect(res.status).to.equal(200);
        const { ticket_parts: parts, ...rest } = res.body;
        expect(rest).to.deep.equal(JSON.parse(JSON.stringify(t)));
        const want = ws.ticketParts.get(t.id)!;
        expect(parts).to.deep.equal({ type: 'ticket_part.list', ticket_parts: JSON.parse(JSON.stringify(want)), total_count: want.length });
        expect(rest).to.include.keys('type', 'id', 'ticket_id', 'category', 'ticket_attributes', 'ticket_state', 'ticket_type', 'contacts', 'admin_assignee_id', 'team_assignee_id', 'created_at', 'updated_at', 'open', 'snoozed_until', 'linked_objects', 'is_shared');
        expect(rest.ticket_attributes).to.include.keys('_default_title_', '_default_description_');
        expect(rest.ticket_state).to.have.keys('type', 'id', 'category', 'internal_label', 'external_label');
        expect(rest.ticket_type).to.include({ type: 'ticket_type', workspace_id: ws.appId });
        expect(rest.contacts.type).to.equal('contact.list');
        expect(rest.linked_objects).to.include({ type: 'list', has_more: false, total_count: rest.linked_objects.data.length });
        for (const p of want) expect(p).to.include.keys('type', 'id', 'part_type', 'body', 'previous_ticket_state', 'ticket_state', 'created_at', 'updated_at', 'assigned_to', 'author', 'attachments', 'external_id', 'redacted');
      }
      const missing = await get<ErrorList>(sim, '/tickets/1');
      expect(missing.status).to.equal(404);
      expect(missing.body).to.include({ type: 'error.list' });
      expect(missing.body.errors[0].code).to.equal('not_found');
    });

    it('serves 2.16 assignee ids as integers (0 when unset) and previous_ticket_state_id', async () => {
      const detail = (await call<any>(sim, `/tickets/${ws.tickets[0].id}`, { version: '2.16' })).body;
      expect(detail.previous_ticket_state_id).to.equal(previousTicketStateId(ws, ws.tickets[0].id)).and.to.be.a('string');
      const found = (await search(sim, { query: all, pagination: { per_page: 150 } }, '2.16')).body.tickets;
      for (const [i, t] of ws.tickets.entries()) {
        expect(found[i].admin_assignee_id).to.equal(t.admin_assignee_id === null ? 0 : Number(t.admin_assignee_id));
        expect(found[i].team_assignee_id).to.equal(t.team_assignee_id === null ? 0 : Number(t.team_assignee_id));
        expect(found[i]).to.have.property('previous_ticket_state_id');
      }
      expect((await get<any>(sim, `/tickets/${ws.tickets[0].id}`)).body).not.to.have.property('previous_ticket_state_id');
    });

    it('follows updateTicket, addTicketPart and addTicket', async () => {
      const w = generateWorkspace();
      const at = w.now - 3600;
      const updated = updateTicket(w, w.tickets[2].id, { open: false }, at);
      const target = w.tickets[5];
      const before = w.ticketParts.get(target.id)!.length;
      const part: TicketPart = addTicketPart(w, target.id, at + 10);
      const added = addTicket(w, at + 20);
      const allPartIds = [...w.ticketParts.values()].flat().map((p) => Number(p.id));
      expect(Number(part.id)).to.equal(Math.max(...allPartIds));
      expect(Number(added.id)).to.be.above(Math.max(...w.tickets.slice(0, -1).map((t) => Number(t.id))));
      await withSimulator(w, {}, async (s) => {
        const recent = await search(s, { query: { field: 'updated_at', operator: '>', value: at }, pagination: { per_page: 150 } });
        expect(ids(recent.body.tickets)).to.deep.equal(ids(w.tickets.filter((t) => t.updated_at >= at)));
        expect(ids(recent.body.tickets)).to.include.members([updated.id, target.id, added.id]);
        expect(ids(recent.body.tickets).at(-1)).to.equal(added.id);
        const detail = (await get<any>(s, `/tickets/${target.id}`)).body;
        expect(detail.ticket_parts.total_count).to.equal(before + 1);
        expect(detail.ticket_parts.ticket_parts.at(-1)).to.deep.equal(part);
        expect(detail.updated_at).to.equal(at + 10);
        const fresh = (await get<any>(s, `/tickets/${added.id}`)).body;
        expect(fresh.ticket_parts).to.deep.equal({ type: 'ticket_part.list', ticket_parts: [], total_count: 0 });
      });
    });
  });

  describe('help center', () => {
    it('lists articles most recently updated first, 25 a page by default', async () => {
      const first = await get<Paged<Article>>(sim, '/articles');
      expect(first.body).to.include({ type: 'list', total_count: 30 });
      expect(first.body.pages).to.include({ type: 'pages', page: 1, per_page: 25, total_pages: 2 });
      expect(first.body.pages.next).to.include({ page: 2, per_page: 25 }).and.to.have.property('starting_after').that.is.a('string');
      expect(first.body.data).to.have.length(25);
      const want = JSON.parse(JSON.stringify(byUpdatedDesc(ws.articles)));
      for (const byCursor of [false, true]) {
        const { items, replies } = await walkPages<Article>(sim, '/articles', 7, byCursor);
        expect(items).to.deep.equal(want);
        expect(replies).to.have.length(5);
        expect(replies.every((r) => r.total_count === 30 && r.pages.total_pages === 5)).to.equal(true);
        expect(replies.at(-1)!.pages).not.to.have.property('next');
      }
      expect((await get(sim, '/articles?per_page=151')).status).to.equal(400);
      expect((await get(sim, '/articles?page=0')).status).to.equal(400);
      expect((await get(sim, '/articles?starting_after=nonsense')).status).to.equal(400);
      expect((await get<Paged<Article>>(sim, '/articles?page=9')).body.data).to.deep.equal([]);
    });

    it('serves articles in the spec shape, with the 2.16 differences', async () => {
      const data = (await get<Paged<any>>(sim, '/articles?per_page=150')).body.data;
      for (const a of data) {
        expect(a).to.have.keys('id', 'type', 'workspace_id', 'title', 'description', 'body', 'author_id', 'state', 'created_at', 'updated_at', 'url', 'parent_id', 'parent_type', 'parent_ids', 'default_locale', 'tags', 'translated_content');
        expect(a.author_id).to.be.a('number');
        expect(a.tags.type).to.equal('tag.list');
        expect(a.translated_content.type).to.equal('article_translated_content');
        expect(a.translated_content.en).to.include({ type: 'article_content', title: a.title, state: a.state });
        if (a.parent_id !== null) expect(ws.collections.map((c) => Number(c.id))).to.include(a.parent_id);
      }
      expect(ws.articles.some((a) => a.parent_id === null) && ws.articles.some((a) => a.state === 'draft' && a.url === null)).to.equal(true);
      expect(ws.articles.some((a) => Object.keys(a.translated_content).length > 2)).to.equal(true, 'a translation');
      const v216 = (await call<Paged<any>>(sim, '/articles?per_page=150', { version: '2.16' })).body.data;
      for (const a of v216) {
        expect(a).not.to.have.any.keys('parent_id', 'parent_type');
        expect(a).to.include.keys('parent_ids', 'created_by_id', 'updated_by_id', 'has_unpublished_changes', 'help_center_audience');
      }
    });

    it('lists collections most recently updated first, 20 a page by default', async () => {
      const first = await get<Paged<HelpCenterCollection>>(sim, '/help_center/collections');
      expect(first.body).to.include({ type: 'list', total_count: 23 });
      expect(first.body.pages).to.include({ page: 1, per_page: 20, total_pages: 2 });
      const { items, replies } = await walkPages<HelpCenterCollection>(sim, '/help_center/collections', 20);
      expect(items).to.deep.equal(JSON.parse(JSON.stringify(byUpdatedDesc(ws.collections))));
      expect(replies).to.have.length(2);
      const collectionIds = ws.collections.map((c) => c.id);
      for (const c of items) {
        expect(c).to.have.keys('id', 'workspace_id', 'name', 'url', 'order', 'created_at', 'updated_at', 'description', 'icon', 'parent_id', 'help_center_id', 'default_locale', 'translated_content');
        if (c.parent_id !== null) expect(collectionIds).to.include(c.parent_id);
        expect(c.translated_content.en).to.deep.equal({ type: 'group_content', name: c.name, description: c.description });
      }
      expect(items.some((c) => c.description === null) && items.some((c) => c.parent_id === null) && items.some((c) => c.parent_id !== null)).to.equal(true);
    });

    it('lists subscription types', async () => {
      const res = await get<any>(sim, '/subscription_types');
      expect(res.body).to.deep.equal({ type: 'list', data: JSON.parse(JSON.stringify(ws.subscriptionTypes)) });
      expect(res.body.data).to.have.length(3);
      for (const s of res.body.data) {
        expect(s).to.have.keys('type', 'id', 'state', 'consent_type', 'default_translation', 'translations', 'content_types');
        expect(s.type).to.equal('subscription');
        expect(s.default_translation).to.have.keys('name', 'description', 'locale');
      }
    });
  });

  describe('companies', () => {
    it('embed at most 10 tags and segments everywhere, from the full memberships', async () => {
      const { manyTags, tenTags } = companyEdgeCases(ws);
      expect(companyTagIds(ws, manyTags!.id)).to.have.length(12);
      expect(companyTagIds(ws, tenTags!.id)).to.have.length(10);
      const scrolled = (await get<CompanyList>(sim, '/companies/scroll')).body.data;
      for (const [i, c] of ws.companies.entries()) {
        const served = scrolled[i];
        expect(served).to.deep.equal(JSON.parse(JSON.stringify(companyView(ws, c))));
        expect(ids(served.tags!.tags!)).to.deep.equal(companyTagIds(ws, c.id).slice(0, 10));
        expect(ids(served.segments!.segments!)).to.deep.equal(companySegmentIds(ws, c.id).slice(0, 10));
        // The tags drawn with the company stay first; everything but tags and segments is as stored.
        expect(ids(served.tags!.tags!).slice(0, c.tags!.tags!.length)).to.deep.equal(ids(c.tags!.tags!));
        expect({ ...served, tags: null, segments: null }).to.deep.equal(JSON.parse(JSON.stringify({ ...c, tags: null, segments: null })));
      }
      const viaContact = ws.contacts.find((c) => ws.contactCompanies.get(c.id)!.includes(manyTags!.id))!;
      const companies = (await get<CompanyList>(sim, `/contacts/${viaContact.id}/companies?per_page=50`)).body.data;
      expect(companies.find((c) => c.id === manyTags!.id)!.tags!.tags).to.have.length(10);
    });

    it('serve all segments from /companies/{id}/segments (more than 10 with enough segments)', async () => {
      const w = generateWorkspace({ segments: 14 });
      const many = companyEdgeCases(w).manySegments!;
      expect(companySegmentIds(w, many.id)).to.have.length(12);
      await withSimulator(w, {}, async (s) => {
        const all = await get<any>(s, `/companies/${many.id}/segments`);
        expect(all.body).to.deep.equal({ type: 'list', data: JSON.parse(JSON.stringify(companySegmentIds(w, many.id).map((id) => w.segments.find((x) => x.id === id)))) });
        const company = (await get<any>(s, `/companies/${many.id}`)).body;
        expect(company.segments.type).to.equal('segment.list');
        expect(company.segments.segments).to.have.length(10);
        expect(company.segments.segments[0]).to.have.keys('type', 'id', 'name', 'created_at', 'updated_at', 'person_type');
        const missing = await get<ErrorList>(s, '/companies/000000000000000000000000/segments');
        expect(missing.status).to.equal(404);
        expect(missing.body.errors[0]).to.deep.equal({ code: 'company_not_found', message: 'Company Not Found' });
        expect((await get(s, '/companies/000000000000000000000000')).status).to.equal(404);
      });
      const few = (await get<any>(sim, `/companies/${ws.companies[0].id}/segments`)).body;
      expect(ids(few.data)).to.deep.equal(companySegmentIds(ws, ws.companies[0].id));
    });

    it('list by tag_id and segment_id, 15 a page by default, with every page numbered', async () => {
      const first = await get<Paged<Company>>(sim, '/companies');
      expect(first.body).to.include({ type: 'list', total_count: 12 });
      expect(first.body.pages).to.deep.equal({ type: 'pages', next: null, page: 1, per_page: 15, total_pages: 1 });
      expect(first.body.data).to.deep.equal(JSON.parse(JSON.stringify(ws.companies.map((c) => companyView(ws, c)))));
      const filters: Array<[string, string[]]> = [
        ...ws.tags.map((t): [string, string[]] => [`tag_id=${t.id}`, ws.companies.filter((c) => companyTagIds(ws, c.id).includes(t.id)).map((c) => c.id)]),
        ...ws.segments.map((x): [string, string[]] => [`segment_id=${x.id}`, ws.companies.filter((c) => companySegmentIds(ws, c.id).includes(x.id)).map((c) => c.id)]),
      ];
      expect(filters.some(([, want]) => want.length > 2)).to.equal(true);
      for (const [filter, want] of filters) {
        const { items, replies } = await walkPages<Company>(sim, `/companies?${filter}`, 2);
        expect(ids(items), filter).to.deep.equal(want);
        expect(replies.every((r) => r.total_count === want.length && r.pages.total_pages === Math.ceil(want.length / 2))).to.equal(true);
        expect(replies.at(-1)!.pages.next).to.equal(null);
      }
      expect((await get<Paged<Company>>(sim, '/companies?tag_id=nope')).body).to.include({ total_count: 0 });
      expect((await get(sim, '/companies?per_page=61')).status).to.equal(400);
    });
  });

  describe('teams', () => {
    it('have admin_ids and the spec priority and distribution fields, with an empty team and a bigger one', async () => {
      const teams = (await get<any>(sim, '/teams')).body;
      expect(teams.type).to.equal('team.list');
      expect(teams.teams).to.deep.equal(JSON.parse(JSON.stringify(ws.teams)));
      for (const t of teams.teams) {
        expect(t).to.have.keys('type', 'id', 'name', 'admin_ids', 'admin_priority_level', 'assignment_limit', 'distribution_method');
        expect(t.assignment_limit === null).to.equal(t.distribution_method !== 'load_balanced');
        if (t.admin_priority_level) expect([...t.admin_priority_level.primary_admin_ids, ...t.admin_priority_level.secondary_admin_ids]).to.deep.equal(t.admin_ids);
      }
      expect(teams.teams.some((t: any) => t.admin_ids.length === 0)).to.equal(true);
      expect(teams.teams.some((t: any) => t.admin_ids.length >= 2)).to.equal(true);
      expect(new Set(teams.teams.map((t: any) => t.id)).size).to.equal(teams.teams.length);
      expect(generateWorkspace({ teams: 0 }).teams).to.deep.equal([]);
    });
  });

  describe('conversations: the spec fields', () => {
    it('are on list items and details; statistics have every field; teammates are the admins who wrote parts', async () => {
      const list = (await get<ConversationList>(sim, '/conversations?per_page=150')).body.conversations;
      for (const c of list) {
        expect(c).to.include.keys('statistics', 'conversation_rating', 'sla_applied', 'ai_agent_participated', 'ai_agent', 'teammates', 'first_contact_reply', 'linked_objects');
        if (c.statistics) expect(c.statistics).to.have.keys(...STATISTICS_KEYS);
        const writers = [...new Set(ws.parts.get(c.id)!.filter((p) => p.author?.type === 'admin').map((p) => p.author!.id))];
        expect((c.teammates as any).type).to.equal('admin.list');
        expect((c.teammates as any).teammates).to.deep.equal(writers.map((id) => ({ type: 'admin', id })));
      }
      expect(list.some((c) => c.statistics === null) && list.some((c) => c.statistics !== null)).to.equal(true);
      const big = ws.conversations.find((c) => ws.parts.get(c.id)!.length > 500)!;
      const stats = (await get<Conversation>(sim, `/conversations/${big.id}`)).body.statistics as any;
      if (stats) {
        const closes = ws.parts.get(big.id)!.filter((p) => p.part_type === 'close');
        expect(stats.count_assignments).to.equal(ws.parts.get(big.id)!.filter((p) => p.part_type === 'assignment').length);
        expect(stats.last_close_at).to.equal(closes.at(-1)?.created_at ?? null);
      }
    });

    it('give parts state, tags, event_details, email_message_metadata and app_package_code; 2.16 adds message_id', async () => {
      const parts = [...ws.parts.values()].flat();
      for (const p of parts) {
        expect(p).to.include.keys('state', 'tags', 'event_details', 'email_message_metadata', 'app_package_code');
        expect(['open', 'closed', 'snoozed']).to.include(p.state);
        expect(p.tags).to.be.an('array');
      }
      expect(parts.some((p) => p.event_details !== null) && parts.some((p) => p.event_details === null)).to.equal(true);
      expect(parts.some((p) => (p.tags as unknown[]).length > 0)).to.equal(true);
      expect(parts.some((p) => p.app_package_code !== null)).to.equal(true);
      expect(parts.some((p) => p.metadata)).to.equal(true);
      const email = ws.conversations.find((c) => ws.parts.get(c.id)!.some((p) => p.email_message_metadata))!;
      expect(email.source!.type).to.equal('email');
      const v214 = (await get<Conversation>(sim, `/conversations/${email.id}`)).body.conversation_parts!.conversation_parts;
      const v216 = (await call<Conversation>(sim, `/conversations/${email.id}`, { version: '2.16' })).body.conversation_parts!.conversation_parts;
      for (const [i, p] of v214.entries()) {
        if (!p.email_message_metadata) continue;
        expect(p.email_message_metadata).to.have.keys('subject', 'email_address_headers');
        expect((p.email_message_metadata as any).email_address_headers[0]).to.have.keys('type', 'email_address', 'name');
        expect(v216[i].email_message_metadata).to.have.property('message_id').that.is.a('string');
      }
      // 2.16's priority values, and its source author without the AI flags the part author keeps.
      const whole = (await call<any>(sim, `/conversations/${email.id}`, { version: '2.16' })).body;
      expect(['none', 'low', 'medium', 'high', 'urgent']).to.include(whole.priority);
      expect(Object.keys(whole.source.author).sort()).to.deep.equal(['email', 'id', 'name', 'type']);
      expect(['priority', 'not_priority']).to.include((await get<any>(sim, `/conversations/${email.id}`)).body.priority);
      const w = generateWorkspace();
      const c = w.conversations[5];
      const added = addPart(w, c.id, w.now);
      expect(added).to.include({ state: c.state, event_details: null, app_package_code: null });
      expect((c.teammates as any).teammates.map((t: any) => t.id)).to.include(added.author!.id);
    });

    it('with richConversations, carry ratings, SLAs and AI-agent summaries', () => {
      const w = generateWorkspace({ richConversations: true });
      const rated = w.conversations.filter((c) => c.conversation_rating);
      expect(rated.length).to.be.above(0);
      for (const c of rated) {
        expect(c.conversation_rating).to.have.keys('rating', 'remark', 'created_at', 'updated_at', 'contact', 'teammate');
        expect((c.conversation_rating as any).contact).to.have.keys('type', 'id', 'external_id');
      }
      const sla = w.conversations.filter((c) => c.sla_applied);
      expect(sla.length).to.be.above(0);
      for (const c of sla) expect(c.sla_applied).to.include({ type: 'conversation_sla_summary' }).and.to.have.keys('type', 'sla_name', 'sla_status');
      const ai = w.conversations.filter((c) => c.ai_agent);
      expect(ai.length).to.be.above(0);
      for (const c of ai) {
        expect(c.ai_agent_participated).to.equal(true);
        expect(c.ai_agent).to.have.keys('source_type', 'source_title', 'last_answer_type', 'resolution_state', 'rating', 'rating_remark', 'created_at', 'updated_at', 'content_sources');
        expect((c.ai_agent as any).content_sources.type).to.equal('content_source.list');
      }
      expect(ws.conversations.every((c) => c.conversation_rating === null && c.sla_applied === null && c.ai_agent === null)).to.equal(true, 'off by default');
    });
  });

  describe('data attributes', () => {
    it('serve dataAttributeDefinitions, with model and full_name on every item', async () => {
      for (const model of ['contact', 'company', 'conversation']) {
        for (const archived of [false, true]) {
          const res = await get<any>(sim, `/data_attributes?model=${model}${archived ? '&include_archived=true' : ''}`);
          expect(res.body).to.deep.equal({ type: 'list', data: JSON.parse(JSON.stringify(dataAttributeDefinitions(ws, model, archived))) });
          for (const a of res.body.data) expect(a).to.include({ model }).and.to.have.property('full_name').that.is.a('string');
          const archivedOnes = res.body.data.filter((a: any) => a.archived);
          expect(archivedOnes).to.have.length(archived && model === 'conversation' ? 1 : 0);
          if (archivedOnes.length) expect(archivedOnes[0].custom).to.equal(true);
        }
      }
      expect((await get(sim, '/data_attributes?model=ticket')).status).to.equal(400);
    });

    it('from 2.16 refuse the conversation model with the spec\'s 422, and list conversation attributes at GET /conversations/attributes in its shape', async () => {
      const refused = await call<ErrorList>(sim, '/data_attributes?model=conversation', { version: '2.16' });
      expect(refused.status).to.equal(422);
      expect(refused.body.errors[0]).to.deep.include({ code: 'parameter_invalid', message: 'model=conversation is no longer supported. Use GET /conversations/attributes instead' });
      expect((await call(sim, '/data_attributes?model=contact', { version: '2.16' })).status).to.equal(200);
      const old = await call<ErrorList>(sim, '/conversations/attributes', { version: '2.14' });
      expect(old.status).to.equal(400);
      expect(old.body.errors[0].code).to.equal('intercom_version_invalid');
      const listed = (await call<any>(sim, '/conversations/attributes?include_archived=true', { version: '2.16' })).body;
      const custom = dataAttributeDefinitions(ws, 'conversation', true).filter((d) => d.custom);
      expect(listed.type).to.equal('list');
      expect(listed.data.map((a: any) => a.name)).to.deep.equal(custom.map((d) => d.name));
      for (const a of listed.data) {
        expect(a.type).to.equal('conversation_attribute');
        expect(a).not.to.have.any.keys('model', 'full_name', 'custom', 'label', 'api_writable');
        expect(['string', 'integer', 'list', 'decimal', 'boolean', 'datetime', 'relationship', 'files']).to.include(a.data_type);
        if (a.data_type === 'list') expect(a.options[0]).to.have.all.keys('id', 'label', 'archived');
      }
      expect(listed.data.filter((a: any) => a.archived)).to.have.length(1);
      expect((await call<any>(sim, '/conversations/attributes', { version: '2.16' })).body.data.filter((a: any) => a.archived)).to.have.length(0);
    });

    it('repeat the spec quirk of two company attributes named "name", and keep the custom ones as they were', () => {
      const company = dataAttributeDefinitions(ws, 'company', true);
      expect(company.filter((a) => a.name === 'name').map((a) => a.full_name)).to.deep.equal(['name', 'plan.name']);
      const custom = company.filter((a) => a.custom);
      const keys = [...new Set(ws.companies.flatMap((c) => Object.keys(c.custom_attributes ?? {})))].sort();
      expect(custom.map((a) => a.name)).to.deep.equal(keys);
      expect(custom.map((a) => a.id)).to.deep.equal(keys.map((_, i) => 110 + i));
      expect(dataAttributeDefinitions(ws, 'contact', true).filter((a) => !a.custom).map((a) => [a.id, a.name])).to.deep.equal([[100, 'name'], [101, 'email'], [102, 'created_at']]);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Deletions and merges (the mutation helpers an incremental extractor's tests apply between runs) and the
// 2.16 feed of deleted conversations.

describe('Intercom simulator: deletions, merges and GET /conversations/deleted', () => {
  const VERSION_INVALID = { code: 'intercom_version_invalid', message: 'Requested resource is not available in current API version.' };
  const everyContact = async (s: Simulator, query = '') => (await get<ContactList>(s, `/contacts?per_page=150${query}`)).body;
  const findContacts = async (s: Simulator, query: unknown) => {
    const res = await post<ContactList>(s, '/contacts/search', { query, pagination: { per_page: 150 } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.total_count).to.equal(res.body.data.length);
    return ids(res.body.data);
  };
  const everyConversation = async (s: Simulator) => (await get<ConversationList>(s, '/conversations?per_page=150')).body;
  const everyCompany = async (s: Simulator, query = '') => (await get<Paged<Company>>(s, `/companies?per_page=60${query}`)).body;
  const scrollAll = async (s: Simulator) => {
    const seen: string[] = [];
    for (let param = ''; ; ) {
      const page = await get<CompanyList>(s, `/companies/scroll${param ? `?scroll_param=${param}` : ''}`);
      expect(page.status).to.equal(200);
      if (page.body.data.length === 0) return seen;
      seen.push(...ids(page.body.data).map(String));
      param = page.body.scroll_param!;
    }
  };
  const expectNotFound = (res: Reply<ErrorList>, code: string, message: string) => {
    expect(res.status).to.equal(404);
    expect(res.body.type).to.equal('error.list');
    expect(res.body.errors).to.deep.equal([{ code, message }]);
  };
  const inConversation = (w: Workspace, contactId: string) => w.conversations.some((v) => v.contacts!.contacts!.some((x) => x.id === contactId));
  const updatedAts = (records: Array<{ id: string; updated_at?: number }>) => Object.fromEntries(records.map((r) => [r.id, r.updated_at]));

  describe('a generated workspace', () => {
    it('has deleted nothing; list positions are the indexes until a record is removed', () => {
      const w = generateWorkspace();
      expect([w.deletedContacts, w.deletedCompanies, w.deletedTags, w.deletedConversations]).to.deep.equal([[], [], [], []]);
      expect(listPositions(4, [])).to.deep.equal([0, 1, 2, 3]);
      expect(listPositions(3, [{ position: 1 }])).to.deep.equal([0, 2, 3]);
      expect(listPositions(3, [{ position: 4 }, { position: 0 }, { position: 1 }])).to.deep.equal([2, 3, 5]);
    });
  });

  describe('deleteContact', () => {
    it('takes the contact out of GET /contacts, search and GET /contacts/{id} (404); what refers to it stays as it was', async () => {
      const w = generateWorkspace();
      const victim = w.contacts.find((c) => w.contactTags.get(c.id)!.length && w.contactCompanies.get(c.id)!.length && w.contactSegments.get(c.id)!.length && w.notes.get(c.id)!.length && inConversation(w, c.id))!;
      const [tags, segments, notes] = [w.contactTags.get(victim.id)!, w.contactSegments.get(victim.id)!, w.notes.get(victim.id)!];
      const count = w.contacts.length;
      const position = w.contacts.indexOf(victim);
      await withSimulator(w, {}, async (s) => {
        const [companiesBefore, conversationsBefore] = [await everyCompany(s), await everyConversation(s)];
        const deleted = deleteContact(w, victim.id, w.now - 60);
        expect(deleted).to.deep.equal({ id: victim.id, deleted_at: w.now - 60, position, role: victim.role, merged_into: null, note_ids: notes.map((n) => n.id) });
        expect(w.deletedContacts).to.deep.equal([deleted]);
        for (const links of [w.contactTags, w.contactCompanies, w.contactSegments, w.notes, w.events]) expect(links.has(victim.id)).to.equal(false);

        const list = await everyContact(s);
        expect(list.total_count).to.equal(count - 1);
        expect(ids(list.data)).to.deep.equal(ids(w.contacts)).and.not.include(victim.id);
        expect(await findContacts(s, { field: 'role', operator: '=', value: victim.role })).to.deep.equal(ids(w.contacts.filter((c) => c.role === victim.role)));
        expect(await findContacts(s, { field: 'id', operator: '=', value: victim.id })).to.deep.equal([]);
        for (const tag of tags) expect(await findContacts(s, { field: 'tag_id', operator: '=', value: tag })).not.to.include(victim.id);
        for (const segment of segments) expect(await findContacts(s, { field: 'segment_id', operator: '=', value: segment })).not.to.include(victim.id);

        for (const sub of ['', '/tags', '/companies', '/segments', '/notes']) expectNotFound(await get<ErrorList>(s, `/contacts/${victim.id}${sub}`), 'not_found', 'User Not Found');
        if (victim.role === 'user') expect((await get(s, `/events?type=user&intercom_user_id=${victim.id}`)).status).to.equal(404);

        // Companies and conversations are served exactly as before, the contact's id included.
        expect(await everyCompany(s)).to.deep.equal(companiesBefore);
        expect(await everyConversation(s)).to.deep.equal(conversationsBefore);
        expect(inConversation(w, victim.id)).to.equal(true);
      });
      expect(() => deleteContact(w, victim.id, w.now)).to.throw(/no contact/);
      expect(() => updateContact(w, victim.id, {}, w.now)).to.throw(/no contact/);
    });

    it('never lets a new contact or note take a deleted one\'s id', () => {
      const w = generateWorkspace();
      const at = w.now - 30;
      const first = addContact(w, {}, at);
      deleteContact(w, first.id, at);
      expect(addContact(w, {}, at).id).not.to.equal(first.id);
      const maxNote = Math.max(...[...w.notes.values()].flat().map((n) => Number(n.id)));
      const holder = w.contacts.find((c) => w.notes.get(c.id)!.some((n) => Number(n.id) === maxNote))!;
      deleteContact(w, holder.id, at);
      expect(Number(addNote(w, w.contacts[0].id, at).id)).to.equal(maxNote + 1);
    });
  });

  describe('mergeContact', () => {
    it('removes the lead like a delete; the user gains its tags, companies and notes, and updated_at `at`', async () => {
      const w = generateWorkspace();
      const lead = w.contacts.find((c) => c.role === 'lead' && w.contactTags.get(c.id)!.length && w.contactCompanies.get(c.id)!.length && w.notes.get(c.id)!.length)!;
      const user = w.contacts.find((c) => c.role === 'user' && w.contactTags.get(c.id)!.length && w.notes.get(c.id)!.length && w.contactCompanies.get(c.id)!.length && c.id !== lead.id)!;
      // One tag and one company in common, so the union has something to leave out.
      setContactTagsDirect(w, user.id, [...w.contactTags.get(user.id)!, w.contactTags.get(lead.id)![0]]);
      w.contactCompanies.set(user.id, [...new Set([...w.contactCompanies.get(user.id)!, w.contactCompanies.get(lead.id)![0]])]);
      const [userTags, leadTags] = [w.contactTags.get(user.id)!, w.contactTags.get(lead.id)!];
      const [userCompanies, leadCompanies] = [w.contactCompanies.get(user.id)!, w.contactCompanies.get(lead.id)!];
      const noteIds = [...w.notes.get(user.id)!, ...w.notes.get(lead.id)!].map((n) => n.id);
      const segmentsBefore = w.contactSegments.get(user.id);
      const at = w.now - 120;
      const union = (a: string[], b: string[]) => [...a, ...b.filter((x) => !a.includes(x))];

      const merged = mergeContact(w, lead.id, user.id, at);
      expect(merged).to.equal(user);
      expect(user.updated_at).to.equal(at);
      expect(w.contactTags.get(user.id)).to.deep.equal(union(userTags, leadTags));
      expect(w.contactCompanies.get(user.id)).to.deep.equal(union(userCompanies, leadCompanies));
      expect(w.contactSegments.get(user.id)).to.equal(segmentsBefore);
      const notes = w.notes.get(user.id)!;
      expect(notes.map((n) => n.id)).to.have.members(noteIds);
      expect(notes.every((n) => n.contact?.id === user.id)).to.equal(true);
      expect(notes.map((n) => n.created_at)).to.deep.equal(notes.map((n) => n.created_at).sort((a, b) => b! - a!));
      expect(w.deletedContacts).to.have.length(1);
      expect(w.deletedContacts[0]).to.include({ id: lead.id, deleted_at: at, role: 'lead', merged_into: user.id }).and.to.deep.include({ note_ids: [] });

      await withSimulator(w, {}, async (s) => {
        expectNotFound(await get<ErrorList>(s, `/contacts/${lead.id}`), 'not_found', 'User Not Found');
        // 2.16 answers a merged contact with 410 contact_merged and a Link to the user it went into.
        const gone = await call<ErrorList>(s, `/contacts/${lead.id}`, { version: '2.16' });
        expect(gone.status).to.equal(410);
        expect(gone.body.errors[0].code).to.equal('contact_merged');
        expect(gone.headers.get('link')).to.equal(`</contacts/${user.id}>; rel="canonical"`);
        expect(ids((await everyContact(s)).data)).to.deep.equal(ids(w.contacts)).and.not.include(lead.id);
        expect(await findContacts(s, { field: 'role', operator: '=', value: 'lead' })).not.to.include(lead.id);
        const changed = await findContacts(s, { field: 'updated_at', operator: '>', value: at - 2 * DAY });
        expect(changed).to.include(user.id).and.not.include(lead.id);

        const detail = (await get<Contact>(s, `/contacts/${user.id}`)).body;
        expect(detail.updated_at).to.equal(at);
        expect(detail.tags).to.include({ total_count: w.contactTags.get(user.id)!.length });
        expect(detail.notes).to.include({ total_count: noteIds.length });
        expect(ids((await get<TagList>(s, `/contacts/${user.id}/tags`)).body.data)).to.deep.equal(w.contactTags.get(user.id));
        expect(ids((await get<CompanyList>(s, `/contacts/${user.id}/companies?per_page=150`)).body.data)).to.deep.equal(w.contactCompanies.get(user.id));
        expect((await get<NoteList>(s, `/contacts/${user.id}/notes?per_page=150`)).body.data).to.deep.equal(JSON.parse(JSON.stringify(notes)));

        // The one place Intercom lists a merged lead: the user's merge history (2.16).
        const entry = { type: 'merge_history', source_contact_id: lead.id, source_contact_role: 'lead', merged_at: at };
        const history = await call<any>(s, `/contacts/${user.id}/merge_history`, { version: '2.16' });
        expect(history.body).to.deep.equal({ type: 'list', data: [entry], has_more: false });
        const old = await call<ErrorList>(s, `/contacts/${user.id}/merge_history`, { version: '2.14' });
        expect([old.status, old.body.errors]).to.deep.equal([400, [VERSION_INVALID]]);
        const otherLead = w.contacts.find((c) => c.role === 'lead')!;
        for (const id of [lead.id, otherLead.id]) expectNotFound(await call<ErrorList>(s, `/contacts/${id}/merge_history`, { version: '2.16' }), 'not_found', 'Contact not found');

        const withHistory = (await call<any>(s, `/contacts/${user.id}?include_merge_history=true`, { version: '2.16' })).body;
        expect(withHistory.merge_history).to.deep.equal([entry]);
        expect((await call<any>(s, `/contacts/${user.id}?include_merge_history=true`, { version: '2.14' })).body).not.to.have.property('merge_history');
        expect((await call<any>(s, `/contacts/${user.id}`, { version: '2.16' })).body).not.to.have.property('merge_history');
        const listed = (await call<ContactList>(s, '/contacts?per_page=150&include_merge_history=true', { version: '2.16' })).body.data as any[];
        for (const c of listed) {
          if (c.role === 'lead') expect(c).not.to.have.property('merge_history');
          else expect(c.merge_history).to.deep.equal(c.id === user.id ? [entry] : []);
        }
        const found = (await call<ContactList>(s, '/contacts/search?include_merge_history=true', { method: 'POST', version: '2.16', body: { query: { field: 'id', operator: '=', value: user.id } } })).body.data as any[];
        expect(found.map((c) => c.merge_history)).to.deep.equal([[entry]]);
      });

      const [aUser, aLead] = [w.contacts.find((c) => c.role === 'user')!, w.contacts.find((c) => c.role === 'lead')!];
      expect(() => mergeContact(w, aUser.id, user.id, at)).to.throw(/only a lead/);
      expect(() => mergeContact(w, aLead.id, aLead.id, at)).to.throw(/only be merged into a user/);
      expect(() => mergeContact(w, lead.id, user.id, at)).to.throw(/no contact/);
    });

    it('pages the merge history newest merge first (order=asc: oldest), by cursor', async () => {
      const w = generateWorkspace();
      const user = w.contacts.find((c) => c.role === 'user')!;
      const leads = w.contacts.filter((c) => c.role === 'lead').slice(0, 5);
      const times = [w.now - 500, w.now - 100, w.now - 300, w.now - 100, w.now - 900];
      leads.forEach((lead, i) => mergeContact(w, lead.id, user.id, times[i]));
      // By merged_at, then the order of the merges (reversed for desc).
      const oldestFirst = [4, 0, 2, 1, 3].map((i) => leads[i].id);
      await withSimulator(w, {}, async (s) => {
        const walk = async (query: string) => {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let n = 0; n < 10; n++) {
            const res = await call<any>(s, `/contacts/${user.id}/merge_history?per_page=2${query}${cursor ? `&cursor=${cursor}` : ''}`, { version: '2.16' });
            expect(res.status).to.equal(200);
            seen.push(...res.body.data.map((e: any) => e.source_contact_id));
            expect(res.body.has_more).to.equal('next_cursor' in res.body);
            if (!res.body.has_more) break;
            cursor = res.body.next_cursor;
          }
          return seen;
        };
        expect(await walk('')).to.deep.equal([...oldestFirst].reverse());
        expect(await walk('&order=asc')).to.deep.equal(oldestFirst);
        expect((await call(s, `/contacts/${user.id}/merge_history?cursor=nonsense`, { version: '2.16' })).status).to.equal(400);
        expect((await call(s, `/contacts/${user.id}/merge_history?per_page=151`, { version: '2.16' })).status).to.equal(400);
        expect((await call(s, `/contacts/${user.id}/merge_history?order=up`, { version: '2.16' })).status).to.equal(400);
        expect((await call<any>(s, `/contacts/${user.id}/merge_history`, { version: 'Unstable' })).body.data).to.have.length(5);
      });
    });
  });

  describe('deleteCompany', () => {
    it('takes the company out of the scroll, the lists, GET /companies/{id} and every contact, changing no contact\'s updated_at', async () => {
      const w = generateWorkspace({ segments: 14 });
      const company = companyEdgeCases(w).manyTags!;
      const holders = w.contacts.filter((c) => w.contactCompanies.get(c.id)!.includes(company.id));
      const [tags, segments] = [companyTagIds(w, company.id), companySegmentIds(w, company.id)];
      expect(holders.length).to.be.above(0);
      expect(segments.length).to.be.above(0);
      const contactsBefore = updatedAts(w.contacts);
      const position = w.companies.indexOf(company);
      const deleted = deleteCompany(w, company.id, w.now - 10);
      expect(deleted).to.deep.equal({ id: company.id, deleted_at: w.now - 10, position });
      expect(w.deletedCompanies).to.deep.equal([deleted]);
      expect(w.companyTags.has(company.id) || w.companySegments.has(company.id)).to.equal(false);

      await withSimulator(w, {}, async (s) => {
        expect(await scrollAll(s)).to.deep.equal(ids(w.companies)).and.not.include(company.id);
        const list = await everyCompany(s);
        expect(list.total_count).to.equal(w.companies.length);
        expect(ids(list.data)).to.deep.equal(ids(w.companies));
        for (const tag of tags) expect(ids((await everyCompany(s, `&tag_id=${tag}`)).data)).not.to.include(company.id);
        for (const segment of segments) expect(ids((await everyCompany(s, `&segment_id=${segment}`)).data)).not.to.include(company.id);
        for (const path of [`/companies/${company.id}`, `/companies/${company.id}/segments`, `/companies?company_id=${encodeURIComponent(company.company_id!)}`]) {
          expectNotFound(await get<ErrorList>(s, path), 'company_not_found', 'Company Not Found');
        }
        for (const holder of holders) {
          const detail = (await get<Contact>(s, `/contacts/${holder.id}`)).body;
          expect(ids(detail.companies!.data)).not.to.include(company.id);
          expect(detail.companies!.total_count).to.equal(w.contactCompanies.get(holder.id)!.length);
          expect(ids((await get<CompanyList>(s, `/contacts/${holder.id}/companies?per_page=150`)).body.data)).to.deep.equal(w.contactCompanies.get(holder.id));
        }
        expect(updatedAts((await everyContact(s)).data)).to.deep.equal(contactsBefore);
      });
      expect(() => deleteCompany(w, company.id, w.now)).to.throw(/no company/);
    });
  });

  describe('deleteTag', () => {
    it("takes the tag out of GET /tags and every contact's, company's, conversation's and article's tags, changing no updated_at", async () => {
      const w = generateWorkspace();
      const tag = w.tags.find((t) => t.id === '106')!;
      const tagged = {
        contacts: w.contacts.filter((c) => w.contactTags.get(c.id)!.includes(tag.id)),
        companies: w.companies.filter((c) => companyTagIds(w, c.id).includes(tag.id)),
        conversations: w.conversations.filter((c) => c.tags!.tags!.some((t) => t.id === tag.id)),
        parts: [...w.parts.values()].flat().filter((p) => (p.tags as Array<{ id: string }>).some((t) => t.id === tag.id)),
        articles: w.articles.filter((a) => a.tags.tags.some((t) => t.id === tag.id)),
      };
      for (const [kind, list] of Object.entries(tagged)) expect(list.length, kind).to.be.above(0);
      const before = [updatedAts(w.contacts), updatedAts(w.companies), updatedAts(w.conversations), updatedAts(w.articles)];
      const position = w.tags.indexOf(tag);
      const deleted = deleteTag(w, tag.id, w.now - 5);
      expect(deleted).to.deep.equal({ id: tag.id, deleted_at: w.now - 5, position });
      expect(w.deletedTags).to.deep.equal([deleted]);
      const mentions = (v: unknown) => JSON.stringify(v).includes(`"id":"${tag.id}"`);

      await withSimulator(w, {}, async (s) => {
        const tags = (await get<TagList>(s, '/tags')).body.data;
        expect(ids(tags)).to.deep.equal(ids(w.tags)).and.not.include(tag.id);
        const contacts = await everyContact(s);
        expect(contacts.data.some((c) => ids(c.tags!.data).includes(tag.id))).to.equal(false);
        for (const c of tagged.contacts) expect(ids((await get<TagList>(s, `/contacts/${c.id}/tags`)).body.data)).to.deep.equal(w.contactTags.get(c.id)).and.not.include(tag.id);
        expect(await findContacts(s, { field: 'tag_id', operator: '=', value: tag.id })).to.deep.equal([]);
        const companies = await everyCompany(s);
        expect(mentions(companies.data.map((c) => c.tags))).to.equal(false);
        expect(w.companies.some((c) => mentions(c.tags))).to.equal(false);
        expect((await everyCompany(s, `&tag_id=${tag.id}`)).total_count).to.equal(0);
        const conversations = await everyConversation(s);
        expect(mentions(conversations.conversations.map((c) => c.tags))).to.equal(false);
        for (const c of tagged.conversations) expect(mentions((await get<Conversation>(s, `/conversations/${c.id}`)).body.tags)).to.equal(false);
        expect(mentions([...w.parts.values()].flat().map((p) => p.tags))).to.equal(false);
        expect(mentions((await get<Paged<Article>>(s, '/articles?per_page=150')).body.data.map((a) => a.tags))).to.equal(false);

        expect([updatedAts(contacts.data), updatedAts(companies.data), updatedAts(conversations.conversations), updatedAts(w.articles)]).to.deep.equal(before);
      });
      expect(() => deleteTag(w, tag.id, w.now)).to.throw(/no tag/);
    });
  });

  describe('deleteConversation', () => {
    it('takes the conversation out of GET /conversations, search and GET /conversations/{id} (404)', async () => {
      const w = generateWorkspace();
      const victim = w.conversations[4];
      const parts = w.parts.get(victim.id)!.map((p) => p.id);
      const count = w.conversations.length;
      await withSimulator(w, {}, async (s) => {
        const contactsBefore = await everyContact(s);
        const deleted = deleteConversation(w, victim.id, w.now - 30);
        expect(deleted).to.deep.equal({ id: victim.id, deleted_at: w.now - 30, position: 4, metrics_retained: true, part_ids: parts });
        expect(w.deletedConversations).to.deep.equal([deleted]);
        expect(w.parts.has(victim.id)).to.equal(false);

        const list = await everyConversation(s);
        expect(list.total_count).to.equal(count - 1);
        expect(ids(list.conversations)).to.have.members(ids(w.conversations)).and.not.include(victim.id);
        for (const query of [{ field: 'created_at', operator: '>', value: 0 }, { field: 'id', operator: '=', value: victim.id }]) {
          const found = await post<ConversationList>(s, '/conversations/search', { query, pagination: { per_page: 150 } });
          expect(ids(found.body.conversations)).not.to.include(victim.id);
        }
        for (const version of ['2.14', '2.16']) expectNotFound(await call<ErrorList>(s, `/conversations/${victim.id}`, { version }), 'not_found', 'Resource Not Found');
        expect(await everyContact(s)).to.deep.equal(contactsBefore);
      });
      expect(deleteConversation(w, w.conversations[0].id, w.now, { retainMetrics: false }).metrics_retained).to.equal(false);
      expect(() => deleteConversation(w, victim.id, w.now)).to.throw(/no conversation/);
    });

    it("never lets a new conversation or part take a deleted one's id", () => {
      const w = generateWorkspace();
      const last = [...w.conversations].sort((a, b) => Number(b.id) - Number(a.id))[0];
      const maxPart = Math.max(...[...w.parts.values()].flat().map((p) => Number(p.id)));
      const holder = w.conversations.find((c) => w.parts.get(c.id)!.some((p) => Number(p.id) === maxPart))!;
      deleteConversation(w, last.id, w.now);
      if (holder !== last) deleteConversation(w, holder.id, w.now);
      expect(Number(addConversation(w, w.now).id)).to.equal(Number(last.id) + 1);
      expect(Number(addPart(w, w.conversations[0].id, w.now).id)).to.equal(maxPart + 1);
    });
  });

  describe('lists read across a deletion', () => {
    it('neither skip nor repeat a record when one is deleted between two pages (contacts, searches, the companies scroll)', async () => {
      const w = generateWorkspace();
      await withSimulator(w, { scrollPageSize: 5 }, async (s) => {
        const first = await get<ContactList>(s, '/contacts?per_page=10');
        const read = ids(first.body.data);
        deleteContact(w, read[3]!, w.now);
        deleteContact(w, w.contacts[20].id, w.now);
        const { items } = await collectCursor(async (after) => {
          if (!after) return { items: [], next: first.body.pages!.next!.starting_after };
          const res = await get<ContactList>(s, `/contacts?per_page=10&starting_after=${encodeURIComponent(after)}`);
          return { items: res.body.data, next: res.body.pages?.next?.starting_after };
        });
        expect([...read, ...ids(items)]).to.deep.equal([...read, ...ids(w.contacts).filter((id) => !read.includes(id))]);

        const query = { field: 'created_at', operator: '>', value: 0 };
        const page = await post<ConversationList>(s, '/conversations/search', { query, pagination: { per_page: 5 } });
        const seen = ids(page.body.conversations);
        deleteConversation(w, seen[1]!, w.now);
        const rest = await post<ConversationList>(s, '/conversations/search', { query, pagination: { per_page: 150, starting_after: page.body.pages!.next!.starting_after } });
        expect(ids(rest.body.conversations)).to.deep.equal(ids(w.conversations).filter((id) => !seen.includes(id)));

        const scroll = await get<CompanyList>(s, '/companies/scroll');
        const scrolled = ids(scroll.body.data).map(String);
        deleteCompany(w, scrolled[0], w.now);
        for (let param = scroll.body.scroll_param!; ; ) {
          const next = await get<CompanyList>(s, `/companies/scroll?scroll_param=${param}`);
          if (next.body.data.length === 0) break;
          scrolled.push(...ids(next.body.data).map(String));
          param = next.body.scroll_param!;
        }
        expect(scrolled.slice(1)).to.deep.equal(ids(w.companies));
      });
    });
  });

  describe('GET /conversations/deleted', () => {
    it('answers before 2.16 with 400 intercom_version_invalid, comparing versions as numbers; 2.16 on and Unstable are served', async () => {
      await withSimulator(generateWorkspace(), {}, async (s) => {
        for (const version of [undefined, '2.14', '2.15', '2.9', '1.4']) {
          const res = await call<ErrorList>(s, '/conversations/deleted', { version });
          expect(res.status, String(version)).to.equal(400);
          expect(res.body).to.have.keys('type', 'request_id', 'errors');
          expect(res.body.type).to.equal('error.list');
          expect(res.body.errors).to.deep.equal([VERSION_INVALID]);
        }
        for (const version of ['2.16', '2.17', '3.0', 'Unstable']) {
          const res = await call<any>(s, '/conversations/deleted', { version });
          expect(res.status, version).to.equal(200);
          expect(res.body).to.deep.equal({ type: 'conversations.list', total_count: 0, pages: { type: 'pages', next: null, page: 1, per_page: 20, total_pages: 0 }, conversations: [] });
        }
        expect(s.stats.byRoute).to.deep.equal({ 'GET /conversations/deleted': 9 });
      });
    });

    it('lists every deleted conversation in the spec shape, newest deletion first (order=asc: oldest), page by page', async () => {
      const w = generateWorkspace();
      const victims = w.conversations.slice(0, 7).map((c) => c.id);
      const times = [w.now - 500, w.now - 100, w.now - 300, w.now - 100, w.now - 900, w.now - 50, w.now - 700];
      const records = victims.map((id, i) => deleteConversation(w, id, times[i], { retainMetrics: i !== 2 }));
      const item = (i: number) => ({ type: 'conversation', id: victims[i], metrics_retained: i !== 2, deleted_at: times[i] });
      // By deleted_at; deletions in the same second in the order they happened (desc reverses it).
      const oldestFirst = [4, 6, 0, 2, 1, 3, 5].map(item);
      expect(records.map((r) => r.deleted_at)).to.deep.equal(times);
      await withSimulator(w, {}, async (s) => {
        const walk = async (query: string) => {
          const seen: unknown[] = [];
          let url: string | null = `/conversations/deleted?per_page=3${query}`;
          for (let n = 1; url; n++) {
            const res: Reply<any> = await call<any>(s, url, { version: '2.16' });
            expect(res.status).to.equal(200);
            expect(Object.keys(res.body)).to.deep.equal(['type', 'total_count', 'pages', 'conversations']);
            expect(res.body).to.include({ type: 'conversations.list', total_count: 7 });
            const order = query.includes('asc') ? 'asc' : 'desc';
            const next = n < 3 ? `${s.url}/conversations/deleted?per_page=3&order=${order}&page=${n + 1}` : null;
            expect(res.body.pages).to.deep.equal({ type: 'pages', next, page: n, per_page: 3, total_pages: 3 });
            expect(Object.keys(res.body.pages)).to.deep.equal(['type', 'next', 'page', 'per_page', 'total_pages']);
            for (const c of res.body.conversations) expect(Object.keys(c)).to.deep.equal(['type', 'id', 'metrics_retained', 'deleted_at']);
            seen.push(...res.body.conversations);
            url = res.body.pages.next;
          }
          return seen;
        };
        expect(await walk('')).to.deep.equal([...oldestFirst].reverse());
        expect(await walk('&order=desc')).to.deep.equal([...oldestFirst].reverse());
        expect(await walk('&order=asc')).to.deep.equal(oldestFirst);

        const whole = (await call<any>(s, '/conversations/deleted', { version: '2.16' })).body;
        expect(whole.pages).to.deep.equal({ type: 'pages', next: null, page: 1, per_page: 20, total_pages: 1 });
        expect(whole.conversations).to.deep.equal([...oldestFirst].reverse());
        expect((await call<any>(s, '/conversations/deleted?per_page=60', { version: '2.16' })).status).to.equal(200);
        for (const bad of ['per_page=61', 'per_page=0', 'page=0', 'order=sideways']) expect((await call(s, `/conversations/deleted?${bad}`, { version: '2.16' })).status, bad).to.equal(400);
        const beyond = (await call<any>(s, '/conversations/deleted?page=9', { version: '2.16' })).body;
        expect(beyond).to.deep.include({ total_count: 7, conversations: [] });
      });
    });

    it('counts toward the rate limit like every route', async () => {
      await withSimulator(generateWorkspace(), { rateLimit: { limit: 2, windowSeconds: 3600 } }, async (s) => {
        expect((await call(s, '/conversations/deleted', { version: '2.16' })).status).to.equal(200);
        expect((await call(s, '/conversations/deleted')).status).to.equal(400);
        const limited = await call<ErrorList>(s, '/conversations/deleted', { version: '2.16' });
        expect(limited.status).to.equal(429);
        expect(limited.body.errors[0].code).to.equal('rate_limit_exceeded');
        expect(s.stats).to.deep.include({ requests: 3, rateLimited: 1, byRoute: { 'GET /conversations/deleted': 3 } });
      });
    });
  });
});

/** Sets a contact's tags without touching updated_at (setContactTags bumps it). */
function setContactTagsDirect(w: Workspace, id: string, tagIds: string[]): void {
  w.contactTags.set(id, [...new Set(tagIds)]);
}
