import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { AppError, UserError } from '../errors.js';
import { log } from '../log.js';
import { jitter, Pacer } from './pacer.js';
import type { ErrorList } from '../generated/intercom.js';

export interface ClientOptions {
  baseUrl: string;
  token: string;
  apiVersion: string;
  maxConcurrency: number;
  timeoutMs?: number;
  /** Retries of 5xx, resets, timeouts and empty bodies (429s are waited out separately). */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** How many 429s in a row before giving up: a run that never gets through is better failed than hung. */
  maxRateLimitWaits?: number;
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

/** Intercom kept failing a request that retrying might have fixed: callers may start over at a higher level. */
export class RetriesExhaustedError extends AppError {
  override name = 'RetriesExhaustedError';
}

export interface RequestOptions {
  /** Fewer retries where retrying the same request cannot help (a broken scroll must restart instead). */
  maxRetries?: number;
}

export interface RequestStats {
  requests: number;
  retries: number;
  rateLimited: number;
  byRoute: Map<string, number>;
}

/**
 * The one door to Intercom: auth, version header, pacing by the rate-limit headers, retries.
 * Nothing else in the code makes an HTTP request, so nothing else can leak the token or storm the API.
 */
export class IntercomClient {
  readonly pacer: Pacer;
  readonly stats: RequestStats = { requests: 0, retries: 0, rateLimited: 0, byRoute: new Map() };
  private readonly http: AxiosInstance;
  private readonly origin: string;
  private readonly opts: Required<ClientOptions>;

  constructor(options: ClientOptions) {
    this.opts = {
      timeoutMs: 60_000,
      maxRetries: 8,
      backoffBaseMs: 1_000,
      backoffCapMs: 60_000,
      maxRateLimitWaits: 50,
      ...options,
    };
    this.origin = new URL(this.opts.baseUrl).origin;
    this.pacer = new Pacer({ maxConcurrency: this.opts.maxConcurrency });
    const agentOpts = { keepAlive: true, maxSockets: this.opts.maxConcurrency };
    this.http = axios.create({
      baseURL: this.opts.baseUrl,
      timeout: this.opts.timeoutMs,
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
      httpAgent: new http.Agent(agentOpts),
      httpsAgent: new https.Agent(agentOpts),
      maxRedirects: 0,
    });
  }

  get<T>(pathOrUrl: string, query?: Record<string, string | number | boolean | undefined>, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', pathOrUrl, query, undefined, opts);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, undefined, body);
  }

  async request<T>(method: 'GET' | 'POST', pathOrUrl: string, query?: Record<string, unknown>, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const maxRetries = opts.maxRetries ?? this.opts.maxRetries;
    const url = this.relative(pathOrUrl);
    const route = `${method} ${routeOf(url)}`;
    let failures = 0;
    let rateLimitWaits = 0;
    for (;;) {
      const release = await this.pacer.acquire();
      let res: AxiosResponse<string> | undefined;
      let failure: string | undefined;
      try {
        this.count(route);
        res = await this.http.request<string>({ method, url, params: clean(query), data: body });
      } catch (e) {
        failure = describeNetworkError(e);
      } finally {
        release();
      }

      if (res) {
        this.pacer.observe(res.headers as Record<string, unknown>);
        const status = res.status;
        if (status === 429) {
          this.stats.rateLimited++;
          if (++rateLimitWaits > this.opts.maxRateLimitWaits) {
            throw new AppError(`Intercom kept answering 429 Too Many Requests to ${route} (${rateLimitWaits} times in a row): another client may be using this app's whole rate limit.`);
          }
          const reset = Number(res.headers['x-ratelimit-reset']);
          const waited = this.pacer.pauseUntil(Number.isFinite(reset) ? reset : undefined, this.backoff(rateLimitWaits));
          log.info(`Rate limited on ${route}: waiting ${(waited / 1000).toFixed(1)} s for the window to reset.`);
          continue;
        }
        if (status >= 200 && status < 300) {
          const parsed = parseBody(res.data);
          if (parsed !== undefined) return parsed as T;
          failure = `${status} with an empty or malformed JSON body`;
        } else if (status >= 500 || status === 408) {
          failure = `${status} ${errorSummary(res.data)}`;
        } else {
          throw this.clientError(status, route, res.data);
        }
      }

      failures++;
      if (failures > maxRetries) {
        throw new RetriesExhaustedError(`Intercom request ${route} failed ${failures} times (last: ${failure}); giving up. Run again later; if it persists, check Intercom's status page.`);
      }
      this.stats.retries++;
      const delay = this.backoff(failures);
      log.info(`Retrying ${route} in ${(delay / 1000).toFixed(1)} s after: ${failure} (attempt ${failures + 1} of ${maxRetries + 1}).`);
      await sleep(delay);
    }
  }

  /** Capped exponential backoff with full jitter, so retries from concurrent requests spread out. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.opts.backoffCapMs, this.opts.backoffBaseMs * 2 ** (attempt - 1));
    return Math.max(ceiling / 2, jitter(ceiling));
  }

  private count(route: string): void {
    this.stats.requests++;
    this.stats.byRoute.set(route, (this.stats.byRoute.get(route) ?? 0) + 1);
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
      return new UserError(`Intercom rejected the access token (401 ${code ?? 'unauthorized'}: ${message}): check parameters.#access_token, or re-authorize the configuration.`);
    }
    if (status === 403) {
      return new UserError(`Intercom refused ${route} (403 ${code ?? 'forbidden'}: ${message}): the workspace's plan or the token's permissions do not allow it; grant the scope or pick a template that does not need it.`);
    }
    return new HttpError(status, route, code, message);
  }
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

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
