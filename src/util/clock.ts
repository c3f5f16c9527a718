/**
 * Time as the run sees it: the request deadlines, the retry window, backoff pauses and the time budget all read
 * this, never the global timers, so a test can hand in a clock it moves itself and test a 60-second deadline
 * without waiting a minute, or being failed by a machine too busy to answer within it.
 *
 * Two kinds of timer, because a test clock must treat them differently:
 * - a deadline (`deadline`) fires only if nothing else happens first: a request's time limit;
 * - a pause (`sleep`) is time the caller chooses to wait: a backoff, the pacer's turn.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `fire` after `ms` unless the returned cancel comes first. `unref`: the deadline alone does not keep the
   * process alive.
   */
  deadline(ms: number, fire: () => void, opts?: { unref?: boolean }): () => void;
  /** Resolves after `ms`; rejects with the signal's reason as soon as `signal` aborts, and then holds no timer. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: Date.now and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  deadline(ms, fire, opts) {
    const timer = setTimeout(fire, ms);
    if (opts?.unref) timer.unref();
    return () => clearTimeout(timer);
  },
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
