/**
 * Lists that only the other side can complete (a company shows at most 10 of its tags, and no endpoint lists one
 * company's tags): the capped parents are set aside while the list is read, then every record of the item list is
 * asked which parents it has, and becomes an item of each capped parent among them. Costs one paged read per item,
 * so it runs only when some parent is capped.
 */
import { log } from '../log.js';
import type { Scope } from '../flatten/mapping.js';
import type { CompiledTable } from '../flatten/template.js';
import { describeReader, readAll, readFor, readers, vanished, type Json } from '../resources/index.js';
import { fmt } from './progress.js';
import { plural } from '../util/plural.js';
import type { RunContext } from './context.js';
import type { Emit } from './members.js';

interface Waiting {
  root: CompiledTable;
  /** The capped parents by key, each with the keys of the items already written for it. */
  parents: Map<string, { scope: Scope; written: Set<string>; found: boolean }>;
}

export class FromOtherSide {
  private readonly deferred = new Map<CompiledTable, Waiting>();

  constructor(
    private readonly run: RunContext,
    private readonly emit: Emit,
  ) {}

  /** A capped parent of `child`: the items it shows (`shown`) are written now, the rest once the other side is read. */
  defer(child: CompiledTable, parentTable: CompiledTable, parentObj: Json, scope: Scope, shown: Json[]): void {
    const from = child.node.from;
    if (from.kind !== 'embedded' || !from.complete_by) return;
    const itemKey = readers[from.complete_by.list].id;
    const waiting = this.deferred.get(child) ?? { root: parentTable, parents: new Map() };
    waiting.parents.set(String(parentObj[readers[from.complete_by.members].id]), { scope, written: new Set(shown.map((i) => String(i[itemKey]))), found: false });
    this.deferred.set(child, waiting);
  }

  /** Completes the children deferred under these top-level tables (another list's, read at the same time, wait). */
  async complete(roots: CompiledTable[]): Promise<void> {
    for (const [child, waiting] of this.deferred) {
      if (!roots.includes(waiting.root)) continue;
      this.deferred.delete(child);
      await this.completeOne(child, waiting);
    }
  }

  private async completeOne(child: CompiledTable, { root, parents }: Waiting): Promise<void> {
    const parentTable = root.name;
    const from = child.node.from;
    if (from.kind !== 'embedded' || !from.complete_by) return;
    const { list, members } = from.complete_by;
    const key = readers[members].id;
    const itemKey = readers[list].id;
    log.info(`${fmt(parents.size)} ${parentTable} show ${from.capped_at ?? 'a capped list of'} or more items of ${child.name}, which may be more than the API shows: their ${child.name} come from ${describeReader(members)} for each of the ${list}.`);
    const before = this.run.writers.counts().get(child.name) ?? 0;
    await this.run.forEach(readAll(this.run.api, list, { check: child.check }), () => false, async (item) => {
      try {
        for await (const member of readFor(this.run.api, members, item)) {
          const parent = parents.get(String(member[key]));
          if (!parent) continue;
          parent.found = true;
          // Page-numbered members shift while records change: a parent listed twice gets the item once.
          if (parent.written.has(String(item[itemKey]))) continue;
          parent.written.add(String(item[itemKey]));
          await this.emit(child, item, parent.scope);
        }
      } catch (e) {
        if (!vanished(members, e)) throw e;
        this.run.counts.vanished++;
        log.warn(`${list} ${String(item[readers[list].id])} was deleted while the run read its ${members}; it is left out of ${child.name}.`);
      }
    });
    log.info(`${child.name}: ${plural((this.run.writers.counts().get(child.name) ?? 0) - before, 'row')} added beyond those shown, for the ${fmt(parents.size)} capped ${parentTable}.`);
    const unseen = [...parents].filter(([, p]) => !p.found).map(([k]) => k);
    if (unseen.length > 0) {
      log.warn(`${fmt(unseen.length)} ${parentTable} (${unseen.slice(0, 5).join(', ')}${unseen.length > 5 ? ', …' : ''}) showed ${from.capped_at ?? 'a capped list of'} or more items of ${child.name}, but ${describeReader(members)} listed none of them for any of the ${list}, so only the items they show are written. (Intercom documents that it leaves some records out of that listing.)`);
    }
  }
}
