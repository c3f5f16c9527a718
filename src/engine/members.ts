/**
 * Membership read from the other side, the cheaper way: a fetch declared with `members` (segment memberships) is
 * read per record of the list (one request each), or per member list (a segment's contacts), whichever costs fewer
 * requests this run. Decided once per list and reader, when its first record is mapped.
 */
import { log } from '../log.js';
import { getPath, type Scope } from '../flatten/mapping.js';
import type { CompiledTable } from '../flatten/template.js';
import { describeReader, pageSize, readAll, readFor, readers, type Json } from '../resources/index.js';
import { IdSet } from '../util/id-set.js';
import { plural } from '../util/plural.js';
import { fmt } from './progress.js';
import { listsOf, matches, type ListTables } from './tables.js';
import type { RunContext } from './context.js';

/** Writes a table's row for an object and its children's: the emitter's (src/engine/emit.ts). */
export type Emit = (table: CompiledTable, obj: Json, scope: Scope) => Promise<boolean>;

export class ByMembers {
  /** Whether each fetch with `members` reads by members this run, by `<list> <reader>`. */
  private readonly modes = new Map<string, Promise<boolean>>();
  /** Each list's total_count, from its first page. */
  readonly totals = new Map<string, number>();

  constructor(
    private readonly run: RunContext,
    private readonly emit: Emit,
  ) {}

  /**
   * Whether a fetch with `members` reads by members this run: one request per record of the list (its total_count)
   * against Σ ⌈size / page⌉ over the members list. Segment memberships: 1,000 contacts in 5 segments of 300 cost 10
   * requests instead of 1,000.
   */
  via(child: CompiledTable, root: CompiledTable): Promise<boolean> {
    const from = child.node.from;
    if (from.kind !== 'fetch' || !from.members) return Promise.resolve(false);
    const list = listsOf(root)[0];
    const key = `${list} ${from.reader}`;
    let decided = this.modes.get(key);
    if (!decided) {
      decided = this.decide(list, from.reader, from.members);
      this.modes.set(key, decided);
    }
    return decided;
  }

  private async decide(list: string, reader: string, members: { list: string; reader: string; size: string }): Promise<boolean> {
    const total = this.totals.get(list);
    if (total === undefined) return false; // the list did not say its size: one request per record, as declared
    let requests = 0;
    let items = 0;
    for await (const item of readAll(this.run.api, members.list)) {
      const size = Number(getPath(item, undefined, members.size));
      if (!Number.isFinite(size) || size < 0) {
        log.info(`${reader}: ${members.list} ${String(item[readers[members.list].id])} does not say its size (${members.size}), so they are read one request per ${list} record.`);
        return false;
      }
      requests += Math.max(1, Math.ceil(size / pageSize(members.reader)));
      items++;
    }
    const via = requests < total;
    const costs = `one ${describeReader(reader)} per ${list} record: ${plural(total, 'request')}; ${describeReader(members.reader)} for each of ${fmt(items)} ${members.list}: about ${fmt(requests)}`;
    log.info(`${reader}: read ${via ? `by ${members.list}, the cheaper way` : `per ${list} record, the cheaper way`} (${costs}).`);
    this.run.counts.membersSaved.set(reader, via ? total - requests : 0);
    return via;
  }

  /**
   * After the list is read, not beside it: a member goes under the table the read wrote it to (a lead that became a
   * user during the run is in leads, and so are its memberships). `written`: the list's ids, tagged by table.
   */
  async readAfter(listName: string, tables: ListTables, written: IdSet): Promise<void> {
    for (const [key, decided] of this.modes) {
      const [list, readerName] = key.split(' ');
      if (list === listName && (await decided)) await this.read(listName, readerName, tables, written);
    }
  }

  /**
   * The members pass of a fetch that reads by members this run: each record of the members list is asked for its
   * members, and becomes a row under each of them that belongs to one of the list's tables (a lead's segment under
   * leads_segments). The tables hold every membership, so they replace what storage has.
   */
  private async read(listName: string, reader: string, tables: ListTables, written: IdSet): Promise<void> {
    const targets = tables.roots.flatMap((root) => root.children.filter((c) => c.node.from.kind === 'fetch' && c.node.from.reader === reader && c.node.from.members).map((child) => ({ root, child })));
    const from = targets[0]?.child.node.from;
    if (from?.kind !== 'fetch' || !from.members) return;
    const members = from.members;
    for (const t of targets) this.run.replaced.add(t.child.name);
    const idField = readers[listName].id;
    await this.run.forEach(readAll(this.run.api, members.list, { check: targets[0].child.check }), () => false, async (item) => {
      // A search pages while records change: a member listed twice is one membership.
      const seen = new IdSet();
      for await (const member of readFor(this.run.api, members.reader, item)) {
        const id = String(member[idField]);
        if (!seen.add(id)) continue;
        // The table the read wrote the member to; one it never wrote (too new for the read) by its own fields.
        const tag = written.get(id);
        const wrote = tag === undefined ? undefined : tables.tableOf(tag);
        for (const { root, child } of targets) if (tag !== undefined ? wrote === root : matches(root, member)) await this.emit(child, item, { parent: member, root: member });
      }
    });
  }
}
