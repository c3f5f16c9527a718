/**
 * The API misbehaves the ways it does in production; the tables must still equal the truth.
 */
import { expect } from 'chai';
import { createRng, generateWorkspace, startSimulator, type InterceptResult, type Simulator, type Workspace } from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES } from '../helpers/run.js';
import { ManualClock, onClock } from '../helpers/clock.js';
import { SCROLL_DEFAULTS } from '../../src/resources/index.js';

const TOKEN = 'faults-token-0123456789';
const sortedIds = (rows: Record<string, string>[], col = 'id') => rows.map((r) => r[col]).sort();

describe('fault tolerance', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let sim: Simulator | undefined;
  before(() => {
    ws = generateWorkspace({ seed: 11, users: 30, leads: 10, conversations: 20 });
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('retries 5xx, resets, empty and garbled bodies and still writes every row', async () => {
    sim = await startSimulator({
      workspace: ws,
      token: TOKEN,
      intercept: ({ route, n }) => {
        if (route === 'GET /contacts' && n === 2) return { status: 502, body: 'Bad gateway' };
        if (route === 'GET /conversations/:id' && n % 7 === 3) return 'reset';
        if (route === 'GET /conversations/:id' && n % 7 === 5) return { status: 200 };
        if (route === 'GET /contacts/:id/segments' && n % 9 === 4) return { status: 200, body: '{"type":"list","da' };
        if (route === 'GET /companies/scroll' && n === 1) return { status: 503, body: { type: 'error.list', errors: [{ code: 'service_unavailable', message: 'try later' }] } };
        return undefined;
      },
    });
    const basic = await runExtractor(config(sim.url, TOKEN, { template: 'basic' }));
    expect(basic.code, basic.stderr).to.equal(0);
    expect(sortedIds(basic.table('users').rows)).to.deep.equal(ws.contacts.filter((c) => c.role === 'user').map((c) => c.id).sort());
    expect(basic.table('users_segments').rows.length).to.equal(ws.contacts.filter((c) => c.role === 'user').reduce((s, c) => s + (ws.contactSegments.get(c.id)?.length ?? 0), 0));
    expect(sortedIds(basic.table('companies').rows)).to.deep.equal(ws.companies.map((c) => c.id).sort());
    const conv = await runExtractor(config(sim.url, TOKEN, { template: 'conversations' }));
    expect(conv.code, conv.stderr).to.equal(0);
    expect(sortedIds(conv.table('conversations').rows)).to.deep.equal(ws.conversations.map((c) => c.id).sort());
    expect(conv.table('conversation_parts').rows.length).to.equal(ws.conversations.reduce((s, c) => s + Math.min(500, ws.parts.get(c.id)!.length), 0));
    expect(conv.stdout).to.match(/Retrying GET \/conversations\/:id/);
  });

  it('stays under a tight rate limit, waiting out 429s, with every row written', async () => {
    // The server's windows and the run's waits on one clock: a wait is exactly what the run chose.
    const clock = new ManualClock();
    sim = await startSimulator({ workspace: ws, token: TOKEN, rateLimit: { limit: 8, windowSeconds: 1 }, now: () => clock.now() });
    const started = clock.now();
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', max_concurrency: 16 }), onClock(clock));
    expect(run.code, run.stderr).to.equal(0);
    const requests = sim.stats.requests - sim.stats.rateLimited;
    expect(requests).to.be.greaterThan(16);
    // More requests than two windows allow: the run must have waited for the windows to pass.
    expect(clock.now() - started).to.be.at.least((Math.ceil(requests / 8) - 2) * 1000);
    expect(sortedIds(run.table('conversations').rows)).to.deep.equal(ws.conversations.map((c) => c.id).sort());
    // Paced by the headers, the run may meet a 429 at a window's edge, but never a storm of them.
    expect(sim.stats.rateLimited).to.be.at.most(3);
  });

  it('bounds the requests in flight by max_concurrency', async () => {
    sim = await startSimulator({ workspace: ws, token: TOKEN, latencyMs: 20 });
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', max_concurrency: 3 }));
    expect(run.code, run.stderr).to.equal(0);
    expect(sim.stats.maxInFlight).to.be.at.most(3);
    expect(sim.stats.maxInFlight).to.be.at.least(2);
  });

  it('waits while another client holds the companies scroll, then fails with a message saying so', async () => {
    let busyFor = 2;
    sim = await startSimulator({
      workspace: ws,
      token: TOKEN,
      intercept: ({ route, query }) => {
        if (route === 'GET /companies/scroll' && !query.get('scroll_param') && busyFor-- > 0) return { status: 400, body: { type: 'error.list', errors: [{ code: 'scroll_exists', message: 'scroll already exists for this workspace' }] } };
        return undefined;
      },
    });
    const ok = await runExtractor(config(sim.url, TOKEN, { template: 'basic', skip_contact_details: ['segments', 'notes', 'events_summary'] }));
    expect(ok.code, ok.stderr).to.equal(0);
    expect(sortedIds(ok.table('companies').rows)).to.deep.equal(ws.companies.map((c) => c.id).sort());
    expect(ok.stdout).to.include('Another client holds the companies scroll');

    busyFor = 1_000;
    const held = await runExtractor(config(sim.url, TOKEN, { template: 'basic', skip_contact_details: ['segments', 'notes', 'events_summary'] }));
    expect(held.code).to.equal(1);
    expect(held.stderr).to.match(/Another client holds this Intercom app's companies scroll/);
  });

  it('a token refused GET /tags still extracts conversations; only the deleted-tag check is skipped, and said so', async () => {
    sim = await startSimulator({
      workspace: ws,
      token: TOKEN,
      intercept: ({ route }) => (route === 'GET /tags' ? { status: 403, body: { type: 'error.list', errors: [{ code: 'api_plan_restricted', message: 'Active subscription needed.' }] } } : undefined),
    });
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations' }));
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    expect(sortedIds(run.table('conversations').rows)).to.deep.equal(ws.conversations.map((c) => c.id).sort());
    expect(run.stdout).to.include('GET /tags was not read to the end (Intercom refused it to this token)');
  });

  it('a scroll Intercom breaks (its restart 500, then its scroll_param not found) is read again from the start, each company written once', async () => {
    // The broken scroll still counts as open until it has been idle a minute, as at Intercom: the next pass waits for
    // it, with production's waits. The simulator and the client share a clock that only those waits move, so the
    // broken scroll expires while the pass waits, and the new one never expires while it is read, however slow the
    // machine is between two pages.
    const clock = new ManualClock();
    let continuations = 0;
    sim = await startSimulator({ workspace: ws, token: TOKEN, scrollPageSize: 4, now: () => clock.now(), breakScroll: () => ++continuations === 2 });
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', skip_contact_details: ['segments', 'notes', 'events_summary'] }), onClock(clock, {
      ...TEST_OVERRIDES,
      extract: { ...TEST_OVERRIDES.extract, scroll: SCROLL_DEFAULTS },
    }));
    expect(run.code, run.stderr).to.equal(0);
    expect(sortedIds(run.table('companies').rows)).to.deep.equal(ws.companies.map((c) => c.id).sort());
    expect(run.stdout).to.match(/The companies scroll ended early \(Intercom answered 404 not_found/);
    expect(run.stdout).to.match(/scrolling again \(pass 2\)/);
    expect(run.stdout.match(/Another client holds the companies scroll; trying again in 15 s/g), 'a minute of waits for the broken scroll to expire').to.have.length(4);
  });

  it('80 companies with 10% of requests failing in each of six ways (502, reset, empty 200, garbled 200, error.list 200, an answer lost after the scroll moved on): every table as without faults', async () => {
    const fws = generateWorkspace({ seed: 16, users: 40, leads: 10, companies: 80, conversations: 30 });
    const clean = await startSimulator({ workspace: fws, token: TOKEN });
    const truth = await runExtractor(config(clean.url, TOKEN, { template: 'basic' }));
    await clean.close();
    expect(truth.code, truth.stderr).to.equal(0);
    const rng = createRng(1616);
    const kinds: InterceptResult[] = [
      { status: 502, body: 'Bad gateway' },
      'reset',
      { status: 200 },
      { status: 200, body: '{"type":"list","da' },
      { status: 200, body: { type: 'error.list', errors: [{ code: 'server_error', message: 'oops' }] } },
    ];
    const fault = () => (rng.chance(0.1 * kinds.length) ? kinds[Math.floor(rng.next() * kinds.length)] : undefined);
    const lost = { count: 0 };
    sim = await startSimulator({
      workspace: fws,
      token: TOKEN,
      scrollPageSize: 4,
      intercept: () => fault(),
      lose: ({ route, query }) => (route === 'GET /companies/scroll' && query.get('scroll_param') && rng.chance(0.1) ? (lost.count++, 'reset') : undefined),
    });
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic' }), { ...TEST_OVERRIDES, client: { ...TEST_OVERRIDES.client, maxRetries: Infinity } });
    expect(run.code, run.stderr).to.equal(0);
    expect(lost.count, 'scroll answers were lost').to.be.above(0);
    for (const table of await truth.tables()) {
      expect(run.table(table).rows.map((r) => JSON.stringify(r)).sort(), table).to.deep.equal(truth.table(table).rows.map((r) => JSON.stringify(r)).sort());
    }
  });

  it('fails with exit 2 and no state when Intercom keeps failing', async () => {
    sim = await startSimulator({ workspace: ws, token: TOKEN, intercept: ({ route }) => (route === 'GET /tags' ? { status: 500 } : undefined) });
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', skip_contact_details: ['segments', 'notes', 'events_summary'] }), {
      ...TEST_OVERRIDES,
      client: { ...TEST_OVERRIDES.client, maxRetries: 2 },
    });
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/GET \/tags failed 3 times/);
    expect((await run.outFiles()).some((f) => f.endsWith('state.json'))).to.equal(false);
  });
});
