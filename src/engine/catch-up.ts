/**
 * A list is paged while it changes: Intercom orders conversations by last update, so one updated during the read
 * moves to a page already read and would be missed. After a full read, every record updated since the read began
 * (less the reader's search margin, for clock skew and index lag) is read again; the reader skips those already
 * written, which keep the version read first (incremental runs pick up the newer one: their mark stays at the start
 * of the read). A newest-first list is read again from its front, down to the first older record, which needs no
 * search index; any other list with a search is searched.
 */
import { log } from '../log.js';
import { readAll, readChanges, readers, updatedAt, type Json, type ReaderContext, type RecordCheck } from '../resources/index.js';
import type { Plan } from '../incremental/read.js';
import { describeCatchUp } from './margin.js';

export async function* catchUp(api: ReaderContext, plan: Extract<Plan, { mode: 'full' }>, check: RecordCheck): AsyncIterable<Json> {
  const listName = plan.list;
  const reader = readers[listName];
  const updated = reader.updated;
  if (!updated || !(reader.search || reader.newest_first)) return;
  const since = plan.startedAt - plan.margin;
  if (reader.newest_first) {
    log.info(`Catching up on ${listName} updated ${describeCatchUp(plan, true)}: the front of the list again, where records that changed while it ran have moved.`);
    for await (const item of readAll(api, listName, { check })) {
      if (updatedAt(listName, item) < since) return;
      yield item;
    }
  } else {
    log.info(`Catching up on ${listName} updated ${describeCatchUp(plan, false)}: records that moved between pages while it ran.`);
    yield* readChanges(api, listName, since, { check });
  }
}
