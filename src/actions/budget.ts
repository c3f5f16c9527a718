/**
 * A sync action's bound on its whole answer: the platform gives it 30 seconds, and a request's own limits (its
 * deadline, its retries) do not cover the time it waits to be sent (the pacer's waits while the rate limit has no
 * room). So the action's clients listen to a signal that fires `ms` after now on the requests' clock.
 */
import type { Clock } from '../util/clock.js';

/** A stop signal for the action's clients that fires with `over()` after `ms`, or with `outer` (the process's stop). */
export function answerBudget(clock: Clock, ms: number, over: () => Error, outer?: AbortSignal): { signal: AbortSignal; cancel: () => void } {
  const budget = new AbortController();
  const cancel = clock.deadline(ms, () => budget.abort(over()), { unref: true });
  return { signal: outer ? AbortSignal.any([outer, budget.signal]) : budget.signal, cancel };
}
