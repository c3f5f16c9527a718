/**
 * Shares Intercom's rate limit among all concurrent requests of a run.
 * Intercom counts requests per fixed 10-second window and tells, on every response, how many are left
 * (X-RateLimit-Remaining) and when the window resets (X-RateLimit-Reset, UNIX seconds). The pacer lets
 * requests through while the window has room for them, holds them until the reset when it has none, and
 * caps how many are in flight at once. Running just under the limit is faster than storming it: a 429
 * costs a round trip and, for some clients, a long penalty.
 */
export interface PacerOptions {
  maxConcurrency: number;
  now?: () => number; // ms, injectable for tests
  sleep?: (ms: number) => Promise<void>;
}

export class Pacer {
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];
  private limit: number | undefined;
  private remaining: number | undefined;
  private resetAtMs = 0;
  private pausedUntilMs = 0;
  readonly maxConcurrency: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Time spent waiting for the rate limit window, for the run's summary. */
  waitedMs = 0;

  constructor(opts: PacerOptions) {
    this.maxConcurrency = opts.maxConcurrency;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Resolves when a request may be sent; call the returned function when its response has arrived. */
  async acquire(): Promise<() => void> {
    if (this.inFlight >= this.maxConcurrency) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
    try {
      await this.claimRoom();
    } catch (e) {
      this.release();
      throw e;
    }
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.release();
      }
    };
  }

  private release(): void {
    this.inFlight--;
    this.waiters.shift()?.();
  }

  /** Waits until the window has room, then takes one place in it in the same tick, so waiters woken together cannot overbook it. */
  private async claimRoom(): Promise<void> {
    for (;;) {
      const now = this.now();
      if (now < this.pausedUntilMs) {
        await this.wait(this.pausedUntilMs - now);
        continue;
      }
      if (this.remaining !== undefined && now >= this.resetAtMs) this.remaining = this.limit; // a new window
      if (this.remaining === undefined) return;
      if (this.remaining > 0) {
        this.remaining--;
        return;
      }
      await this.wait(Math.max(this.resetAtMs - now, 50) + jitter(100));
    }
  }

  private async wait(ms: number): Promise<void> {
    const capped = Math.min(ms, 60_000); // a skewed clock must not park the run for long
    this.waitedMs += capped;
    await this.sleep(capped);
  }

  /** Learns the window's state from a response's headers. */
  observe(headers: Record<string, unknown>): void {
    const limit = num(headers['x-ratelimit-limit']);
    const remaining = num(headers['x-ratelimit-remaining']);
    const reset = num(headers['x-ratelimit-reset']);
    if (limit === undefined || remaining === undefined || reset === undefined) return;
    const resetAtMs = reset * 1000;
    this.limit = limit;
    if (resetAtMs > this.resetAtMs) {
      this.resetAtMs = resetAtMs;
      this.remaining = remaining;
    } else if (resetAtMs === this.resetAtMs) {
      // Responses overtake each other: the smallest count is the newest news for this window.
      this.remaining = Math.min(this.remaining ?? remaining, remaining);
    }
  }

  /** After a 429: nobody sends until the window resets. */
  pauseUntil(resetUnixSeconds: number | undefined, fallbackMs: number): number {
    const until = resetUnixSeconds !== undefined && resetUnixSeconds * 1000 > this.now()
      ? resetUnixSeconds * 1000 + jitter(250)
      : this.now() + fallbackMs;
    this.pausedUntilMs = Math.max(this.pausedUntilMs, until);
    this.remaining = 0;
    this.resetAtMs = Math.max(this.resetAtMs, until);
    return this.pausedUntilMs - this.now();
  }
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function jitter(maxMs: number): number {
  return Math.floor(Math.random() * maxMs);
}
