/**
 * What the next run starts from: each list's state after this run's read (src/incremental/read.ts). Every time
 * is UNIX seconds; `plan.margin` is the reader's search margin, for records too new for the search index and a
 * clock of Intercom's behind ours.
 */
import type { ListState } from '../generated/state.js';
import type { ListRead } from './read.js';

/**
 * `apiVersion`: this run's; `wasVersion`: the version the last run's state says it read on (SyncState.api_version),
 * which a list without its own (a state written before lists kept it) is taken to have been read on.
 */
export function nextListState(prev: ListState | undefined, read: ListRead, nowSec: number, apiVersion?: string, wasVersion?: string): ListState {
  const { plan: p, progress: o } = read;
  const kept: ListState = { ...(prev ?? {}) };
  if (kept.api_version === undefined && wasVersion !== undefined && prev !== undefined) kept.api_version = wasVersion;
  if (!o.reached) return kept;
  // Read again from the first record that lost a moved row (never later than the usual margin).
  const reread = (mark: number, earlier?: number): Pick<ListState, 'resume_at'> => {
    const from = Math.min(earlier ?? Infinity, o.rereadFrom ?? Infinity);
    return Number.isFinite(from) ? { resume_at: Math.min(from, mark - p.margin) } : {};
  };
  const version = apiVersion !== undefined ? { api_version: apiVersion } : {};
  if (p.mode === 'full') {
    if (!o.complete) {
      // A resumed read keeps the re-read its earlier parts asked for; a fresh one re-reads everything anyway.
      const { resume_at: earlier, ...rest } = kept;
      const again = Math.min(p.resumed ? (earlier ?? Infinity) : Infinity, o.rereadFrom ?? Infinity);
      return { ...rest, backfill: { cursor: o.cursor, started_at: p.startedAt }, ...version, ...(Number.isFinite(again) ? { resume_at: again } : {}) };
    }
    // Records changed while the read was under way may sit in pages already read: the mark stays at the start.
    // A whole read leaves out every record deleted before it began.
    const mark = Math.min(o.maxUpdatedAt ?? p.startedAt, p.startedAt);
    return { mark, full_at: p.startedAt, deleted_through: p.startedAt - p.margin, ...version, ...reread(mark, p.resumed ? kept.resume_at : undefined) };
  }
  // Changes come oldest first, so when stopped early every change up to the last one written is in.
  if (!o.complete && o.unordered) return kept;
  let reachedTo = o.complete ? Math.min(o.maxUpdatedAt ?? p.mark, nowSec) : (o.maxUpdatedAt ?? p.mark);
  if (o.unordered) reachedTo = Math.min(reachedTo, o.startedAt ?? nowSec);
  const { resume_at: _done, ...rest } = kept;
  const next: ListState = { ...rest, mark: Math.max(p.mark, reachedTo) };
  if (read.found.deletedFrom !== undefined) next.deleted_through = read.found.deletedFrom - p.margin;
  // Read again from the margin, more changes than one run can take (MAX_MERGED_RECORDS, or the time budget) could
  // fill it, and no run would get past them: a read stopped early continues where it stopped (the records of that
  // very second are read again), unless that is so recent that a record may not have reached the search index
  // yet; and never from before where it began.
  if (!o.complete) next.resume_at = Math.max(p.since, Math.min(o.maxUpdatedAt ?? p.since, (o.startedAt ?? nowSec) - p.margin));
  if (o.rereadFrom !== undefined) Object.assign(next, reread(next.mark!, next.resume_at));
  return next;
}
