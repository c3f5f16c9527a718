/**
 * Incremental runs: what each list reads this run (everything, the rest of an interrupted backfill, or the
 * changes since the last mark), what the next run starts from, and how each table must be loaded so the
 * stored tables end up as a full run would leave them.
 *
 * The mark of a list is an updated_at (UNIX seconds) at or below which every change has been written.
 * A run that fails writes no state, so the stored state never moves past data that was not written.
 */
import { log } from './log.js';
import type { RunConfig } from './keboola/config.js';
import type { State } from './keboola/state.js';
import type { CompiledTable } from './flatten/template.js';
import { hasher } from './flatten/rules.js';

/** New contacts can take minutes to reach Intercom's search index: changes this much older than the mark are read again. */
export const OVERLAP_SECONDS = 30 * 60;
/**
 * The catch-up after a full read asks for records updated since the read began less this margin: Intercom's
 * clock may be behind ours, and an update takes a moment to reach the search index.
 */
export const CATCH_UP_MARGIN_SECONDS = 30 * 60;
const DAY = 86_400;
/**
 * The most records of one list an incremental run merges into storage. Each one's child rows are deleted by
 * id first, and the ids are listed in the manifests' delete_where: this keeps each manifest under about 3 MB
 * and each list of ids in memory small. A read that reaches it stops as at parameters.max_run_minutes, and
 * the next run continues from there.
 */
export const MAX_MERGED_RECORDS = 100_000;

export interface ListState {
  /** Every change with updated_at below this has been written (minus the overlap). */
  mark?: number;
  /** A full read cut short by the time budget: where it continues, and when it began (the mark it will set). */
  backfill?: { starting_after?: string; started_at: number };
  /** When the last complete full read of this list began: drives the periodic full refresh. */
  full_at?: number;
  /**
   * A read of changes stopped early (MAX_MERGED_RECORDS, the time budget): the next run reads changes from
   * here, with no overlap (that is for records too new for the search index, and this point is older).
   */
  resume_at?: number;
  /** Deletions up to this time (UNIX seconds) have been read: the next read of them goes down to here. */
  deleted_through?: number;
  /**
   * A sketch of every id the list had when `sketch_at` (UNIX seconds) this run ended (src/util/id-sketch.ts):
   * the next run subtracts its own to learn which records were deleted since, in a few hundred KB at most.
   */
  sketch?: string;
  sketch_at?: number;
  /** More records went than the sketch can tell apart: the next run reads the list whole. */
  read_whole?: boolean;
  /**
   * The API version its last full read began on (a split one's parts all read on it); absent in states written
   * before it was kept, where SyncState.api_version stands in. A run on another version reads the list whole.
   */
  api_version?: string;
}

export interface SyncState {
  version: 1;
  template: string;
  /**
   * The Intercom API version the run read on (absent in states written before it was kept). Records render
   * otherwise on another version (values such as a conversation's priority, fields it adds), so after a switch
   * every list is read whole once: rows merged from the new version beside rows left from the old would mix both.
   */
  api_version?: string;
  /** Options that change the tables' columns: rows merged under other ones would lack or keep columns. */
  columns?: ColumnOptions;
  lists: Record<string, ListState>;
  /**
   * The ids of each list that tables refer to (tags, companies), from its last complete read: a record gone
   * since then was deleted, and the rows naming it go too (see the template's `refers_to`).
   */
  known?: Record<string, string[]>;
  /** The same, for a list of more than KNOWN_IDS_AT_MOST ids: a sketch of them (src/util/id-sketch.ts) and their number. */
  known_sketch?: Record<string, { sketch: string; size: number }>;
  /** Ids of a tracked list that its last read left out though they exist (a company without users): asked for again. */
  unlisted?: Record<string, string[]>;
}

/** Beyond this many ids (54 KB of them; their sketch takes 49 KB up to 24,576), a list's known ids are kept as a sketch. */
export const KNOWN_IDS_AT_MOST = 2_000;

export interface ColumnOptions {
  raw_payload: boolean;
  custom_attribute_columns: boolean;
  /** Sorted names; absent in states written before these options existed (read as none). */
  exclude_tables?: string[];
  exclude_columns?: string[];
  hash_columns?: string[];
  /** Tells one salt from another without holding it: the salt's HMAC of a fixed label ('' without a salt). */
  hash_salt_check?: string;
  /** "flag" adds is_deleted and deleted_at to the top-level tables. */
  deletes?: 'remove' | 'flag';
}

export function columnOptions(cfg: RunConfig): ColumnOptions {
  return {
    raw_payload: cfg.rawPayload,
    custom_attribute_columns: cfg.customAttributeColumns,
    exclude_tables: [...cfg.excludeTables].sort(),
    exclude_columns: [...cfg.excludeColumns].sort(),
    hash_columns: [...cfg.hashColumns].sort(),
    hash_salt_check: cfg.hashSalt ? hasher(cfg.hashSalt)('intercom-extractor: which #hash_salt') : '',
    deletes: cfg.deletes,
  };
}

/** The column options (by parameter name) that differ from those the stored state was written with. */
export function changedColumnOptions(cfg: RunConfig, state: State): string[] {
  const sync = state.sync as SyncState | undefined;
  if (typeof sync !== 'object' || sync === null || typeof sync.lists !== 'object') return [];
  const was: ColumnOptions = { raw_payload: false, custom_attribute_columns: false, exclude_tables: [], exclude_columns: [], hash_columns: [], hash_salt_check: '', deletes: 'remove', ...(sync.columns ?? {}) };
  const now = columnOptions(cfg);
  return (Object.keys(now) as Array<keyof ColumnOptions>).filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k])).map((k) => (k === 'hash_salt_check' ? '#hash_salt' : k));
}

/** A set of ids (a Set<string>, or the compact IdSet a run keeps). */
export type Ids = Iterable<string> & { readonly size: number; add(id: string): unknown };

export type Plan =
  /** `why` explains a full read of a list that could have read changes only; absent when there was no choice. */
  /** `mustEnd`: only a read to the end (which replaces the tables) removes what was deleted since: never split. */
  | { list: string; mode: 'full'; resumed: boolean; startingAfter?: string; startedAt: number; why?: string; deletedThrough?: number; mustEnd?: boolean }
  | { list: string; mode: 'changes'; since: number; mark: number; deletedThrough?: number };

export interface Outcome {
  plan: Plan;
  /** Read to the end (not stopped by the time budget, not skipped). */
  complete: boolean;
  reached: boolean;
  /** Ids of the list's records written this run, where its tables may be merged: their child rows are replaced. */
  ids: Ids;
  /** Ids of the list's records deleted since the last run (its deleted list): their rows go. */
  deleted?: Ids & { has(id: string): boolean };
  /** When this run began reading deletions (UNIX seconds). */
  deletedFrom?: number;
  /**
   * Records whose top-level row goes without a flag: now under another top-level table than the last run left
   * them, or no longer listed though they exist (a company without users).
   */
  moved?: string[];
  /** Every deletion since the last run is in `deleted`: a full read may then keep storage's flagged rows. */
  deletionsKnown?: boolean;
  /**
   * Ids in `deleted` whose rows stay: under flag, those the API's deleted list names but the last run did not have
   * (storage holds none of their rows, or the flagged row an earlier run wrote for them).
   */
  keep?: ReadonlySet<string>;
  /** The sketch of the list's ids for the next run (src/deletions.ts), and when it was made. */
  sketch?: { text: string; at: number };
  /** More went than the sketch tells apart: the next run reads the list whole. */
  readWhole?: boolean;
  maxUpdatedAt?: number;
  minUpdatedAt?: number;
  /**
   * A record written this run whose row of a `moves` table went under an earlier parent (a lead's note, read
   * before the lead was merged into this user): the next run reads changes from here (UNIX seconds), so it writes
   * that record again.
   */
  rereadFrom?: number;
  /** Stopped at MAX_MERGED_RECORDS (not by the time budget). */
  capped?: boolean;
  /** With a full read: the cursor of the page being read when it stopped. */
  cursor?: string;
  /**
   * Its changes come in no particular order (a search that does not sort): a record read early and updated
   * later in the read is not read again, so the mark may not pass the read's start (`startedAt`, UNIX seconds).
   */
  unordered?: boolean;
  startedAt?: number;
}

/** The previous sync state if it can be trusted for this run, else none (with the reason logged). */
export function previousSync(cfg: RunConfig, state: State): SyncState | undefined {
  if (!cfg.incremental) return undefined;
  if (cfg.resync) {
    log.info('Re-sync: the stored state is ignored and everything is read. Turn parameters.resync off for the next runs.');
    return undefined;
  }
  const sync = state.sync as SyncState | undefined;
  if (sync === undefined) {
    log.info('No stored state from an earlier incremental run: this run reads everything.');
    return undefined;
  }
  if (typeof sync !== 'object' || sync === null || sync.version !== 1 || typeof sync.lists !== 'object' || sync.lists === null) {
    log.warn('The stored state is not one this version wrote: this run reads everything.');
    return undefined;
  }
  if (sync.template !== cfg.template) {
    log.info(`The stored state belongs to template ${sync.template}: this run of ${cfg.template} reads everything.`);
    return undefined;
  }
  // Turning raw_payload or custom_attribute_columns on or off changes the columns: merging only the changed
  // records would leave the others without (or with stale) columns, so the tables are read whole and replaced.
  // So do the rules that leave out or hash columns (and the salt): stored rows would keep clear values, or
  // miss hashed ones, or hold hashes of another salt.
  const changed = changedColumnOptions(cfg, state);
  if (changed.length > 0) {
    log.info(`parameters.${changed.join(' and parameters.')} changed since the last run: this run reads everything and replaces the tables.`);
    return undefined;
  }
  return sync;
}

/**
 * `needsSketch`: this run finds the list's deletions only by comparing with the last run's sketch of its ids (a
 * census, where the API version lists no deletions of it).
 */
export function planList(list: string, searchable: boolean, cfg: RunConfig, prev: SyncState | undefined, nowSec: number, needsSketch = false): Plan {
  const s = prev?.lists[list] ?? {};
  // A full read under parameters.deletes "flag" also reads the deletions since the last run: it flags them.
  const deletedThrough = s.deleted_through !== undefined ? { deletedThrough: s.deleted_through } : {};
  const fresh = (why?: string, mustEnd = false): Plan => ({ list, mode: 'full', resumed: false, startedAt: nowSec, why, ...deletedThrough, ...(mustEnd ? { mustEnd } : {}) });
  if (!cfg.incremental || !searchable) return fresh();
  // Nothing to compare with (the last run read on an API version that lists deletions, and kept no sketch): only a
  // read to the end, which replaces the tables, removes what was deleted since.
  const unsketched = needsSketch && s.mark !== undefined && s.sketch === undefined;
  // Before a split full read goes on: its earlier parts were read on the other version.
  const version = s.api_version ?? prev?.api_version;
  if (version !== undefined && version !== cfg.apiVersion) return fresh(`the last run read on API version ${version}, which renders records otherwise than ${cfg.apiVersion}`, unsketched || s.read_whole === true);
  // Before a split full read goes on: that merges, and would leave the deletions no sketch named.
  if (s.read_whole) return fresh('more records were deleted since the last run than its state can tell apart', true);
  if (s.backfill) return { list, mode: 'full', resumed: true, startingAfter: s.backfill.starting_after, startedAt: s.backfill.started_at, why: 'continuing the interrupted full read', ...deletedThrough };
  if (s.mark === undefined) return fresh('no mark yet');
  if (unsketched) return fresh('the last run kept no sketch of its ids to find deletions by (it ran on an API version that lists them)', true);
  if (cfg.fullRefreshDays > 0 && (s.full_at === undefined || nowSec - s.full_at > cfg.fullRefreshDays * DAY)) {
    return fresh(`the last full read is older than ${cfg.fullRefreshDays} days (parameters.full_refresh_days)`);
  }
  if (s.resume_at !== undefined) return { list, mode: 'changes', since: s.resume_at, mark: s.mark, ...deletedThrough };
  return { list, mode: 'changes', since: s.mark - OVERLAP_SECONDS, mark: s.mark, ...deletedThrough };
}

/**
 * `apiVersion`: this run's; `wasVersion`: the version the last run's state says it read on (SyncState.api_version),
 * which a list without its own (a state written before lists kept it) is taken to have been read on.
 */
export function nextListState(prev: ListState | undefined, o: Outcome, nowSec: number, apiVersion?: string, wasVersion?: string): ListState {
  const p = o.plan;
  const kept: ListState = { ...(prev ?? {}) };
  if (kept.api_version === undefined && wasVersion !== undefined && prev !== undefined) kept.api_version = wasVersion;
  if (!o.reached) return kept;
  // Read again from the first record that lost a moved row (never later than the usual overlap).
  const reread = (mark: number, earlier?: number): Pick<ListState, 'resume_at'> => {
    const from = Math.min(earlier ?? Infinity, o.rereadFrom ?? Infinity);
    return Number.isFinite(from) ? { resume_at: Math.min(from, mark - OVERLAP_SECONDS) } : {};
  };
  const version = apiVersion !== undefined ? { api_version: apiVersion } : {};
  if (p.mode === 'full') {
    if (!o.complete) {
      // A resumed read keeps the re-read its earlier parts asked for; a fresh one re-reads everything anyway.
      const { resume_at: earlier, ...rest } = kept;
      const again = Math.min(p.resumed ? (earlier ?? Infinity) : Infinity, o.rereadFrom ?? Infinity);
      return { ...rest, backfill: { starting_after: o.cursor, started_at: p.startedAt }, ...version, ...(Number.isFinite(again) ? { resume_at: again } : {}) };
    }
    // Records changed while the read was under way may sit in pages already read: the mark stays at the start.
    // A whole read leaves out every record deleted before it began.
    const mark = Math.min(o.maxUpdatedAt ?? p.startedAt, p.startedAt);
    return { mark, full_at: p.startedAt, deleted_through: p.startedAt - OVERLAP_SECONDS, ...version, ...reread(mark, p.resumed ? kept.resume_at : undefined) };
  }
  // Changes come oldest first, so when stopped early every change up to the last one written is in.
  if (!o.complete && o.unordered) return kept;
  let reachedTo = o.complete ? Math.min(o.maxUpdatedAt ?? p.mark, nowSec) : o.maxUpdatedAt ?? p.mark;
  if (o.unordered) reachedTo = Math.min(reachedTo, o.startedAt ?? nowSec);
  const { resume_at: _done, ...rest } = kept;
  const next: ListState = { ...rest, mark: Math.max(p.mark, reachedTo) };
  if (o.deletedFrom !== undefined) next.deleted_through = o.deletedFrom - OVERLAP_SECONDS;
  // Read again from the overlap, more changes than one run can take (MAX_MERGED_RECORDS, or the time budget)
  // could fill it, and no run would get past them: a read stopped early continues where it stopped (the
  // records of that very second are read again), unless that is so recent that a record may not have reached
  // the search index yet; and never from before where it began.
  if (!o.complete) next.resume_at = Math.max(p.since, Math.min(o.maxUpdatedAt ?? p.since, (o.startedAt ?? nowSec) - OVERLAP_SECONDS));
  if (o.rereadFrom !== undefined) Object.assign(next, reread(next.mark!, next.resume_at));
  return next;
}

/**
 * How storage must load a table so it ends as a full run would leave it:
 * - a list read whole this run replaces its tables, so deleted records go too;
 * - otherwise rows are merged by primary key, and the child rows (and the row itself, which may have moved
 *   from leads to users) of every record written this run are deleted first.
 * What that looks like in a manifest is the platform's business (src/keboola/manifest.ts).
 */
export type Load = { mode: 'replace' } | { mode: 'merge'; deleteBy?: { column: string; values: string[] }; alsoDelete?: { column: string; values: string[] } };

/**
 * Whether the read's tables may be merged into storage (so the ids of its records are needed): every read of
 * an incremental run but a full one that starts at the beginning and cannot be cut short by the time budget.
 */
export function mayMerge(plan: Plan, cfg: RunConfig): boolean {
  return cfg.incremental && !(plan.mode === 'full' && !plan.resumed && cfg.maxRunMs === undefined);
}

/** Only a full read that began at the start in this run has every record: the last chunk of a split backfill has not. */
function readWholeThisRun(o: Outcome): boolean {
  return o.complete && o.plan.mode === 'full' && !o.plan.resumed;
}

export function loadFor(table: CompiledTable, outcomes: Outcome[], incremental: boolean): Load {
  if (!incremental || (outcomes.length > 0 && outcomes.every(readWholeThisRun))) return { mode: 'replace' };
  // At most MAX_MERGED_RECORDS written a list, and the deletions read.
  const ids = [...new Set(outcomes.flatMap((o) => [...o.ids, ...[...(o.deleted ?? [])].filter((id) => !o.keep?.has(id))]))].sort();
  if (ids.length === 0) return { mode: 'merge' };
  return { mode: 'merge', deleteBy: { column: table.rootKey, values: ids } };
}
