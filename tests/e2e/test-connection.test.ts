/**
 * testConnection asks what the run will ask, and says what the token cannot read: every endpoint a run of the
 * configuration may make (compared with the requests of a real run against the simulator), one line per table a
 * token without a scope cannot read, the region a token belongs to, what to check when the host cannot be reached,
 * and an answer within the 30 seconds the platform gives it.
 */
import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { deleteContact, deleteConversation, generateWorkspace, SCOPES, startSimulator, type Simulator, type SimulatorOptions, type Workspace } from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { ManualClock } from '../helpers/clock.js';
import { readConfig } from '../../src/keboola/config.js';
import { baseTemplate } from '../../src/engine/setup.js';
import { endpointsOf, type Endpoint } from '../../src/engine/endpoints.js';
import { readerOf } from '../../src/resources/index.js';
import { PROBE_INSTEAD } from '../../src/resources/access.js';
import { PROBE_LIMITS, TEST_BUDGET_MS, worstCaseMs } from '../../src/actions/test-connection.js';

const TOKEN = 'tc-full-token-0123456789';
const NO_TAGS = 'tc-no-tags-token-2468';
const NO_TAGS_EVENTS = 'tc-no-tags-events-1357';
const OTHER = 'tc-another-apps-token-9999';
const TOKENS = [TOKEN, NO_TAGS, NO_TAGS_EVENTS, OTHER];
const ALL_DETAILS = ['contact_subscriptions', 'company_notes', 'conversation_handling_events', 'side_conversations', 'contact_merge_history'];
const without = (...missing: string[]) => SCOPES.filter((s) => !missing.includes(s));

/** The endpoints of a configuration, as the action plans them. */
async function planOf(parameters: Record<string, unknown>): Promise<Endpoint[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'intercom-plan-'));
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config('https://api.intercom.io', TOKEN, parameters)));
  const cfg = await readConfig(dir, {});
  return endpointsOf(baseTemplate(cfg, Date.now()), cfg);
}

/** The simulator's route key of an endpoint, as a run asks it or (`probing`) as testConnection does. */
function keyOf(e: Endpoint, apiVersion: string, probing: boolean): string {
  const r = readerOf({ apiVersion }, e.reader);
  if (e.search) return `POST ${r.search!.path}`;
  const p = (probing ? (PROBE_INSTEAD[e.reader]?.path ?? r.path) : r.path).replace(/\{\w+\}/g, ':id');
  return `${r.paging === 'search' ? 'POST' : 'GET'} ${p}`;
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
const routes = (sim: Simulator) => sorted(Object.keys(sim.stats.byRoute));
const lines = (run: RunResult) => run.stderr.trimEnd().split('\n');

function expectNoToken(...runs: RunResult[]): void {
  for (const run of runs) for (const t of TOKENS) expect(run.stdout + run.stderr, 'no token in any output').not.to.include(t);
}

/** A URL nothing listens on: connections to it are refused. */
async function closedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('testConnection', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let sim: Simulator;

  before(async () => {
    ws = generateWorkspace({ seed: 41, users: 24, leads: 6, conversations: 6, tickets: 4 });
    sim = await startSimulator({ workspace: ws, token: TOKEN, scopes: { [NO_TAGS]: without('read_tags'), [NO_TAGS_EVENTS]: without('read_tags', 'read_events') } });
  });
  after(() => sim.close());

  const CONFIGS: Array<Record<string, unknown>> = [
    { template: 'basic' },
    { template: 'basic', custom_attribute_columns: true, skip_contact_details: ['notes', 'segments'] },
    { template: 'conversations' },
    { template: 'users_and_events', exclude_tables: ['users_companies'] },
    { template: 'workspace' },
    { template: 'workspace', api_version: '2.16', include_details: ALL_DETAILS, custom_attribute_columns: true },
  ];
  for (const parameters of CONFIGS) {
    it(`asks every endpoint a run of ${JSON.stringify(parameters)} asks, once, and answers success`, async () => {
      const version = String(parameters.api_version ?? '2.14');
      const plan = await planOf(parameters);
      sim.resetStats();
      const tc = await runExtractor(config(sim.url, TOKEN, parameters, 'testConnection'));
      expect(tc.code, tc.stderr).to.equal(0);
      expect(tc.stdout).to.equal('{"status":"success"}\n');
      expect(tc.stderr).to.equal('');
      expect(await tc.outFiles(), 'writes nothing').to.deep.equal([]);
      const asked = routes(sim);
      const perRoute = Object.fromEntries(asked.map((k) => [k, k === 'GET /me' ? 1 : plan.filter((e) => keyOf(e, version, true) === k).length]));
      expect(sim.stats.byRoute, 'one request per endpoint').to.deep.equal(perRoute);
      sim.resetStats();
      const run = await runExtractor(config(sim.url, TOKEN, parameters));
      expect(run.code, run.stderr).to.equal(0);
      const ran = routes(sim);
      // Every endpoint of the plan is asked (the workspace has a record for every per-record reader), and no other.
      expect(asked).to.deep.equal(sorted(['GET /me', ...plan.map((e) => keyOf(e, version, true))]));
      // The run asks nothing the plan lacks, and everything the plan says every run asks.
      expect(ran.filter((k) => !plan.some((e) => keyOf(e, version, false) === k)), 'asked by the run, not planned').to.deep.equal([]);
      expect(sorted(plan.filter((e) => !e.when).map((e) => keyOf(e, version, false))).filter((k) => !ran.includes(k)), 'planned for every run, not asked').to.deep.equal([]);
    });
  }

  it('plans what incremental runs ask besides: changes, the deleted list, censuses and record checks', async () => {
    for (const parameters of [{ template: 'basic', incremental: true }, { template: 'conversations', incremental: true, api_version: '2.16', deletes: 'flag' }]) {
      const version = String(parameters.api_version ?? '2.14');
      const plan = await planOf(parameters);
      const own = generateWorkspace({ seed: 42, users: 20, leads: 4, conversations: 8 });
      const s = await startSimulator({ workspace: own, token: TOKEN });
      try {
        const first = await runExtractor(config(s.url, TOKEN, parameters));
        expect(first.code, first.stderr).to.equal(0);
        deleteContact(own, own.contacts[3].id, own.now);
        deleteConversation(own, own.conversations[2].id, own.now);
        const second = await runExtractor(config(s.url, TOKEN, parameters), TEST_OVERRIDES, await first.state());
        expect(second.code, second.stderr).to.equal(0);
        const ran = routes(s);
        expect(ran.filter((k) => !plan.some((e) => keyOf(e, version, false) === k)), `${JSON.stringify(parameters)}: asked, not planned`).to.deep.equal([]);
        // The second run checked a record that left a list (basic: the deleted contact), or read the deleted list and
        // the changes (conversations on 2.16): what only an incremental run asks, and the plan has.
        const incrementalOnly = plan.filter((e) => e.when === 'incremental').map((e) => keyOf(e, version, false));
        expect(ran.filter((k) => incrementalOnly.includes(k)), JSON.stringify(parameters)).to.not.be.empty;
      } finally {
        await s.close();
      }
    }
  });

  it('names each table a token without one scope cannot read, with the scope, and exits 1', async () => {
    const tc = await runExtractor(config(sim.url, NO_TAGS, { template: 'basic' }, 'testConnection'));
    expect(tc.code).to.equal(1);
    expect(tc.stdout).to.equal('');
    expect(lines(tc)).to.deep.equal([
      "The token cannot read 3 of the 16 tables of template basic: add what each line below names to the app in Intercom's Developer Hub (Configure → Authentication), or leave those tables out (parameters.exclude_tables).",
      'users_tags: GET /contacts/{id}/tags answered 403 forbidden — add the scope "Read tags" in Intercom\'s Developer Hub (Intercom asks for read_tags).',
      'leads_tags: GET /contacts/{id}/tags answered 403 forbidden — add the scope "Read tags" in Intercom\'s Developer Hub (Intercom asks for read_tags).',
      'tags: GET /tags answered 403 forbidden — add the scope "Read tags" in Intercom\'s Developer Hub (Intercom asks for read_tags).',
    ]);
    // Before this check, the test passed and the run failed on the same request.
    const run = await runExtractor(config(sim.url, NO_TAGS, { template: 'basic' }));
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^Intercom refused GET \/tags \(403 forbidden/);
    expectNoToken(tc, run);
  });

  it('names the tables of each missing scope: two scopes, a line for each table', async () => {
    const tc = await runExtractor(config(sim.url, NO_TAGS_EVENTS, { template: 'users_and_events' }, 'testConnection'));
    expect(tc.code).to.equal(1);
    expect(lines(tc)).to.deep.equal([
      "The token cannot read 2 of the 6 tables of template users_and_events: add what each line below names to the app in Intercom's Developer Hub (Configure → Authentication), or leave those tables out (parameters.exclude_tables).",
      // GET /tags is read only for the ids of deleted tags (the run goes on without it): what users_tags cannot do
      // without the scope is completing a contact's tags past the 10 it shows.
      'users_tags: GET /contacts/{id}/tags answered 403 forbidden — add the scope "Read tags" in Intercom\'s Developer Hub (Intercom asks for read_tags).',
      'events: GET /events answered 403 forbidden — add the scope "Read events" in Intercom\'s Developer Hub (Intercom asks for read_events).',
    ]);
    // Leaving the tables out is the other remedy the answer offers.
    const fewer = await runExtractor(config(sim.url, NO_TAGS_EVENTS, { template: 'users_and_events', exclude_tables: ['users_tags', 'events'] }, 'testConnection'));
    expect(fewer.code, fewer.stderr).to.equal(0);
    expectNoToken(tc, fewer);
  });

  it('a token Intercom does not know: one line, exit 1', async () => {
    const tc = await runExtractor(config(sim.url, OTHER, {}, 'testConnection'));
    expect(tc.code).to.equal(1);
    expect(tc.stdout).to.equal('');
    expect(lines(tc)).to.deep.equal(['Intercom rejected the access token (401 unauthorized: Access Token Invalid): check parameters.#access_token, or re-authorize the configuration.']);
    expectNoToken(tc);
  });

  describe('regions', () => {
    const sims: Simulator[] = [];
    const start = async (o: Partial<SimulatorOptions>) => {
      const s = await startSimulator({ workspace: ws, token: OTHER, ...o });
      sims.push(s);
      return s.url;
    };
    afterEach(async () => Promise.all(sims.splice(0).map((s) => s.close())));
    const regional = (region: string) => ({ parameters: { '#access_token': TOKEN, region }, action: 'testConnection' });

    it('names the region whose host accepts a token the configured one does not know', async () => {
      // Intercom's GET /me names the region in words: "Europe", not "eu".
      const regions = { us: await start({ appRegion: 'US' }), eu: await start({ token: TOKEN, appRegion: 'Europe' }), au: await start({ appRegion: 'Australia' }) };
      const tc = await runExtractor(regional('us'), { ...TEST_OVERRIDES, regions });
      expect(tc.code).to.equal(1);
      expect(lines(tc)).to.deep.equal(['Intercom\'s host for parameters.region "us" (the US) does not know the token, and the host for Europe accepts it: the workspace is in Europe. Set parameters.region to "eu".']);
      const right = await runExtractor(regional('eu'), { ...TEST_OVERRIDES, regions });
      expect(right.code, right.stderr).to.equal(0);
      expectNoToken(tc, right);
    });

    it('says when GET /me names another region than the configured one', async () => {
      const regions = { us: await start({ token: TOKEN, appRegion: 'Australia' }), eu: await start({}), au: await start({}) };
      const tc = await runExtractor(regional('us'), { ...TEST_OVERRIDES, regions });
      expect(tc.code).to.equal(1);
      expect(lines(tc)).to.deep.equal(['Intercom says the workspace is in Australia, but parameters.region is "us" (the US): set parameters.region to "au".']);
    });

    it('a token no region knows: the one line of a refused token', async () => {
      const regions = { us: await start({}), eu: await start({}), au: await closedUrl() };
      const tc = await runExtractor(regional('eu'), { ...TEST_OVERRIDES, regions });
      expect(tc.code).to.equal(1);
      expect(lines(tc)).to.deep.equal(['Intercom rejected the access token (401 unauthorized: Access Token Invalid): check parameters.#access_token, or re-authorize the configuration.']);
    });

    it('an unreachable region host: the line names the network, a proxy or a firewall (testConnection and the run)', async () => {
      const regions = { us: await closedUrl(), eu: await start({}), au: await start({}) };
      for (const action of ['testConnection', 'run']) {
        const res = await runExtractor({ ...regional('us'), action }, { ...TEST_OVERRIDES, regions });
        expect(res.code, action).to.equal(1);
        expect(lines(res), action).to.have.length(1);
        expect(res.stderr, action).to.match(/^Cannot reach Intercom at http:\/\/127\.0\.0\.1:\d+ \(network error ECONNREFUSED\): it is the host of parameters\.region "us", so check the network where the component runs, and any proxy or firewall between it and Intercom\.\n$/);
        expectNoToken(res);
      }
    });
  });

  it('an unreachable api_base_url: the line names parameters.api_base_url', async () => {
    const url = await closedUrl();
    for (const action of ['testConnection', 'run']) {
      const res = await runExtractor(config(url, TOKEN, {}, action));
      expect(res.code, action).to.equal(1);
      expect(res.stderr, action).to.equal(`Cannot reach Intercom at ${url} (network error ECONNREFUSED): check parameters.api_base_url (without it, the host of parameters.region is used).\n`);
    }
  });

  it('a list the run reads only for the ids relation rows name (tags under conversations) may be refused: the run goes on without it, and so does the test', async () => {
    const tc = await runExtractor(config(sim.url, NO_TAGS, { template: 'conversations' }, 'testConnection'));
    expect(tc.stderr).to.equal('');
    expect(tc.code).to.equal(0);
    expect(JSON.parse(tc.stdout)).to.deep.equal({ status: 'success' });
    const run = await runExtractor(config(sim.url, NO_TAGS, { template: 'conversations' }));
    expect(run.code).to.equal(0);
    expect(run.table('conversations_tags').rows.length).to.be.above(0);
  });

  it('a list answering 404 fails the test as it fails the run (only a per-record reader may find its record gone)', async () => {
    const lost = await startSimulator({ workspace: ws, token: TOKEN, intercept: ({ route }) => (route === 'GET /help_center/help_centers' ? { status: 404, body: { type: 'error.list', errors: [{ code: 'not_found', message: 'Resource Not Found' }] } } : undefined) });
    try {
      const tc = await runExtractor(config(lost.url, TOKEN, { template: 'workspace' }, 'testConnection'));
      const run = await runExtractor(config(lost.url, TOKEN, { template: 'workspace' }));
      expect([tc.code, run.code]).to.deep.equal([2, 2]);
      expect(tc.stdout).to.equal('');
      expect(tc.stderr).to.include('404 not_found to GET /help_center/help_centers');
    } finally {
      await lost.close();
    }
  });

  it(`stops within ${TEST_BUDGET_MS / 1000} s of the requests' clock when the rate limit leaves it no room (another client of the app using it)`, async () => {
    // 8 requests a 10-second window: the workspace template's 30-odd probes would take 40 s of windows. The pacer's
    // waits pass at once on the test's clock, up to the test's own deadline, which the test then reaches.
    const clock = new ManualClock();
    const starved = await startSimulator({ workspace: ws, token: TOKEN, now: () => clock.now(), rateLimit: { limit: 8, windowSeconds: 10 } });
    try {
      const began = clock.now();
      let done = false;
      const action = runExtractor(config(starved.url, TOKEN, { template: 'workspace' }, 'testConnection'), { client: { clock } }).finally(() => (done = true));
      // Once no request is in flight, the only deadline left is the test's: move the clock to it.
      while (!done) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (!done && clock.deadlines.length === 1 && clock.now() + clock.deadlines[0] === began + TEST_BUDGET_MS) clock.advanceToDeadline();
      }
      const tc = await action;
      expect(tc.code).to.equal(2);
      expect(tc.stdout).to.equal('');
      expect(tc.stderr.trimEnd()).to.equal(`Intercom did not answer every request of the test within ${TEST_BUDGET_MS / 1000} s (another client of this Intercom app may be using most of its rate limit, or Intercom is slow): try again later.`);
      expect(clock.now() - began).to.equal(TEST_BUDGET_MS);
      expect(starved.stats.requests, 'some requests went, not all').to.be.within(8, 30);
    } finally {
      await starved.close();
    }
  });

  it(`answers within ${worstCaseMs() / 1000} s of the requests' clock when every per-record request trickles`, async () => {
    // Two rounds: GET /me and the lists answer at once; each per-record request trickles. Once all of them trickle,
    // the test moves the clock past their deadlines; each is tried again after a pause, and once all the second
    // tries trickle, past theirs. A third try, or a third round, would never be answered: the test would time out.
    const parameters = { template: 'workspace', api_version: '2.16', include_details: ALL_DETAILS };
    const perRecord = (await planOf(parameters)).filter((e) => e.parent).length;
    const clock = new ManualClock();
    let trickled = 0;
    const trickling = await startSimulator({
      workspace: ws,
      token: TOKEN,
      intercept: ({ route, query, body }) => {
        const ofRecord = route.includes(':id') || query.has('tag_id') || body?.query?.field === 'segment_id';
        if (!ofRecord) return undefined;
        if (++trickled % perRecord === 0) setImmediate(() => clock.advance(PROBE_LIMITS.timeoutMs));
        return 'trickle';
      },
    });
    try {
      const began = clock.now();
      const tc = await runExtractor(config(trickling.url, TOKEN, parameters, 'testConnection'), { client: { clock } });
      const took = clock.now() - began;
      expect(tc.code).to.equal(2);
      expect(trickled, 'two tries of each per-record request').to.equal(2 * perRecord);
      expect(lines(tc)).to.have.length(1);
      expect(tc.stderr).to.match(/^Intercom request GET \/[\w/:]+ failed 2 times over \d+ s \(last: no complete answer within 5\.0 s\); giving up\./);
      expect(took, 'two tries of 5 s and a pause of at most 1 s in the second round').to.be.within(10_000, 11_000);
      expect(worstCaseMs(), "both rounds at worst, well within the platform's 30 s").to.equal(22_000);
    } finally {
      await trickling.close();
    }
  });
});
