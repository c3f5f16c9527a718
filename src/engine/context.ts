/**
 * What every part of a run shares: the configuration, the readers' context, the requests' controls, the table
 * writers, the template, the last run's state, and the counts the summary reports. Built once by extract().
 */
import type { RunConfig } from '../keboola/config.js';
import type { TableWriters } from '../keboola/tables.js';
import type { Template } from '../flatten/template.js';
import type { Json, ReaderContext } from '../resources/index.js';
import type { SyncState } from '../incremental/state.js';
import { forEachConcurrent } from '../util/concurrent.js';
import type { RequestControl } from './ports.js';

/** What the summary counts besides rows and requests. */
export class RunCounts {
  /** Objects that had more nested items than the API returns. */
  truncated = 0;
  /** Records deleted while the run read them. */
  vanished = 0;
  /** Detail requests not made because the parent said its list was empty, by reader. */
  readonly saved = new Map<string, number>();
  /** Detail requests not made because parameters.exclude_tables leaves their table out, by reader. */
  readonly excluded = new Map<string, number>();
  /** Requests a members pass saved, by reader. */
  readonly membersSaved = new Map<string, number>();
  /** Rows not written because their table already had their key this run, by table. */
  readonly duplicates = new Map<string, number>();
  /** Rows not written because a part of their key is empty, by table. */
  readonly keyless = new Map<string, number>();

  static add(counts: Map<string, number>, key: string, n = 1): void {
    counts.set(key, (counts.get(key) ?? 0) + n);
  }
}

export class RunContext {
  readonly counts = new RunCounts();
  /** Tables written whole this run whatever the read (a members pass): they replace storage's, incremental or not. */
  readonly replaced = new Set<string>();
  readonly startedMs: number;

  constructor(
    readonly cfg: RunConfig,
    readonly api: ReaderContext,
    readonly requests: RequestControl,
    readonly writers: TableWriters,
    readonly template: Template,
    /** The last run's sync state, where this run may build on it. */
    readonly previous: SyncState | undefined,
  ) {
    this.startedMs = requests.clock.now();
  }

  get flagDeletes(): boolean {
    return this.cfg.deletes === 'flag';
  }

  nowMs(): number {
    return this.requests.clock.now();
  }

  nowSec(): number {
    return Math.floor(this.requests.clock.now() / 1000);
  }

  /** Stops every request of the run: the first failure ends it. */
  halt(e: unknown): void {
    this.requests.halt(e instanceof Error ? e : new Error(String(e)));
  }

  /**
   * Each record in flight holds a few detail requests open: twice the request limit keeps the pacer fed. The first
   * failure ends the run, so the requests still in flight for other records are halted at once.
   */
  forEach<T = Json>(items: AsyncIterable<T>, stop: () => boolean, fn: (item: T) => Promise<void>): Promise<boolean> {
    return forEachConcurrent(items, this.cfg.maxConcurrency * 2, stop, fn, (e) => this.halt(e));
  }

  /** What happens to the rows of deleted records, as log lines say it. */
  get fate(): string {
    return this.flagDeletes ? 'their rows are flagged (is_deleted), their child rows removed' : 'their rows are removed';
  }
}
