import { systemClock, type Clock } from '../util/clock.js';

/**
 * Shares the API's rate limit among all concurrent requests of a run.
 *
 * The server counts requests per fixed window and tells, on every response (429s included), how many it
 * allows per window (X-RateLimit-Limit), how many are left (X-RateLimit-Remaining) and when the window
 * resets (X-RateLimit-Reset, UNIX seconds on the server's clock). The pacer lets a request through only
 * while it is sure the server still has room for it, holds it until the window resets otherwise, and caps
 * how many requests are in flight at once. Running just under the limit is faster than storming it: a 429
 * costs a round trip and a pause.
 *
 * Two rules keep the room the pacer believes in from ever exceeding what the server will grant:
 *
 * 1. Requests in flight are spent. A response's Remaining is the server's count when it processed that
 *    request; the requests still in flight may be counted after it. So the room is the smallest Remaining
 *    seen for the window minus every request sent and not yet answered (and minus the ones that never got an
 *    answer, which the server may have counted). Some of those in flight may have been counted already, or in
 *    the previous window: counting them again only wastes a little room until their answers come back, and
 *    the room is recomputed from the counts, so it comes back then. When the window ends by the local clock,
 *    the fresh window's room is again the limit minus the requests in flight, which may land in it.
 *
 * 2. Time comes from the server. X-RateLimit-Reset is on the server's clock, which may be minutes off the
 *    local one. The Date header (whole seconds) tells the server's time: every response proves the offset
 *    (server clock minus local clock) is at least Date - (local time of arrival), because the server wrote
 *    Date no later than the response arrived and no earlier than Date's second began. The pacer keeps the
 *    largest such bound seen lately: converted with it, a reset falls at or after the true one (late by about
 *    the network latency), never before it, so a request never lands in a window that has not yet begun.
 *    Without a Date header, the local clock is taken as the server's, except that a reset is never more than
 *    one window (windowMs) ahead. Without any rate-limit header, the pacer assumes Intercom's default limit.
 *
 * Part of each window's room (BURST, half) goes as soon as requests ask for it, the rest is spread evenly over
 * what is left of the window: a run that fits in the burst, as most daily incremental runs do, takes its critical
 * path rather than the window's length, and a longer one gets the window's whole room each window. Spreading all
 * of it evenly made such runs 1.3-1.4 times slower and long runs no faster (`npm run bench`, pacing). When another
 * client of the same app spends the room, Remaining falls and the spacing widens by itself; `share` keeps part of
 * every window for other clients. maxConcurrency bounds the requests in flight (memory, sockets).
 */
export interface PacerOptions {
  maxConcurrency: number;
  /** The part of the app's limit this run may use, (0, 1]: the rest of every window is left to other clients. */
  share?: number;
  /** Spread requests over the window (default); off, they go as soon as there is room (tests of the accounting). */
  spread?: boolean;
  /**
   * The part of each window's room, (0, 1], that goes as soon as requests ask for it; the rest is spread evenly over
   * what is left of the window. Default BURST.
   */
  burst?: number;
  /**
   * The local clock and its pauses (the client's clock: the system's, unless a test moves time itself). `now` and
   * `sleep` override its parts (tests of the accounting); a `sleep` of theirs cannot be cut short, only outrun.
   */
  clock?: Clock;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The longest rate-limit window the server uses, ms: how far ahead a reset can be when no Date header tells the server's clock. */
  windowMs?: number;
  /** The longest the pacer waits at once: a skewed or absurd header must not park the run for long. */
  maxWaitMs?: number;
  /**
   * The requests a window allows when answers carry no rate-limit headers (a proxy that strips them): Intercom's
   * documented default for a private app, 10,000 a minute, is 1,666 per 10 s. 0: no pacing without headers.
   */
  assumedLimit?: number;
}

/**
 * Half of each window's room goes as soon as requests ask for it, the other half is spread over what is left of
 * the window. A run that fits in half a window (a daily incremental run is mostly a few hundred requests; the limit
 * allows 1,666) takes its critical path rather than the window's length, and a longer one still gets the window's
 * whole room each window. The spread half leaves other clients of the app room later in the window, where a
 * burst of all of it would crowd them out (tests/e2e/pacer.test.ts, "yields to another client"). Measured in
 * `npm run bench` (pacing).
 */
export const BURST = 0.5;

/** Intercom's default private-app limit, 10,000 requests a minute, per 10-second window. */
export const DEFAULT_WINDOW_LIMIT = 1_666;

/** Lower bounds of the clock offset are kept for two epochs of this long, so that a clock stepped on either side is followed. */
const OFFSET_EPOCH_MS = 30_000;

export class Pacer {
  private readonly clock: Clock;
  readonly maxConcurrency: number;
  readonly share: number;
  private readonly spread: boolean;
  private readonly burst: number;
  /** Requests this window may still send without spacing (its burst), counted down from burst × the run's room. */
  private burstLeft = 0;
  private readonly now: () => number;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;
  private readonly windowMs: number;
  private readonly maxWaitMs: number;
  private readonly assumedLimit: number;
  /** Answers told no limit, so the pacer paces to assumedLimit by the local clock (until one does tell). */
  private assumed = false;

  /** Requests waiting for their turn, urgent ones first; one pump grants them. */
  private readonly urgent: Array<() => void> = [];
  private readonly waiting: Array<() => void> = [];
  private pumping = false;
  /** Requests let through and not yet released (at most maxConcurrency): the server may count each in the current window. */
  private sent = 0;
  /** observe() calls not yet matched by a release(): a release without one is a request that got no answer. */
  private answered = 0;
  /** Requests of this window released without an answer: the server may have counted them. */
  private lost = 0;

  /** The last X-RateLimit-Limit; undefined until a response has told it. */
  private limit: number | undefined;
  /** No request has finished yet: until one has, only one is sent, to learn the limit. */
  private probing = true;
  /** X-RateLimit-Reset (server seconds) of the window `remaining` belongs to. */
  private windowReset = -Infinity;
  /** The local clock passed windowReset: `remaining` belongs to the window after it, whose reset no response has told yet. */
  private windowAssumed = false;
  /** The smallest Remaining seen for the current window (responses overtake each other: the smallest is the newest). */
  private remaining = 0;
  /** When the current window ends, local ms (never earlier than the server's reset). */
  private resetLocalMs = -Infinity;
  private pausedUntilMs = 0;
  /** Spacing: the next request may go at this local ms. */
  private nextSendMs = 0;
  /** For the run's summary: the most requests in flight at once, and the answers' mean latency. */
  private peakInFlight = 0;
  private latencyTotalMs = 0;
  private latencyCount = 0;

  /** Lower bounds of (server clock - local clock), ms: the best of this epoch and of the one before. */
  private offsetEpochStart = -Infinity;
  private offsetBest = -Infinity;
  private offsetPrevBest = -Infinity;

  /** Wakes the requests waiting for room: something they wait on (a response, a release) has changed. */
  private readonly wakers = new Set<() => void>();
  private holding = 0;
  private holdingSince = 0;
  private waitedTotalMs = 0;

  constructor(opts: PacerOptions) {
    this.maxConcurrency = opts.maxConcurrency;
    this.share = Math.min(1, Math.max(0.01, opts.share ?? 1));
    this.spread = opts.spread ?? true;
    this.burst = Math.min(1, Math.max(0, opts.burst ?? BURST));
    this.clock = opts.clock ?? systemClock;
    // The wall clock: without a Date header, resets are compared with it directly.
    this.now = opts.now ?? (() => this.clock.now());
    this.sleep = opts.sleep;
    this.windowMs = opts.windowMs ?? 10_000;
    this.maxWaitMs = opts.maxWaitMs ?? 60_000;
    this.assumedLimit = opts.assumedLimit ?? DEFAULT_WINDOW_LIMIT;
  }

  /** The most requests that were in flight at once. */
  get maxInFlight(): number {
    return this.peakInFlight;
  }

  /** The mean time from sending a request to its release (its answer read), ms; 0 before any. */
  get meanLatencyMs(): number {
    return this.latencyCount === 0 ? 0 : this.latencyTotalMs / this.latencyCount;
  }

  /** Wall time during which at least one request was held back by the rate limit, for the run's summary. */
  get waitedMs(): number {
    return this.waitedTotalMs + (this.holding > 0 ? this.now() - this.holdingSince : 0);
  }

  /**
   * Resolves when a request may be sent. Call observe() with its response's headers, if any, and then the
   * returned function: until then the request counts as spent in the current window. An `urgent` request (a
   * list's next page, which feeds every detail request after it) goes before the others waiting.
   */
  async acquire(urgent = false): Promise<() => void> {
    await new Promise<void>((resolve) => {
      (urgent ? this.urgent : this.waiting).push(resolve);
      void this.pump();
    });
    let released = false;
    const sentAt = this.now();
    this.peakInFlight = Math.max(this.peakInFlight, this.sent);
    return () => {
      if (released) return;
      released = true;
      this.latencyTotalMs += this.now() - sentAt;
      this.latencyCount++;
      this.probing = false;
      this.sent--;
      if (this.answered > 0) this.answered--;
      else this.lost++;
      this.wake();
    };
  }

  /**
   * The run has stopped: every request still waiting is let go at once, so none is paced out after the end
   * (its caller has already given up and releases the grant unsent).
   */
  abandon(): void {
    for (const grant of [...this.urgent.splice(0), ...this.waiting.splice(0)]) {
      this.sent++;
      grant();
    }
    this.wake();
  }

  /**
   * Grants the waiting requests one at a time, in order (urgent ones first): only one waits on a timer, and a
   * grant takes its slot and its place in the window in the same tick, so two cannot overbook them.
   */
  private async pump(): Promise<void> {
    if (this.pumping) {
      // The one waiting looks again: time may have passed that no timer of its own has seen yet.
      this.wake();
      return;
    }
    this.pumping = true;
    try {
      while (this.urgent.length > 0 || this.waiting.length > 0) {
        if (!(await this.waitForTurn())) break; // abandoned meanwhile: nobody is waiting any more
        const grant = this.urgent.shift() ?? this.waiting.shift();
        if (grant) grant();
        else this.sent--; // abandoned between the turn and the grant: the place taken goes back
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Waits until a slot is free, the window has room and the spacing allows, then takes the slot and the place;
   * false, taking nothing, when nobody waits any more (abandon()).
   */
  private async waitForTurn(): Promise<boolean> {
    let holding = false;
    try {
      for (;;) {
        if (this.urgent.length === 0 && this.waiting.length === 0) return false;
        const now = this.now();
        let waitMs: number;
        const room = now < this.pausedUntilMs ? 0 : this.room(now);
        const limited = now < this.pausedUntilMs || room <= 0;
        if (now < this.pausedUntilMs) {
          waitMs = this.pausedUntilMs - now;
        } else if (room <= 0) {
          // No room: wait for the window to reset, or for a response or release to change the count.
          waitMs = this.limit === undefined ? this.maxWaitMs : this.resetLocalMs - now;
        } else if (this.sent >= this.maxConcurrency) {
          waitMs = this.maxWaitMs; // a release wakes it
        } else if (now < this.nextSendMs) {
          waitMs = this.nextSendMs - now;
        } else {
          this.sent++;
          if (this.burstLeft > 0) this.burstLeft--;
          else this.nextSendMs = now + this.spacing(now, room);
          return true;
        }
        // Only waits for the window count as waiting for the rate limit (spacing and slots are the pace itself).
        if (limited !== holding) {
          holding = limited;
          this.hold(limited);
        }
        await this.wait(waitMs);
      }
    } finally {
      if (holding) this.hold(false);
    }
  }

  /** The burst of a window that has just begun: the first burst × the run's room of it go unspaced. */
  private newWindow(): void {
    if (this.limit !== undefined) this.burstLeft = Math.floor(this.burst * Math.max(1, Math.floor(this.limit * this.share)));
  }

  /** How long after this request the next may go: the time left in the window shared evenly by the room left. */
  private spacing(now: number, room: number): number {
    if (!this.spread || this.limit === undefined || !Number.isFinite(room) || !Number.isFinite(this.resetLocalMs)) return 0;
    // A window no answer has told yet may be shorter than the longest one assumed: the long-run pace until one does.
    if (this.windowAssumed) return this.windowMs / Math.max(1, Math.floor(this.limit * this.share));
    return Math.max(0, this.resetLocalMs - now) / room;
  }

  /** How many more requests the server is sure to accept in the current window, less what is left to others. */
  private room(now: number): number {
    if (this.limit === undefined) {
      // Nothing known yet: one request finds out the limit, rather than a burst of maxConcurrency finding it the
      // hard way. When it has finished without telling (no headers, or no answer), the pacer does not pace.
      return !this.probing ? Infinity : this.sent === 0 ? 1 : 0;
    }
    if (now >= this.resetLocalMs) {
      // The window has ended (resetLocalMs is never early). Its successor's reset is not known until a response
      // tells it; until then assume the longest window.
      this.windowAssumed = true;
      this.remaining = this.limit;
      this.lost = 0;
      this.resetLocalMs = now + this.windowMs;
      this.newWindow();
    }
    // A share always leaves this run at least one request a window, or a small limit would hold it forever.
    const reserved = this.limit - Math.max(1, Math.floor(this.limit * this.share));
    return this.remaining - reserved - this.sent - this.lost;
  }

  private async wait(ms: number): Promise<void> {
    const capped = Math.max(1, Math.min(ms, this.maxWaitMs));
    await new Promise<void>((resolve) => {
      const woken = new AbortController();
      const done = () => {
        this.wakers.delete(done);
        woken.abort(); // the pause's timer goes with it
        resolve();
      };
      this.wakers.add(done);
      if (this.sleep) void this.sleep(capped).then(done, done);
      else this.clock.sleep(capped, woken.signal).then(done, () => undefined);
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  private hold(start: boolean): void {
    if (start && this.holding++ === 0) this.holdingSince = this.now();
    if (!start && --this.holding === 0) this.waitedTotalMs += this.now() - this.holdingSince;
  }

  get limitAssumed(): boolean {
    return this.assumed;
  }

  /** Learns the window's state from a response's headers (names lower-case). Call it before the request's release. */
  observe(headers: Record<string, unknown>): void {
    const now = this.now();
    this.probing = false;
    // Pairs with the release that follows; an observe with nothing in flight is not an answer to one of ours.
    if (this.answered < this.sent) this.answered++;
    const limit = num(headers['x-ratelimit-limit']);
    let remaining = num(headers['x-ratelimit-remaining']);
    const reset = num(headers['x-ratelimit-reset']);
    // A limit of 0 or less would hold every request forever: such headers say nothing usable.
    if (limit === undefined || limit <= 0 || remaining === undefined || reset === undefined) {
      if (this.limit === undefined && this.assumedLimit > 0) {
        // Unpaced, the run would find the limit through 429s; Intercom's default is the likeliest limit.
        // Windows then follow the local clock (room() starts the next when one ends), and any answer that
        // does tell replaces all of it (its reset is newer than none).
        this.assumed = true;
        this.limit = this.assumedLimit;
        this.windowAssumed = true;
        this.remaining = this.limit;
        this.resetLocalMs = now + this.windowMs;
        this.newWindow();
      }
      // Each answer is a request the server counted: the room left is what nobody tells, so it is counted here.
      if (this.assumed) this.remaining = Math.max(0, this.remaining - 1);
      this.wake();
      return;
    }
    this.assumed = false;
    remaining = Math.min(Math.max(remaining, 0), limit);
    const dateMs = httpDateMs(headers['date']);
    this.learnOffset(dateMs !== undefined ? dateMs - now : clampedOffset(reset, this.windowMs, now), now);
    this.limit = limit;
    if (reset > this.windowReset) {
      // A newer window: this response's count is the freshest news of it. Its burst starts, unless the window was
      // already running on the local clock (assumed), whose burst it is.
      if (!this.windowAssumed) this.newWindow();
      this.windowReset = reset;
      this.windowAssumed = false;
      this.remaining = remaining;
      this.lost = 0;
      this.resetLocalMs = this.toLocal(reset, now);
      // The spacing set while the window was unknown no longer holds: the next request spaces from what is known.
      this.nextSendMs = Math.min(this.nextSendMs, now);
    } else if (reset === this.windowReset && !this.windowAssumed) {
      this.remaining = Math.min(this.remaining, remaining);
      this.resetLocalMs = this.toLocal(reset, now); // the offset may have been narrowed
    } // else: an answer from a window already over.
    this.wake();
  }

  /**
   * After a 429: nobody sends until the window resets (resetUnixSeconds, on the server's clock, converted
   * like every reset), or for fallbackMs when it is unknown or already past. Returns the ms it will pause.
   */
  pauseUntil(resetUnixSeconds: number | undefined, fallbackMs: number): number {
    const now = this.now();
    // The assumed limit was too much for this window: nothing more goes until the next.
    if (this.assumed) this.remaining = 0;
    let until = resetUnixSeconds !== undefined && Number.isFinite(resetUnixSeconds) ? this.toLocal(resetUnixSeconds, now) : now;
    if (until <= now) until = now + fallbackMs;
    this.pausedUntilMs = Math.max(this.pausedUntilMs, Math.min(until, now + this.maxWaitMs));
    return Math.max(0, this.pausedUntilMs - now);
  }

  /** Server seconds to local ms, never earlier than the true moment; never more than maxWaitMs ahead. */
  private toLocal(serverSeconds: number, now: number): number {
    if (this.offset() === -Infinity) this.learnOffset(clampedOffset(serverSeconds, this.windowMs, now), now);
    return Math.min(serverSeconds * 1000 - this.offset(), now + this.maxWaitMs);
  }

  private learnOffset(lowerBound: number, now: number): void {
    if (now - this.offsetEpochStart >= OFFSET_EPOCH_MS) {
      this.offsetPrevBest = now - this.offsetEpochStart < 2 * OFFSET_EPOCH_MS ? this.offsetBest : -Infinity;
      this.offsetBest = -Infinity;
      this.offsetEpochStart = now;
    }
    this.offsetBest = Math.max(this.offsetBest, lowerBound);
  }

  private offset(): number {
    return Math.max(this.offsetBest, this.offsetPrevBest);
  }
}

/**
 * Without a Date header the server's clock is unknown: take it as the local one, except that a reset is never
 * more than one window ahead, so a reset further ahead proves the server's clock is at least that far ahead.
 */
function clampedOffset(resetSeconds: number, windowMs: number, now: number): number {
  return Math.max(0, resetSeconds * 1000 - windowMs - now);
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** An HTTP Date header ('Tue, 15 Nov 1994 08:12:31 GMT') as UNIX ms, or undefined. */
function httpDateMs(v: unknown): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (typeof s !== 'string') return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

export function jitter(maxMs: number): number {
  return Math.floor(Math.random() * maxMs);
}
