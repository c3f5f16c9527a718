import { expect } from 'chai';
import nock from 'nock';
import { IntercomClient, RetriesExhaustedError, routeOf, type ClientOptions } from '../../src/intercom/client.js';
import { AppError, UserError } from '../../src/errors.js';
import { Pacer } from '../../src/intercom/pacer.js';
import { nextUrl } from '../../src/intercom/paginate.js';
import { ManualClock } from '../helpers/clock.js';
import { captureOutput } from '../helpers/output.js';
import { resetWarnings } from '../../src/log.js';

const BASE = 'https://api.test-intercom.local';
const TOKEN = 'secret-token-abcdef123456';

/** A client on a clock of its own: no deadline fires unless the test moves the clock, and backoffs take no time. */
function client(extra: Partial<ClientOptions> = {}) {
  return new IntercomClient({ baseUrl: BASE, token: TOKEN, apiVersion: '2.14', maxConcurrency: 4, backoffBaseMs: 5, backoffCapMs: 20, maxRetries: 3, clock: new ManualClock(), ...extra });
}

/** An answer that never comes: `arrived` resolves once the request has been made. */
function never(): { reply: () => Promise<never>; arrived: Promise<void> } {
  let made!: () => void;
  const arrived = new Promise<void>((resolve) => (made = resolve));
  return { reply: () => (made(), new Promise<never>(() => {})), arrived };
}

/** A few turns of the event loop: long enough for a request that was going to be made to be made. */
const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

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
    resetWarnings();
    const { value, stdout } = await captureOutput(() => client().get('/admins'));
    expect(value).to.deep.equal({ admins: [] });
    scope.done();
    expect(stdout, 'an answer without rate-limit headers').to.match(/^Intercom's answers carry no X-RateLimit headers: requests are paced to its default limit of 10,000 a minute\.$/m);
  });

  it('retries 5xx, connection resets, timeouts and empty 200 bodies, then succeeds', async () => {
    const hang = never();
    const scope = nock(BASE)
      .get('/tags').reply(503, { type: 'error.list', errors: [{ code: 'service_unavailable' }] })
      // An Error, not a plain object: nock 14 never delivers a plain one (the request would hang until its deadline).
      .get('/tags').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .get('/tags').reply(200, '')
      .get('/tags').reply(hang.reply)
      .get('/tags').reply(200, { data: [{ id: '1' }] });
    const clock = new ManualClock();
    const c = client({ maxRetries: 5, clock });
    const { value, stdout } = await captureOutput(async () => {
      const answer = c.get('/tags');
      await hang.arrived;
      expect(clock.advanceToDeadline(), 'the unanswered request is cut at its deadline').to.equal(60_000);
      return answer;
    });
    expect(value).to.deep.equal({ data: [{ id: '1' }] });
    expect(c.stats.retries).to.equal(4);
    expect(stdout.match(/^Retrying GET \/tags .*/gm)!.map((l) => l.replace(/ in [\d.]+ s/, ''))).to.deep.equal([
      'Retrying GET /tags after: 503 service_unavailable:  (attempt 2).',
      'Retrying GET /tags after: network error ECONNRESET (attempt 3).',
      'Retrying GET /tags after: 200 with an empty or malformed JSON body (attempt 4).',
      'Retrying GET /tags after: no complete answer within 60.0 s (attempt 5).',
    ]);
    scope.done();
  });

  it('cuts a request at timeoutMs by its clock, not a moment before', async () => {
    const hang = never();
    const scope = nock(BASE).get('/me').reply(hang.reply).get('/me').reply(200, { id: '1' });
    const clock = new ManualClock();
    const c = client({ clock, timeoutMs: 8_000 });
    await captureOutput(async () => {
      const answer = c.get('/me');
      await hang.arrived;
      expect(clock.deadlines, "only the request's deadline is pending").to.deep.equal([8_000]);
      clock.advance(7_999);
      await turns();
      expect(scope.pendingMocks(), 'not retried yet').to.have.length(1);
      clock.advance(1);
      expect(await answer).to.deep.equal({ id: '1' });
    });
    expect(c.stats.retries).to.equal(1);
    expect(clock.deadlines, 'an answered request leaves no deadline behind').to.deep.equal([]);
  });

  it('retries a failing request until retryWindowMs has passed on its clock, however many tries that takes', async () => {
    nock(BASE).get('/tags').times(1_000).reply(500, 'boom');
    const clock = new ManualClock();
    const began = clock.now();
    // Production's schedule: a 10-minute window, backoffs from 1 s doubling up to 10 s, no bound on the count.
    const c = client({ clock, maxRetries: Infinity, retryWindowMs: 600_000, backoffBaseMs: 1_000, backoffCapMs: 10_000 });
    const { value: err } = await captureOutput(() => failure(c.get('/tags')));
    const spent = clock.now() - began;
    expect(err).to.be.instanceOf(RetriesExhaustedError);
    expect(spent, 'the window, and at most one backoff past it').to.be.within(600_000, 610_000);
    // At most 10 s apart, at least 5 s once the backoff has reached its cap: some 60 to 120 tries.
    expect(c.stats.requests).to.be.within(60, 125);
    expect(err.message).to.match(new RegExp(`GET /tags failed ${c.stats.requests} times over 6\\d\\d s \\(last: 500 \\); giving up`));
  });

  it('gives up after maxRetries with an AppError that holds no token', async () => {
    nock(BASE).get('/tags').times(4).reply(500, 'boom');
    const { value: err, stdout } = await captureOutput(() => failure(client().get('/tags')));
    expect(err).to.be.instanceOf(AppError);
    expect(err.message).to.match(/GET \/tags failed 4 times/);
    expect(err.message).not.to.include(TOKEN);
    expect(stdout.match(/^Retrying GET \/tags/gm)).to.have.length(3);
  });

  it('waits out a 429 until X-RateLimit-Reset, then retries', async () => {
    const clock = new ManualClock(1_700_000_000_400);
    const reset = 1_700_000_001; // 0.6 s ahead
    nock(BASE)
      .get('/admins').reply(429, { type: 'error.list', errors: [{ code: 'rate_limit_exceeded' }] }, { 'X-RateLimit-Limit': '10', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset) })
      .get('/admins').reply(200, { admins: [] });
    const c = client({ clock });
    const { stdout } = await captureOutput(() => c.get('/admins'));
    expect(clock.now(), 'asked again once the window had reset').to.be.at.least(reset * 1000);
    expect(c.stats.rateLimited).to.equal(1);
    expect(stdout).to.include('Rate limited on GET /admins: waiting 0.6 s for the window to reset.');
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
    const { stdout } = await captureOutput(() => client().get('https://elsewhere.example.com/events?before=5&type=user'));
    scope.done();
    expect(stdout).to.include('Following a next-page link on elsewhere.example.com through the configured host instead.');
  });

  it('names routes without ids', () => {
    expect(routeOf('/contacts/5ba682d23d7cf92bef87bfd4/tags?x=1')).to.equal('/contacts/:id/tags');
    expect(routeOf('/conversations/123456')).to.equal('/conversations/:id');
    expect(routeOf('/companies/scroll')).to.equal('/companies/scroll');
  });
});

describe('pacer', () => {
  it('with burst 1, sends the room as requests ask for it, and holds requests when it is spent, until it resets', async () => {
    let now = 1_000_000;
    const slept: number[] = [];
    const pacer = new Pacer({ maxConcurrency: 10, now: () => now, sleep: async (ms) => { slept.push(ms); now += ms; }, burst: 1 });
    pacer.observe({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2', 'x-ratelimit-reset': String(now / 1000 + 10) });
    (await pacer.acquire())();
    (await pacer.acquire())();
    expect(slept, 'the window\'s room goes at once').to.deep.equal([]);
    (await pacer.acquire())(); // window spent: waits for the reset
    expect(now).to.be.at.least(1_000_000 + 10_000);
  });

  it('with burst 0, spreads the room over the window, and holds requests when it is spent, until it resets', async () => {
    let now = 1_000_000;
    const slept: number[] = [];
    const pacer = new Pacer({ maxConcurrency: 10, now: () => now, sleep: async (ms) => { slept.push(ms); now += ms; }, burst: 0 });
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
