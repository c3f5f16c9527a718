/**
 * Why a read starts before the time it follows from, in the log's words: a read of changes starts the reader's
 * margin (Reader.search.margin or Reader.filter.margin) before the last run's mark, and the catch-up after a full
 * read that long before the read began. A time 30 minutes before the run, shown without its reason, reads as a bug.
 */
import { readers } from '../resources/index.js';
import type { Plan } from '../incremental/read.js';
import { plural } from '../util/plural.js';

/** How the read asks: by the list's search, by its filter parameter, or by reading the front of a newest-first list. */
type Way = 'search' | 'filter' | 'front';

/** Why the margin is there, for each way of asking: only a search has an index that may lag. */
const WHY: Record<Way, string> = {
  search: "a change can reach Intercom's search index minutes late, and Intercom's clock may be behind ours",
  filter: "a change can show in the filtered list minutes late, and Intercom's clock may be behind ours",
  front: "Intercom's clock may be behind ours, so a record changed during the read may carry an earlier time",
};

/** UNIX seconds as the log shows a time: 2026-12-07T19:06:25Z. */
export const iso = (sec: number) => new Date(sec * 1000).toISOString().replace('.000Z', 'Z');

/** 1800 → "30 minutes"; 90 → "90 seconds". */
function span(sec: number): string {
  return sec % 60 === 0 ? plural(sec / 60, 'minute') : plural(sec, 'second');
}

/** `contacts changed since 2026-12-07T19:04:00Z (the last run's mark, 19:34:00Z, less 30 minutes: …)`. */
export function describeChanges(plan: Extract<Plan, { mode: 'changes' }>): string {
  const from = `${plan.list} changed since ${iso(plan.since)}`;
  if (plan.since !== plan.mark - plan.margin) return `${from} (where the last run left off)`;
  if (plan.margin === 0) return `${from} (the last run's mark)`;
  const way: Way = readers[plan.list].search ? 'search' : 'filter';
  return `${from} (the last run's mark, ${iso(plan.mark)}, less ${span(plan.margin)}: ${WHY[way]})`;
}

/** `since 2026-12-07T19:06:25Z (the read began at …, less 30 minutes: …)`: where the catch-up after a full read starts. */
export function describeCatchUp(plan: Extract<Plan, { mode: 'full' }>, front: boolean): string {
  const since = plan.startedAt - plan.margin;
  const began = `the read began at ${iso(plan.startedAt)}${plan.resumed ? ', in an earlier run' : ''}`;
  if (plan.margin === 0) return `since ${iso(since)} (${began})`;
  return `since ${iso(since)} (${began}, less ${span(plan.margin)}: ${WHY[front ? 'front' : 'search']})`;
}
