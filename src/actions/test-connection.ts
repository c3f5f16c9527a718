/**
 * testConnection (a sync action: Keboola shows its answer in the form). It asks every endpoint a run of this
 * configuration may ask (src/engine/endpoints.ts), with the smallest request each allows (src/resources/probe.ts),
 * and answers {"status":"success"} on stdout when the token can read them all. Otherwise exit 1 and, on stderr, one
 * line saying how many tables cannot be read, then one line per table naming the refused request and the scope to
 * add in Intercom's Developer Hub (src/resources/access.ts). A token Intercom does not know is one line; one it
 * knows on another region's host says which region. The network or Intercom failing: exit 2, the client's line.
 *
 * Time: the platform gives a sync action 30 seconds. The requests go in two rounds, each at once (up to
 * PROBES_AT_ONCE): GET /me with every list, then each per-record reader with the first record of its list. A request
 * is tried twice at most, each try cut at PROBE_LIMITS.timeoutMs, with a pause of at most backoffCapMs between: a
 * round takes 2 × 5 + 1 = 11 s at worst once its requests are sent, 22 s both (worstCaseMs); waiting to send (the
 * pacer, when the rate limit has little room) is not in that, so the whole test stops at TEST_BUDGET_MS. A refused token's second round asks the
 * other regions' GET /me instead.
 */
import { AppError, UserError } from '../errors.js';
import { log, setQuiet } from '../log.js';
import { REGIONS, type RunConfig } from '../keboola/config.js';
import { AccessError, type ClientOptions, type IntercomClient } from '../intercom/client.js';
import { baseTemplate } from '../engine/setup.js';
import { endpointsOf, type Endpoint } from '../engine/endpoints.js';
import { SCROLL_DEFAULTS, vanished, type Json, type ReaderContext } from '../resources/index.js';
import { probe, probeRequest } from '../resources/probe.js';
import { hostOf, regionNamed, REGION_NAMES, type Hosts } from '../hosts.js';
import type { Region } from '../generated/config.js';
import type { Me } from '../generated/intercom.js';
import { refusalLines, type Refusal } from './refusals.js';
import { answerBudget } from './budget.js';
import { systemClock, type Clock } from '../util/clock.js';

/** What the action needs of the component: clients, and where the regions are. */
export interface Connect {
  /** A client with these settings (the component's overrides on top), for `baseUrl` or else the configuration's host. */
  client(settings: Partial<ClientOptions>, baseUrl?: string): IntercomClient;
  /** The regions' hosts (tests stand in their own). */
  hosts: Hosts;
  /** The process's stop (SIGTERM): the test stops with it. */
  signal?: AbortSignal;
  /** Whose time the whole answer's bound follows (the clients': a test moves both). */
  clock?: Clock;
}

/** Each request at most twice, each try cut after 5 s, at most 1 s between; a 429 is not waited out (its window is 10 s). */
export const PROBE_LIMITS = { timeoutMs: 5_000, maxRetries: 1, backoffCapMs: 1_000, maxRateLimitWaits: 0 } satisfies Partial<ClientOptions>;
/**
 * Requests in flight at once: each round in one go, the largest too (the workspace template on API 2.16 with every
 * detail included, custom attribute columns and incremental runs: 35 requests, then 19).
 */
export const PROBES_AT_ONCE = 48;
/** The longest testConnection can take, as its limits allow: two rounds of two tries and a pause. */
export const worstCaseMs = (limits: typeof PROBE_LIMITS = PROBE_LIMITS) => 2 * ((limits.maxRetries + 1) * limits.timeoutMs + limits.maxRetries * limits.backoffCapMs);
/**
 * The whole answer's bound. The limits above bound each request once sent, not the time a request waits to be sent:
 * the pacer holds requests while the app's rate-limit window has little room left (another client of the app using
 * it) and sends the first alone to learn the limit. So the test as a whole stops here, within the platform's 30 s.
 */
export const TEST_BUDGET_MS = 25_000;

export async function testConnection(cfg: RunConfig, connect: Connect): Promise<0 | 1> {
  const wasQuiet = setQuiet(true);
  try {
    return await check(cfg, connect);
  } finally {
    setQuiet(wasQuiet); // a later run in the same process (tests) speaks again
  }
}

interface Outcome {
  endpoint: Endpoint;
  route: string;
  record?: Json;
  refused?: AccessError;
  failed?: unknown;
}

async function check(cfg: RunConfig, connect: Connect): Promise<0 | 1> {
  const over = () => new AppError(`Intercom did not answer every request of the test within ${TEST_BUDGET_MS / 1000} s (another client of this Intercom app may be using most of its rate limit, or Intercom is slow): try again later.`);
  const { signal, cancel } = answerBudget(connect.clock ?? systemClock, TEST_BUDGET_MS, over, connect.signal);
  // A few dozen requests: they go at once, without keeping part of the rate limit for other clients (rate_limit_share).
  const client = connect.client({ ...PROBE_LIMITS, signal, maxConcurrency: PROBES_AT_ONCE, rateLimitShare: 1 });
  try {
    return await probeConfiguration(cfg, { ...connect, signal }, client);
  } finally {
    cancel();
  }
}

async function probeConfiguration(cfg: RunConfig, connect: Connect, client: IntercomClient): Promise<0 | 1> {
  const api: ReaderContext = { client, apiVersion: cfg.apiVersion, scroll: SCROLL_DEFAULTS, windowDays: { activity_logs_days: cfg.activityLogsDays } };
  const template = baseTemplate(cfg, client.clock.now());
  const endpoints = endpointsOf(template, cfg);
  const [me, lists] = await Promise.all([settle(client.get<Me>('/me')), probeAll(api, endpoints.filter((e) => !e.parent), () => undefined)]);
  if ('failed' in me) throw await withRegion(me.failed, cfg, connect);
  if (!me.value || typeof me.value !== 'object' || !('id' in me.value)) throw new AppError('Intercom answered /me without an admin: the API may have changed.');
  checkRegion(me.value, cfg);
  const first = new Map(lists.filter((o) => !o.endpoint.search && !o.refused && !o.failed).map((o) => [o.endpoint.reader, o.record]));
  // A per-record reader is asked with its list's first record; with none (an empty list), a run asks it nothing either.
  const details = await probeAll(api, endpoints.filter((e) => e.parent && first.get(e.parent) !== undefined), (e) => first.get(e.parent!));
  const outcomes = [...lists, ...details];
  const failed = outcomes.find((o) => o.failed !== undefined && !o.endpoint.optional);
  if (failed) throw failed.failed;
  // A list read only for the ids relation rows name: the run goes on without it (with a warning), so the test does too.
  const refusals: Refusal[] = outcomes.filter((o) => o.refused && !o.endpoint.optional).map((o) => ({ reader: o.endpoint.reader, tables: o.endpoint.tables, route: o.route, error: o.refused! }));
  if (refusals.length > 0) {
    log.errorLines(refusalLines(template, cfg.template, refusals));
    return 1;
  }
  process.stdout.write(JSON.stringify({ status: 'success' }) + '\n');
  return 0;
}

async function probeAll(api: ReaderContext, endpoints: Endpoint[], parentOf: (e: Endpoint) => Json | undefined): Promise<Outcome[]> {
  return inPool(endpoints, PROBES_AT_ONCE, async (endpoint) => {
    const req = probeRequest(api, endpoint.reader, endpoint.search === true, parentOf(endpoint));
    try {
      return { endpoint, route: req.route, record: await probe(api, req) };
    } catch (e) {
      if (e instanceof AccessError) return { endpoint, route: req.route, refused: e };
      // The record is gone (deleted since it was listed, or a lead asked for a user's merge history): the reader answered,
      // where the run takes a 404 so too (on_404 vanished). A list answering 404 fails the run, so it fails the test.
      if (vanished(endpoint.reader, e)) return { endpoint, route: req.route };
      return { endpoint, route: req.route, failed: e };
    }
  });
}

/** `fn` over `items`, at most `limit` at once, the results in the items' order. */
async function inPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function settle<T>(p: Promise<T>): Promise<{ value: T } | { failed: unknown }> {
  return p.then(
    (value) => ({ value }),
    (failed: unknown) => ({ failed }),
  );
}

/**
 * A token the region's host refuses may belong to a workspace in another region: each other region's GET /me is
 * asked, and one that accepts it names the region to set. Only where no api_base_url names the host.
 */
async function withRegion(failure: unknown, cfg: RunConfig, connect: Connect): Promise<unknown> {
  if (!(failure instanceof AccessError) || failure.status !== 401 || !hostOf(cfg, connect.hosts).regional) return failure;
  const others = (Object.keys(REGIONS) as Region[]).filter((r) => r !== cfg.region);
  const accepted = await Promise.all(
    others.map(async (r) => {
      try {
        const me = await connect.client({ ...PROBE_LIMITS, signal: connect.signal }, connect.hosts[r]).get<Me>('/me');
        return regionNamed(me.app?.region) ?? r;
      } catch {
        return undefined; // refused there too, or not reachable: it tells nothing
      }
    }),
  );
  const region = accepted.find((r) => r !== undefined);
  if (!region) return failure;
  return new UserError(`Intercom's host for parameters.region "${cfg.region}" (${REGION_NAMES[cfg.region]}) does not know the token, and the host for ${REGION_NAMES[region]} accepts it: the workspace is in ${REGION_NAMES[region]}. Set parameters.region to "${region}".`);
}

/** GET /me names the workspace's region: one other than the configured region's is the configuration's mistake. */
function checkRegion(me: Me, cfg: RunConfig): void {
  const named = regionNamed(me.app?.region);
  if (named === undefined || named === cfg.region || cfg.baseUrl !== REGIONS[cfg.region]) return;
  throw new UserError(`Intercom says the workspace is in ${String(me.app?.region)}, but parameters.region is "${cfg.region}" (${REGION_NAMES[cfg.region]}): set parameters.region to "${named}".`);
}
