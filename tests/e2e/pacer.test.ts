/**
 * The pacer shares the rate limit among concurrent requests: it must never believe it has more room than the
 * server will grant, and must take the window's timing from the server's clock, not the local one.
 */
import { expect } from 'chai';
import { BURST, Pacer } from '../../src/intercom/pacer.js';
import { generateWorkspace, startSimulator, type Simulator, type Workspace } from '../simulator/index.js';
import { config, runExtractor } from '../helpers/run.js';
import { ManualClock, onClock } from '../helpers/clock.js';

const TOKEN = 'pacer-token-0123456789';
const T0 = 1_700_000_000_000; // a whole second, local ms

/** A pacer on a fake clock whose waits never end by themselves: only responses, releases or `advance` move it. */
function fakePacer(maxConcurrency = 100) {
  const clock = { now: T0 };
  const sleeps: number[] = [];
  const pacer = new Pacer({ maxConcurrency, now: () => clock.now, sleep: (ms) => (sleeps.push(ms), new Promise(() => {})), spread: false });
  return { pacer, clock, sleeps };
}

/** Starts n acquires; `granted` lists their release functions as they are granted. */
function request(pacer: Pacer, n: number): { granted: Array<() => void> } {
  const out = { granted: [] as Array<() => void> };
  for (let i = 0; i < n; i++) void pacer.acquire().then((release) => out.granted.push(release));
  return out;
}

const settle = () => new Promise((r) => setImmediate(r));

/** The first request goes out alone to learn the limit: send it and answer it with these headers. */
async function answerProbe(pacer: Pacer, h: Record<string, string>): Promise<void> {
  const probe = request(pacer, 1);
  await settle();
  pacer.observe(h);
  probe.granted[0]();
}

function headers(limit: number, remaining: number, resetSeconds: number, dateMs?: number): Record<string, string> {
  const h: Record<string, string> = { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(resetSeconds) };
  if (dateMs !== undefined) h.date = new Date(dateMs).toUTCString();
  return h;
}

/** Spends the window on a pacer whose clock advances by each wait, and says how long the next request waited. */
async function waitForNextWindow(h: Record<string, string>): Promise<number> {
  let now = T0;
  const pacer = new Pacer({ maxConcurrency: 10, now: () => now, sleep: async (ms) => void (now += ms) });
  const first = await pacer.acquire(); // the probe
  pacer.observe(h);
  first();
  (await pacer.acquire())();
  return now - T0;
}

describe('pacer', () => {
  describe('accounting', () => {
    it('sends a single probe until a response tells the limit', async () => {
      const { pacer } = fakePacer();
      const r = request(pacer, 5);
      await settle();
      expect(r.granted.length).to.equal(1);
      pacer.observe(headers(20, 19, T0 / 1000 + 10, T0));
      r.granted[0]();
      await settle();
      expect(r.granted.length).to.equal(5);
    });

    it('does not grant the requests in flight again when a response of a new window arrives', async () => {
      const { pacer, clock } = fakePacer();
      await answerProbe(pacer, headers(10, 9, T0 / 1000 + 10, T0));
      const r = request(pacer, 20);
      await settle();
      expect(r.granted.length).to.equal(9); // the window's room
      // The window turns; one of the nine is answered in the new one, eight are still in flight.
      clock.now = T0 + 10_000;
      pacer.observe(headers(10, 9, T0 / 1000 + 20, T0 + 10_000));
      r.granted[0]();
      await settle();
      // The server will count the eight too: 9 - 8 = 1 more, not 9.
      expect(r.granted.length).to.equal(10);
      // As they are answered, their counts replace the guess and the room comes back, never beyond the limit.
      for (let i = 1; i <= 8; i++) {
        pacer.observe(headers(10, 9 - i, T0 / 1000 + 20, T0 + 10_000));
        r.granted[i]();
      }
      await settle();
      expect(r.granted.length).to.equal(10);
    });

    it('takes the smallest Remaining of a window, whichever response arrives first', async () => {
      const { pacer } = fakePacer();
      await answerProbe(pacer, headers(10, 9, T0 / 1000 + 10, T0));
      const r = request(pacer, 3);
      await settle();
      // The server counted them in this order, answering 8, 7, 6; the answers arrive 6, 8, 7.
      for (const [i, remaining] of [[2, 6], [0, 8], [1, 7]] as const) {
        pacer.observe(headers(10, remaining, T0 / 1000 + 10, T0));
        r.granted[i]();
      }
      const more = request(pacer, 10);
      await settle();
      expect(more.granted.length).to.equal(6);
    });

    it('counts the requests still in flight when the local clock passes the reset', async () => {
      const { pacer, clock } = fakePacer();
      await answerProbe(pacer, headers(10, 9, T0 / 1000 + 1, T0));
      const r = request(pacer, 6);
      await settle();
      expect(r.granted.length).to.equal(6);
      clock.now = T0 + 2_000; // a new window, the six still unanswered: they may land in it
      const more = request(pacer, 10);
      await settle();
      await settle();
      expect(more.granted.length).to.equal(4);
    });

    it("lets a list's next page (urgent) go before the detail requests waiting", async () => {
      const { pacer } = fakePacer(1);
      await answerProbe(pacer, headers(100, 99, T0 / 1000 + 10, T0));
      const order: string[] = [];
      const first = await pacer.acquire();
      for (const name of ['detail 1', 'detail 2']) void pacer.acquire().then((release) => (order.push(name), release()));
      void pacer.acquire(true).then((release) => (order.push('page'), release()));
      await settle();
      expect(order).to.deep.equal([]);
      first();
      for (let i = 0; i < 5; i++) await settle();
      expect(order).to.deep.equal(['page', 'detail 1', 'detail 2']);
    });

    it('lets every waiting request go at once when the run stops, leaving nothing counted in flight', async () => {
      const { pacer } = fakePacer(1);
      await answerProbe(pacer, headers(100, 99, T0 / 1000 + 10, T0));
      const first = await pacer.acquire();
      const waiting = request(pacer, 5);
      await settle();
      expect(waiting.granted).to.have.length(0);
      pacer.abandon();
      await settle();
      expect(waiting.granted).to.have.length(5);
      [first, ...waiting.granted].forEach((release) => release());
      const after = request(pacer, 1);
      await settle();
      expect(after.granted, 'the slots came back').to.have.length(1);
    });

    it('paces to an assumed limit, window by window on the local clock, when answers carry no rate-limit headers', async () => {
      const clock = { now: T0 };
      const pacer = new Pacer({ maxConcurrency: 100, now: () => clock.now, sleep: () => new Promise(() => {}), spread: false, assumedLimit: 8 });
      await answerProbe(pacer, {});
      expect(pacer.limitAssumed).to.equal(true);
      const r = request(pacer, 30);
      await settle();
      expect(r.granted.length, 'the first window holds the probe and 7 more').to.equal(7);
      r.granted.forEach((release) => (pacer.observe({}), release()));
      await settle();
      expect(r.granted.length, 'answers without headers give no more room').to.equal(7);
      clock.now = T0 + 10_000;
      const next = request(pacer, 1);
      await settle();
      expect(r.granted.length + next.granted.length, 'the next window').to.equal(7 + 8);
      // An answer that tells the limit replaces the assumption.
      pacer.observe(headers(100, 90, T0 / 1000 + 15, clock.now));
      await settle();
      expect(pacer.limitAssumed).to.equal(false);
      expect(r.granted.length + next.granted.length).to.equal(31);
    });

    it('does not pace without headers when told to assume nothing', async () => {
      const pacer = new Pacer({ maxConcurrency: 100, now: () => T0, sleep: () => new Promise(() => {}), spread: false, assumedLimit: 0 });
      await answerProbe(pacer, {});
      const r = request(pacer, 50);
      await settle();
      expect(r.granted.length).to.equal(50);
    });

    it('counts a request that got no answer as spent until the window ends', async () => {
      const { pacer, clock } = fakePacer();
      await answerProbe(pacer, headers(5, 4, T0 / 1000 + 10, T0));
      const r = request(pacer, 10);
      await settle();
      expect(r.granted.length).to.equal(4);
      r.granted.forEach((release) => release()); // network errors: no headers
      await settle();
      expect(r.granted.length).to.equal(4);
      clock.now = T0 + 10_000;
      const more = request(pacer, 1);
      await settle();
      expect(r.granted.length + more.granted.length).to.be.greaterThan(4);
    });
  });

  describe("the server's clock", () => {
    for (const skew of [120, -120, 0]) {
      it(`converts a reset with the Date header when the server's clock is ${skew} s off`, async () => {
        const server = T0 + skew * 1000;
        const waited = await waitForNextWindow(headers(10, 0, server / 1000 + 3, server));
        // The window resets 3 s from now by the server's clock; Date has whole seconds, so up to 1 s later is fine.
        expect(waited).to.be.within(3_000, 4_000);
      });

      it(`pauses after a 429 until the reset by the server's clock (${skew} s off)`, () => {
        const { pacer } = fakePacer();
        const server = T0 + skew * 1000;
        pacer.observe(headers(10, 0, server / 1000 + 2, server));
        expect(pacer.pauseUntil(server / 1000 + 2, 5)).to.be.within(2_000, 3_000);
      });
    }

    it('without a Date header, trusts the local clock but takes a reset as at most one window ahead', async () => {
      expect(await waitForNextWindow(headers(10, 0, T0 / 1000 + 3))).to.equal(3_000);
      expect(await waitForNextWindow(headers(10, 0, T0 / 1000 + 130))).to.equal(10_000);
      const { pacer } = fakePacer();
      pacer.observe(headers(10, 0, T0 / 1000 + 130));
      expect(pacer.pauseUntil(T0 / 1000 + 130, 5)).to.be.within(1, 10_000);
    });

    it('takes a limit of 0 as no limit at all, rather than holding every request forever', async () => {
      const { pacer } = fakePacer();
      await answerProbe(pacer, headers(0, 0, T0 / 1000 + 5, T0));
      const next = request(pacer, 3);
      await settle();
      expect(next.granted).to.have.length(3);
    });

    it('caps every wait, whatever the headers say', async () => {
      const { pacer, sleeps } = fakePacer();
      await answerProbe(pacer, headers(10, 0, T0 / 1000 + 86_400 * 365, T0));
      request(pacer, 1);
      await settle();
      expect(sleeps).to.not.be.empty;
      expect(Math.max(...sleeps)).to.be.at.most(60_000);
      expect(pacer.pauseUntil(T0 / 1000 + 86_400 * 365, 5)).to.be.at.most(60_000);
    });
  });

  describe('against the simulator', function () {
    this.timeout(60_000);
    const LIMIT = 20;
    let ws: Workspace;
    let sim: Simulator | undefined;
    before(() => {
      ws = generateWorkspace({ seed: 5, users: 5, leads: 2, conversations: 80 });
    });
    afterEach(async () => {
      await sim?.close();
      sim = undefined;
    });
    const sortedIds = (rows: Record<string, string>[]) => rows.map((r) => r.id).sort();
    // The server's windows and the run keep time on one ManualClock (all but the test with another client, whose
    // requests come by the real clock): the pauses the pacer chooses pass at once and are measured exactly, so the
    // spread, the share and the skew are judged by what the pacer decided, not by how promptly a busy machine
    // carried it out. The requests still travel for real and concurrently: answers overtake each other, and some
    // reach the server in a later window than the one they were sent in. On the clock each takes up to the
    // simulator's latency (30 ms), however slowly a busy machine carries it: past that the clock waits for it.
    const IN_FLIGHT = { inFlightMs: 30 };

    async function run(maxConcurrency: number, clockSkewSeconds = 0) {
      // When each request reached the server, by the clock the server and the run share.
      const arrivals: number[] = [];
      const clock = new ManualClock(Date.now(), IN_FLIGHT);
      sim = await startSimulator({ workspace: ws, token: TOKEN, rateLimit: { limit: LIMIT, windowSeconds: 1 }, clockSkewSeconds, latencyMs: 30, now: () => clock.now(), intercept: () => void arrivals.push(clock.now()) });
      const result = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', max_concurrency: maxConcurrency }), onClock(clock));
      expect(result.code, result.stderr).to.equal(0);
      expect(sortedIds(result.table('conversations').rows)).to.deep.equal(ws.conversations.map((c) => c.id).sort());
      const { requests, rateLimited } = sim.stats;
      const longestPauseMs = Math.max(...arrivals.slice(1).map((t, i) => t - arrivals[i]));
      return { longestPauseMs, requests, rateLimited, accepted: requests - rateLimited };
    }

    it(`meets no 429 at ${LIMIT} requests a second with the defaults, sending part of each window's room as soon as requests ask for it`, async () => {
      const sent: number[] = [];
      const clock = new ManualClock(Date.now(), IN_FLIGHT);
      sim = await startSimulator({ workspace: ws, token: TOKEN, rateLimit: { limit: LIMIT, windowSeconds: 1 }, latencyMs: 30, now: () => clock.now(), intercept: () => void sent.push(clock.now()) });
      const run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations' }), onClock(clock));
      expect(run.code, run.stderr).to.equal(0);
      expect(sim.stats.rateLimited, `${sim.stats.rateLimited} of ${sim.stats.requests} were 429s`).to.equal(0);
      const perWindow = new Map<number, number[]>();
      for (const t of sent) perWindow.set(Math.floor(t / 1000), [...(perWindow.get(Math.floor(t / 1000)) ?? []), t % 1000]);
      // Never more than the window allows (one more where an answer of the window before is counted late).
      expect(Math.max(...[...perWindow.values()].map((ts) => ts.length))).to.be.at.most(LIMIT + 1);
      // In every full window the burst (BURST of its room) goes at once, and the rest is spread over what is left
      // of the window: a run that needs no more than the burst is not stretched to the window's length, and
      // another client of the app still finds room later in the window.
      const full = [...perWindow.values()].filter((ts) => ts.length >= LIMIT - 1).map((ts) => [...ts].sort((a, b) => a - b));
      expect(full.length, 'several full windows').to.be.at.least(2);
      const burst = Math.floor(LIMIT * BURST);
      for (const ts of full) {
        expect(ts[burst - 1] - ts[0], `the burst of ${burst} in a window of ${ts.length}, ms`).to.be.at.most(50);
        expect(ts[ts.length - 1] - ts[0], `the rest spread over the window, ms`).to.be.at.least(300);
      }
    });

    it('keeps to rate_limit_share of every window', async () => {
      const sent: number[] = [];
      const clock = new ManualClock(Date.now(), IN_FLIGHT);
      sim = await startSimulator({ workspace: ws, token: TOKEN, rateLimit: { limit: LIMIT, windowSeconds: 1 }, latencyMs: 30, now: () => clock.now(), intercept: () => void sent.push(clock.now()) });
      const run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', rate_limit_share: 50 }), onClock(clock));
      expect(run.code, run.stderr).to.equal(0);
      const perWindow = new Map<number, number>();
      for (const t of sent) perWindow.set(Math.floor(t / 1000), (perWindow.get(Math.floor(t / 1000)) ?? 0) + 1);
      // Half of 20 a window, and one request more at most where an answer from the window before is counted late.
      expect(Math.max(...perWindow.values())).to.be.at.most(LIMIT / 2 + 1);
      expect(sim.stats.rateLimited).to.equal(0);
    });

    it('yields to another client of the same app, and gets through', async () => {
      sim = await startSimulator({ workspace: ws, token: TOKEN, rateLimit: { limit: LIMIT, windowSeconds: 1 }, latencyMs: 30 });
      // Another integration spends a third of every window.
      const other = setInterval(() => void fetch(`${sim!.url}/me`, { headers: { Authorization: `Bearer ${TOKEN}`, 'Intercom-Version': '2.14' } }).catch(() => undefined), 150);
      try {
        const run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations' }));
        expect(run.code, run.stderr).to.equal(0);
        expect(sortedIds(run.table('conversations').rows)).to.deep.equal(ws.conversations.map((c) => c.id).sort());
        // The other client is not paced and meets 429s of its own; this run's are in its summary.
        const [, ours, oursLimited] = /Done in .*?: ([\d,]+) requests \(\d+ retried, ([\d,]+) rate-limited\)/.exec(run.stdout)!.map((x) => Number(String(x).replace(/,/g, '')));
        expect(oursLimited, `${oursLimited} of this run's ${ours} requests were 429s`).to.be.at.most(Math.max(2, ours * 0.1));
      } finally {
        clearInterval(other);
      }
    });

    for (const maxConcurrency of [8, 64]) {
      it(`meets almost no 429s at ${LIMIT} requests a second with max_concurrency ${maxConcurrency}`, async () => {
        const { requests, rateLimited, accepted } = await run(maxConcurrency);
        expect(accepted).to.be.greaterThan(3 * LIMIT); // several windows' worth
        // Only a window edge the local clock misjudges by more than the latency could cost one.
        expect(rateLimited, `${rateLimited} of ${requests} requests were 429s`).to.be.at.most(Math.max(2, requests * 0.02));
      });
    }

    for (const skew of [120, -120]) {
      it(`keeps pace when the server's clock is ${skew} s off`, async () => {
        const { longestPauseMs, requests, rateLimited } = await run(8, skew);
        // A reset read on the wrong clock is waited for too long when it seems far ahead, or not at all when it
        // seems past (429s). Kept to the server's clock, the run pauses at most until the window resets: a window
        // of 1 s, and at most a second more since Date has whole seconds. (On the shared clock, a pause is exactly
        // what the pacer chose, whatever the machine's speed.)
        expect(longestPauseMs, 'the longest pause between two requests, ms').to.be.at.most(2_000);
        expect(rateLimited, `${rateLimited} of ${requests} requests were 429s`).to.be.at.most(Math.max(2, requests * 0.02));
      });
    }
  });
});
