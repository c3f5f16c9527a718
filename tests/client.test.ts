import { expect } from 'chai';
import nock from 'nock';
import { IntercomClient, routeOf } from '../src/intercom/client.js';
import { AppError, UserError } from '../src/errors.js';
import { Pacer } from '../src/intercom/pacer.js';
import { nextUrl } from '../src/intercom/paginate.js';

const BASE = 'https://api.test-intercom.local';
const TOKEN = 'secret-token-abcdef123456';

function client(extra = {}) {
  return new IntercomClient({ baseUrl: BASE, token: TOKEN, apiVersion: '2.14', maxConcurrency: 4, backoffBaseMs: 5, backoffCapMs: 20, maxRetries: 3, timeoutMs: 500, ...extra });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('Intercom HTTP client', () => {
  before(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  after(() => nock.enableNetConnect());

  it('sends the bearer token and the Intercom-Version header', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}`, 'intercom-version': '2.14' } }).get('/admins').reply(200, { admins: [] });
    expect(await client().get('/admins')).to.deep.equal({ admins: [] });
    scope.done();
  });

  it('retries 5xx, connection resets, timeouts and empty 200 bodies, then succeeds', async () => {
    const scope = nock(BASE)
      .get('/tags').reply(503, { type: 'error.list', errors: [{ code: 'service_unavailable' }] })
      .get('/tags').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .get('/tags').reply(200, '')
      .get('/tags').delay(1000).reply(200, { data: [] })
      .get('/tags').reply(200, { data: [{ id: '1' }] });
    const c = client({ maxRetries: 5 });
    expect(await c.get('/tags')).to.deep.equal({ data: [{ id: '1' }] });
    expect(c.stats.retries).to.equal(4);
    scope.done();
  });

  it('gives up after maxRetries with an AppError that holds no token', async () => {
    nock(BASE).get('/tags').times(4).reply(500, 'boom');
    const err = await failure(client().get('/tags'));
    expect(err).to.be.instanceOf(AppError);
    expect(err.message).to.match(/GET \/tags failed 4 times/);
    expect(err.message).not.to.include(TOKEN);
  });

  it('waits out a 429 until X-RateLimit-Reset, then retries', async () => {
    const reset = Math.floor(Date.now() / 1000) + 1;
    nock(BASE)
      .get('/admins').reply(429, { type: 'error.list', errors: [{ code: 'rate_limit_exceeded' }] }, { 'X-RateLimit-Limit': '10', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset) })
      .get('/admins').reply(200, { admins: [] });
    const c = client();
    await c.get('/admins');
    expect(Date.now()).to.be.at.least(reset * 1000 - 5);
    expect(c.stats.rateLimited).to.equal(1);
  });

  it('turns 401 and 403 into user errors that name the fix and not the token', async () => {
    nock(BASE).get('/me').reply(401, { type: 'error.list', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] });
    const e401 = await failure(client().get('/me'));
    expect(e401).to.be.instanceOf(UserError);
    expect(e401.message).to.match(/401 unauthorized.*#access_token/);
    expect(e401.message).not.to.include(TOKEN);
    nock(BASE).get('/companies/scroll').reply(403, { type: 'error.list', errors: [{ code: 'api_plan_restricted', message: 'Active subscription needed.' }] });
    const e403 = await failure(client().get('/companies/scroll'));
    expect(e403).to.be.instanceOf(UserError);
    expect(e403.message).to.match(/403 api_plan_restricted/);
  });

  it('follows an absolute next-page URL through the configured host only', async () => {
    const scope = nock(BASE).get('/events').query({ before: '5', type: 'user' }).reply(200, { events: [] });
    await client().get('https://elsewhere.example.com/events?before=5&type=user');
    scope.done();
  });

  it('names routes without ids', () => {
    expect(routeOf('/contacts/5ba682d23d7cf92bef87bfd4/tags?x=1')).to.equal('/contacts/:id/tags');
    expect(routeOf('/conversations/123456')).to.equal('/conversations/:id');
    expect(routeOf('/companies/scroll')).to.equal('/companies/scroll');
  });
});

describe('pacer', () => {
  it('spreads the room over the window, and holds requests when it is spent, until it resets', async () => {
    let now = 1_000_000;
    const slept: number[] = [];
    const pacer = new Pacer({ maxConcurrency: 10, now: () => now, sleep: async (ms) => { slept.push(ms); now += ms; } });
    pacer.observe({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2', 'x-ratelimit-reset': String(now / 1000 + 10) });
    (await pacer.acquire())();
    expect(slept).to.deep.equal([]);
    (await pacer.acquire())(); // 2 left for 10 s: one every 5 s
    expect(slept).to.deep.equal([5_000]);
    (await pacer.acquire())(); // window spent: waits for the reset
    expect(now).to.be.at.least(1_000_000 + 10_000);
  });

  it('gives a run at least one request a window, however small its share of a small limit', async () => {
    const now = 1_000_000;
    const pacer = new Pacer({ maxConcurrency: 100, now: () => now, sleep: () => new Promise(() => {}), share: 0.05, spread: false });
    pacer.observe({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': String(now / 1000 + 10) });
    let granted = 0;
    for (let i = 0; i < 5; i++) void pacer.acquire().then(() => granted++);
    await new Promise((r) => setImmediate(r));
    expect(granted).to.equal(1);
  });

  it('leaves the part of every window that rate_limit_share does not give it to other clients', async () => {
    const now = 1_000_000;
    const pacer = new Pacer({ maxConcurrency: 100, now: () => now, sleep: () => new Promise(() => {}), share: 0.25, spread: false });
    pacer.observe({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '100', 'x-ratelimit-reset': String(now / 1000 + 10) });
    let granted = 0;
    for (let i = 0; i < 60; i++) void pacer.acquire().then(() => granted++);
    await new Promise((r) => setImmediate(r));
    expect(granted).to.equal(25);
  });

  it('never lets more than maxConcurrency requests in flight', async () => {
    const pacer = new Pacer({ maxConcurrency: 2 });
    let inFlight = 0;
    let max = 0;
    await Promise.all(Array.from({ length: 10 }, async () => {
      const release = await pacer.acquire();
      max = Math.max(max, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      release();
    }));
    expect(max).to.equal(2);
  });
});

describe('detail lists past their first page', () => {
  it('ask for their later pages ahead of other records\' first requests (urgent), their first page not', async () => {
    const calls: Array<{ path: string; urgent?: boolean }> = [];
    const client = {
      async get(path: string, _query: unknown, opts: { urgent?: boolean }) {
        calls.push({ path, urgent: opts.urgent });
        const n = calls.length;
        return { type: 'event.list', events: [{ id: `e${n}` }], pages: n < 3 ? { next: `https://api.intercom.io/events?page=${n + 1}` } : {} };
      },
    } as unknown as IntercomClient;
    const ids: string[] = [];
    for await (const e of nextUrl(client, '/events', { keys: ['events'], id: 'id' }, {}, { cost: 'events' })) ids.push(String(e.id));
    expect(ids).to.deep.equal(['e1', 'e2', 'e3']);
    expect(calls.map((c) => Boolean(c.urgent))).to.deep.equal([false, true, true]);
  });
});
