/**
 * Delete capture, first way: the list's own list of deleted records, where the API version serves one
 * (conversations from 2.16). Read newest deletion first, down to where the last read of them began.
 */
import { emitEvent } from '../../events.js';
import { log } from '../../log.js';
import { deletionsListed, describeReader, pageSize, readAll, readers, type Json } from '../../resources/index.js';
import type { Findings } from '../../incremental/read.js';
import { fmt } from '../progress.js';
import type { RunContext } from '../context.js';
import type { ListTables } from '../tables.js';
import type { Flag } from './flags.js';

/**
 * The records of a list deleted since `since` (the read's start: every deletion before it was there for the last
 * run to see): their ids join the ids whose rows the manifests delete, and no row is written for them. True when
 * the API version served the deleted list (every deletion since is then in `found.deleted`).
 */
export async function readDeleted(run: RunContext, listName: string, since: number, found: Findings, flags: Flag[], tables: ListTables): Promise<boolean> {
  const deleted = readers[listName].deleted;
  if (!deleted) return false;
  found.deletedFrom = run.nowSec();
  if (!deletionsListed(listName, run.cfg.apiVersion)) {
    if (!readers[listName].census) log.info(`${listName} deleted in Intercom leave storage at the next full read (parameters.full_refresh_days): API ${run.cfg.apiVersion} has no list of them; parameters.api_version "${deleted.from_version}" or later removes them every run.`);
    return false;
  }
  let n = 0;
  const id = readers[listName].id;
  // Asked for newest deletion first, the list ends where it reaches older ones than the read's start; but only once
  // a page's worth of them came in falling order. An answer in any other order is read to its end.
  let previousAt = Infinity;
  let falling = true;
  let older = 0;
  // A deletion without its time cannot be placed: the answer is malformed (retried, then the run fails).
  const check = (item: Json) => (Number(item[deleted.at]) > 0 ? undefined : `without a ${deleted.at} (UNIX seconds)`);
  for await (const item of readAll(run.api, deleted.reader, { check })) {
    const at = Number(item[deleted.at]);
    if (at > previousAt) falling = false;
    previousAt = at;
    if (at < since) {
      if (falling && ++older >= pageSize(deleted.reader)) break;
      continue;
    }
    // Apart from the records written: the cap on records merged per run counts those, not deletions.
    if (found.deleted?.add(String(item[id]))) flags.push({ id: String(item[id]), tables: tables.only ? [tables.only] : [], at, listed: true });
    n++;
  }
  log.info(`${listName}: ${fmt(n)} deleted since ${new Date(since * 1000).toISOString()} (${describeReader(deleted.reader)}); ${run.fate}.`);
  emitEvent({ kind: 'deletions', list: listName, count: n, via: 'deleted_list' });
  return true;
}
