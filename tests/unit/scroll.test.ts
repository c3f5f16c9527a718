/**
 * The companies scroll read to the end however many answers are lost (src/intercom/scroll.ts): first against a
 * scripted scroll, where each pass's order and each lost answer are chosen, then against the simulator at 100,000
 * companies, whose scroll moves on before an answer is lost.
 */
import { expect } from 'chai';
import { scroll, type ScrollOptions } from '../../src/intercom/scroll.js';
import { HttpError, IntercomClient, RetriesExhaustedError, type Body, type RequestOptions } from '../../src/intercom/client.js';
import { shape } from '../../src/intercom/paginate.js';
import { exitCodeFor } from '../../src/errors.js';
import { createRng, generateWorkspace, startSimulator, type Simulator } from '../simulator/index.js';
import { ManualClock } from '../helpers/clock.js';
import { captureOutput } from '../helpers/output.js';

const OPTS: ScrollOptions = { busyRetryMs: 15_000, busyMaxWaitMs: 150_000, stallMs: 600_000 };
const RESTART = '500 server_error: Request failed due to an internal network error. Please restart the scroll operation.';

/** `lost`: one page taken, then the answer lost; `{ lost: k }`: k pages taken (0: the request never arrived). */
type Fault = 'lost' | { lost: number } | 'restart' | undefined;

const notFound = () => new HttpError(404, 'GET /companies/scroll', 'not_found', 'scroll parameter not found');

/**
 * A scroll whose every pass lists `order(pass)` in pages of `size`, and whose continuations fail as `fault` says:
 * `lost` moves the scroll on and loses the answer (the retry gets the page after), `restart` is Intercom's
 * documented 500 that ends the scroll (its scroll_param is not found after it).
 */
class ScriptedScroll {
  pass = 0;
  requests = 0;
  /** Requests in this pass, retries included: what `fault` is told. */
  private inPass = 0;
  private at = 0;
  private ids: string[] = [];
  readonly clock = new ManualClock(0);
  /** Whether a lost answer moved the scroll on (Intercom had taken the page) or not (the request never arrived). */
  lostMoves = true;
  private dead = false;

  constructor(
    private readonly order: (pass: number) => string[],
    private readonly fault: (pass: number, request: number) => Fault,
    private readonly size = 5,
  ) {}

  async get(_path: string, query: Record<string, string> | undefined, opts: RequestOptions): Promise<Body> {
    this.requests++;
    this.clock.advance(300);
    if (!query?.scroll_param) {
      this.pass++;
      if (this.pass > 500) throw new Error(`more than 500 passes (the clock at ${Math.round(this.clock.now() / 60_000)} min)`);
      this.dead = false;
      this.inPass = 0;
      this.at = 0;
      this.ids = this.order(this.pass);
    } else {
      if (this.dead) throw notFound();
      for (let n = 1; ; n++) {
        const fault = this.fault(this.pass, this.inPass + 1);
        if (!fault) break;
        if (fault === 'lost' && this.lostMoves) this.at += this.size;
        if (typeof fault === 'object') this.at += fault.lost * this.size;
        if (fault === 'restart') this.dead = true;
        this.inPass++;
        this.clock.advance(300);
        if (opts.onRetry?.(fault === 'lost' ? 'network error ECONNRESET' : RESTART) === false || n > 50) throw new RetriesExhaustedError(`GET /companies/scroll failed ${n} times`);
        this.requests++;
        if (this.dead) throw notFound();
      }
    }
    this.inPass++;
    const data = this.ids.slice(this.at, this.at + this.size).map((id) => ({ type: 'company', id }));
    this.at += this.size;
    const body: Body = { type: 'list', data, scroll_param: 'p' };
    const wrong = opts.check?.(body);
    if (wrong) throw new Error(`the scripted scroll made a page the reader refused: ${String(wrong)}`);
    return body;
  }

  async sleep(ms: number): Promise<void> {
    await this.clock.sleep(ms);
  }
}

/** Reads the scripted scroll: every company yielded, what was logged, and the error that ended it, if any. */
async function attempt(s: ScriptedScroll, opts = OPTS, onItem = () => {}): Promise<{ read: string[]; stdout: string; error?: Error }> {
  const read: string[] = [];
  let error: Error | undefined;
  const { stdout } = await captureOutput(async () => {
    try {
      for await (const item of scroll(s as unknown as IntercomClient, '/companies/scroll', shape('data'), opts)) read.push(String(item.id)), onItem();
    } catch (e) {
      error = e as Error;
    }
  });
  return { read, stdout, error };
}

/** Every company yielded by a read that must end well. */
async function readAll(s: ScriptedScroll): Promise<string[]> {
  const { read, error } = await attempt(s);
  if (error) throw error;
  return read;
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `c${from + i}`);
const sorted = (xs: string[]) => [...xs].sort();

describe('the companies scroll: passes over lost answers', () => {
  it('reads a scroll without losses in one pass', async () => {
    const s = new ScriptedScroll(() => ids(23), () => undefined);
    expect(sorted(await readAll(s))).to.deep.equal(sorted(ids(23)));
    expect(s.pass).to.equal(1);
    expect(s.requests).to.equal(6);
  });

  it('a lost answer skips a page; the next pass reads it, each company once', async () => {
    // 100 companies, 20 pages: the answer to the 4th request is lost after moving the scroll on (c15..c19 skipped).
    const s = new ScriptedScroll(() => ids(100), (pass, n) => (pass === 1 && n === 4 ? 'lost' : undefined));
    const read = await readAll(s);
    expect(sorted(read)).to.deep.equal(sorted(ids(100)));
    expect(read).to.have.length(100);
    expect(s.pass).to.equal(2);
    // Each pass: 19 pages (the second reads the one the first lost, and skips the rest, written already), the
    // lost answer or page 20, and the empty end.
    expect(s.requests).to.equal(21 + 21);
  });

  it('a lost answer that did not move the scroll costs the same second look, and nothing is written twice', async () => {
    let lostOnce = false;
    const s = new ScriptedScroll(() => ids(40), (pass, n) => {
      if (pass === 1 && n === 3 && !lostOnce) return (lostOnce = true), 'lost';
      return undefined;
    });
    s.lostMoves = false;
    const read = await readAll(s);
    expect(read).to.have.length(40);
    expect(sorted(read)).to.deep.equal(sorted(ids(40)));
    expect(s.pass, 'the reader cannot tell, so it looks again').to.equal(2);
  });

  it("Intercom's restart 500 ends the pass; the next reads on from where it broke", async () => {
    const s = new ScriptedScroll(() => ids(60), (pass, n) => (pass === 1 && n === 5 ? 'restart' : undefined));
    const read = await readAll(s);
    expect(sorted(read)).to.deep.equal(sorted(ids(60)));
    expect(read).to.have.length(60);
    expect(s.pass).to.equal(2);
  });

  it('a loss in the next pass inside the same gap narrows it; a third pass closes it', async () => {
    // Pass 1 loses c10..c14 (its 3rd request), and pass 2 loses them again: pass 3 reads them.
    const s = new ScriptedScroll(() => ids(50), (pass, n) => ((pass === 1 || pass === 2) && n === 3 ? 'lost' : undefined));
    const read = await readAll(s);
    expect(sorted(read)).to.deep.equal(sorted(ids(50)));
    expect(read).to.have.length(50);
    expect(s.pass).to.equal(3);
  });

  it('a company created between passes inside a gap is read; one created elsewhere is read or left to the next run, never twice', async () => {
    const s = new ScriptedScroll(
      (pass) => (pass === 1 ? ids(30) : [...ids(12), 'new-in-gap', ...ids(18, 12), 'new-at-end']),
      (pass, n) => (pass === 1 && n === 3 ? 'lost' : undefined),
    );
    const read = await readAll(s);
    expect(read).to.include.members([...ids(30), 'new-in-gap']);
    expect(new Set(read).size).to.equal(read.length);
  });

  it('when a pass lists companies in another order the ledger starts over, and still every company is read once', async () => {
    // Pass 2 lists the companies backwards: its ranks contradict pass 1's, so gaps are worked out again from pass 3.
    const s = new ScriptedScroll(
      (pass) => (pass === 2 ? ids(40).reverse() : ids(40)),
      (pass, n) => (pass === 1 && n === 2 ? 'lost' : undefined),
    );
    const { read, stdout, error } = await attempt(s);
    expect(error).to.equal(undefined);
    expect(sorted(read)).to.deep.equal(sorted(ids(40)));
    expect(read).to.have.length(40);
    expect(stdout).to.match(/in another order than the pass before/);
    expect(s.pass).to.equal(3);
  });

  describe('orders that change, and workspaces that change, between passes', () => {
    const lostOnFirstContinuation = (pass: number, n: number): Fault => (pass === 1 && n === 2 ? 'lost' : undefined);

    it('a ranked company moved ahead of the gap does not close it unseen: the pass reads on and meets the other order', async () => {
      // Pass 1 misses c5..c9 (gap c4..c10). In pass 2 c19 comes fourth: past the gap's end before c4 is read.
      const s = new ScriptedScroll((pass) => (pass === 1 ? ids(20) : [...ids(4), 'c19', ...ids(15, 4)]), lostOnFirstContinuation);
      const { read, error } = await attempt(s);
      expect(error).to.equal(undefined);
      expect(sorted(read)).to.deep.equal(sorted(ids(20)));
    });

    it('a missed company that moved to the end (an update re-indexes it) is still read: every pass reads to the end', async () => {
      const s = new ScriptedScroll((pass) => (pass === 1 ? ids(20) : [...ids(5), ...ids(14, 6), 'c5']), lostOnFirstContinuation);
      const { read, error } = await attempt(s);
      expect(error).to.equal(undefined);
      expect(sorted(read)).to.deep.equal(sorted(ids(20)));
    });

    it('an order that changes every pass, with a loss in each: exit 2 after the stall bound, not a loop', async () => {
      const s = new ScriptedScroll((pass) => (pass % 2 ? ids(40) : ids(40).reverse()), (_pass, n) => (n === 3 ? 'lost' : undefined));
      const { error } = await attempt(s, { ...OPTS, stallMs: 60_000 });
      expect(error?.message).to.match(/found no company they had missed/);
      expect(exitCodeFor(error)).to.equal(2);
    });

    it('a page lost in every pass while a company is created each pass: the new ones are no progress, exit 2 after the stall bound', async () => {
      const s = new ScriptedScroll((pass) => [...ids(20), ...Array.from({ length: pass }, (_, i) => `new${i}`)], (_pass, n) => (n === 2 ? 'lost' : undefined));
      const { error } = await attempt(s, { ...OPTS, stallMs: 60_000 });
      expect(error?.message).to.match(/found no company they had missed/);
    });

    it('the ends of a gap deleted, a loss that did not move the scroll inside it, a broken scroll: every company once', async () => {
      const base = ids(40);
      const gone = ['c4', 'c10', 'c24'];
      const s = new ScriptedScroll(
        (pass) => (pass === 1 ? base : base.filter((x) => !gone.includes(x))),
        (pass, n) => (pass === 1 && (n === 2 || n === 6) ? 'lost' : pass === 2 && n === 2 ? { lost: 0 } : pass === 2 && n === 5 ? 'restart' : undefined),
      );
      const { read, error } = await attempt(s);
      expect(error).to.equal(undefined);
      expect(read).to.include.members(base.filter((x) => !gone.includes(x)));
      expect(read.length).to.equal(new Set(read).size);
    });

    it('many pages lost in a row (each retry moved the scroll on) leave one wide gap, read in the next pass', async () => {
      const s = new ScriptedScroll(() => ids(100), (pass, n) => (pass === 1 && n === 3 ? { lost: 7 } : undefined));
      const { read, error } = await attempt(s);
      expect(error).to.equal(undefined);
      expect(sorted(read)).to.deep.equal(sorted(ids(100)));
      expect(s.pass).to.equal(2);
    });
  });

  it('gives up, with exit 2, when passes find nothing missed for stallMs of the clock, never by a count', async () => {
    // Every continuation is lost: each pass reads its first page and nothing after it that it can place.
    const s = new ScriptedScroll(() => ids(30), (_pass, _n) => 'lost');
    const { error } = await attempt(s, { ...OPTS, stallMs: 60_000 }, () => s.clock.advance(1_000));
    expect(error).to.be.an('error');
    expect((error as Error).message).to.match(/passes of the companies scroll over \d+ min found no company they had missed/);
    expect(exitCodeFor(error)).to.equal(2);
  });

  it('random losses and restarts, in 300 scripted scrolls: every company exactly once, in a bounded number of passes', async () => {
    for (let trial = 0; trial < Number(process.env.TRIALS ?? 300); trial++) {
      const rng = createRng(20261207 + trial);
      const count = Math.floor(rng.next() * 400);
      const size = 1 + Math.floor(rng.next() * 9);
      const lossRate = rng.next() * 0.3;
      // A scroll Intercom ends costs a pass up to where it ended: at most about one per pass, or no pass gets far.
      const restartRate = (rng.next() * 1.5) / (count / size + 1);
      const s = new ScriptedScroll(
        () => ids(count),
        () => (rng.chance(lossRate) ? 'lost' : rng.chance(restartRate) ? 'restart' : undefined),
        size,
      );
      if (process.env.TRIAL && Number(process.env.TRIAL) !== trial) continue;
      const read = await readAll(s);
      expect(read, `trial ${trial}: ${count} companies, pages of ${size}, ${(lossRate * 100).toFixed(1)}% lost`).to.have.length(count);
      expect(sorted(read), `trial ${trial}`).to.deep.equal(sorted(ids(count)));
      expect(s.pass, `trial ${trial}: passes`).to.be.below(60);
    }
  });
});

describe('the companies scroll at 100,000 companies, answers lost after the scroll moved on (simulator)', function () {
  this.timeout(600_000);
  const TOKEN = 'scroll-token-0123456789abcdef';
  const ws = generateWorkspace({ seed: 100, users: 10, leads: 2, companies: 100_000, conversations: 0 });
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  for (const rate of [0.0005, 0.005]) {
    it(`${rate * 100}% of continuations lost: every company once, in two passes at most`, async () => {
      const rng = createRng(Math.round(rate * 1e6));
      const clock = new ManualClock();
      let lost = 0;
      sim = await startSimulator({
        workspace: ws,
        token: TOKEN,
        now: () => clock.now(),
        lose: ({ route, query }) => {
          if (route !== 'GET /companies/scroll' || !query.get('scroll_param') || !rng.chance(rate)) return undefined;
          lost++;
          return lost % 2 ? 'reset' : { status: 500, body: { type: 'error.list', errors: [{ code: 'server_error', message: 'Internal server error' }] } };
        },
      });
      const client = new IntercomClient({ baseUrl: sim.url, token: TOKEN, apiVersion: '2.14', maxConcurrency: 4, backoffBaseMs: 5, backoffCapMs: 50, clock });
      const seen = new Set<string>();
      let twice = 0;
      const started = Date.now();
      const out = await captureOutput(async () => {
        for await (const item of scroll(client, '/companies/scroll', shape('data'), OPTS)) {
          if (seen.has(String(item.id))) twice++;
          seen.add(String(item.id));
        }
      });
      const requests = sim.stats.byRoute['GET /companies/scroll'];
      const onePass = ws.companies.length / 50 + 1;
      if (process.env.SCROLL_COSTS) console.log(`    ${rate * 100}%: ${lost} answers lost, ${requests} requests (${(requests / onePass).toFixed(2)} passes' worth), ${(out.stdout.match(/pass \d+/g) ?? []).length + 1} passes, ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(twice, 'companies written twice').to.equal(0);
      expect(seen.size).to.equal(ws.companies.length);
      expect(lost, 'answers were lost').to.be.above(0);
      // The second pass stops once past the last gap; each lost answer costs its retry.
      expect(requests, 'requests').to.be.at.most(2 * onePass + lost);
      expect(out.stdout).not.to.match(/pass 3/);
    });
  }
});
