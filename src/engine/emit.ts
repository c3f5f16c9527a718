/**
 * Where a row is written: a listed record becomes its top-level row (expanded first where the template says so),
 * its history version, and its child rows, each child list read from the record, fetched per record, or completed
 * from the other side (src/engine/members.ts, src/engine/other-side.ts). A run's file never holds a key twice.
 */
import { infoOnce, log, warnOnce } from '../log.js';
import { emitEvent } from '../events.js';
import { getPath, type Scope } from '../flatten/mapping.js';
import { embeddedPath, type CompiledTable } from '../flatten/template.js';
import type { IncludableDetail, SkippableDetail } from '../keboola/config.js';
import { expand, readFor, readers, served, updatedAt, vanished, type Json } from '../resources/index.js';
import type { ReadProgress } from '../incremental/read.js';
import { IdSet } from '../util/id-set.js';
import { RunCounts, type RunContext } from './context.js';
import { ByMembers } from './members.js';
import { FromOtherSide } from './other-side.js';
import { expanderOf, hasFields, isZero, listsOf, matches, notServedLine, turnedOff } from './tables.js';

export class Emitter {
  readonly members: ByMembers;
  readonly otherSide: FromOtherSide;
  /** Records deleted between their listing and their detail request (read, but no row written), by table. */
  readonly vanishedIds = new Map<string, Set<string>>();
  /** Each table's keys this run, where the list's own check (one record per id) does not keep them unique. */
  private readonly tableKeys = new Map<string, Set<string>>();
  /** Each `moves` table's keys this run, across all parents. */
  private readonly movingKeys = new Map<string, IdSet>();
  /** Records that lost a row of a `moves` table to an earlier parent this run: the next run reads them again. */
  private readonly lostMoves = new WeakSet<Json>();

  constructor(
    private readonly run: RunContext,
    /** Told of each id a row names in a column that refers to a list (`refers_to`). */
    private readonly onNamed: (list: string, id: string) => void,
  ) {
    const emit = (table: CompiledTable, obj: Json, scope: Scope) => this.emit(table, obj, scope);
    this.members = new ByMembers(run, emit);
    this.otherSide = new FromOtherSide(run, emit);
  }

  /** The expander a top-level table's records go through, unless the template lets it be skipped and it is. */
  expanderOf(table: CompiledTable): string | undefined {
    return expanderOf(table, this.run.cfg);
  }

  /** A listed record's rows, under each top-level table it belongs to; the read's progress notes it. */
  async writeRecord(roots: CompiledTable[], item: Json, progress: ReadProgress, listName: string): Promise<void> {
    const reader = readers[listName];
    let written = false;
    let taken = false;
    for (const root of roots) {
      if (!matches(root, item)) continue;
      taken = true;
      written = (await this.emitRoot(root, item)) || written;
    }
    // A record no table takes (a lead that became a user, where users are left out) still has old rows to go.
    if (!written && taken) return;
    progress.ids.add(String(item[reader.id]));
    const updated = updatedAt(listName, item);
    if (!Number.isFinite(updated)) return;
    if (this.lostMoves.has(item)) progress.rereadFrom = Math.min(progress.rereadFrom ?? updated - 1, updated - 1);
    progress.maxUpdatedAt = Math.max(progress.maxUpdatedAt ?? updated, updated);
    progress.minUpdatedAt = Math.min(progress.minUpdatedAt ?? updated, updated);
  }

  private async emitRoot(table: CompiledTable, item: Json): Promise<boolean> {
    let obj = item;
    const expander = this.expanderOf(table);
    if (expander) {
      try {
        obj = await expand(this.run.api, expander, item, table.check);
      } catch (e) {
        if (!vanished(expander, e)) throw e;
        this.run.counts.vanished++;
        this.vanishedIds.set(table.name, (this.vanishedIds.get(table.name) ?? new Set()).add(String(item[readers[expander].id])));
        log.warn(`${table.name} ${String(item[readers[expander].id])} was deleted while the run read it; it is left out.`);
        emitEvent({ kind: 'vanished', table: table.name, id: String(item[readers[expander].id]) });
        return false;
      }
    }
    if (!(await this.emit(table, obj, {}, this.keysOf(table)))) return true;
    if (table.history) {
      const version = table.history.row(obj, {});
      // No change time, no version to tell apart: such a record has none in the history.
      if (version[version.length - 2] !== '') await this.run.writers.get(table.history.name).write(version);
    }
    this.countUnread(table, obj);
    return true;
  }

  /** The requests a left-out detail table would have cost this record, counted as the run would have made them. */
  private countUnread(table: CompiledTable, obj: Json): void {
    const { cfg, counts } = this.run;
    for (const u of this.run.template.unread) {
      if (u.parent !== table.name || (u.skippable && cfg.skipDetails.has(u.skippable as SkippableDetail)) || (u.included && !cfg.includeDetails.has(u.included as IncludableDetail)) || !served(u.reader, cfg.apiVersion)) continue;
      // A record that says its list is empty would have cost no request either way: nothing saved by leaving it out.
      if (!u.unlessZero?.every((p) => isZero(getPath(obj, undefined, p)))) RunCounts.add(counts.excluded, u.reader);
    }
  }

  /**
   * A top-level table whose rows the list's own check (one record per id) does not keep to one per key: a table fed
   * by several lists (data_attributes, of three), or keyed by more than its records' id. Its keys so far; such
   * tables are a few one-request lists.
   */
  private keysOf(table: CompiledTable): Set<string> | undefined {
    const key = table.node.primary_key;
    if (listsOf(table).length <= 1 && key.length === 1 && key[0] === table.rootKey) return undefined;
    let keys = this.tableKeys.get(table.name);
    if (!keys) this.tableKeys.set(table.name, (keys = new Set()));
    return keys;
  }

  /**
   * Writes the object's row and its children's; false (and nothing written) when `once` already holds its key: one
   * run's file never holds a key twice, however often Intercom lists a record. `across`: a `moves` table's keys this
   * run under every parent (`once` holds this parent's).
   */
  async emit(table: CompiledTable, obj: Json, scope: Scope, once?: Set<string>, across?: IdSet): Promise<boolean> {
    const row = table.row(obj, scope);
    const keyCells = table.node.primary_key.map((k) => row[table.columns.indexOf(k)]);
    if (!this.keyed(table, keyCells) || (once && !this.firstOf(table, keyCells, scope, once, across))) return false;
    const refers = table.node.refers_to;
    if (refers) this.onNamed(refers.list, row[table.columns.indexOf(refers.column)]);
    await this.run.writers.get(table.name).write(row);
    const childScope: Scope = { parent: obj, root: scope.root ?? obj };
    await Promise.all(table.children.map((child) => this.emitChildren(child, obj, table, childScope)));
    return true;
  }

  /**
   * A key column is never empty: typed storage takes an empty value as NULL, which a key column refuses. (The table's
   * check refuses a record with no key of its own; a key of several may still lack one part, as a social profile
   * without its url.)
   */
  private keyed(table: CompiledTable, keyCells: string[]): boolean {
    if (!keyCells.includes('')) return true;
    RunCounts.add(this.run.counts.keyless, table.name);
    warnOnce(`keyless:${table.name}`, `A ${table.name} row has no ${table.node.primary_key.filter((_, i) => keyCells[i] === '').join(' or ')}, part of its primary key, so storage could not hold it: it is left out (${table.node.primary_key.map((k, i) => `${k} ${JSON.stringify(keyCells[i])}`).join(', ')}).`);
    return false;
  }

  /** Whether this is the first row of its key this run (under this parent, `once`; under any, `across`). */
  private firstOf(table: CompiledTable, keyCells: string[], scope: Scope, once: Set<string>, across?: IdSet): boolean {
    const key = keyCells.join('\u0000');
    if (once.has(key)) {
      RunCounts.add(this.run.counts.duplicates, table.name);
      warnOnce(`duplicate:${table.name}`, `Intercom listed a ${table.name} record more than once (${table.node.primary_key.join(' + ')} ${keyCells.join(' / ')}): its first row is kept, the others left out.`);
      return false;
    }
    once.add(key);
    if (across && !across.add(key)) {
      // Moved to this parent since an earlier one was read with it: its row there stays this run, and the next run
      // reads this parent again and writes the row under it (the earlier parent's rows go with its deletion).
      if (scope.root) this.lostMoves.add(scope.root);
      return false;
    }
    return true;
  }

  private movingKeysOf(table: CompiledTable): IdSet {
    let keys = this.movingKeys.get(table.name);
    if (!keys) this.movingKeys.set(table.name, (keys = new IdSet()));
    return keys;
  }

  private async emitChildren(child: CompiledTable, parentObj: Json, parentTable: CompiledTable, scope: Scope): Promise<void> {
    if (turnedOff(child, this.run.cfg)) return;
    try {
      // One parent's items, each once: a list that repeats an item (or pages that overlap) writes it once. Other
      // parents' rows differ in the parent's key, which each child key holds.
      const once = new Set<string>();
      const across = child.node.moves ? this.movingKeysOf(child) : undefined;
      for await (const item of this.childItems(child, parentObj, parentTable, scope)) await this.emit(child, item, scope, once, across);
    } catch (e) {
      const from = child.node.from;
      const reader = from.kind === 'fetch' ? from.reader : from.kind === 'embedded' ? from.complete_with : undefined;
      if (!reader || !vanished(reader, e)) throw e;
      this.run.counts.vanished++;
      log.warn(`${parentTable.name} ${parentTable.describe(parentObj, scope)} was deleted while the run read its ${child.name}; its ${child.name} rows may be incomplete.`);
    }
  }

  private async *childItems(child: CompiledTable, parentObj: Json, parentTable: CompiledTable, scope: Scope): AsyncIterable<Json> {
    const from = child.node.from;
    if (from.kind === 'fetch') {
      // Read from the other side after the list, when that is cheaper.
      if (await this.members.via(child, parentTable)) return;
      // A parent the API serves no such detail for (a lead's merge history): not asked.
      if (!hasFields(parentObj, from.where)) return;
      // Not served by the run's API version (it would answer 400 intercom_version_invalid): no request, no rows.
      if (!served(from.reader, this.run.cfg.apiVersion)) return this.notServed(child, from.reader);
      // The parent says its list is empty (a contact with notes.total_count 0): no request to learn it again.
      if (from.unless_zero !== undefined && from.unless_zero.every((p) => isZero(getPath(parentObj, undefined, p)))) {
        RunCounts.add(this.run.counts.saved, from.reader);
        return;
      }
      yield* readFor(this.run.api, from.reader, parentObj, child.check);
      return;
    }
    if (from.kind !== 'embedded') throw new Error(`table ${child.name}: a child table's rows come from its parent`);
    // The parent's answer passed its table's check, so this is a list (or, where the template allows, absent).
    const items = getPath(parentObj, undefined, embeddedPath(parentObj, from));
    const list = Array.isArray(items) ? (items as Json[]) : [];
    // An embedded list capped by the API (a contact shows 10 tags at most): the whole list comes from elsewhere.
    const capped = from.when !== undefined ? getPath(parentObj, undefined, from.when) === true : from.capped_at !== undefined && list.length >= from.capped_at;
    if (capped && from.complete_with) {
      yield* readFor(this.run.api, from.complete_with, parentObj, child.check);
      return;
    }
    // The items shown are written now, and the rest once the other side has been read.
    if (capped && from.complete_by) this.otherSide.defer(child, parentTable, parentObj, scope, list);
    if (from.total) this.warnIfTruncated(child, parentObj, parentTable, scope, list.length, Number(getPath(parentObj, undefined, from.total)));
    yield* list;
  }

  private notServed(child: CompiledTable, reader: string): void {
    infoOnce(`not-served:${child.name}`, notServedLine(child.name, reader, this.run.cfg.apiVersion));
  }

  private warnIfTruncated(child: CompiledTable, parentObj: Json, parentTable: CompiledTable, scope: Scope, shown: number, total: number): void {
    if (!Number.isFinite(total) || total <= shown) return;
    this.run.counts.truncated++;
    log.warn(`${parentTable.name} ${parentTable.describe(parentObj, scope)}: Intercom returned ${shown} of its ${total} ${child.name} (the API gives only the most recent ${shown}); the rest cannot be read through the API.`);
  }
}
