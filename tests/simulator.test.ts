import { expect } from 'chai';
import type {
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
} from '../src/generated/intercom.js';
import {
  addContact,
  DAY,
  EVENT_LIST_WINDOW,
  generateWorkspace,
  startOfDay,
  startSimulator,
  toPlaintext,
  updateContact,
  updateConversation,
  type Simulator,
  type SimulatorOptions,
  type Workspace,
} from './simulator/index.js';

const TOKEN = 'sim-token';

interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function call<T>(sim: Simulator, path: string, init: { token?: string | null; method?: string; body?: unknown } = {}): Promise<Reply<T>> {
  const token = init.token === undefined ? TOKEN : init.token;
  const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
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

    it('sends rate-limit headers and a 429 once over the limit', async () => {
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
        expect(reset).to.be.above(Date.now() / 1000);
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
      await withSimulator(ws, { scrollPageSize: 5, scrollIdleMs: 100 }, async (s) => {
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
        await new Promise((r) => setTimeout(r, 150));
        expect((await get(s, `/companies/scroll?scroll_param=${next.body.scroll_param}`)).status).to.equal(404, 'expired');
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
      const s = await startSimulator({ workspace: ws, token: TOKEN, intercept });
      expect((await get(s, '/admins')).status).to.equal(200);
      const garbled = await fetch(`${s.url}/admins`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect([garbled.status, await garbled.text()]).to.deep.equal([502, '{"garbled']);
      expect((await get(s, '/admins')).status).to.equal(200);
      let failures = 0;
      await get(s, '/tags').catch(() => failures++);
      await fetch(`${s.url}/teams`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(100) }).catch(() => failures++);
      expect(failures).to.equal(2);
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
