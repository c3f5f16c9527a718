import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { AppError, StoppedError, UserError } from '../errors.js';
import { infoOnce, log } from '../log.js';
import { BURST, jitter, Pacer } from './pacer.js';
import { systemClock, type Clock } from '../util/clock.js';
import { plural } from '../util/plural.js';
import type { ErrorList } from '../generated/intercom.js';

export interface ClientOptions {
  baseUrl: string;
  token: string;
  apiVersion: string;
  maxConcurrency: number;
  /** The part of the app's rate limit the run may use (0, 1]; default all of it. */
  rateLimitShare?: number;
  /** The part of each window's room sent as soon as asked (the pacer's burst; the benchmark compares). */
  burst?: number;
  /** A request's whole life, from sending to the last byte of the body: a body that trickles forever still ends. */
  timeoutMs?: number;
  /** How long a TCP (and TLS) connection may take to open. */
  connectTimeoutMs?: number;
  /**
   * A failing request (5xx, reset, timeout, empty, garbled or malformed body; 429s are waited out separately) is
   * retried until it has been failing this long. Bounded by time, not by count: on a flaky API one request among
   * millions will fail many times in a row, and that must not fail a run that is otherwise getting through.
   */
  retryWindowMs?: number;
  /** A count bound on top, where retrying the same request soon stops making sense (tests, testConnection). */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** How many 429s in a row before giving up: a run that never gets through is better failed than hung. */
  maxRateLimitWaits?: number;
  /** Aborting it stops the run: every pending and future request fails with StoppedError. */
  signal?: AbortSignal;
  /**
   * What to check when the host never answers (it cannot be resolved, refuses or drops the connection): the
   * configuration's host setting, or the network between here and the region's host (src/hosts.ts).
   */
  unreachable?: string;
  /**
   * Whose time the deadlines, the retry window, the backoff pauses and the pacer follow (and the run's time
   * budget, which reads it here): the system clock, unless a test moves time itself.
   */
  clock?: Clock;
}

/** An Intercom answer that is neither success nor something retrying could fix. */
export class HttpError extends AppError {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly route: string,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`Intercom answered ${status}${code ? ` ${code}` : ''} to ${route}: ${detail}`);
  }
}

/**
 * Intercom refused the token (401) or what it may read (403): the user's to fix. Its status, Intercom's code and
 * message are kept, so testConnection can tell a token Intercom does not know from a scope the app lacks.
 */
export class AccessError extends UserError {
  override name = 'AccessError';
  constructor(
    message: string,
    readonly status: 401 | 403,
    readonly route: string,
    readonly code: string | undefined,
    readonly detail: string,
  ) {
    super(message);
  }
}

/** Intercom kept failing a request that retrying might have fixed: callers may start over at a higher level. */
export class RetriesExhaustedError extends AppError {
  override name = 'RetriesExhaustedError';
}

export type Body = Record<string, unknown>;

export interface RequestOptions {
  /** What the request is counted under in the run's summary (a per-record detail reader's cost group). */
  cost?: string;
  /** Fewer retries where retrying the same request cannot help (a broken scroll must restart instead). */
  maxRetries?: number;
  /**
   * Says what is wrong with a 2xx body, or undefined when it has the shape the caller needs. A wrong shape is
   * retried like a garbled body, then reported: it is never read as "no data".
   */
  check?: (body: Body) => string | Persistent | undefined;
  /**
   * Goes ahead of the requests waiting for the pacer, as list pages do (requests without a cost): a later
   * page of a record's detail list, which holds up that record while new records' first requests could wait.
   */
  urgent?: boolean;
  /**
   * Told of each failure, before it is retried or given up; answering false gives the request up at once
   * (RetriesExhaustedError).
   * The companies scroll learns from it that an answer was lost, and gives up on Intercom's "restart the scroll".
   */
  onRetry?: (failure: string) => boolean | void;
}

/**
 * A problem that asking again will most likely repeat (a pagination going round in a circle): retried a few
 * times, not for the whole retry window.
 */
export class Persistent {
  constructor(
    readonly problem: string,
    readonly retries = 3,
  ) {}
}

export interface RequestStats {
  requests: number;
  retries: number;
  rateLimited: number;
  byRoute: Map<string, number>;
  byCost: Map<string, number>;
}

/** Network errors that mean the configured host is wrong or unreachable, not that Intercom is having a bad moment. */
const UNREACHABLE = /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ECONNTIMEOUT|EPROTO|CERT_|ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|ERR_SSL_)/;

/**
 * The one door to Intercom: auth, version header, pacing by the rate-limit headers, retries, deadlines.
 * Nothing else in the code makes an HTTP request, so nothing else can leak the token or storm the API.
 */
export class IntercomClient {
  readonly pacer: Pacer;
  readonly clock: Clock;
  readonly stats: RequestStats = { requests: 0, retries: 0, rateLimited: 0, byRoute: new Map(), byCost: new Map() };
  private readonly http: AxiosInstance;
  private readonly origin: string;
  private readonly opts: Required<Omit<ClientOptions, 'signal' | 'clock' | 'unreachable'>> & Pick<ClientOptions, 'unreachable'>;
  /** The run's stop signal, joined with our own halt(). */
  private readonly signal: AbortSignal;
  private readonly halter = new AbortController();
  /** Whether the host has ever answered: until it has, a connection failure is the configuration's fault. */
  private answered = false;

  constructor(options: ClientOptions) {
    const { clock = systemClock, signal, ...rest } = options;
    this.clock = clock;
    this.opts = {
      rateLimitShare: 1,
      burst: BURST,
      timeoutMs: 60_000,
      connectTimeoutMs: 15_000,
      retryWindowMs: 10 * 60_000,
      maxRetries: Infinity,
      backoffBaseMs: 1_000,
      // Short enough that a request retried for the whole window gets about sixty tries.
      backoffCapMs: 10_000,
      maxRateLimitWaits: 50,
      ...rest,
    };
    this.origin = new URL(this.opts.baseUrl).origin;
    this.signal = signal ? AbortSignal.any([signal, this.halter.signal]) : this.halter.signal;
    // Every request in flight listens to the stop signal; dozens at once is by design, not a leak.
    setMaxListeners(0, this.signal);
    this.pacer = new Pacer({ maxConcurrency: this.opts.maxConcurrency, share: this.opts.rateLimitShare, burst: this.opts.burst, clock });
    // A stopped or failed run exits now, not after the requests still queued have been paced out.
    this.signal.addEventListener('abort', () => this.pacer.abandon(), { once: true });
    const agentOpts = { keepAlive: true, maxSockets: this.opts.maxConcurrency };
    this.http = axios.create({
      baseURL: this.opts.baseUrl,
      headers: {
        Authorization: `Bearer ${this.opts.token}`,
        'Intercom-Version': this.opts.apiVersion,
        Accept: 'application/json',
        'User-Agent': 'keboola-intercom-extractor',
      },
      // We parse ourselves: an empty or cut-off 200 must be retried, not passed on as "no data".
      responseType: 'text',
      transformResponse: (d) => d,
      validateStatus: () => true,
      httpAgent: withConnectTimeout(new http.Agent(agentOpts), this.opts.connectTimeoutMs, clock),
      httpsAgent: withConnectTimeout(new https.Agent(agentOpts), this.opts.connectTimeoutMs, clock),
      maxRedirects: 0,
    });
  }

  get<T = Body>(pathOrUrl: string, query?: Record<string, string | number | boolean | undefined>, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', pathOrUrl, query, undefined, opts);
  }

  post<T = Body>(path: string, body: unknown, opts?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, undefined, body, opts);
  }

  /** The counts of the requests so far, and the pacer's (the run's summary and progress lines). */
  report(): { requests: number; retries: number; rateLimited: number; waitedMs: number; meanLatencyMs: number; maxInFlight: number; byRoute: ReadonlyMap<string, number>; byCost: ReadonlyMap<string, number> } {
    const { waitedMs, meanLatencyMs, maxInFlight } = this.pacer;
    return { ...this.stats, waitedMs, meanLatencyMs, maxInFlight };
  }

  /**
   * Fails every request in flight or to come with `reason`: once one part of the run has failed, the others
   * must not go on retrying for minutes before the failure is reported.
   */
  halt(reason: Error): void {
    if (!this.halter.signal.aborted) this.halter.abort(reason);
  }

  /** A pause that ends early, with StoppedError, when the run is stopped. */
  async sleep(ms: number): Promise<void> {
    this.throwIfStopped();
    try {
      await this.clock.sleep(ms, this.signal);
    } catch (e) {
      if (this.signal.aborted) throw this.stopped();
      throw e;
    }
  }

  async request<T>(method: 'GET' | 'POST', pathOrUrl: string, query?: Record<string, unknown>, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    let maxRetries = opts.maxRetries ?? this.opts.maxRetries;
    const url = this.relative(pathOrUrl);
    const route = `${method} ${routeOf(url)}`;
    let failures = 0;
    let firstFailureAt = 0;
    let rateLimitWaits = 0;
    for (;;) {
      this.throwIfStopped();
      // A list's pages (no per-record cost) feed every detail request after them: they go first.
      const release = await this.untilStopped(this.pacer.acquire(opts.cost === undefined || opts.urgent === true));
      let res: AxiosResponse<string> | undefined;
      let failure: string | undefined;
      let networkCode: string | undefined;
      const deadline = new AbortController();
      const cancelDeadline = this.clock.deadline(this.opts.timeoutMs, () => deadline.abort());
      const onStop = () => deadline.abort();
      this.signal?.addEventListener('abort', onStop, { once: true });
      try {
        this.count(route, opts.cost);
        res = await this.http.request<string>({ method, url, params: clean(query), data: body, signal: deadline.signal });
        // Headers first, then the slot back: the pacer must count this request until its answer is known.
        this.pacer.observe(res.headers as Record<string, unknown>);
        if (this.pacer.limitAssumed) infoOnce('assumed-limit', `Intercom's answers carry no X-RateLimit headers: requests are paced to its default limit of 10,000 a minute${this.pacer.share < 1 ? `, of which this run takes ${Math.round(this.pacer.share * 100)}% (parameters.rate_limit_share)` : ''}.`);
      } catch (e) {
        this.throwIfStopped();
        const timedOut = deadline.signal.aborted && axios.isCancel(e);
        networkCode = timedOut ? 'ETIMEDOUT' : (e as { code?: string }).code;
        failure = timedOut ? `no complete answer within ${(this.opts.timeoutMs / 1000).toFixed(1)} s` : describeNetworkError(e);
      } finally {
        cancelDeadline();
        this.signal?.removeEventListener('abort', onStop);
        release();
      }

      if (res) {
        this.answered = true;
        const status = res.status;
        if (status === 429) {
          this.stats.rateLimited++;
          if (++rateLimitWaits > this.opts.maxRateLimitWaits) {
            throw new AppError(rateLimitWaits === 1 ? `Intercom answered 429 Too Many Requests to ${route}: another client may be using this app's whole rate limit; try again later.` : `Intercom kept answering 429 Too Many Requests to ${route} (${plural(rateLimitWaits, 'time')} in a row): another client may be using this app's whole rate limit.`);
          }
          const reset = Number(res.headers['x-ratelimit-reset']);
          const waited = this.pacer.pauseUntil(Number.isFinite(reset) ? reset : undefined, this.backoff(rateLimitWaits));
          log.info(`Rate limited on ${route}: waiting ${(waited / 1000).toFixed(1)} s for the window to reset.`);
          continue;
        }
        if (status >= 200 && status < 300) {
          const parsed = parseBody(res.data);
          const wrong = parsed === undefined ? `${status} with an empty or malformed JSON body` : wrongShape(parsed, opts.check);
          if (wrong === undefined) return parsed as T;
          if (wrong instanceof Persistent) maxRetries = Math.min(maxRetries, wrong.retries);
          failure = wrong instanceof Persistent ? wrong.problem : wrong;
          failure = failure.startsWith(String(status)) ? failure : `${status} ${failure}`;
        } else if (status >= 500 || status === 408) {
          failure = `${status} ${errorSummary(res.data)}`;
        } else {
          throw this.clientError(status, route, res.data);
        }
      } else if (!this.answered && networkCode && UNREACHABLE.test(networkCode) && failures >= 1) {
        throw new UserError(`Cannot reach Intercom at ${this.opts.baseUrl} (${failure}): ${this.opts.unreachable ?? 'check parameters.api_base_url, or parameters.region when no api_base_url is set.'}`);
      }

      failures++;
      const now = this.clock.now();
      if (failures === 1) firstFailureAt = now;
      const refused = opts.onRetry?.(failure!) === false;
      if (refused || failures > maxRetries || (failures > 1 && now - firstFailureAt >= this.opts.retryWindowMs)) {
        const span = ((now - firstFailureAt) / 1000).toFixed(0);
        throw new RetriesExhaustedError(`Intercom request ${route} failed ${plural(failures, 'time')} over ${span} s (last: ${failure}); giving up. Run again later; if it persists, check Intercom's status page.`);
      }
      this.stats.retries++;
      const delay = this.backoff(failures);
      log.info(`Retrying ${route} in ${(delay / 1000).toFixed(1)} s after: ${failure} (attempt ${failures + 1}).`);
      await this.sleep(delay);
    }
  }

  private throwIfStopped(): void {
    if (this.signal?.aborted) throw this.stopped();
  }

  /** The stop's reason (a StoppedError), or the failure that halted the run. */
  private stopped(): Error {
    const reason = this.signal.reason;
    return reason instanceof Error ? reason : new StoppedError('The run was stopped.');
  }

  private untilStopped<T>(p: Promise<T>): Promise<T> {
    const signal = this.signal;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.stopped());
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted && typeof v === 'function') (v as () => void)(); // a slot granted after the stop goes back
          resolve(v);
        },
        (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** Capped exponential backoff with full jitter, so retries from concurrent requests spread out. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.opts.backoffCapMs, this.opts.backoffBaseMs * 2 ** (attempt - 1));
    return Math.max(ceiling / 2, jitter(ceiling));
  }

  private count(route: string, cost: string | undefined): void {
    this.stats.requests++;
    this.stats.byRoute.set(route, (this.stats.byRoute.get(route) ?? 0) + 1);
    if (cost) this.stats.byCost.set(cost, (this.stats.byCost.get(cost) ?? 0) + 1);
  }

  /**
   * Next-page URLs come back absolute. Only their path and query are used, against our own base URL,
   * so the token never goes to a host the user did not configure.
   */
  private relative(pathOrUrl: string): string {
    if (!/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
    const u = new URL(pathOrUrl);
    if (u.origin !== this.origin) log.info(`Following a next-page link on ${u.host} through the configured host instead.`);
    const basePath = new URL(this.opts.baseUrl).pathname.replace(/\/+$/, '');
    const p = basePath && u.pathname.startsWith(basePath + '/') ? u.pathname.slice(basePath.length) : u.pathname;
    return p + u.search;
  }

  private clientError(status: number, route: string, data: string): Error {
    const parsed = parseBody(data) as ErrorList | undefined;
    const first = parsed?.errors?.[0];
    const code = first?.code;
    const message = first?.message ?? (data ? data.slice(0, 200) : 'no details');
    if (status === 401) {
      return new AccessError(`Intercom rejected the access token (401 ${code ?? 'unauthorized'}: ${message}): check parameters.#access_token, or re-authorize the configuration.`, 401, route, code, message);
    }
    if (status === 403) {
      return new AccessError(`Intercom refused ${route} (403 ${code ?? 'forbidden'}: ${message}): the workspace's plan or the token's permissions do not allow it; grant the scope or pick a template that does not need it.`, 403, route, code, message);
    }
    return new HttpError(status, route, code, message);
  }
}

/** A 2xx body is an object, not an error list, and has what the caller checks for. */
function wrongShape(body: unknown, check: RequestOptions['check']): string | Persistent | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return `with ${Array.isArray(body) ? 'a JSON array' : 'a JSON value'} where an object was expected`;
  const b = body as Body;
  if (b.type === 'error.list') return `with an error list (${errorSummary(JSON.stringify(b)) || 'no details'})`;
  return check?.(b);
}

/** Fails a connection that has not opened in time: a host that drops packets must not hold a request for the whole deadline. */
function withConnectTimeout<A extends http.Agent>(agent: A, ms: number, clock: Clock): A {
  const a = agent as unknown as { createConnection: (...args: unknown[]) => import('node:net').Socket };
  const create = a.createConnection.bind(agent);
  a.createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    const done = clock.deadline(ms, () => socket.destroy(Object.assign(new Error(`connection not opened within ${ms} ms`), { code: 'ECONNTIMEOUT' })), { unref: true });
    // A TLS socket is open once its handshake is done, not when TCP connects.
    socket.once('encrypted' in socket ? 'secureConnect' : 'connect', done);
    socket.once('close', done);
    return socket;
  };
  return agent;
}

/** Turns '/contacts/5ba682d2.../tags?x=1' into '/contacts/:id/tags' for stats and messages. */
export function routeOf(url: string): string {
  const p = url.split('?')[0];
  return p
    .split('/')
    .map((seg, i) => (i > 1 && /^[0-9a-f]{8,}$|^\d+$/i.test(seg) ? ':id' : seg))
    .join('/');
}

function parseBody(data: string | undefined): unknown {
  if (typeof data !== 'string' || data.trim() === '') return undefined;
  try {
    const v = JSON.parse(data);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

function errorSummary(data: string): string {
  const parsed = parseBody(data) as ErrorList | undefined;
  const first = parsed?.errors?.[0];
  return first ? `${first.code}: ${first.message ?? ''}` : '';
}

function describeNetworkError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  // Never the whole axios error: it carries the request headers, token included.
  return err.code ? `network error ${err.code}` : `network error (${String(err.message ?? e).slice(0, 100)})`;
}

function clean(query: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!query) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = String(v);
  return out;
}

