/**
 * Reading every list of the template at the same time: one waiting on a page (or on its sequential scroll) leaves
 * the rate limit to the others, and small lists do not wait their turn behind big ones. Each list is planned
 * (src/incremental/plan.ts), read within the time budget and the merge cap, and its read kept for the loads and the
 * next state. Lists that only relation rows name are read for their ids (src/engine/deletes/known-ids.ts).
 */
import { emitEvent } from '../events.js';
import { log } from '../log.js';
import type { CompiledTable } from '../flatten/template.js';
import { changesMargin, changesSorted, deletionsListed, served } from '../resources/index.js';
import { mayMerge, MAX_MERGED_RECORDS, planList } from '../incremental/plan.js';
import type { Ids, ListRead } from '../incremental/read.js';
import { IdSet } from '../util/id-set.js';
import { plural } from '../util/plural.js';
import type { Progress } from './progress.js';
import type { RunContext } from './context.js';
import type { Emitter } from './emit.js';
import type { KnownIds } from './deletes/known-ids.js';
import { takesCensus } from './deletes/census.js';
import { readList } from './read-list.js';
import { groupByList, notServedLine } from './tables.js';
import { describeChanges } from './margin.js';

/** Where a read's tables are replaced, its ids are not needed: none are kept. */
const NO_IDS: Ids = { size: 0, add: () => undefined, [Symbol.iterator]: () => [][Symbol.iterator]() };

export interface Reading {
  run: RunContext;
  emitter: Emitter;
  known: KnownIds;
  progress: Progress;
  /** When the time budget runs out (ms on the requests' clock; Infinity: no budget). */
  deadline: number;
  /** The most records of a list one incremental run merges (MAX_MERGED_RECORDS; tests lower it). */
  maxMerged?: number;
}

/** Reads every list; each list's read, by list. The first failure fails them all (the others are halted). */
export async function readLists(r: Reading): Promise<Map<string, ListRead>> {
  const reads = new Map<string, ListRead>();
  const lists = groupByList(r.run.template.roots);
  const own = [...lists].map(([listName, roots]) => readOne(r, listName, roots, reads));
  const idsOnly = [...r.known.referred].filter((l) => !lists.has(l)).map((l) => r.known.readIdsOnly(l));
  await allSettledOrFirstFailure([...own, ...idsOnly]);
  return reads;
}

async function readOne(r: Reading, listName: string, roots: CompiledTable[], reads: Map<string, ListRead>): Promise<void> {
  const { run } = r;
  const { cfg } = run;
  const plan = planList(listName, changesMargin(listName), cfg, run.previous, run.nowSec(), takesCensus(run, listName) && !deletionsListed(listName, cfg.apiVersion));
  const unordered = changesMargin(listName) !== undefined && !changesSorted(listName);
  const merges = mayMerge(plan, cfg);
  const read: ListRead = { plan, progress: { complete: false, reached: false, ids: merges ? new IdSet() : NO_IDS, unordered, startedAt: run.nowSec() }, found: { deleted: new IdSet() } };
  reads.set(listName, read);
  if (!served(listName, cfg.apiVersion)) return notServed(read, roots, cfg.apiVersion);
  // After more deletions than the last sketch told apart (or with no sketch to compare with), only a read to the
  // end (which replaces the tables) removes them: the time budget does not split it.
  const mustEnd = plan.mode === 'full' && plan.mustEnd === true;
  if (mustEnd && r.deadline !== Infinity) {
    log.info(`${listName}: parameters.max_run_minutes is ignored for this list: only a read to the end removes the records deleted since the last run.`);
    emitEvent({ kind: 'budget_ignored', list: listName, why: 'must_end' });
  }
  const deadline = mustEnd ? Infinity : r.deadline;
  if (run.nowMs() >= deadline) return;
  read.progress.reached = true;
  const listProgress = r.progress.begin(listName, describePlan(read));
  emitEvent({ kind: 'list_read', list: listName, mode: plan.mode, ...(plan.mode === 'full' && plan.reason ? { reason: plan.reason } : {}) });
  // An unsorted search cannot stop halfway and continue later (its order shifts between runs): read to the end.
  if (unordered && deadline !== Infinity) {
    log.info(`${listName}: its search is not sorted, so its read cannot stop at parameters.max_run_minutes and continue next run; it is read to the end.`);
    emitEvent({ kind: 'budget_ignored', list: listName, why: 'unsorted' });
  }
  const full = () => merges && atCap(r, read, deadline);
  try {
    const stop = () => !unordered && (run.nowMs() >= deadline || full());
    read.progress.complete = await readList({ run, emitter: r.emitter, known: r.known, read, roots, stop, progress: listProgress, cuttable: deadline !== Infinity });
  } catch (e) {
    run.halt(e);
    throw e;
  }
  if (!read.progress.complete && full()) {
    read.progress.capped = true;
    log.info(`${listName}: ${plural(read.progress.ids.size, 'record')} written, the most one incremental run merges into storage (their child rows are deleted by id, and the manifests list the ids); the next run continues from there.`);
  }
  listProgress.end();
}

/**
 * A list the run's API version does not serve (it would answer 400 intercom_version_invalid): not asked for; its
 * tables are written empty, as a read of nothing, and replace storage's.
 */
function notServed(read: ListRead, roots: CompiledTable[], version: string): void {
  const list = read.plan.list;
  log.info(notServedLine(roots.map((r) => r.name).join(', '), list, version));
  emitEvent({ kind: 'not_served', list, version });
  Object.assign(read.progress, { reached: true, complete: true, skipped: 'not_served' });
}

/** Whether a read that merges has written as many records as one run merges (MAX_MERGED_RECORDS). */
function atCap(r: Reading, read: ListRead, deadline: number): boolean {
  const { plan, progress } = read;
  if (progress.ids.size < (r.maxMerged ?? MAX_MERGED_RECORDS)) return false;
  // A full read from the start that will finish within the time budget replaces its tables (deleted records go): it
  // reads on. One the budget will cut anyway is merged, so it stops at the cap like any other.
  if (plan.mode === 'full' && !plan.resumed) return !finishesBy(r, plan.list, progress.ids.size, progress.startedAt! * 1000, deadline);
  // Only once the records span more than one second: a next run that starts from the last second written (see
  // src/incremental/marks.ts) then always gets further, even past a bulk update that stamped them all alike.
  return (progress.maxUpdatedAt ?? 0) > (progress.minUpdatedAt ?? Infinity);
}

/**
 * Whether a read that has written `done` records since `startedMs` will have read the rest of the list (its
 * total_count) by `deadline`, at the pace so far. Unknown size: no.
 */
function finishesBy(r: Reading, listName: string, done: number, startedMs: number, deadline: number): boolean {
  const total = r.emitter.members.totals.get(listName);
  if (total === undefined || done === 0) return false;
  const now = r.run.nowMs();
  return now + (Math.max(0, total - done) * (now - startedMs)) / done <= deadline;
}

function describePlan({ plan }: ListRead): string {
  if (plan.mode === 'changes') return describeChanges(plan);
  return plan.why ? `all ${plan.list} (${plan.why})` : plan.list;
}

/**
 * Waits for every read; the first to fail fails the run at once (the client halts the others, whose own failures
 * then follow and are not the cause).
 */
async function allSettledOrFirstFailure(reads: Array<Promise<void>>): Promise<void> {
  const settled = Promise.allSettled(reads);
  await Promise.all(reads).catch(async (e: unknown) => {
    await settled; // nothing may still write once the tables are aborted
    throw e;
  });
}
