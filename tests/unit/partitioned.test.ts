/**
 * searchByCreation against the simulator: every record search can see, each once, at about one request per page
 * of 150, with several ranges in flight; hostile answers fail loudly; a consumer that stops early stops the reads.
 */
import { expect } from 'chai';
import { IntercomClient, type RequestOptions } from '../../src/intercom/client.js';
import { searchByCreation, type PartitionOptions } from '../../src/intercom/partitioned.js';
import { shape, type Item } from '../../src/intercom/paginate.js';
import { setQuiet } from '../../src/log.js';
import { addContact, DAY, generateWorkspace, startSimulator, type Simulator, type SimulatorOptions, type Workspace } from '../simulator/index.js';

const TOKEN = 'partitioned-token-0123456789';
const CONTACTS = { path: '/contacts/search', shape: shape('data'), route: 'POST /contacts/search' };
const CONVERSATIONS = { path: '/conversations/search', shape: shape('conversations'), route: 'POST /conversations/search' };
const CONTACT_OPTS: PartitionOptions = { field: 'created_at', slack: 2 * DAY, perPage: 150, concurrency: 32, pagesPerRange: 20 };
const CONVERSATION_OPTS: PartitionOptions = { ...CONTACT_OPTS, slack: 1 };

/** Remembers every search body it sends: a range's first page is the one without a cursor. */
class RecordingClient extends IntercomClient {
  readonly bodies: Array<Record<string, any>> = [];
  override post<T>(path: string, body: unknown, opts?: RequestOptions): Promise<T> {
    this.bodies.push(body as Record<string, any>);
    return super.post<T>(path, body, opts);
  }
  /** Ranges read: first pages of 150 (the probes ask for 1). */
  get ranges(): number {
    return this.bodies.filter((b) => b.pagination?.per_page !== 1 && !b.pagination?.starting_after).length;
  }
}

// Production's request deadline (a minute): a busy machine may take seconds to answer, and that is no failure here.
const client = (sim: Simulator, extra = {}) =>
  new RecordingClient({ baseUrl: sim.url, token: TOKEN, apiVersion: '2.14', maxConcurrency: 32, backoffBaseMs: 5, backoffCapMs: 20, maxRetries: 1, ...extra });

async function collect(items: AsyncIterable<Item>): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of items) ids.push(String(item.id));
  return ids;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

const sorted = (xs: string[]) => [...xs].sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('searchByCreation (creation-time ranges read concurrently)', function () {
  this.timeout(60_000);
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  const start = async (ws: Workspace, extra: Partial<SimulatorOptions> = {}) => (sim = await startSimulator({ workspace: ws, token: TOKEN, ...extra }));

  /** Reads the whole list, checks it is exactly `expected` with no repeats and about one request per page. */
  async function expectExact(c: RecordingClient, list: typeof CONTACTS, opts: PartitionOptions, expected: () => string[]): Promise<void> {
    const ids = await collect(searchByCreation(c, list.path, list.shape, opts));
    const want = expected();
    expect(new Set(ids).size, 'each record once').to.equal(ids.length);
    expect(sorted(ids)).to.deep.equal(sorted(want));
    const requests = sim!.stats.byRoute[list.route];
    const bound = Math.ceil(want.length / 150) + 2 * c.ranges + 2;
    console.log(`      ${list.route}: ${want.length} records (${Math.ceil(want.length / 150)} pages of 150), ${c.ranges} ranges, ${requests} requests (bound ${bound})`);
    expect(requests).to.equal(c.bodies.length);
    expect(requests).to.be.at.most(bound);
  }

  it('yields every contact search can see, each once, at about one request per page (contacts compare by day, here in Los Angeles)', async () => {
    const ws = generateWorkspace({ seed: 11, users: 2400, leads: 600, conversations: 0, timezone: 'America/Los_Angeles' });
    const lag = 3 * DAY;
    await start(ws, { searchLagSeconds: lag });
    const hidden = ws.contacts.filter((x) => x.created_at > ws.now - lag).length;
    expect(hidden, 'some contacts are too new for search').to.be.greaterThan(0);
    await expectExact(client(sim!), CONTACTS, CONTACT_OPTS, () => ws.contacts.filter((x) => x.created_at <= ws.now - lag).map((x) => x.id));
  });

  it('splits the ranges a growing workspace makes uneven, and reads records created after the probe (a timezone ahead of UTC)', async () => {
    const ws = generateWorkspace({ seed: 12, users: 800, leads: 200, conversations: 0, timezone: 'Pacific/Kiritimati' });
    // Three times as many contacts in the last 20 days as in the two years before: the last time span is huge.
    for (let i = 0; i < 3000; i++) addContact(ws, {}, ws.now - 20 * DAY + i * 571);
    // And 400 in one second, over three pages: equal creation times are no step back, and none is read twice.
    const burst = ws.now - 5 * DAY;
    for (let i = 0; i < 400; i++) addContact(ws, { id: `${burst.toString(16)}${i.toString(16).padStart(16, '0')}` }, burst);
    let added = '';
    // While the first range is asked for, a contact is created (at ws.now, the newest search can see): after the probe.
    await start(ws, { intercept: ({ route, n }) => void (route === CONTACTS.route && n === 3 && (added = addContact(ws, {}, ws.now).id)) });
    const c = client(sim!);
    await expectExact(c, CONTACTS, { ...CONTACT_OPTS, pagesPerRange: 10 }, () => ws.contacts.map((x) => x.id));
    expect(added).not.to.equal('');
    // Equal time spans would give 3 ranges (30 pages / 10) with nearly all contacts in the last one.
    expect(c.ranges).to.be.greaterThan(3);
  });

  it('yields every conversation, each once (conversations compare by the second)', async () => {
    const ws = generateWorkspace({ seed: 13, users: 20, leads: 5, conversations: 2500, maxPartsPerConversation: 1, bigConversations: 0 });
    await start(ws);
    await expectExact(client(sim!), CONVERSATIONS, CONVERSATION_OPTS, () => ws.conversations.map((x) => x.id));
  });

  it('has several ranges in flight at once, never more than `concurrency`', async () => {
    const ws = generateWorkspace({ seed: 14, users: 1500, leads: 500, conversations: 0 });
    await start(ws, { latencyMs: 20 });
    const c = client(sim!);
    const ids = await collect(searchByCreation(c, CONTACTS.path, CONTACTS.shape, { ...CONTACT_OPTS, concurrency: 6 }));
    expect(sorted(ids)).to.deep.equal(sorted(ws.contacts.map((x) => x.id)));
    expect(c.ranges).to.be.greaterThan(1);
    expect(sim!.stats.maxInFlight).to.be.within(2, 6);
  });

  it('reads an empty list with the two probes only', async () => {
    const ws = generateWorkspace({ seed: 15, users: 0, leads: 0, conversations: 0 });
    await start(ws);
    expect(await collect(searchByCreation(client(sim!), CONTACTS.path, CONTACTS.shape, CONTACT_OPTS))).to.deep.equal([]);
    expect(sim!.stats.requests).to.equal(2);
  });

  it('stops asking for pages when the consumer stops early, and returns once nothing is in flight', async () => {
    const ws = generateWorkspace({ seed: 16, users: 2500, leads: 500, conversations: 0 });
    await start(ws, { latencyMs: 10 });
    const concurrency = 4;
    let taken = 0;
    for await (const item of searchByCreation(client(sim!), CONTACTS.path, CONTACTS.shape, { ...CONTACT_OPTS, concurrency })) {
      expect(item.id).to.be.a('string');
      if (++taken === 10) break;
    }
    const requests = sim!.stats.requests;
    console.log(`      stopped after 10 of ${ws.contacts.length} contacts: ${requests} requests`);
    // The probes, then at most one page per running range (each waits for its items to be taken).
    expect(requests).to.be.at.most(2 + 2 * concurrency);
    await sleep(200);
    expect(sim!.stats.requests, 'no request after the consumer stopped').to.equal(requests);
  });

  describe('hostile answers', () => {
    // The client's retry lines, expected here.
    let wasQuiet = false;
    before(() => (wasQuiet = setQuiet(true)));
    after(() => setQuiet(wasQuiet));
    const ws = () => generateWorkspace({ seed: 17, users: 600, leads: 100, conversations: 0 });
    const pageOfRange = (body: any) => body?.pages?.per_page === 150;

    it('a probe answer without total_count', async () => {
      await start(ws(), { rewrite: (_req, body) => ({ ...body, total_count: undefined }) });
      const err = await rejection(collect(searchByCreation(client(sim!), CONTACTS.path, CONTACTS.shape, CONTACT_OPTS)));
      expect(err.message).to.match(/POST \/contacts\/search.*without total_count/);
    });

    it('a probe answer with a total_count that is not a count', async () => {
      await start(ws(), { rewrite: (_req, body) => ({ ...body, total_count: '700' }) });
      const err = await rejection(collect(searchByCreation(client(sim!), CONTACTS.path, CONTACTS.shape, CONTACT_OPTS)));
      expect(err.message).to.match(/total_count "700", not a count/);
    });

    it('a probe answer whose record lacks the field', async () => {
      await start(ws(), { rewrite: (_req, body) => ({ ...body, data: body.data.map((x: any) => ({ ...x, created_at: undefined })) }) });
      const err = await rejection(collect(searchByCreation(client(sim!), CONTACTS.path, CONTACTS.shape, CONTACT_OPTS)));
      expect(err.message).to.match(/POST \/contacts\/search.*without "created_at"/);
    });

    it('a range page whose record lacks the field, or has a string there', async () => {
      for (const bad of [undefined, '1700000000']) {
        await start(ws(), { rewrite: (_req, body) => (pageOfRange(body) ? { ...body, data: body.data.map((x: any, i: number) => (i === 5 ? { ...x, created_at: bad } : x)) } : body) });
        const err = await rejection(collect(searchByCreation(client(sim!), CONTACTS.path, CONTACTS.shape, CONTACT_OPTS)));
        expect(err.message).to.match(/POST \/contacts\/search.*"created_at"/);
        await sim!.close();
        sim = undefined;
      }
    });

    it('a range page out of order (stopping at the upper bound would lose records)', async () => {
      await start(ws(), { rewrite: (_req, body) => (pageOfRange(body) ? { ...body, data: [...body.data].reverse() } : body) });
      const err = await rejection(collect(searchByCreation(client(sim!), CONTACTS.path, CONTACTS.shape, CONTACT_OPTS)));
      expect(err.message).to.match(/sorted by created_at ascending went back/);
    });

    it('a failing range fails the read at once and the other ranges ask for nothing more', async () => {
      const w = generateWorkspace({ seed: 18, users: 2500, leads: 500, conversations: 0 });
      await start(w, { latencyMs: 10, intercept: ({ route, n }) => (route === CONTACTS.route && n >= 6 ? { status: 400, body: { type: 'error.list', errors: [{ code: 'bad', message: 'no' }] } } : undefined) });
      const err = await rejection(collect(searchByCreation(client(sim!), CONTACTS.path, CONTACTS.shape, { ...CONTACT_OPTS, concurrency: 4 })));
      expect(err.message).to.match(/400 bad/);
      const requests = sim!.stats.requests;
      await sleep(200);
      expect(sim!.stats.requests - requests).to.be.at.most(4);
    });
  });
});
