/**
 * The state the next run starts from (schemas/state.schema.json): each list read by change with its mark and sketch
 * (src/incremental/marks.ts), and the known ids of the lists read whole (src/engine/deletes/known-ids.ts).
 */
import { changesMargin, deletionsListed } from '../resources/index.js';
import { columnOptions } from '../incremental/columns.js';
import { nextListState } from '../incremental/marks.js';
import type { ListRead } from '../incremental/read.js';
import type { SyncState } from '../incremental/state.js';
import type { RunContext } from './context.js';
import type { KnownIds } from './deletes/known-ids.js';

export function nextSyncState(run: RunContext, reads: ReadonlyMap<string, ListRead>, known: KnownIds): SyncState {
  const { cfg, previous: prev } = run;
  const sync: SyncState = { version: 1, template: cfg.template, api_version: cfg.apiVersion, columns: columnOptions(cfg), lists: {} };
  for (const [list, read] of reads) {
    // Read whole every run, or not served on this version (nothing was read to mark).
    if (changesMargin(list) === undefined || read.progress.skipped) continue;
    const next = nextListState(prev?.lists[list], read, run.nowSec(), cfg.apiVersion, prev?.api_version);
    const { sketch, readWhole } = read.found;
    if (sketch) Object.assign(next, { sketch: sketch.text, sketch_at: sketch.at });
    // Where the API lists deletions no sketch is kept (one from an older version would name them again later), but
    // under flag, which needs it to tell the deletions storage held from those it never did.
    if (deletionsListed(list, cfg.apiVersion) && !run.flagDeletes) {
      delete next.sketch;
      delete next.sketch_at;
    }
    if (readWhole) next.read_whole = true;
    sync.lists[list] = next;
  }
  known.addTo(sync);
  return sync;
}
