/** Bounded concurrency over an async iterable: the one place the pipeline fans out. */

/**
 * Runs fn over an async iterable with at most `limit` calls in flight. Stops pulling when `stop()` is true
 * or something fails; either way returns only when every started call has finished. True when the iterable
 * ended. `onFailure` hears of the first failure at once, so the calls still in flight can be cut short.
 */
export async function forEachConcurrent<T>(items: AsyncIterable<T>, limit: number, stop: () => boolean, fn: (item: T) => Promise<void>, onFailure?: (e: unknown) => void): Promise<boolean> {
  const active = new Set<Promise<void>>();
  const it = items[Symbol.asyncIterator]();
  let failed = false;
  let failure: unknown;
  let ended = false;
  const fail = (e: unknown) => {
    if (failed) return;
    [failed, failure] = [true, e];
    onFailure?.(e);
  };
  try {
    while (!failed && !stop()) {
      const next = await it.next();
      if (next.done) {
        ended = true;
        break;
      }
      const p: Promise<void> = fn(next.value)
        .catch(fail)
        .finally(() => active.delete(p));
      active.add(p);
      if (active.size >= limit) await Promise.race(active);
    }
  } catch (e) {
    fail(e);
  } finally {
    await Promise.allSettled(active);
    if (!ended) await it.return?.().catch(() => undefined);
  }
  if (failed) throw failure;
  return ended;
}
