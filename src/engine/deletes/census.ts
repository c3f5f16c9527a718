/**
 * Delete capture, second way: a census of every id of a list, compared with the last run's sketch of them
 * (src/incremental/census.ts), where the API keeps no list of deletions (contacts; conversations before 2.16), and
 * under deletes "flag" beside the deleted list (which also names records storage never held).
 */
import { emitEvent } from '../../events.js';
import { log } from '../../log.js';
import { deletionsListed, describeReader, describeSearch, expand, readCensus, readers, vanished } from '../../resources/index.js';
import { ListCensus } from '../../incremental/census.js';
import { IdSketch } from '../../incremental/id-sketch.js';
import type { ListRead } from '../../incremental/read.js';
import type { IdSet } from '../../util/id-set.js';
import { fmt } from '../progress.js';
import type { RunContext } from '../context.js';
import type { ListTables } from '../tables.js';
import type { Flag } from './flags.js';

/**
 * Whether an incremental run notes every id of the list, to compare with the last run's sketch: where the API
 * version lists no deletions of it, and under deletes "flag" (the deleted list also names records created and
 * deleted since the last run, which storage never held; the census says which of them the last run had).
 */
export function takesCensus(run: RunContext, listName: string): boolean {
  return readers[listName].census !== undefined && run.cfg.incremental && (!deletionsListed(listName, run.cfg.apiVersion) || run.flagDeletes);
}

/**
 * The census of a list. `written`: a full read from the start that cannot be cut short is its own census (the set
 * of records it writes); any other read takes one beside it.
 */
export function openCensus(run: RunContext, listName: string, written?: IdSet): ListCensus {
  const stored = run.previous?.lists[listName];
  // After more deletions than the last sketch told apart, the sketch that run left does not hold them: this full
  // read cannot learn them, and replaces the tables (earlier flags go).
  const reference = stored?.read_whole ? undefined : stored;
  return new ListCensus(reference, readers[listName].census!.margin, written);
}

/** The census beside the read: every record, searched in parallel ranges of creation time. */
export async function takeCensus(run: RunContext, listName: string, tables: ListTables, census: ListCensus): Promise<void> {
  const reader = readers[listName];
  for await (const item of readCensus(run.api, listName)) census.note(String(item[reader.id]), tables.tagOf(item), item[reader.census!.created]);
}

/**
 * A whole census: its sketch is kept for the next run, and the ids the last run's sketch has but this run did not
 * see are asked for one by one (search may not have indexed a record yet): each that is gone (404) was deleted, or
 * merged into another contact, since the last run. `vanished`: ids deleted while the run read them.
 */
export async function settleCensus(run: RunContext, read: ListRead, census: ListCensus, flags: Flag[], tables: ListTables, ended: boolean, vanishedIds: string[]): Promise<void> {
  const listName = read.plan.list;
  const now = run.nowSec();
  await confirmGone(run, read, census, flags, tables, now, ended);
  // A record that vanished while read has no row: one the last run did not have either goes into the sketch under
  // no table, so that when it is found gone next run no row is flagged for it (storage never held one).
  for (const id of vanishedIds) if (census.had(id) === false) census.untable(id);
  // After the checks: an id the census missed but that still exists stays in the sketch, so its deletion later is found.
  const sketch = census.sketch();
  if (sketch) read.found.sketch = { text: sketch, at: now };
  else log.info(`${listName}: id ${census.unsketchable} is longer than the state's sketch holds, so records deleted in Intercom leave storage at the next full read (parameters.full_refresh_days).`);
}

/** The ids the last run's sketch has and this run did not see, each asked for: a 404 (or 410) is a deletion. */
async function confirmGone(run: RunContext, read: ListRead, census: ListCensus, flags: Flag[], tables: ListTables, now: number, ended: boolean): Promise<void> {
  const { plan, found } = read;
  const listName = plan.list;
  const reader = readers[listName];
  // A whole full read from the start replaces its tables, so deletions matter to it only where it keeps flagged rows.
  const replaces = plan.mode === 'full' && !plan.resumed && ended;
  if (!census.comparable || (replaces && !run.flagDeletes)) return;
  const gone = census.gone();
  if (!gone) {
    // Where the API lists deletions, they are all removed anyway: only their flags wait for a sketch that decodes.
    if (!census.unsketchable && !deletionsListed(listName, run.cfg.apiVersion)) {
      found.readWhole = true;
      log.info(`${listName}: more records were deleted or merged since the last run than its state can tell apart (about ${fmt(IdSketch.maxDifference(IdSketch.cellsFor(census.seen.size)))} at this size); the next run reads all of them and replaces the tables.`);
      emitEvent({ kind: 'sketch_overflow', list: listName });
    }
    return;
  }
  found.moved = census.moved();
  // Those the list's deleted list named are gone for sure: no request to ask.
  const unconfirmed = gone.filter((g) => !found.deleted?.has(g.id));
  const confirm = reader.confirm_gone!;
  let n = gone.length - unconfirmed.length;
  await run.forEach(
    (async function* () {
      yield* unconfirmed;
    })(),
    () => false,
    async ({ id, tag }) => {
      try {
        await expand(run.api, confirm, { [reader.id]: id });
        census.keep(id, tag);
        log.info(`${listName} ${id} is missing from ${census.ofTheRead ? describeReader(listName) : `the census (${describeSearch(listName)})`} but still exists; its rows stay.`);
        emitEvent({ kind: 'still_exists', list: listName, id });
      } catch (e) {
        if (!vanished(confirm, e)) throw e;
        found.deleted?.add(id);
        const table = tables.tableOf(tag);
        flags.push({ id, tables: table ? [table] : [], at: now });
        n++;
      }
    },
  );
  found.deletionsKnown = true;
  log.info(`${listName}: ${fmt(n)} deleted or merged since the last run (the ids of all ${fmt(census.seen.size)}, compared with the last run's); ${run.fate}.`);
  emitEvent({ kind: 'deletions', list: listName, count: n, via: 'census' });
}
