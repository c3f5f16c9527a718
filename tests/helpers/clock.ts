import type { Clock } from '../../src/util/clock.js';
import type { Overrides } from '../../src/component.js';
import type { SimulatorOptions } from '../simulator/index.js';
import { TEST_OVERRIDES } from './run.js';

interface Timer {
  /** When it was set, and when it falls due. */
  from: number;
  at: number;
  seq: number;
  kind: 'deadline' | 'pause';
  fire: () => void;
}

/**
 * A clock that moves only when told, for tests of deadlines, retry windows and time budgets: however busy the
 * machine, no deadline fires and no budget runs out unless the test (or a pause, below) moves the clock.
 *
 * - A deadline fires only when advance() reaches it.
 * - A pause (a backoff, the pacer's turn, the scroll's wait) passes at once, moving the clock to its end: time
 *   the caller chose to wait costs no real time. But not past a pending deadline: a pause that would end at or
 *   after one waits, as it would in real time, until advance() passes the deadline or the deadline is cancelled
 *   (its request was answered). So a request in flight is never cut because other work waited meanwhile.
 *
 * Pauses pass one per turn of the event loop, earliest first, so what one's end starts (a retry and its deadline)
 * is in place before the next is judged. The pacer's longest pause, while it waits for a free slot (a minute, unless
 * a release wakes it first), never passes while a request is in flight as long as the client's deadline is at most
 * a minute (production's): keep it so, or that pause moves the clock to the brink of every deadline.
 *
 * `inFlightMs` bounds how far pauses move the clock while a request is in flight (its deadline pending): past
 * that, the clock waits for the answer. Requests then take between 0 and inFlightMs of the clock's time, however
 * slowly a busy machine carries them, and the clock never runs whole windows ahead of the requests on their way.
 */
export class ManualClock implements Clock {
  private t: number;
  private readonly timers = new Set<Timer>();
  private seq = 0;
  private passing = false;
  private readonly inFlightMs: number;

  constructor(start = Date.now(), opts: { inFlightMs?: number } = {}) {
    this.t = start;
    this.inFlightMs = opts.inFlightMs ?? Infinity;
  }

  now(): number {
    return this.t;
  }

  deadline(ms: number, fire: () => void): () => void {
    const timer = this.add('deadline', ms, fire);
    return () => {
      if (this.timers.delete(timer)) this.passPauses();
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        if (this.timers.delete(timer)) this.passPauses();
        reject(signal!.reason);
      };
      const timer = this.add('pause', ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves the clock `ms` ahead, firing every deadline and ending every pause due by then, in order. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (let next = this.earliest(); next && next.at <= until; next = this.earliest()) {
      this.timers.delete(next);
      this.t = Math.max(this.t, next.at);
      next.fire();
    }
    this.t = until;
    this.passPauses();
  }

  /** Moves the clock to the earliest pending deadline and fires it; returns how far it moved. */
  advanceToDeadline(): number {
    const deadlines = [...this.timers].filter((t) => t.kind === 'deadline');
    if (deadlines.length === 0) throw new Error('no deadline is pending');
    const from = this.t;
    this.advance(Math.min(...deadlines.map((t) => t.at)) - this.t);
    return this.t - from;
  }

  /** How far ahead each pending deadline is, soonest first. */
  get deadlines(): number[] {
    return [...this.timers].filter((t) => t.kind === 'deadline').map((t) => t.at - this.t).sort((a, b) => a - b);
  }

  private add(kind: Timer['kind'], ms: number, fire: () => void): Timer {
    const timer = { from: this.t, at: this.t + Math.max(0, ms), seq: this.seq++, kind, fire };
    this.timers.add(timer);
    this.passPauses();
    return timer;
  }

  /** The next timer due; of a deadline and a pause due together, the deadline (the pause waits for it). */
  private earliest(): Timer | undefined {
    const rank = (t: Timer) => [t.at, t.kind === 'deadline' ? 0 : 1, t.seq];
    let first: Timer | undefined;
    for (const t of this.timers) {
      if (!first) first = t;
      else {
        const [a, b] = [rank(t), rank(first)];
        if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))) first = t;
      }
    }
    return first;
  }

  /**
   * On the next turn of the event loop, ends the earliest pause if no deadline comes before it (or with it), and
   * it ends within inFlightMs of the oldest deadline's start.
   */
  private passPauses(): void {
    if (this.passing) return;
    this.passing = true;
    setImmediate(() => {
      this.passing = false;
      const next = this.earliest();
      if (next?.kind !== 'pause') return;
      const oldest = Math.min(...[...this.timers].filter((t) => t.kind === 'deadline').map((t) => t.from));
      if (next.at > oldest + this.inFlightMs) return;
      this.timers.delete(next);
      this.t = Math.max(this.t, next.at);
      next.fire();
      this.passPauses();
    });
  }
}

/**
 * Simulator options that share `clock` with the run and make each answer to `route` (a list's pages) cost `ms` of
 * it, other requests nothing: a run's time budget (parameters.max_run_minutes) then runs out at the same page on a
 * busy machine as on an idle one. (The pacer's pauses move the clock too, about a millisecond a request: keep `ms`
 * and the budget in seconds.)
 */
export function pagesCost(clock: ManualClock, route: string, ms: number): Pick<SimulatorOptions, 'now' | 'intercept'> {
  return { now: () => clock.now(), intercept: (req) => void (req.route === route && clock.advance(ms)) };
}

/** `overrides` with the client (and so the pacer and the run's time budget) on `clock`. */
export function onClock(clock: Clock, overrides: Overrides = TEST_OVERRIDES): Overrides {
  return { ...overrides, client: { ...overrides.client, clock } };
}
