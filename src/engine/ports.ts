/**
 * What the engine needs of the requests side, and nothing more: the clock the requests keep (a test that moves time
 * moves the time budget too), a way to stop every request at once, and their counts for the summary. The HTTP client
 * (src/intercom/client.ts) is one; the engine never imports it.
 */
import type { Clock } from '../util/clock.js';

export interface RequestReport {
  requests: number;
  retries: number;
  rateLimited: number;
  /** Time spent waiting for the rate limit, and the requests' mean latency (ms). */
  waitedMs: number;
  meanLatencyMs: number;
  maxInFlight: number;
  /** Requests by route (`GET /contacts/:id`) and by the readers' cost groups. */
  byRoute: ReadonlyMap<string, number>;
  byCost: ReadonlyMap<string, number>;
}

export interface RequestControl {
  readonly clock: Clock;
  /** Fails every request in flight and every later one with `cause`: the first failure ends the run. */
  halt(cause: Error): void;
  report(): RequestReport;
}
