/**
 * What a run did, as structured events beside its log lines: the log says it to a person, an event says it to a
 * program (the tests assert events, so rewording a log line breaks none). In-process listeners only (the tests'
 * runner); nothing is written anywhere, and an event holds no record data beyond ids and counts.
 */

/** Why a list that could be read by change is read whole (src/incremental/plan.ts). */
export type FullReason = 'api_version' | 'read_whole' | 'backfill' | 'no_mark' | 'unsketched' | 'full_refresh';

export type RunEvent =
  /** The stored state is not used: re-sync, none, not one this version wrote, another template's, or the columns changed. */
  | { kind: 'state_ignored'; reason: 'resync' | 'none' | 'unreadable' | 'template' | 'columns'; options?: string[] }
  /** The history tables start again (the columns changed). */
  | { kind: 'history_restarts' }
  /** A list's read begins: all of it (and why, where it could have read changes), or its changes. */
  | { kind: 'list_read'; list: string; mode: 'full' | 'changes'; reason?: FullReason }
  /** A list's read ended: the records it read, and the size its reader last gave (the progress lines' total). */
  | { kind: 'list_done'; list: string; read: number; total?: number }
  /** The run's API version does not serve this list: not asked for, its tables written empty. */
  | { kind: 'not_served'; list: string; version: string }
  /** parameters.max_run_minutes does not split this list's read. */
  | { kind: 'budget_ignored'; list: string; why: 'must_end' | 'unsorted' }
  /** Records deleted since the last run, found by the list's deleted list or by the census. */
  | { kind: 'deletions'; list: string; count: number; via: 'deleted_list' | 'census' }
  /** A record missing from the census (or the read) that still exists (search had not indexed it): its rows stay. */
  | { kind: 'still_exists'; list: string; id: string }
  /** A record deleted while the run read it: it is left out of its table. */
  | { kind: 'vanished'; table: string; id: string }
  /** Deleted records the last run did not have: no row is written or removed for them. */
  | { kind: 'deletions_unheld'; list: string; count: number }
  /** More went than the sketch tells apart: the next run reads the list whole. */
  | { kind: 'sketch_overflow'; list: string }
  /** A table read whole is replaced without the rows earlier runs flagged. */
  | { kind: 'flags_dropped'; table: string }
  /** Rows naming records of a referred list deleted since the last run are removed. */
  | { kind: 'relation_rows_removed'; table: string; list: string; count: number }
  /** A list read whole changed more than its known ids tell apart: this run's ids become the reference. */
  | { kind: 'known_ids_reset'; list: string }
  /** A list read whole lost so many ids that the answer is distrusted: the rows naming them stay. */
  | { kind: 'known_ids_distrusted'; list: string }
  /** out/tables held an earlier run's files (a run by hand): those of tables this run did not write are removed. */
  | { kind: 'stale_tables'; removed: string[]; temporary: number; kept: string[] };

const listeners = new Set<(e: RunEvent) => void>();

export function emitEvent(e: RunEvent): void {
  for (const l of listeners) l(e);
}

/** Hears every event until the returned function is called. */
export function onEvent(listener: (e: RunEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
