/**
 * Every reader a run of this configuration may ask, decided as the run decides it: the lists of the template's
 * top-level tables (those the API version serves), their searches, expanders and custom-column definitions, each
 * child table's per-record reader unless the configuration turns it off, the lists that only relation rows name,
 * and on incremental runs the deleted lists, the censuses and the checks that a record is gone. testConnection
 * asks each once (src/actions/test-connection.ts); tests/e2e/test-connection.test.ts compares them with what a run
 * of the same configuration asks.
 */
import type { CompiledTable, Template } from '../flatten/template.js';
import type { RunConfig } from '../keboola/config.js';
import { changesMargin, deletionsListed, readers, served } from '../resources/index.js';
import { expanderOf, listsOf, turnedOff } from './tables.js';

export interface Endpoint {
  /** The reader asked. */
  reader: string;
  /** The list's search (POST), not its list. */
  search?: boolean;
  /** The list whose record fills the reader's `{field}` (a per-record reader): the record of the top-level table above. */
  parent?: string;
  /** The tables the run cannot write without it, in the template's order. */
  tables: string[];
  /**
   * Why a run of this configuration may not ask it: `capped`, only for records whose embedded list is capped;
   * `cheaper`, one of two ways to the same rows, whichever costs fewer requests; `incremental`, only for the
   * changes, deletions and checks of an incremental run. Absent: every run asks it, given records to ask about.
   */
  when?: 'capped' | 'cheaper' | 'incremental';
  /**
   * The run goes on without it, with a warning: a list read only for the ids that relation rows name (tags for
   * conversations_tags), so rows naming a deleted one go (src/engine/deletes/known-ids.ts, readIdsOnly).
   */
  optional?: true;
}

type Config = Pick<RunConfig, 'apiVersion' | 'incremental' | 'deletes' | 'skipDetails' | 'includeDetails' | 'customAttributeColumns'>;

/** The endpoints of a configuration, each reader (and search) with its parent once, with every table that needs it. */
export function endpointsOf(template: Template, cfg: Config): Endpoint[] {
  const found = new Map<string, Endpoint>();
  const add = (e: Endpoint) => {
    if (!served(e.reader, cfg.apiVersion)) return;
    const key = `${e.reader} ${e.search ? 'search' : ''} ${e.parent ?? ''}`;
    const had = found.get(key);
    if (!had) return void found.set(key, { ...e, tables: [...e.tables] });
    had.tables = [...new Set([...had.tables, ...e.tables])];
    // Asked by every run for one table, only sometimes for another: every run asks it.
    if (e.when === undefined) delete had.when;
    // Needed by one table, read only for ids for another: needed.
    if (!e.optional) delete had.optional;
  };
  for (const root of template.roots) rootEndpoints(root, cfg).forEach(add);
  referredLists(template).forEach(add);
  if (cfg.incremental) incrementalEndpoints(template, cfg).forEach(add);
  const order = new Map(template.tables.map((t, i) => [t.name, i]));
  for (const e of found.values()) e.tables.sort((a, b) => order.get(a)! - order.get(b)!);
  return [...found.values()];
}

/** A table and every table under it, with its history table: none can be written without the table's records. */
export function tablesUnder(table: CompiledTable): string[] {
  return [table.name, ...(table.history ? [table.history.name] : []), ...table.children.flatMap(tablesUnder)];
}

function rootEndpoints(root: CompiledTable, cfg: Config): Endpoint[] {
  const lists = listsOf(root).filter((l) => served(l, cfg.apiVersion));
  if (lists.length === 0) return [];
  const tables = tablesUnder(root);
  const out: Endpoint[] = [];
  for (const list of lists) {
    out.push({ reader: list, tables });
    const r = readers[list];
    // A full read catches up on records that moved while it paged: by its search, unless the list is newest first.
    if (r.search && r.search.path !== r.path && !r.newest_first) out.push({ reader: list, search: true, tables });
    const expander = expanderOf(root, cfg);
    if (expander) out.push({ reader: expander, parent: list, tables });
  }
  const custom = root.node.custom_columns;
  if (custom && cfg.customAttributeColumns) out.push({ reader: custom.reader, tables: [root.name] });
  for (const child of root.children) out.push(...childEndpoints(child, lists, cfg));
  return out;
}

/** A child table's own readers, with its parents' records: per record, to complete a capped list, or from the other side. */
function childEndpoints(child: CompiledTable, parents: string[], cfg: Config): Endpoint[] {
  if (turnedOff(child, cfg)) return [];
  const tables = tablesUnder(child);
  const from = child.node.from;
  const perParent = (reader: string, when?: Endpoint['when']) => parents.map((parent): Endpoint => ({ reader, parent, tables, ...(when ? { when } : {}) }));
  const out: Endpoint[] = [];
  if (from.kind === 'fetch') {
    out.push(...perParent(from.reader, from.members ? 'cheaper' : undefined));
    if (from.members) out.push({ reader: from.members.list, tables, when: 'cheaper' }, { reader: from.members.reader, parent: from.members.list, tables, when: 'cheaper' });
  } else if (from.kind === 'embedded') {
    if (from.complete_with) out.push(...perParent(from.complete_with, 'capped'));
    if (from.complete_by) out.push({ reader: from.complete_by.list, tables, when: 'capped' }, { reader: from.complete_by.members, parent: from.complete_by.list, tables, when: 'capped' });
  }
  // Tables below a child read from the child's items, which no list gives: their own readers are asked with the
  // top-level record (none of the templates has one).
  for (const grandchild of child.children) out.push(...childEndpoints(grandchild, parents, cfg));
  return out;
}

/** Lists that relation rows name and no table of the template holds: every run reads their ids (src/engine/deletes/known-ids.ts). */
function referredLists(template: Template): Endpoint[] {
  const held = new Set(template.roots.flatMap(listsOf));
  const naming = template.tables.filter((t) => t.node.refers_to && !held.has(t.node.refers_to.list));
  return [...new Set(naming.map((t) => t.node.refers_to!.list))].map((list) => ({ reader: list, tables: naming.filter((t) => t.node.refers_to!.list === list).map((t) => t.name), optional: true as const }));
}

/**
 * What only an incremental run asks: a list's changes (its search), its deleted list, its census, and the record
 * checks before a row goes, for the lists that keep their ids (src/engine/deletes/census.ts, known-ids.ts).
 */
function incrementalEndpoints(template: Template, cfg: Config): Endpoint[] {
  const flag = cfg.deletes === 'flag';
  const referred = new Set(template.tables.flatMap((t) => (t.node.refers_to ? [t.node.refers_to.list] : [])));
  const held = new Set(template.roots.flatMap(listsOf));
  const flaggedWhole = new Set(flag ? template.roots.filter((r) => r.flagged).flatMap(listsOf).filter((l) => changesMargin(l) === undefined) : []);
  const tablesOf = (list: string) => [...new Set([...template.roots.filter((r) => listsOf(r).includes(list)).flatMap(tablesUnder), ...template.tables.filter((t) => t.node.refers_to?.list === list).map((t) => t.name)])];
  const lists = [...new Set([...template.roots.flatMap(listsOf), ...referred])].filter((l) => served(l, cfg.apiVersion));
  const out: Endpoint[] = [];
  for (const list of lists) {
    const r = readers[list];
    const tables = tablesOf(list);
    const when = 'incremental' as const;
    const census = r.census !== undefined && (!deletionsListed(list, cfg.apiVersion) || flag);
    if (r.search && r.search.path !== r.path && (r.updated !== undefined || census)) out.push({ reader: list, search: true, tables, when });
    if (r.deleted && deletionsListed(list, cfg.apiVersion)) out.push({ reader: r.deleted.reader, tables, when });
    // A referred list no table holds is read only for its ids: without them no record of it is checked either.
    const idsOnly = referred.has(list) && !held.has(list) && !census && !flaggedWhole.has(list);
    if (r.confirm_gone && (census || referred.has(list) || flaggedWhole.has(list))) out.push({ reader: r.confirm_gone, parent: list, tables, when, ...(idsOnly ? { optional: true as const } : {}) });
  }
  return out;
}
