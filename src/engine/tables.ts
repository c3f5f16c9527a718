/**
 * What the engine asks of a template's tables: which list readers a top-level table reads, which table a listed
 * record belongs to, and the tables each table hangs under. The template says it all; these only read it.
 */
import type { CompiledTable } from '../flatten/template.js';
import type { RunConfig } from '../keboola/config.js';
import { describeReader, readers, served, type Json, type RecordCheck } from '../resources/index.js';

/** The list readers a top-level table reads, one after another. */
export function listsOf(root: CompiledTable): string[] {
  return root.node.from.kind === 'list' ? [root.node.from.list].flat() : [];
}

/** Whether a listed record belongs to a top-level table (contacts split by role). */
export function matches(root: CompiledTable, item: Json): boolean {
  return hasFields(item, root.node.from.kind === 'list' ? root.node.from.where : undefined);
}

/** Whether a record's fields hold the values a template's `where` names (none named: yes). */
export function hasFields(item: Json, where: Record<string, unknown> | undefined): boolean {
  return !where || Object.entries(where).every(([k, v]) => item[k] === v);
}

/** The log line of tables the run's API version serves nothing for (their reader is served from a later one). */
export function notServedLine(tables: string, reader: string, version: string): string {
  const from = readers[reader].from_version;
  return `${tables}: ${describeReader(reader)} is served from API ${from}, not ${version}, so the table is written empty (parameters.api_version "${from}" or later reads it).`;
}

/**
 * The top-level tables one list feeds (users and leads, from contacts), and the compact tag an id set keeps for each
 * record: 1 + the index of the table it went to, 0 for none of them (a lead where the template has users only).
 */
export class ListTables {
  constructor(readonly roots: CompiledTable[]) {}

  tagOf(item: Json): number {
    return this.roots.findIndex((r) => matches(r, item)) + 1;
  }

  /** The table a tag names, if any. */
  tableOf(tag: number): CompiledTable | undefined {
    return tag > 0 ? this.roots[tag - 1] : undefined;
  }

  /** The one table a record of this list goes to when the list feeds only one; else none can be told without the record. */
  get only(): CompiledTable | undefined {
    return this.roots.length === 1 ? this.roots[0] : undefined;
  }
}

/** Every table → the top-level tables it hangs under (notes hang under users and leads). */
export function rootsByTable(roots: CompiledTable[]): Map<string, CompiledTable[]> {
  const map = new Map<string, CompiledTable[]>();
  const walk = (t: CompiledTable, root: CompiledTable) => {
    map.set(t.name, [...new Set([...(map.get(t.name) ?? []), root])]);
    t.children.forEach((c) => walk(c, root));
  };
  roots.forEach((r) => walk(r, r));
  return map;
}

/** Top-level tables that read the same list share one pass over it (users and leads both come from contacts). */
export function groupByList(roots: CompiledTable[]): Map<string, CompiledTable[]> {
  const groups = new Map<string, CompiledTable[]>();
  for (const root of roots) {
    for (const l of listsOf(root)) groups.set(l, [...(groups.get(l) ?? []), root]);
  }
  return groups;
}

/**
 * The checks a list's records must pass: those of every top-level table the record feeds (users or leads by
 * role). A table whose rows come from an expanded record checks the expansion instead.
 */
export function recordCheck(roots: CompiledTable[], expanderOf: (root: CompiledTable) => string | undefined): RecordCheck {
  const direct = roots.filter((r) => !expanderOf(r));
  return (item) => {
    for (const r of direct) {
      if (!matches(r, item)) continue;
      const wrong = r.check(item);
      if (wrong) return wrong;
    }
    return undefined;
  };
}

/**
 * Whether the configuration turns a table off: a detail skipped (parameters.skip_contact_details), or one it must
 * opt into and does not (parameters.include_details). Such a table is written, empty, and its requests not made.
 */
export function turnedOff(table: Pick<CompiledTable, 'node'>, cfg: Pick<RunConfig, 'skipDetails' | 'includeDetails'>): boolean {
  const { skippable, included } = table.node;
  return (skippable !== undefined && cfg.skipDetails.has(skippable)) || (included !== undefined && !cfg.includeDetails.has(included));
}

/** The expander a top-level table's records go through, unless the template lets it be skipped and the configuration does. */
export function expanderOf(table: Pick<CompiledTable, 'node'>, cfg: Pick<RunConfig, 'skipDetails'>): string | undefined {
  const from = table.node.from;
  if (from.kind !== 'list' || !from.expand) return undefined;
  return from.expand_skippable && cfg.skipDetails.has(from.expand_skippable) ? undefined : from.expand;
}

/** The per-record details the configuration includes that this template reads (parameters.include_details). */
export function includedDetails(tables: CompiledTable[], cfg: Pick<RunConfig, 'includeDetails'>): string[] {
  return [...new Set(tables.flatMap((t) => (t.node.included && cfg.includeDetails.has(t.node.included) ? [t.node.included] : [])))];
}

/**
 * The tables the API version serves nothing for: under a list it does not serve, or a detail reader it does not
 * (with every table under them). They are written empty, and emptying them is no news.
 */
export function unservedTables(roots: CompiledTable[], version: string): Set<string> {
  const out = new Set<string>();
  const under = (t: CompiledTable) => (out.add(t.name), t.children.forEach(under));
  const walk = (t: CompiledTable) => {
    const from = t.node.from;
    const unserved = from.kind === 'list' ? listsOf(t).every((l) => !served(l, version)) : from.kind === 'fetch' && !served(from.reader, version);
    if (unserved) under(t);
    else t.children.forEach(walk);
  };
  roots.forEach(walk);
  return out;
}

/** A size of 0, false or an empty list: the parent says so. Anything else, absent included, proves nothing. */
export function isZero(v: unknown): boolean {
  return v === 0 || v === false || v === '0' || (Array.isArray(v) && v.length === 0);
}
