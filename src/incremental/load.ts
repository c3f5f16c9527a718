/**
 * How storage must load a table so the stored tables end as a full run would leave them (src/model/load.ts says
 * what a Load is; src/keboola/manifest.ts writes it for the platform).
 */
import type { Load } from '../model/load.js';
import type { ListRead } from './read.js';

export type { Load };

/** Only a full read that began at the start in this run has every record: the last chunk of a split backfill has not. */
function readWholeThisRun(r: ListRead): boolean {
  return r.progress.complete && r.plan.mode === 'full' && !r.plan.resumed;
}

/**
 * - a list read whole this run replaces its tables, so deleted records go too;
 * - otherwise rows are merged by primary key, and the child rows (and the row itself, which may have moved from
 *   leads to users) of every record written or deleted this run are deleted first (`rootKey`: the column holding a
 *   row's top-level record's id).
 */
export function loadFor(rootKey: string, reads: ListRead[], incremental: boolean): Load {
  if (!incremental || (reads.length > 0 && reads.every(readWholeThisRun))) return { mode: 'replace' };
  // At most MAX_MERGED_RECORDS written a list, and the deletions read.
  const ids = [...new Set(reads.flatMap((r) => [...r.progress.ids, ...[...(r.found.deleted ?? [])].filter((id) => !r.found.keep?.has(id))]))].sort();
  if (ids.length === 0) return { mode: 'merge' };
  return { mode: 'merge', deleteBy: { column: rootKey, values: ids } };
}
