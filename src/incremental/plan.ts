/**
 * Incremental runs: what each list reads this run (everything, the rest of an interrupted backfill, or the changes
 * since the last mark). The mark of a list is an updated_at (UNIX seconds) at or below which every change has been
 * written. A run that fails writes no state, so the stored state never moves past data that was not written.
 */
import { log } from '../log.js';
import { emitEvent, type FullReason } from '../events.js';
import type { StoredState, SyncState } from './state.js';
import type { Plan } from './read.js';
import type { SyncOptions } from '../model/sync-options.js';
import { changedColumnOptions } from './columns.js';
import { plural } from '../util/plural.js';

const DAY = 86_400;
/**
 * The most records of one list an incremental run merges into storage. Each one's child rows are deleted by id
 * first, and the ids are listed in the manifests' delete_where: this keeps each manifest under about 3 MB and each
 * list of ids in memory small. A read that reaches it stops as at parameters.max_run_minutes, and the next run
 * continues from there.
 */
export const MAX_MERGED_RECORDS = 100_000;

/** The previous sync state if it can be trusted for this run, else none (with the reason logged). */
export function previousSync(cfg: SyncOptions, stored: StoredState['sync']): SyncState | undefined {
  if (!cfg.incremental) return undefined;
  if (cfg.resync) {
    log.info('Re-sync: the stored state is ignored and everything is read. Turn parameters.resync off for the next runs.');
    emitEvent({ kind: 'state_ignored', reason: 'resync' });
    return undefined;
  }
  if (stored === undefined) {
    log.info('No stored state from an earlier incremental run: this run reads everything.');
    emitEvent({ kind: 'state_ignored', reason: 'none' });
    return undefined;
  }
  if (stored === 'unreadable') {
    log.warn('The stored state is not one this version wrote: this run reads everything.');
    emitEvent({ kind: 'state_ignored', reason: 'unreadable' });
    return undefined;
  }
  if (stored.template !== cfg.template) {
    log.info(`The stored state belongs to template ${stored.template}: this run of ${cfg.template} reads everything.`);
    emitEvent({ kind: 'state_ignored', reason: 'template' });
    return undefined;
  }
  // Turning raw_payload or custom_attribute_columns on or off changes the columns: merging only the changed
  // records would leave the others without (or with stale) columns, so the tables are read whole and replaced.
  // So do the rules that leave out or hash columns (and the salt): stored rows would keep clear values, or
  // miss hashed ones, or hold hashes of another salt.
  const changed = changedColumnOptions(cfg, stored);
  if (changed.length > 0) {
    log.info(`parameters.${changed.join(' and parameters.')} changed since the last run: this run reads everything and replaces the tables.`);
    emitEvent({ kind: 'state_ignored', reason: 'columns', options: changed });
    return undefined;
  }
  return stored;
}

/**
 * `margin`: the reader's search margin (seconds), or undefined for a list that cannot be searched by change (read
 * whole every run). `needsSketch`: this run finds the list's deletions only by comparing with the last run's sketch
 * of its ids (a census, where the API version lists no deletions of it).
 */
export function planList(list: string, margin: number | undefined, cfg: SyncOptions, prev: SyncState | undefined, nowSec: number, needsSketch = false): Plan {
  const s = prev?.lists[list] ?? {};
  const m = margin ?? 0;
  // A full read under parameters.deletes "flag" also reads the deletions since the last run: it flags them.
  const deletedThrough = s.deleted_through !== undefined ? { deletedThrough: s.deleted_through } : {};
  const fresh = (reason?: FullReason, why?: string, mustEnd = false): Plan => ({ list, mode: 'full', margin: m, resumed: false, startedAt: nowSec, why, ...(reason ? { reason } : {}), ...deletedThrough, ...(mustEnd ? { mustEnd } : {}) });
  if (!cfg.incremental || margin === undefined) return fresh();
  // Nothing to compare with (the last run read on an API version that lists deletions, and kept no sketch): only a
  // read to the end, which replaces the tables, removes what was deleted since.
  const unsketched = needsSketch && s.mark !== undefined && s.sketch === undefined;
  // Before a split full read goes on: its earlier parts were read on the other version.
  const version = s.api_version ?? prev?.api_version;
  if (version !== undefined && version !== cfg.apiVersion) return fresh('api_version', `the last run read on API version ${version}, which renders records otherwise than ${cfg.apiVersion}`, unsketched || s.read_whole === true);
  // Before a split full read goes on: that merges, and would leave the deletions no sketch named.
  if (s.read_whole) return fresh('read_whole', 'more records were deleted since the last run than its state can tell apart', true);
  if (s.backfill) return { list, mode: 'full', margin: m, resumed: true, cursor: s.backfill.cursor, startedAt: s.backfill.started_at, why: 'continuing the interrupted full read', reason: 'backfill', ...deletedThrough };
  if (s.mark === undefined) return fresh('no_mark', 'no mark yet');
  if (unsketched) return fresh('unsketched', 'the last run kept no sketch of its ids to find deletions by (it ran on an API version that lists them)', true);
  if (cfg.fullRefreshDays > 0 && (s.full_at === undefined || nowSec - s.full_at > cfg.fullRefreshDays * DAY)) {
    return fresh('full_refresh', `the last full read is older than ${plural(cfg.fullRefreshDays, 'day')} (parameters.full_refresh_days)`);
  }
  if (s.resume_at !== undefined) return { list, mode: 'changes', margin: m, since: s.resume_at, mark: s.mark, ...deletedThrough };
  return { list, mode: 'changes', margin: m, since: s.mark - m, mark: s.mark, ...deletedThrough };
}

/**
 * Whether the read's tables may be merged into storage (so the ids of its records are needed): every read of an
 * incremental run but a full one that starts at the beginning and cannot be cut short by the time budget.
 */
export function mayMerge(plan: Plan, cfg: Pick<SyncOptions, 'incremental' | 'maxRunMs'>): boolean {
  return cfg.incremental && !(plan.mode === 'full' && !plan.resumed && cfg.maxRunMs === undefined);
}
