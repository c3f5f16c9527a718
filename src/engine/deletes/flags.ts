/**
 * parameters.deletes "flag": a deleted record keeps a row in its top-level table, marked is_deleted with the
 * deletion time, and its history gains a final version. Only records storage may hold are flagged: a flagged row
 * for one it never held would be a row that never existed.
 */
import { emitEvent } from '../../events.js';
import { log } from '../../log.js';
import type { CompiledTable } from '../../flatten/template.js';
import type { Findings } from '../../incremental/read.js';
import type { ListCensus } from '../../incremental/census.js';
import { fmt } from '../progress.js';
import type { RunContext } from '../context.js';

/** A deleted record to flag: its id, the top-level tables whose row of it is flagged, and when it went. */
export interface Flag {
  id: string;
  tables: readonly CompiledTable[];
  at: number;
  /** From the list's deleted list (which names records storage may never have held), not from a census. */
  listed?: boolean;
}

/** Writes the flagged rows (and final history versions) of deleted records, one per key and table. */
export async function writeFlags(run: RunContext, flags: Flag[]): Promise<void> {
  if (!run.flagDeletes || !run.cfg.incremental) return;
  const done = new Set<string>();
  for (const f of flags) {
    for (const root of f.tables) {
      if (!root.flagged || done.has(`${root.name} ${f.id}`)) continue;
      done.add(`${root.name} ${f.id}`);
      await run.writers.get(root.name).write(root.flagged(f.id, f.at));
      if (root.history?.flagged) await run.writers.get(root.history.name).write(root.history.flagged(f.id, f.at));
    }
  }
}

/**
 * The flags of records storage may hold.
 * - Before the list's first read to the end (a first full read split over runs), storage holds only the parts
 *   written so far, which no census tells apart: nothing is flagged (the rows of deleted records go all the same).
 * - A record the API's deleted list names is flagged where the census says the last run had it, or cannot tell.
 *   One the last run did not have was created and deleted since, or was named and flagged by the last run already
 *   (the deleted list is read with an overlap): it is neither flagged nor deleted, so a flagged row an earlier run
 *   wrote stays (`found.keep`).
 * - A record the census found gone was in the last run's ids: flagged.
 */
export function heldOnly(run: RunContext, listName: string, flags: Flag[], found: Findings, census: ListCensus | undefined): Flag[] {
  if (flags.length === 0 || !run.flagDeletes) return flags;
  if (run.previous?.lists[listName]?.mark === undefined) {
    log.info(`${listName}: ${fmt(flags.length)} deleted, whose rows go without a flag: until a first read of ${listName} to the end has finished, storage may not hold them.`);
    return [];
  }
  const had = (f: Flag) => (f.listed && census?.comparable ? census.had(f.id) : undefined);
  const never = flags.filter((f) => had(f) === false);
  if (never.length > 0) {
    found.keep = new Set(never.map((f) => f.id));
    log.info(`${listName}: ${fmt(never.length)} of the deleted were not in the last run's ids (created and deleted since, or flagged already): no row is written or removed for them.`);
    emitEvent({ kind: 'deletions_unheld', list: listName, count: never.length });
  }
  return flags.filter((f) => had(f) !== false);
}
