/**
 * Reading one list: its pages (all of them, the rest of a split read, or its changes), then the catch-up; beside
 * them its deletions (the deleted list) and its census; after them the flags of deleted records, the children
 * completed from the other side, and the members pass. Every record goes to the emitter (src/engine/emit.ts) once.
 */
import { log } from '../log.js';
import type { CompiledTable } from '../flatten/template.js';
import { readAll, readChanges, readers, type Json } from '../resources/index.js';
import type { ListCensus } from '../incremental/census.js';
import type { ListRead } from '../incremental/read.js';
import { IdSet } from '../util/id-set.js';
import { fmt, type ListProgress } from './progress.js';
import type { RunContext } from './context.js';
import type { Emitter } from './emit.js';
import type { KnownIds } from './deletes/known-ids.js';
import { catchUp } from './catch-up.js';
import { readDeleted } from './deletes/deleted-list.js';
import { openCensus, settleCensus, takeCensus, takesCensus } from './deletes/census.js';
import { heldOnly, writeFlags, type Flag } from './deletes/flags.js';
import { ListTables, recordCheck } from './tables.js';

export interface ListReading {
  run: RunContext;
  emitter: Emitter;
  known: KnownIds;
  read: ListRead;
  roots: CompiledTable[];
  /** Whether the time (or the merge cap) is up: the paged read stops, the catch-up does not. */
  stop: () => boolean;
  progress: ListProgress;
  /** The time budget may stop the read (then a full read's tables are merged, not replaced). */
  cuttable: boolean;
}

/** Reads one list to the end, or until `stop()` says the time is up; true when it reached the end. */
export async function readList(r: ListReading): Promise<boolean> {
  const { run, emitter, read } = r;
  const { plan, progress } = read;
  const listName = plan.list;
  const reader = readers[listName];
  const tables = new ListTables(r.roots);
  const flags: Flag[] = [];
  // Each record read, tagged with the table it went to. Where the API keeps no list of deletions, every id the list
  // has is noted (src/incremental/census.ts): a full read notes what it writes; a read of changes takes a census besides.
  const written = new IdSet();
  // A full read from the start that cannot be cut short is its own census; any other read takes one beside it (a
  // part of a full read merges its rows, so what was deleted before it, or while it is split, must be found).
  const ownCensus = plan.mode === 'full' && !plan.resumed && !r.cuttable;
  const census = takesCensus(run, listName) ? openCensus(run, listName, ownCensus ? written : undefined) : undefined;
  const check = recordCheck(r.roots, (t) => emitter.expanderOf(t));
  // The list's size as its reader learns it goes to the progress lines (not a resumed read's: its count starts
  // partway). The members pass and the merge cap go by the first exact one, the list's total_count as first answered.
  const resumed = plan.mode === 'full' && plan.resumed;
  const onTotal = (n: number, approximate?: boolean) => {
    if (!approximate && !emitter.members.totals.has(listName)) emitter.members.totals.set(listName, n);
    if (!resumed) r.progress.total(n, approximate);
  };
  const items =
    plan.mode === 'changes'
      ? readChanges(run.api, listName, plan.since, { check, resume: { onTotal } })
      : readAll(run.api, listName, { check, resume: { cursor: plan.cursor, onPage: (cursor) => (progress.cursor = cursor), onTotal } });
  // A full read resumes at a page: it must get past one before stopping, or a budget shorter than a page would never progress.
  const mayStop = plan.mode === 'full' ? () => r.stop() && progress.cursor !== plan.cursor : r.stop;
  const writeOnce = async (item: Json) => {
    // A record can come twice while pages shift (and again in the catch-up): the first read is written. The table is
    // the one a members pass puts the record's memberships under (users or leads, or none).
    const tag = tables.tagOf(item);
    const id = String(item[reader.id]);
    if (census && ownCensus) {
      if (!census.note(id, tag, item[reader.census!.created])) return;
    } else {
      if (!written.add(id, tag)) return;
      census?.note(id, tag, item[reader.census!.created], true);
    }
    await emitter.writeRecord(r.roots, item, progress, listName);
    // Counted once written, with its details: hundreds of records are in flight at once, and a count taken as they
    // are listed would reach the total while their details are still being read.
    r.progress.count();
  };
  // The catch-up follows the last page at once, while the last records' details are still in flight: records moved
  // while pages were read, and once every page is read a move can no longer hide one.
  let paged: number | undefined;
  const pagesThenCatchUp = async function* () {
    yield* items;
    paged = written.size;
    if (plan.mode === 'full') yield* catchUp(run.api, plan, check);
  };
  // Awaited only where deletions are read: a list that reads none starts its census and pages in the same turn.
  const deletions = readsDeletions(r, flags, tables);
  if (deletions && (await deletions)) read.found.deletionsKnown = true;
  // The census runs beside the read, and is not cut by the time budget either: a part of it proves nothing, and it
  // costs about one request per 130 records, at the rate limit.
  const pass = census && !ownCensus ? takeCensus(run, listName, tables, census) : Promise.resolve();
  // A failed census fails the run: the read is halted at once (the client rethrows the census's failure).
  pass.catch((e: unknown) => run.halt(e));
  // The catch-up is not cut by the time budget: it is what makes the read whole.
  const ended = await run.forEach(pagesThenCatchUp(), () => paged === undefined && mayStop(), writeOnce);
  await pass;
  if (paged !== undefined && written.size > paged) log.info(`The catch-up found ${fmt(written.size - paged)} ${listName} that the paged read missed; they are written.`);
  if (ended) r.known.noteRead(listName, written);
  await afterRead(r, tables, census, ownCensus, ended, flags, written);
  return ended;
}

/**
 * Records deleted since the last run: their rows go, as a full run would leave them. Down to where the last read of
 * deletions began (its mark may be later, after a long run). A full read reads them too where it keeps storage's
 * rows: under parameters.deletes "flag" (it flags them), and where the time budget may split it (its parts are
 * merged). A split first read, which has no earlier read of deletions to go down to, goes down to where it began: a
 * record one part wrote and that was deleted before a later part must go, and no census stands in for the deleted
 * list on this version.
 */
function readsDeletions(r: ListReading, flags: Flag[], tables: ListTables): Promise<boolean> | undefined {
  const { plan } = r.read;
  const splitFrom = plan.mode === 'full' && (r.cuttable || plan.resumed) ? plan.startedAt - plan.margin : undefined;
  const through = plan.mode === 'full' ? (plan.deletedThrough ?? splitFrom) : undefined;
  if (plan.mode === 'changes' || (through !== undefined && (r.run.flagDeletes || r.cuttable || plan.resumed))) {
    const since = plan.mode === 'changes' ? Math.min(plan.since, plan.deletedThrough ?? plan.since) : through!;
    return readDeleted(r.run, plan.list, since, r.read.found, flags, tables);
  }
  return undefined;
}

/** The census settled, the flags written, the children completed from the other side, and the members pass. */
async function afterRead(r: ListReading, tables: ListTables, census: ListCensus | undefined, ownCensus: boolean, ended: boolean, flags: Flag[], written: IdSet): Promise<void> {
  const { run, emitter, read } = r;
  const listName = read.plan.list;
  const vanishedIds = (t: CompiledTable) => emitter.vanishedIds.get(t.name);
  // A census is whole on its own; a full read is its own census only when it read to the end.
  const settled = census && (!ownCensus || ended);
  if (settled) await settleCensus(run, read, census, flags, tables, ended, r.roots.flatMap((t) => [...(vanishedIds(t) ?? [])]));
  const held = heldOnly(run, listName, flags, read.found, settled ? census : undefined);
  await writeFlags(run, held.filter((f) => !written.has(f.id) || r.roots.some((t) => vanishedIds(t)?.has(f.id))));
  await emitter.otherSide.complete(r.roots);
  await emitter.members.readAfter(listName, tables, written);
}
