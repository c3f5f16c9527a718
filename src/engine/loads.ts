/**
 * Where each table's load is decided, once every list is read: replaced or merged (src/incremental/load.ts), plus
 * what the flag mode and the deletions of referred lists add to a merge. The manifest is the platform side's
 * rendering of it (src/keboola/manifest.ts).
 */
import { emitEvent } from '../events.js';
import { log } from '../log.js';
import type { CompiledTable } from '../flatten/template.js';
import { loadFor, type Load } from '../incremental/load.js';
import { appendOnly } from '../resources/index.js';
import type { ListRead } from '../incremental/read.js';
import { fmt } from './progress.js';
import type { RunContext } from './context.js';
import type { KnownIds } from './deletes/known-ids.js';
import { listsOf, rootsByTable } from './tables.js';

export class Loads {
  private readonly rootOf: Map<string, CompiledTable[]>;

  constructor(
    private readonly run: RunContext,
    private readonly reads: ReadonlyMap<string, ListRead>,
    private readonly known: KnownIds,
    /** The columns changed since the last run (the tables are read whole and replaced). */
    private readonly columnsChanged: boolean,
    /** The history tables start again (their old versions would keep what the new columns leave out or hash). */
    private readonly historyRestarts: boolean,
  ) {
    this.rootOf = rootsByTable(run.template.roots);
  }

  private readsOf(root: CompiledTable): ListRead[] {
    return listsOf(root).map((l) => this.reads.get(l)!);
  }

  loadOf(table: CompiledTable): Load {
    const { run } = this;
    // A history table only gains versions: merged by (key, change), nothing deleted, full run or not; it starts again
    // after the rules that leave out or hash columns changed.
    if (table.versions) return this.withGone(table, this.historyRestarts ? { mode: 'replace' } : { mode: 'merge' });
    if (run.replaced.has(table.name)) return this.withGone(table, { mode: 'replace' });
    const roots = this.rootOf.get(table.name)!;
    const load = loadFor(table.rootKey, roots.flatMap((r) => this.readsOf(r)), run.cfg.incremental);
    // A list whose records never change or go (activity logs): storage keeps what a full read's window has left.
    // Not after the columns changed: older rows would keep what the new rules leave out or hash.
    if (run.cfg.incremental && !this.columnsChanged && load.mode === 'replace' && roots.flatMap(listsOf).every(appendOnly)) return { mode: 'merge' };
    return this.withGone(table, this.keepingFlags(table, load));
  }

  /**
   * A top-level table read whole keeps the rows flagged by earlier runs: merged, where every record gone since the
   * last run is known (and flagged now); its own rows of records deleted or moved to another table go.
   */
  private keepingFlags(table: CompiledTable, load: Load): Load {
    const { run } = this;
    if (!(run.flagDeletes && run.cfg.incremental && !this.columnsChanged && load.mode === 'replace' && run.template.roots.includes(table) && table.flagged && run.previous)) return load;
    const read = this.readsOf(table);
    // Not served on this version: written empty and replaced, with nothing to say about flags it never had.
    if (read.some((o) => o.progress.skipped)) return load;
    if (read.length > 0 && read.every((o) => o.found.deletionsKnown)) {
      const values = [...new Set(read.flatMap((o) => [...(o.found.deleted ?? []), ...(o.found.moved ?? [])]))].sort();
      return values.length > 0 ? { mode: 'merge', deleteBy: { column: table.rootKey, values } } : { mode: 'merge' };
    }
    log.info(`${table.name} is replaced without the rows flagged by earlier runs: this run could not tell every record deleted since the last one.`);
    emitEvent({ kind: 'flags_dropped', table: table.name });
    return load;
  }

  /** Rows naming a tag or company deleted since the last run go, though the record they hang under did not change. */
  private withGone(table: CompiledTable, load: Load): Load {
    if (load.mode !== 'merge') return load;
    const gone = this.known.goneFor(table);
    if (!gone || gone.length === 0) return load;
    log.info(`${table.name}: rows naming ${fmt(gone.length)} ${table.node.refers_to!.list} deleted since the last run are removed.`);
    emitEvent({ kind: 'relation_rows_removed', table: table.name, list: table.node.refers_to!.list, count: gone.length });
    return { ...load, alsoDelete: { column: table.node.refers_to!.column, values: gone } };
  }
}
