/**
 * One list's read in a run, in three parts with three lifetimes: the plan (decided before the read, never changed),
 * the progress (how far the read got, written as it goes), and the findings (what it learned of deletions). The
 * next state (src/incremental/marks.ts) and each table's load (src/incremental/load.ts) are computed from them.
 */
import type { ListState } from '../generated/state.js';
import type { FullReason } from '../events.js';

/** A set of ids (a Set<string>, or the compact IdSet a run keeps). */
export type Ids = Iterable<string> & { readonly size: number; add(id: string): unknown };

/**
 * What a list reads this run. `margin`: the reader's search margin (seconds), how far before a mark the next read
 * of changes starts (Reader.search.margin). `why` explains a full read of a list that could have read changes only.
 * `reason`: why, as a code (src/events.ts). `mustEnd`: only a read to the end (which replaces the tables) removes
 * what was deleted since: never split.
 */
export type Plan =
  | { list: string; mode: 'full'; margin: number; resumed: boolean; cursor?: string; startedAt: number; why?: string; reason?: FullReason; deletedThrough?: number; mustEnd?: boolean }
  | { list: string; mode: 'changes'; margin: number; since: number; mark: number; deletedThrough?: number };

export interface ReadProgress {
  /** The read began (the time budget had not run out before it). */
  reached: boolean;
  /** Read to the end (not stopped by the time budget, not skipped). */
  complete: boolean;
  /** When the read began (UNIX seconds). */
  startedAt?: number;
  /**
   * Its changes come in no particular order (a search that does not sort): a record read early and updated later
   * in the read is not read again, so the mark may not pass the read's start.
   */
  unordered?: boolean;
  /** Ids of the list's records written this run, where its tables may be merged: their child rows are replaced. */
  ids: Ids;
  /** With a full read: the cursor of the page being read when it stopped. */
  cursor?: string;
  maxUpdatedAt?: number;
  minUpdatedAt?: number;
  /**
   * A record written this run whose row of a `moves` table went under an earlier parent (a lead's note, read before
   * the lead was merged into this user): the next run reads changes from here (UNIX seconds), so it writes that
   * record again.
   */
  rereadFrom?: number;
  /** Stopped at the merge cap (MAX_MERGED_RECORDS), not by the time budget. */
  capped?: boolean;
  /** Not read at all: the run's API version does not serve the list (its tables are written empty). */
  skipped?: 'not_served';
}

export interface Findings {
  /** Ids of the list's records deleted since the last run: their rows go. */
  deleted?: Ids & { has(id: string): boolean };
  /** When this run began reading deletions (UNIX seconds). */
  deletedFrom?: number;
  /** Every deletion since the last run is in `deleted`: a full read may then keep storage's flagged rows. */
  deletionsKnown?: boolean;
  /**
   * Records whose top-level row goes without a flag: now under another top-level table than the last run left
   * them, or no longer listed though they exist (a company without users).
   */
  moved?: string[];
  /**
   * Ids in `deleted` whose rows stay: under flag, those the API's deleted list names but the last run did not have
   * (storage holds none of their rows, or the flagged row an earlier run wrote for them).
   */
  keep?: ReadonlySet<string>;
  /** The sketch of the list's ids for the next run (src/incremental/census.ts), and when it was made. */
  sketch?: { text: string; at: number };
  /** More went than the sketch tells apart: the next run reads the list whole. */
  readWhole?: boolean;
}

export interface ListRead {
  readonly plan: Readonly<Plan>;
  readonly progress: ReadProgress;
  readonly found: Findings;
}

export type { ListState };
