/**
 * The pipeline: template → resource readers → mapping → table writers.
 * Each top-level list is read once, page by page; every object is mapped to its row and its child rows
 * (fetching detail lists where the template says so) while later objects are still being read, up to a
 * bounded number at a time. All HTTP goes through one client, which paces it by the rate-limit headers.
 */
import { log, resetWarnings, warnOnce } from './log.js';
import { StoppedError, UserError } from './errors.js';
import type { IntercomClient } from './intercom/client.js';
import { describeReader, expand, pageSize, readAll, readCensus, readChanges, readers, readFor, SCROLL_DEFAULTS, vanished, versionAtLeast, type Json, type ReaderContext, type RecordCheck } from './resources/index.js';
import { knownBefore, knownForNext, ListCensus } from './deletions.js';
import { IdSketch } from './util/id-sketch.js';
import { getPath, type Scope } from './flatten/mapping.js';
import { loadTemplate, type CompiledTable, type Template } from './flatten/template.js';
import type { ColumnRules } from './flatten/rules.js';
import { TableWriters, type TableSpec } from './keboola/tables.js';
import { manifestFor, type Manifest, type ManifestMode } from './keboola/manifest.js';
import { columnSpecs, customColumns, type CustomColumns } from './custom-columns.js';
import { CATCH_UP_MARGIN_SECONDS, changedColumnOptions, OVERLAP_SECONDS, KNOWN_IDS_AT_MOST, columnOptions, loadFor, MAX_MERGED_RECORDS, mayMerge, nextListState, planList, previousSync, type Ids, type Load, type Outcome, type Plan, type SyncState } from './sync.js';
import type { State } from './keboola/state.js';
import { fmt, Progress, type ListProgress } from './progress.js';
import { forEachConcurrent } from './util/concurrent.js';
import { IdSet } from './util/id-set.js';
import type { ScrollOptions } from './intercom/scroll.js';
import type { RunConfig, SkippableDetail } from './keboola/config.js';

export interface ExtractOptions {
  outTablesDir: string;
  progressIntervalMs?: number;
  scroll?: Partial<ScrollOptions>;
  /** Uncompressed CSV bytes past which a table is written as gzipped slices (src/keboola/tables.ts DEFAULT_SLICE_BYTES); tests lower it. */
  sliceBytes?: number;
  /** The most records of a list an incremental run merges (MAX_MERGED_RECORDS); tests lower it. */
  maxMergedRecords?: number;
  /** Beyond this many, a list's known ids are kept as a sketch (KNOWN_IDS_AT_MOST); tests lower it. */
  knownIdsAtMost?: number;
  /**
   * Told of each table's manifest as it is written, with the means to render it for any data-type mode: the tests
   * check every table of every run against the platform's rules in every mode, not only the run's own.
   */
  onManifest?: (table: string, render: (mode: ManifestMode) => Manifest, sliced: boolean, mode: ManifestMode) => void;
}

export interface ExtractResult {
  rows: Map<string, number>;
  requests: number;
  truncated: number;
  vanished: number;
  seconds: number;
  /** Requests not made, by cost group and why (`notes (the record said its list was empty)`). */
  saved: Record<string, number>;
  /** The time budget cut the run short: the next run continues. */
  stoppedEarly: boolean;
  /** What out/state.json must hold for the next run. */
  sync: SyncState;
  /** With parameters.custom_attribute_columns: each table's custom columns, so the next run keeps them in order. */
  customColumns?: CustomColumns;
}

export async function extract(cfg: RunConfig, client: IntercomClient, opts: ExtractOptions, state: State = {}): Promise<ExtractResult> {
  // The client's clock, so a test that moves time itself moves the time budget too.
  const clock = client.clock;
  const started = clock.now();
  resetWarnings();
  const nowSec = () => Math.floor(clock.now() / 1000);
  const ctx: ReaderContext = { client, apiVersion: cfg.apiVersion, scroll: { ...SCROLL_DEFAULTS, ...opts.scroll }, memo: new Map() };
  const rules = (strict: boolean): ColumnRules => ({ excludeTables: cfg.excludeTables, excludeColumns: cfg.excludeColumns, hashColumns: cfg.hashColumns, salt: cfg.hashSalt, strict, history: cfg.history });
  // Custom attribute columns are known only once the workspace is asked: until then a rule may name one.
  const history = cfg.history ? { seenAt: Math.floor(started / 1000) } : undefined;
  const flagDeletes = cfg.deletes === 'flag';
  let template = loadTemplate(cfg.template, undefined, { rawPayload: cfg.rawPayload, skip: cfg.skipDetails, rules: rules(!cfg.customAttributeColumns), history, flagDeletes });
  let custom: CustomColumns | undefined;
  if (cfg.customAttributeColumns) {
    custom = await customColumns(ctx, template, previousCustomColumns(state));
    template = loadTemplate(cfg.template, undefined, { rawPayload: cfg.rawPayload, skip: cfg.skipDetails, extraColumns: columnSpecs(template, custom), rules: rules(true), history, flagDeletes });
    for (const [table, cols] of Object.entries(custom)) log.info(`Custom attribute columns of ${table}: ${cols.length ? cols.map((c) => `${c.column} (${c.key}${c.date ? ', date' : ''})`).join(', ') : 'none'}.`);
  }
  const specs: TableSpec[] = template.tables.map((t) => ({ name: t.name, columns: t.columns, primaryKey: t.node.primary_key }));
  const writers = await TableWriters.open(opts.outTablesDir, specs, { sliceBytes: opts.sliceBytes });
  const progress = new Progress(client, opts.progressIntervalMs ?? 5_000);
  const referred = new Set(template.tables.flatMap((t) => (t.node.refers_to ? [t.node.refers_to.list] : [])));
  // Under parameters.deletes "flag", a list read whole every run keeps its ids too: one gone since is flagged.
  // (Tables whose flagged row could not hold their key, such as basic's admins keyed by type and id, are not
  // flagged: src/flatten/template.ts withFlags. They are replaced, as under remove.)
  const tracked = new Set([...referred, ...(flagDeletes && cfg.incremental ? template.roots.filter((r) => r.flagged).flatMap(listsOf).filter((l) => !readers[l].search) : [])]);
  const prev = previousSync(cfg, state);
  const run = new Run(cfg, ctx, writers, template.unread, tracked, prev);
  if (cfg.maxRunMs !== undefined && !cfg.incremental) log.warn('parameters.max_run_minutes applies to incremental runs only: a full load cannot be split. Ignoring it.');
  if (flagDeletes && !cfg.incremental) log.info('parameters.deletes "flag" marks deleted records in incremental runs; this full load replaces every table, so they are simply absent (is_deleted is false in every row).');
  // After the columns changed, the tables must be replaced: a read split over runs would be merged instead.
  const changedOptions = cfg.incremental ? changedColumnOptions(cfg, state) : [];
  const columnsChanged = changedOptions.length > 0;
  // Old versions must not keep what the columns now leave out or hash; a change that only adds or drops the
  // flags (parameters.deletes) leaves them as they were, and they are kept.
  const historyRestarts = changedOptions.some((o) => o !== 'deletes');
  if (historyRestarts && cfg.history) log.info('The columns changed since the last run: the history tables start again (their old versions would keep what the new columns leave out or hash).');
  if (columnsChanged && cfg.maxRunMs !== undefined) log.info('parameters.max_run_minutes is ignored for this run: the columns changed, and only a read to the end replaces the tables.');
  const runDeadline = cfg.incremental && cfg.maxRunMs !== undefined && !columnsChanged ? started + cfg.maxRunMs : Infinity;

  log.info(`Template ${template.title}: ${template.tables.length} tables (${template.tables.map((t) => t.name).join(', ')}).`);
  if (cfg.excludeTables.size > 0) log.info(`Left out (parameters.exclude_tables): ${[...cfg.excludeTables].join(', ')}.`);
  if (cfg.excludeColumns.size > 0) log.info(`Columns left out (parameters.exclude_columns): ${[...cfg.excludeColumns].join(', ')}.`);
  if (cfg.hashColumns.size > 0) log.info(`Columns hashed with ${cfg.hashSalt ? 'HMAC-SHA256 keyed with parameters.#hash_salt' : 'SHA-256 (no parameters.#hash_salt)'}: ${[...cfg.hashColumns].join(', ')}.`);
  for (const t of template.tables) {
    if (t.versions) continue;
    if (t.node.skippable && cfg.skipDetails.has(t.node.skippable)) log.info(`Skipping ${t.node.skippable} (parameters.skip_contact_details): table ${t.name} is written with no rows.`);
    const from = t.node.from;
    if (from.kind === 'list' && from.expand_skippable && cfg.skipDetails.has(from.expand_skippable)) log.info(`Skipping ${from.expand_skippable} (parameters.skip_contact_details): ${t.name} rows come from the list, without one request each for the full record.`);
  }

  // The lists are read at the same time: one waiting on a page (or on its sequential scroll) leaves the rate
  // limit to the others, and small lists do not wait their turn behind big ones.
  const outcomes = new Map<string, Outcome>();
  const readOne = async (listName: string, roots: CompiledTable[]) => {
    const plan = planList(listName, readers[listName].search !== undefined, cfg, prev, nowSec(), run.takesCensus(listName) && !run.feeds(listName));
    const unordered = readers[listName].search?.sorted === false;
    const merges = mayMerge(plan, cfg);
    const outcome: Outcome = { plan, complete: false, reached: false, ids: merges ? new IdSet() : NO_IDS, deleted: new IdSet(), unordered, startedAt: nowSec() };
    outcomes.set(listName, outcome);
    // After more deletions than the last sketch told apart (or with no sketch to compare with), only a read to the
    // end (which replaces the tables) removes them: the time budget does not split it.
    const mustEnd = plan.mode === 'full' && plan.mustEnd === true;
    if (mustEnd && runDeadline !== Infinity) log.info(`${listName}: parameters.max_run_minutes is ignored for this list: only a read to the end removes the records deleted since the last run.`);
    const deadline = mustEnd ? Infinity : runDeadline;
    if (clock.now() >= deadline) return;
    outcome.reached = true;
    const listProgress = progress.begin(describePlan(plan));
    // An unsorted search cannot stop halfway and continue later (its order shifts between runs): read to the end.
    if (unordered && deadline !== Infinity) log.info(`${listName}: its search is not sorted, so its read cannot stop at parameters.max_run_minutes and continue next run; it is read to the end.`);
    const full = () => {
      if (!merges || outcome.ids.size < (opts.maxMergedRecords ?? MAX_MERGED_RECORDS)) return false;
      // A full read from the start that will finish within the time budget replaces its tables (deleted records
      // go): it reads on. One the budget will cut anyway is merged, so it stops at the cap like any other.
      if (plan.mode === 'full' && !plan.resumed) return !run.finishesBy(listName, outcome.ids.size, outcome.startedAt! * 1000, deadline);
      // Only once the records span more than one second: a next run that starts from the last second written
      // (see nextListState) then always gets further, even past a bulk update that stamped them all alike.
      return (outcome.maxUpdatedAt ?? 0) > (outcome.minUpdatedAt ?? Infinity);
    };
    try {
      outcome.complete = await run.readList(listName, roots, outcome, () => !unordered && (clock.now() >= deadline || full()), listProgress, deadline !== Infinity);
    } catch (e) {
      client.halt(e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
    if (!outcome.complete && full()) {
      outcome.capped = true;
      log.info(`${listName}: ${fmt(outcome.ids.size)} records written, the most one incremental run merges into storage (their child rows are deleted by id, and the manifests list the ids); the next run continues from there.`);
    }
    listProgress.end();
  };
  try {
    // A list that tables name but no table of this template holds (tags for conversations_tags, companies for
    // users_companies): its ids only, beside the other reads, so the rows naming one deleted since go. Like a
    // census it is read to the end whatever the time budget: a part of the ids proves nothing gone.
    const lists = groupByList(template.roots);
    const idsOnly = async (list: string) => {
      try {
        const ids: string[] = [];
        for await (const item of readAll(ctx, list)) ids.push(String(item[readers[list].id]));
        run.current.set(list, ids.sort());
      } catch (e) {
        // Only the ids, for the relation rows naming a deleted one: a token allowed this template's own tables only
        // (a 403 on GET /tags), a scroll another client holds, or Intercom failing for them does not fail the run.
        // Without them the last run's ids stay the reference, and the next run compares.
        if (e instanceof StoppedError) throw e;
        const why = e instanceof UserError && /\b403\b|not allowed|refused|plan/i.test(e.message) ? 'Intercom refused it to this token' : `it failed: ${e instanceof Error ? e.message : String(e)}`;
        log.warn(`${describeReader(list)} was not read to the end (${why}), so relation rows naming one of ${list} deleted since the last run stay until a run reads it.`);
      }
    };
    await allSettledOrFirstFailure([...[...lists].map(([listName, roots]) => readOne(listName, roots)), ...[...referred].filter((l) => !lists.has(l)).map(idsOnly)]);
  } catch (e) {
    progress.stop();
    await writers.abort();
    throw e;
  }
  const outcomesOf = (root: CompiledTable) => listsOf(root).map((l) => outcomes.get(l)!);
  const rootOf = rootsByTable(template.roots);
  const replaced = new Set<string>();
  // Ids of referred lists gone since the last run. So many gone at once is likelier a short answer than a
  // purge: deleting the rows naming them would be wrong until the full refresh, so they are left for it.
  const goneOf = new Map<string, string[]>();
  const distrusted = new Set<string>();
  // Lists whose answer was short (many missing ids still exist): their deletions apply, but the answer does not
  // become the reference, or the ids coming back next run would swamp what the state tells apart.
  const shortAnswers = new Set<string>();
  const mergedDistrusted = new Set<string>();
  try {
    await findGone();
  } catch (e) {
    progress.stop();
    await writers.abort();
    throw e;
  }
  async function findGone(): Promise<void> {
    for (const list of tracked) {
      const now = run.current.get(list);
      if (!now) continue;
      const present = new Set(now);
      // Those the last run found left out are asked for again whatever the rest shows (below); until then, kept.
      const again = (prev?.unlisted?.[list] ?? []).filter((id) => !present.has(id));
      // Without the last run's ids (it did not read this list to the end) only the ids its rows named are known:
      // each this list lacks is asked for, so one deleted since takes the rows naming it along.
      const known = knownBefore(prev, list, now);
      if (!known && again.length === 0) continue;
      run.unlisted.set(list, again);
      const { gone, size } = known ?? { size: 0, gone: [] as string[] };
      if (gone === undefined && now.length >= size) {
        // New ones count against a sketch as deleted ones do: a list that grew this much becomes the reference, or
        // every later run would fail the same way.
        log.info(`${list}: more were added or deleted since the last run than its state tells apart (${fmt(size)} then, ${fmt(now.length)} now); rows naming any deleted since wait for the next full read, and this run's ${list} become the reference.`);
        continue;
      }
      // Where each one can be asked for, up to CONFIRM_GONE_AT_MOST of them are: a 404 each is proof no short answer
      // gives, and a purge of most of a small list (three of four segments) then leaves at this run, not never.
      const many = gone !== undefined && gone.length > 1 && (gone.length > size / 2 || gone.length > Math.max(MAX_GONE_AT_ONCE, size / 10));
      if (gone === undefined || (many && (!readers[list].confirm_gone || gone.length > CONFIRM_GONE_AT_MOST))) {
        distrusted.add(list);
        if (gone === undefined) log.warn(`Fewer ${list} than the last run's ${fmt(size)} (${fmt(now.length)}), and more changed than its state tells apart: likelier a short answer than a purge, so the rows naming them are kept until the next full read.`);
        else log.warn(`${fmt(gone.length)} of the ${fmt(size)} ${list} of the last run are missing from this run's ${describeReader(list)}: more than a deletion usually removes, so the rows naming them are kept until the next full read.`);
        goneOf.set(list, gone ?? []);
        continue;
      }
      // A list that may leave out records that still exist: each one gone is asked for; only a 404 is a deletion.
      // So is each the last run found left out though it existed (apart from the count above: they are no news).
      const confirm = readers[list].confirm_gone;
      const deleted: string[] = [];
      const unlisted: string[] = [];
      const candidates = [...new Set([...gone, ...again])];
      await forEachConcurrent(
        (async function* () {
          yield* candidates;
        })(),
        CONFIRM_AT_ONCE,
        () => false,
        async (id) => {
          if (!confirm) return void deleted.push(id);
          try {
            await expand(ctx, confirm, { [readers[list].id]: id });
            unlisted.push(id);
          } catch (e) {
            if (!vanished(confirm, e)) throw e;
            deleted.push(id);
          }
        },
      );
      deleted.sort();
      unlisted.sort();
      if (unlisted.length > 0) log.info(`${fmt(unlisted.length)} ${list} missing from ${describeReader(list)} still exist (${unlisted.slice(0, 5).join(', ')}${unlisted.length > 5 ? ', …' : ''}): the rows naming them stay, and the next run asks for them again.`);
      run.unlisted.set(list, unlisted);
      if (many && unlisted.length > 0) shortAnswers.add(list);
      goneOf.set(list, deleted);
      // Whatever went since the last run is known (where its ids were there to compare with): a table read whole may
      // keep storage's flagged rows. One the list no longer shows, though it exists, leaves that table unflagged, as
      // a full read would leave it.
      const outcome = outcomes.get(list);
      if (outcome && known) Object.assign(outcome, { deletionsKnown: true, moved: unlisted });
      // Flagged: those the table held (the list showed them last run), not those only rows named.
      const held = new Set(gone);
      if (flagDeletes) await run.flag(template.roots.filter((r) => listsOf(r).includes(list)), deleted.filter((id) => held.has(id)).map((id) => ({ id, tag: 'all', at: nowSec() })));
    }
  }
  await writers.close((spec, sliced) => {
    const table = template.tables.find((t) => t.name === spec.name)!;
    // A history table only gains versions: merged by (key, change), nothing deleted, full run or not; it starts
    // again after the rules that leave out or hash columns changed.
    let load: Load = table.versions ? (historyRestarts ? { mode: 'replace' } : { mode: 'merge' }) : run.replaced.has(spec.name) ? { mode: 'replace' } : loadFor(table, rootOf.get(spec.name)!.flatMap(outcomesOf), cfg.incremental);
    // A top-level table read whole keeps the rows flagged by earlier runs: merged, where every record gone since
    // the last run is known (and flagged now); its own rows of records deleted or moved to another table go.
    if (flagDeletes && cfg.incremental && !columnsChanged && load.mode === 'replace' && template.roots.includes(table) && table.flagged && prev) {
      const read = outcomesOf(table);
      if (read.length > 0 && read.every((o) => o.deletionsKnown)) {
        const values = [...new Set(read.flatMap((o) => [...(o.deleted ?? []), ...(o.moved ?? [])]))].sort();
        load = values.length > 0 ? { mode: 'merge', deleteBy: { column: table.rootKey, values } } : { mode: 'merge' };
      } else {
        log.info(`${spec.name} is replaced without the rows flagged by earlier runs: this run could not tell every record deleted since the last one.`);
      }
    }
    // Rows naming a tag or company deleted since the last run go, though the record they hang under did not change.
    const refers = table.node.refers_to;
    const gone = refers ? goneOf.get(refers.list) : undefined;
    if (load.mode === 'merge' && refers && gone) {
      if (distrusted.has(refers.list)) mergedDistrusted.add(refers.list);
      else if (gone.length > 0) {
        load = { ...load, alsoDelete: { column: refers.column, values: gone } };
        log.info(`${spec.name}: rows naming ${fmt(gone.length)} ${refers.list} deleted since the last run are removed.`);
      }
    }
    const render = (mode: ManifestMode) => manifestFor(table.node, load, { mode, sliced });
    opts.onManifest?.(spec.name, render, sliced, cfg.manifestMode);
    if (load.mode === 'replace' && !(table.node.skippable && cfg.skipDetails.has(table.node.skippable))) replaced.add(spec.name);
    return render(cfg.manifestMode);
  }, cfg.manifestMode);
  warnOnEmptied(replaced, writers.counts(), cfg, state);
  for (const [what, counts] of [['listed more than once (written once)', run.duplicates], ['without a part of their primary key (left out)', run.keyless]] as const) {
    if (counts.size > 0) log.warn(`Rows ${what}: ${[...counts].map(([t, n]) => `${t} ${fmt(n)}`).join(', ')}.`);
  }

  const stoppedEarly = [...outcomes.values()].some((o) => !o.complete);
  if ([...outcomes.values()].some((o) => !o.complete && (!o.capped || clock.now() >= runDeadline))) log.info(`Time budget of ${(cfg.maxRunMs! / 60_000).toFixed(1)} min (parameters.max_run_minutes) reached: what was read is written, and the next run continues from there.`);
  const sync: SyncState = { version: 1, template: cfg.template, api_version: cfg.apiVersion, columns: columnOptions(cfg), lists: {} };
  for (const [list, o] of outcomes) {
    if (!readers[list].search) continue;
    const next = nextListState(prev?.lists[list], o, nowSec(), cfg.apiVersion, prev?.api_version);
    if (o.sketch) Object.assign(next, { sketch: o.sketch.text, sketch_at: o.sketch.at });
    // Where the API lists deletions no sketch is kept (one from an older version would name them again later),
    // but under flag, which needs it to tell the deletions storage held from those it never did.
    const deleted = readers[list].deleted;
    if (deleted && versionAtLeast(cfg.apiVersion, deleted.from_version) && !flagDeletes) {
      delete next.sketch;
      delete next.sketch_at;
    }
    if (o.readWhole) next.read_whole = true;
    sync.lists[list] = next;
  }
  for (const list of tracked) {
    // A distrusted answer does not become the reference (kept as it was), so the next run compares with the last good one.
    const keep = mergedDistrusted.has(list) || shortAnswers.has(list) || !run.current.has(list);
    const next = knownForNext(prev, list, { current: keep ? undefined : run.current.get(list), unlisted: run.unlisted.get(list), named: run.referenced.get(list), atMost: opts.knownIdsAtMost ?? KNOWN_IDS_AT_MOST });
    if (next.known) (sync.known ??= {})[list] = next.known;
    if (next.known_sketch) (sync.known_sketch ??= {})[list] = next.known_sketch;
    if (next.unlisted) (sync.unlisted ??= {})[list] = next.unlisted;
  }

  const rows = writers.counts();
  const saved: Record<string, number> = {};
  for (const [reader, n] of run.saved) saved[`${readers[reader].cost ?? reader} (the record said its list was empty)`] = n;
  for (const [reader, n] of run.membersSaved) if (n > 0) saved[`${readers[reader].cost ?? reader} (read from the other side, not per record)`] = n;
  for (const [reader, n] of run.excluded) saved[`${readers[reader].cost ?? reader} (its table left out by parameters.exclude_tables)`] = n;
  const result = { rows, requests: client.stats.requests, saved, truncated: run.truncated, vanished: run.vanished, seconds: (clock.now() - started) / 1000, stoppedEarly, sync, customColumns: custom };
  logSummary(result, client, template.tables);
  return result;
}

/**
 * A deleted record to flag: its id, its top-level table (1 + index among the list's tables; 0: none of them, as
 * a lead in a template with users only; 'all': each, for a list whose every table holds every record), and when it went.
 */
interface Flag {
  id: string;
  tag: number | 'all';
  at: number;
  /** From the list's deleted list (which names records storage may never have held), not from a census. */
  listed?: boolean;
}

/** Where a read's tables are replaced, its ids are not needed: none are kept. */
const NO_IDS: Ids = { size: 0, add: () => undefined, [Symbol.iterator]: () => [][Symbol.iterator]() };

/**
 * A table about to be replaced with no rows, where the last run of this template wrote many, is more likely a
 * lost permission or an API change than an emptied workspace: say so, since storage is about to lose the rows.
 */
function warnOnEmptied(replaced: Set<string>, rows: Map<string, number>, cfg: RunConfig, state: State): void {
  const last = state.last_run as { template?: unknown; rows?: Record<string, unknown> } | undefined;
  if (!last || last.template !== cfg.template || typeof last.rows !== 'object' || last.rows === null) return;
  for (const name of replaced) {
    const before = Number(last.rows[name]);
    if (rows.get(name) === 0 && before >= EMPTIED_WARNING_ROWS) {
      log.warn(`Table ${name} has no rows this run, where the previous run wrote ${fmt(before)}; storage will replace it with an empty table. If the workspace still has them, check the token's permissions and run again.`);
    }
  }
}

const EMPTIED_WARNING_ROWS = 10;
/** Ids of a whole-read list asked for at once when checking which of them were deleted. */
const CONFIRM_AT_ONCE = 16;

/** Tags or companies gone since the last run beyond which (and beyond a tenth of them, or beyond half) the answer is distrusted. */
const MAX_GONE_AT_ONCE = 20;
/** More ids gone than this are not asked for one by one (a request each): so many at once is distrusted instead. */
const CONFIRM_GONE_AT_MOST = 1_000;

/** The custom columns the previous run wrote, if its state has them. */
function previousCustomColumns(state: State): CustomColumns {
  const c = state.custom_columns;
  return typeof c === 'object' && c !== null && !Array.isArray(c) ? (c as CustomColumns) : {};
}

function describePlan(plan: Plan): string {
  if (plan.mode === 'changes') return `${plan.list} changed since ${new Date(plan.since * 1000).toISOString()}`;
  return plan.why ? `all ${plan.list} (${plan.why})` : plan.list;
}

/** Every table → the top-level tables it hangs under (notes hang under users and leads). */
function rootsByTable(roots: CompiledTable[]): Map<string, CompiledTable[]> {
  const map = new Map<string, CompiledTable[]>();
  const walk = (t: CompiledTable, root: CompiledTable) => {
    map.set(t.name, [...new Set([...(map.get(t.name) ?? []), root])]);
    t.children.forEach((c) => walk(c, root));
  };
  roots.forEach((r) => walk(r, r));
  return map;
}

/** Top-level tables that read the same list share one pass over it (users and leads both come from contacts). */
function groupByList(roots: CompiledTable[]): Map<string, CompiledTable[]> {
  const groups = new Map<string, CompiledTable[]>();
  for (const root of roots) {
    for (const l of listsOf(root)) groups.set(l, [...(groups.get(l) ?? []), root]);
  }
  return groups;
}

class Run {
  truncated = 0;
  vanished = 0;
  /** Records deleted between their listing and their detail request (read, but no row written), by table. */
  readonly vanishedIds = new Map<string, Set<string>>();
  /** Each list's total_count, from its first page. */
  private readonly totals = new Map<string, number>();
  /** Fetches with `members`: whether each reads by members this run, by `<list> <reader>`. */
  private readonly memberModes = new Map<string, Promise<boolean>>();
  /** Requests a members pass saved, by reader. */
  readonly membersSaved = new Map<string, number>();
  /** Tables a members pass wrote whole: they replace storage's, incremental run or not. */
  readonly replaced = new Set<string>();
  /** Detail requests not made because the parent said its list was empty, by reader. */
  readonly saved = new Map<string, number>();
  /** Detail requests not made because parameters.exclude_tables leaves their table out, by reader. */
  readonly excluded = new Map<string, number>();
  /**
   * Children to complete from the other side once the list is read (see completeFromOtherSide): their capped
   * parents by key, each with the keys of the items already written for it.
   */
  private readonly deferred = new Map<CompiledTable, { root: CompiledTable; parents: Map<string, { scope: Scope; written: Set<string>; found: boolean }> }>();

  constructor(
    private readonly cfg: RunConfig,
    private readonly ctx: ReaderContext,
    private readonly writers: TableWriters,
    private readonly unread: Template['unread'] = [],
    /** Lists whose ids are kept after a complete read: those tables refer to (`refers_to`), and under flag every list read whole. */
    private readonly tracked: ReadonlySet<string> = new Set(),
    /** The last run's sync state, where this run may build on it. */
    private readonly previous?: SyncState,
  ) {}

  /** The ids each referred list has now (after a complete read this run). */
  readonly current = new Map<string, string[]>();
  /** The ids of each referred list that rows written this run name. */
  readonly referenced = new Map<string, Set<string>>();
  /** The ids of each tracked list missing from this run's read though they exist (asked for one by one). */
  readonly unlisted = new Map<string, string[]>();

  /**
   * Reads one list to the end, or until `stop()` says the time is up; true when it reached the end.
   * A full read that reached the end is followed by a catch-up (see catchUp) for records that moved meanwhile.
   */
  /** `cuttable`: the time budget may stop the read (then a full read's tables are merged, not replaced). */
  async readList(listName: string, roots: CompiledTable[], outcome: Outcome, stop: () => boolean, progress: ListProgress, cuttable = false): Promise<boolean> {
    const reader = readers[listName];
    const plan = outcome.plan;
    const flags: Flag[] = [];
    // Each record read, tagged with the table it went to (1 + its index in roots; 0: none of them).
    const written = new IdSet();
    // Where the API keeps no list of deletions, every id the list has is noted (see src/deletions.ts): a full
    // read notes what it writes; a read of changes takes a census besides.
    const stored = this.previous?.lists[listName];
    // After more deletions than the last sketch told apart, the sketch that run left does not hold them: this full
    // read cannot learn them, and replaces the tables (earlier flags go).
    const reference = stored?.read_whole ? undefined : stored;
    // A full read from the start that cannot be cut short is its own census; any other read takes one beside it
    // (a part of a full read merges its rows, so what was deleted before it, or while it is split, must be found).
    const ownCensus = plan.mode === 'full' && !plan.resumed && !cuttable;
    // Where the API lists deletions, a census is taken under parameters.deletes "flag" only: the deleted list also
    // names records created and deleted since the last run, which storage never held and must not gain a row for;
    // the census says which of them the last run had.
    const census = this.takesCensus(listName) ? new ListCensus(reference, ownCensus ? written : undefined) : undefined;
    const check = recordCheck(roots, (r) => this.expanderOf(r));
    const onTotal = (n: number) => this.totals.set(listName, n);
    const items =
      plan.mode === 'changes'
        ? readChanges(this.ctx, listName, plan.since, { check, resume: { onTotal } })
        : readAll(this.ctx, listName, { check, resume: { startingAfter: plan.startingAfter, onPage: (cursor) => (outcome.cursor = cursor), onTotal } });
    // A full read resumes at a page: it must get past one before stopping, or a budget shorter than a page would never progress.
    const mayStop = plan.mode === 'full' ? () => stop() && outcome.cursor !== plan.startingAfter : stop;
    const writeOnce = async (item: Json) => {
      // A record can come twice while pages shift (and again in the catch-up): the first read is written.
      // The table is the one a members pass puts the record's memberships under (users or leads, or none).
      const tag = roots.findIndex((r) => matches(r, item)) + 1;
      const id = String(item[reader.id]);
      if (census && ownCensus) {
        if (!census.note(id, tag, item[reader.census!.created])) return;
      } else {
        if (!written.add(id, tag)) return;
        census?.note(id, tag, item[reader.census!.created], true);
      }
      progress.count();
      await this.writeRecord(roots, item, outcome, listName);
    };
    // The catch-up follows the last page at once, while the last records' details are still in flight: records
    // moved while pages were read, and once every page is read a move can no longer hide one.
    let paged: number | undefined;
    const run = this;
    const pagesThenCatchUp = async function* () {
      yield* items;
      paged = written.size;
      if (plan.mode === 'full') yield* run.catchUp(listName, plan.startedAt - CATCH_UP_MARGIN_SECONDS, check);
    };
    const collect = this.tracked.has(listName);
    // Records deleted since the last run: their rows go, as a full run would leave them.
    // Down to where the last read of deletions began (its mark may be later, after a long run).
    // A full read reads them too where it keeps storage's rows: under parameters.deletes "flag" (it flags them),
    // and where the time budget may split it (its parts are merged). A split first read, which has no earlier
    // read of deletions to go down to, goes down to where it began: a record one part wrote and that was deleted
    // before a later part must go, and no census stands in for the deleted list on this version.
    const splitFrom = plan.mode === 'full' && (cuttable || plan.resumed) ? plan.startedAt - OVERLAP_SECONDS : undefined;
    const through = plan.mode === 'full' ? (plan.deletedThrough ?? splitFrom) : undefined;
    if (plan.mode === 'changes' || (through !== undefined && (this.cfg.deletes === 'flag' || cuttable || plan.resumed))) {
      const since = plan.mode === 'changes' ? Math.min(plan.since, plan.deletedThrough ?? plan.since) : through!;
      if (await this.readDeleted(listName, since, outcome, flags, roots)) outcome.deletionsKnown = true;
    }
    // The census runs beside the read, and is not cut by the time budget either: a part of it proves nothing,
    // and it costs about one request per 130 records, at the rate limit.
    const pass = census && !ownCensus ? this.takeCensus(listName, roots, census) : Promise.resolve();
    // A failed census fails the run: the read is halted at once (the client rethrows the census's failure).
    pass.catch((e: unknown) => this.ctx.client.halt(e instanceof Error ? e : new Error(String(e))));
    // The catch-up is not cut by the time budget: it is what makes the read whole.
    const ended = await this.forEach(pagesThenCatchUp(), () => paged === undefined && mayStop(), writeOnce);
    await pass;
    if (paged !== undefined && written.size > paged) log.info(`The catch-up found ${fmt(written.size - paged)} ${listName} that the paged read missed; they are written.`);
    if (collect && ended) this.current.set(listName, [...written].sort());
    // A census is whole on its own; a full read is its own census only when it read to the end.
    const settled = census && (!ownCensus || ended);
    if (settled) await this.settleCensus(listName, census, outcome, flags, ended, roots.flatMap((r) => [...(this.vanishedIds.get(r.name) ?? [])]));
    await this.flag(roots, this.heldOnly(listName, flags, outcome, settled ? census : undefined).filter((f) => !written.has(f.id) || roots.some((r) => this.vanishedIds.get(r.name)?.has(f.id))));
    await this.completeFromOtherSide(roots);
    // After the read, not beside it: a member goes under the table the read wrote it to (a lead that became a
    // user during the run is in leads, and so are its memberships).
    for (const [key, decided] of this.memberModes) {
      const [list, readerName] = key.split(' ');
      if (list === listName && (await decided)) await this.readMembers(listName, readerName, roots, written);
    }
    return ended;
  }

  /**
   * The records of a list deleted since `since` (the read's start: every deletion before it was there for the
   * last run to see), from the list's deleted list where the API version serves one: their ids join the ids
   * whose rows the manifests delete, and no row is written for them.
   */
  private async readDeleted(listName: string, since: number, outcome: Outcome, flags: Flag[], roots: CompiledTable[]): Promise<boolean> {
    const deleted = readers[listName].deleted;
    if (!deleted) return false;
    outcome.deletedFrom = Math.floor(this.ctx.client.clock.now() / 1000);
    if (!versionAtLeast(this.cfg.apiVersion, deleted.from_version)) {
      if (!readers[listName].census) log.info(`${listName} deleted in Intercom leave storage at the next full read (parameters.full_refresh_days): API ${this.cfg.apiVersion} has no list of them; parameters.api_version "${deleted.from_version}" or later removes them every run.`);
      return false;
    }
    let n = 0;
    const id = readers[listName].id;
    // Asked for newest deletion first, the list ends where it reaches older ones than the read's start; but only
    // once a page's worth of them came in falling order. An answer in any other order is read to its end.
    let previousAt = Infinity;
    let falling = true;
    let older = 0;
    // A deletion without its time cannot be placed: the answer is malformed (retried, then the run fails).
    const check = (item: Json) => (Number(item[deleted.at]) > 0 ? undefined : `without a ${deleted.at} (UNIX seconds)`);
    for await (const item of readAll(this.ctx, deleted.reader, { check })) {
      const at = Number(item[deleted.at]);
      if (at > previousAt) falling = false;
      previousAt = at;
      if (at < since) {
        if (falling && ++older >= pageSize(deleted.reader)) break;
        continue;
      }
      // Apart from the records written: the cap on records merged per run counts those, not deletions.
      if (outcome.deleted?.add(String(item[id]))) flags.push({ id: String(item[id]), tag: roots.length === 1 ? 1 : 0, at, listed: true });
      n++;
    }
    log.info(`${listName}: ${fmt(n)} deleted since ${new Date(since * 1000).toISOString()} (${describeReader(deleted.reader)}); ${this.fate}.`);
    return true;
  }

  /**
   * The flags of records storage may hold: a flagged row for one it never held would be a row that never existed.
   * - Before the list's first read to the end (a first full read split over runs), storage holds only the parts
   *   written so far, which no census tells apart: nothing is flagged (the rows of deleted records go all the same).
   * - A record the API's deleted list names is flagged where the census says the last run had it, or cannot tell.
   *   One the last run did not have was created and deleted since, or was named and flagged by the last run
   *   already (the deleted list is read with an overlap): it is neither flagged nor deleted, so a flagged row an
   *   earlier run wrote stays (`outcome.keep`).
   * - A record the census found gone was in the last run's ids: flagged.
   */
  private heldOnly(listName: string, flags: Flag[], outcome: Outcome, census: ListCensus | undefined): Flag[] {
    if (flags.length === 0 || this.cfg.deletes !== 'flag') return flags;
    if (this.previous?.lists[listName]?.mark === undefined) {
      log.info(`${listName}: ${fmt(flags.length)} deleted, whose rows go without a flag: until a first read of ${listName} to the end has finished, storage may not hold them.`);
      return [];
    }
    const had = (f: Flag) => (f.listed && census?.comparable ? census.had(f.id) : undefined);
    const never = flags.filter((f) => had(f) === false);
    if (never.length > 0) {
      outcome.keep = new Set(never.map((f) => f.id));
      log.info(`${listName}: ${fmt(never.length)} of the deleted were not in the last run's ids (created and deleted since, or flagged already): no row is written or removed for them.`);
    }
    return flags.filter((f) => had(f) !== false);
  }

  /**
   * Whether an incremental run notes every id of the list, to compare with the last run's sketch: where the API
   * version lists no deletions of it, and under deletes "flag" (the deleted list also names records created and
   * deleted since the last run, which storage never held; the census says which of them the last run had).
   */
  takesCensus(listName: string): boolean {
    return readers[listName].census !== undefined && this.cfg.incremental && (!this.feeds(listName) || this.cfg.deletes === 'flag');
  }

  /** Whether the API version serves this list's deleted list. */
  feeds(listName: string): boolean {
    const deleted = readers[listName].deleted;
    return deleted !== undefined && versionAtLeast(this.cfg.apiVersion, deleted.from_version);
  }

  /** What happens to the rows of deleted records, as log lines say it. */
  private get fate(): string {
    return this.cfg.deletes === 'flag' ? 'their rows are flagged (is_deleted), their child rows removed' : 'their rows are removed';
  }

  /**
   * The census of a list (every record, searched in parallel ranges of creation time), noted for the comparison
   * with the last run's sketch.
   */
  private async takeCensus(listName: string, roots: CompiledTable[], census: ListCensus): Promise<void> {
    const reader = readers[listName];
    for await (const item of readCensus(this.ctx, listName)) census.note(String(item[reader.id]), roots.findIndex((r) => matches(r, item)) + 1, item[reader.census!.created]);
  }

  /**
   * A whole census: its sketch is kept for the next run, and the ids the last run's sketch has but this run did
   * not see are asked for one by one (search may not have indexed a record yet): each that is gone (404) was
   * deleted, or merged into another contact, since the last run.
   */
  private async settleCensus(listName: string, census: ListCensus, outcome: Outcome, flags: Flag[], ended: boolean, vanished: string[]): Promise<void> {
    const now = Math.floor(this.ctx.client.clock.now() / 1000);
    await this.confirmGone(listName, census, outcome, flags, now, ended);
    // A record that vanished while read has no row: one the last run did not have either goes into the sketch
    // under no table, so that when it is found gone next run no row is flagged for it (storage never held one).
    for (const id of vanished) if (census.had(id) === false) census.untable(id);
    // After the checks: an id the census missed but that still exists stays in the sketch, so its deletion later is found.
    const sketch = census.sketch();
    if (sketch) outcome.sketch = { text: sketch, at: now };
    else log.info(`${listName}: id ${census.unsketchable} is longer than the state's sketch holds, so records deleted in Intercom leave storage at the next full read (parameters.full_refresh_days).`);
  }

  /** The ids the last run's sketch has and this run did not see, each asked for: a 404 (or 410) is a deletion. */
  private async confirmGone(listName: string, census: ListCensus, outcome: Outcome, flags: Flag[], now: number, ended: boolean): Promise<void> {
    const reader = readers[listName];
    // A whole full read from the start replaces its tables, so deletions matter to it only where it keeps flagged rows.
    const replaces = outcome.plan.mode === 'full' && !outcome.plan.resumed && ended;
    if (!census.comparable || (replaces && this.cfg.deletes !== 'flag')) return;
    const gone = census.gone();
    if (!gone) {
      // Where the API lists deletions, they are all removed anyway: only their flags wait for a sketch that decodes.
      if (!census.unsketchable && !this.feeds(listName)) {
        outcome.readWhole = true;
        log.info(`${listName}: more records were deleted or merged since the last run than its state can tell apart (about ${fmt(IdSketch.maxDifference(IdSketch.cellsFor(census.seen.size)))} at this size); the next run reads all of them and replaces the tables.`);
      }
      return;
    }
    outcome.moved = census.moved();
    // Those the list's deleted list named are gone for sure: no request to ask.
    const unconfirmed = gone.filter((g) => !outcome.deleted?.has(g.id));
    const confirm = reader.confirm_gone!;
    let n = gone.length - unconfirmed.length;
    await this.forEach(
      (async function* () {
        yield* unconfirmed;
      })(),
      () => false,
      async ({ id, tag }) => {
        try {
          await expand(this.ctx, confirm, { [reader.id]: id });
          census.keep(id, tag);
          log.info(`${listName} ${id} is missing from ${census.ofTheRead ? describeReader(listName) : `the census (POST ${reader.search!.path})`} but still exists; its rows stay.`);
        } catch (e) {
          if (!vanished(confirm, e)) throw e;
          outcome.deleted?.add(id);
          flags.push({ id, tag, at: now });
          n++;
        }
      },
    );
    outcome.deletionsKnown = true;
    log.info(`${listName}: ${fmt(n)} deleted or merged since the last run (the ids of all ${fmt(census.seen.size)}, compared with the last run's); ${this.fate}.`);
  }

  /**
   * parameters.deletes "flag": the rows that mark deleted records in their top-level tables (see Flag) and the
   * final versions in their history tables.
   */
  async flag(roots: CompiledTable[], flags: Flag[]): Promise<void> {
    if (this.cfg.deletes !== 'flag' || !this.cfg.incremental) return;
    const done = new Set<string>();
    for (const f of flags) {
      for (const root of f.tag === 'all' ? roots : f.tag > 0 ? [roots[f.tag - 1]] : []) {
        // One row per key and table: a table holds a key once.
        if (!root?.flagged || done.has(`${root.name} ${f.id}`)) continue;
        done.add(`${root.name} ${f.id}`);
        await this.writers.get(root.name).write(root.flagged(f.id, f.at));
        if (root.history?.flagged) await this.writers.get(root.history.name).write(root.history.flagged(f.id, f.at));
      }
    }
  }

  /**
   * Whether a read that has written `done` records since `startedMs` will have read the rest of the list (its
   * total_count) by `deadline`, at the pace so far. Unknown size: no.
   */
  finishesBy(listName: string, done: number, startedMs: number, deadline: number): boolean {
    const total = this.totals.get(listName);
    if (total === undefined || done === 0) return false;
    const now = this.ctx.client.clock.now();
    return now + (Math.max(0, total - done) * (now - startedMs)) / done <= deadline;
  }

  /**
   * Whether a fetch with `members` reads by members this run (decided once per list and reader, when its first
   * record is mapped): one request per record of the list (its total_count) against Σ ⌈size / page⌉ over the
   * members list. Segment memberships: 1,000 contacts in 5 segments of 300 cost 10 requests instead of 1,000.
   */
  private viaMembers(child: CompiledTable, root: CompiledTable): Promise<boolean> {
    const from = child.node.from;
    if (from.kind !== 'fetch' || !from.members) return Promise.resolve(false);
    const list = listsOf(root)[0];
    const key = `${list} ${from.reader}`;
    let decided = this.memberModes.get(key);
    if (!decided) {
      decided = this.decideMembers(list, from.reader, from.members);
      this.memberModes.set(key, decided);
    }
    return decided;
  }

  private async decideMembers(list: string, reader: string, members: { list: string; reader: string; size: string }): Promise<boolean> {
    const total = this.totals.get(list);
    if (total === undefined) return false; // the list did not say its size: one request per record, as declared
    let requests = 0;
    let items = 0;
    for await (const item of readAll(this.ctx, members.list)) {
      const size = Number(getPath(item, undefined, members.size));
      if (!Number.isFinite(size) || size < 0) {
        log.info(`${reader}: ${members.list} ${String(item[readers[members.list].id])} does not say its size (${members.size}), so they are read one request per ${list} record.`);
        return false;
      }
      requests += Math.max(1, Math.ceil(size / pageSize(members.reader)));
      items++;
    }
    const via = requests < total;
    const costs = `one ${describeReader(reader)} per ${list} record: ${fmt(total)} requests; ${describeReader(members.reader)} for each of ${fmt(items)} ${members.list}: about ${fmt(requests)}`;
    log.info(`${reader}: read ${via ? `by ${members.list}, the cheaper way` : `per ${list} record, the cheaper way`} (${costs}).`);
    this.membersSaved.set(reader, via ? total - requests : 0);
    return via;
  }

  /**
   * The members pass of every fetch that reads by members this run: each record of the members list is asked
   * for its members, and becomes a row under each of them that belongs to one of the list's tables (a lead's
   * segment under leads_segments). The tables hold every membership, so they replace what storage has.
   */
  private async readMembers(listName: string, reader: string, roots: CompiledTable[], written: IdSet): Promise<void> {
    const targets = roots.flatMap((root) => root.children.filter((c) => c.node.from.kind === 'fetch' && c.node.from.reader === reader && c.node.from.members).map((child) => ({ root, child })));
    const from = targets[0]?.child.node.from;
    if (from?.kind !== 'fetch' || !from.members) return;
    const members = from.members;
    for (const t of targets) this.replaced.add(t.child.name);
    const idField = readers[listName].id;
    await this.forEach(readAll(this.ctx, members.list, { check: targets[0].child.check }), () => false, async (item) => {
      // A search pages while records change: a member listed twice is one membership.
      const seen = new IdSet();
      for await (const member of readFor(this.ctx, members.reader, item)) {
        const id = String(member[idField]);
        if (!seen.add(id)) continue;
        // The table the read wrote the member to; one it never wrote (too new for the read) by its own fields.
        const tag = written.get(id);
        const wrote = tag === undefined ? undefined : roots[tag - 1];
        for (const { root, child } of targets) if (tag !== undefined ? wrote === root : matches(root, member)) await this.emit(child, item, { parent: member, root: member });
      }
    });
  }


  /** The expander a top-level table's records go through, unless the template lets it be skipped and it is. */
  private expanderOf(table: CompiledTable): string | undefined {
    const from = table.node.from;
    if (from.kind !== 'list' || !from.expand) return undefined;
    return from.expand_skippable && this.cfg.skipDetails.has(from.expand_skippable) ? undefined : from.expand;
  }

  /**
   * Lists that only the other side can complete (a company shows at most 10 of its tags, and no endpoint lists
   * one company's tags): every record of the item list is asked which parents it has, and becomes an item of
   * each capped parent among them. Costs one paged read per item, so it runs only when some parent is capped.
   */
  private async completeFromOtherSide(roots: CompiledTable[]): Promise<void> {
    for (const [child, { root, parents }] of this.deferred) {
      if (!roots.includes(root)) continue; // another list's, read at the same time
      this.deferred.delete(child);
      const parentTable = root.name;
      const from = child.node.from;
      if (from.kind !== 'embedded' || !from.complete_by) continue;
      const { list, members } = from.complete_by;
      const key = readers[members].id;
      const itemKey = readers[list].id;
      log.info(`${fmt(parents.size)} ${parentTable} show ${from.capped_at ?? 'a capped list of'} or more items of ${child.name}, which may be more than the API shows: their ${child.name} come from ${describeReader(members)} for each of the ${list}.`);
      const before = this.writers.counts().get(child.name) ?? 0;
      await this.forEach(readAll(this.ctx, list, { check: child.check }), () => false, async (item) => {
        try {
          for await (const member of readFor(this.ctx, members, item)) {
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
          this.vanished++;
          log.warn(`${list} ${String(item[readers[list].id])} was deleted while the run read its ${members}; it is left out of ${child.name}.`);
        }
      });
      log.info(`${child.name}: ${fmt((this.writers.counts().get(child.name) ?? 0) - before)} rows added beyond those shown, for the ${fmt(parents.size)} capped ${parentTable}.`);
      const unseen = [...parents].filter(([, p]) => !p.found).map(([k]) => k);
      if (unseen.length > 0) {
        log.warn(`${fmt(unseen.length)} ${parentTable} (${unseen.slice(0, 5).join(', ')}${unseen.length > 5 ? ', …' : ''}) showed ${from.capped_at ?? 'a capped list of'} or more items of ${child.name}, but ${describeReader(members)} listed none of them for any of the ${list}, so only the items they show are written. (Intercom documents that it leaves some records out of that listing.)`);
      }
    }
  }

  /**
   * A list is paged while it changes: Intercom orders conversations by last update, so one updated during the
   * read moves to a page already read and would be missed. Every record updated since `since` (the read's start
   * less a margin for clock skew and index lag) is read again; writeOnce skips those already written, which keep
   * the version read first (incremental runs pick up the newer one: their mark stays at the start of the read).
   * A newest-first list is read again from its front, down to the first older record, which needs no search
   * index; any other list with a search is searched.
   */
  private async *catchUp(listName: string, since: number, check: RecordCheck): AsyncIterable<Json> {
    const reader = readers[listName];
    const updated = reader.updated;
    if (!updated || !(reader.search || reader.newest_first)) return;
    const from = new Date(since * 1000).toISOString();
    if (reader.newest_first) {
      log.info(`Catching up on ${listName} updated since the read began (${from}): the front of the list again, where records that changed while it ran have moved.`);
      for await (const item of readAll(this.ctx, listName, { check })) {
        if (Number(item[updated]) < since) return;
        yield item;
      }
    } else {
      log.info(`Catching up on ${listName} updated since the read began (${from}): records that moved between pages while it ran.`);
      yield* readChanges(this.ctx, listName, since, { check });
    }
  }

  /**
   * Each record in flight holds a few detail requests open: twice the request limit keeps the pacer fed. The
   * first failure ends the run, so the requests still in flight for other records are halted at once.
   */
  private forEach<T = Json>(items: AsyncIterable<T>, stop: () => boolean, fn: (item: T) => Promise<void>): Promise<boolean> {
    const halt = (e: unknown) => this.ctx.client.halt(e instanceof Error ? e : new Error(String(e)));
    return forEachConcurrent(items, this.cfg.maxConcurrency * 2, stop, fn, halt);
  }

  private async writeRecord(roots: CompiledTable[], item: Json, outcome: Outcome, listName: string): Promise<void> {
    const reader = readers[listName];
    let written = false;
    let taken = false;
    for (const root of roots) {
      if (!matches(root, item)) continue;
      taken = true;
      written = (await this.emitRoot(root, item)) || written;
    }
    // A record no table takes (a lead that became a user, where users are left out) still has old rows to go.
    if (written || !taken) {
      outcome.ids.add(String(item[reader.id]));
      const updated = reader.updated === undefined ? NaN : Number(item[reader.updated]);
      if (this.lostMoves.has(item) && Number.isFinite(updated)) outcome.rereadFrom = Math.min(outcome.rereadFrom ?? updated - 1, updated - 1);
      if (Number.isFinite(updated)) {
        outcome.maxUpdatedAt = Math.max(outcome.maxUpdatedAt ?? updated, updated);
        outcome.minUpdatedAt = Math.min(outcome.minUpdatedAt ?? updated, updated);
      }
    }
  }

  private async emitRoot(table: CompiledTable, item: Json): Promise<boolean> {
    let obj = item;
    const expander = this.expanderOf(table);
    if (expander) {
      try {
        obj = await expand(this.ctx, expander, item, table.check);
      } catch (e) {
        if (!vanished(expander, e)) throw e;
        this.vanished++;
        this.vanishedIds.set(table.name, (this.vanishedIds.get(table.name) ?? new Set()).add(String(item[readers[expander].id])));
        log.warn(`${table.name} ${String(item[readers[expander].id])} was deleted while the run read it; it is left out.`);
        return false;
      }
    }
    if (!(await this.emit(table, obj, {}, this.keysOf(table)))) return true;
    if (table.history) {
      const version = table.history.row(obj, {});
      // No change time, no version to tell apart: such a record has none in the history.
      if (version[version.length - 2] !== '') await this.writers.get(table.history.name).write(version);
    }
    // The requests a left-out detail table would have cost this record, counted as the run would have made them.
    for (const u of this.unread) {
      if (u.parent !== table.name || (u.skippable && this.cfg.skipDetails.has(u.skippable as SkippableDetail))) continue;
      const counts = u.unlessZero?.every((p) => isZero(getPath(obj, undefined, p))) ? this.saved : this.excluded;
      counts.set(u.reader, (counts.get(u.reader) ?? 0) + 1);
    }
    return true;
  }

  /**
   * A top-level table whose rows the list's own check (one record per id) does not keep to one per key: a table
   * fed by several lists (data_attributes, of three), or keyed by more than its records' id. Its keys so far;
   * such tables are a few one-request lists.
   */
  private keysOf(table: CompiledTable): Set<string> | undefined {
    const key = table.node.primary_key;
    if (listsOf(table).length <= 1 && key.length === 1 && key[0] === table.rootKey) return undefined;
    let keys = this.tableKeys.get(table.name);
    if (!keys) this.tableKeys.set(table.name, (keys = new Set()));
    return keys;
  }

  private readonly tableKeys = new Map<string, Set<string>>();
  /** Each `moves` table's keys this run, across all parents. */
  private readonly movingKeys = new Map<string, IdSet>();
  /** Records that lost a row of a `moves` table to an earlier parent this run: the next run reads them again. */
  private readonly lostMoves = new WeakSet<Json>();
  /** Rows not written because their table already had their key this run, by table. */
  readonly duplicates = new Map<string, number>();
  /** Rows not written because a part of their key is empty, by table. */
  readonly keyless = new Map<string, number>();

  /**
   * Writes the object's row and its children's; false (and nothing written) when `once` already holds its key:
   * one run's file never holds a key twice, however often Intercom lists a record.
   */
  /** `across`: a `moves` table's keys this run under every parent (`once` holds this parent's). */
  private async emit(table: CompiledTable, obj: Json, scope: Scope, once?: Set<string>, across?: IdSet): Promise<boolean> {
    const row = table.row(obj, scope);
    const keyCells = table.node.primary_key.map((k) => row[table.columns.indexOf(k)]);
    // A key column is never empty: typed storage takes an empty value as NULL, which a key column refuses. (The
    // table's check refuses a record with no key of its own; a key of several may still lack one part, as a social
    // profile without its url.)
    if (keyCells.includes('')) {
      this.keyless.set(table.name, (this.keyless.get(table.name) ?? 0) + 1);
      warnOnce(`keyless:${table.name}`, `A ${table.name} row has no ${table.node.primary_key.filter((_, i) => keyCells[i] === '').join(' or ')}, part of its primary key, so storage could not hold it: it is left out (${table.node.primary_key.map((k, i) => `${k} ${JSON.stringify(keyCells[i])}`).join(', ')}).`);
      return false;
    }
    if (once) {
      const key = keyCells.join('\u0000');
      if (once.has(key)) {
        this.duplicates.set(table.name, (this.duplicates.get(table.name) ?? 0) + 1);
        warnOnce(`duplicate:${table.name}`, `Intercom listed a ${table.name} record more than once (${table.node.primary_key.join(' + ')} ${keyCells.join(' / ')}): its first row is kept, the others left out.`);
        return false;
      }
      once.add(key);
      if (across && !across.add(key)) {
        // Moved to this parent since an earlier one was read with it: its row there stays this run, and the next
        // run reads this parent again and writes the row under it (the earlier parent's rows go with its deletion).
        if (scope.root) this.lostMoves.add(scope.root);
        return false;
      }
    }
    const refers = table.node.refers_to;
    if (refers) {
      const named = this.referenced.get(refers.list) ?? new Set<string>();
      named.add(row[table.columns.indexOf(refers.column)]);
      this.referenced.set(refers.list, named);
    }
    await this.writers.get(table.name).write(row);
    const childScope: Scope = { parent: obj, root: scope.root ?? obj };
    await Promise.all(table.children.map((child) => this.emitChildren(child, obj, table, childScope)));
    return true;
  }

  private movingKeysOf(table: CompiledTable): IdSet {
    let keys = this.movingKeys.get(table.name);
    if (!keys) this.movingKeys.set(table.name, (keys = new IdSet()));
    return keys;
  }

  private async emitChildren(child: CompiledTable, parentObj: Json, parentTable: CompiledTable, scope: Scope): Promise<void> {
    const { skippable } = child.node;
    if (skippable && this.cfg.skipDetails.has(skippable)) return;
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
      this.vanished++;
      log.warn(`${parentTable.name} ${parentTable.describe(parentObj, scope)} was deleted while the run read its ${child.name}; its ${child.name} rows may be incomplete.`);
    }
  }

  private async *childItems(child: CompiledTable, parentObj: Json, parentTable: CompiledTable, scope: Scope): AsyncIterable<Json> {
    const from = child.node.from;
    if (from.kind === 'fetch') {
      // Read from the other side after the list, when that is cheaper.
      if (await this.viaMembers(child, parentTable)) return;
      // The parent says its list is empty (a contact with notes.total_count 0): no request to learn it again.
      if (from.unless_zero !== undefined && from.unless_zero.every((p) => isZero(getPath(parentObj, undefined, p)))) {
        this.saved.set(from.reader, (this.saved.get(from.reader) ?? 0) + 1);
        return;
      }
      yield* readFor(this.ctx, from.reader, parentObj, child.check);
      return;
    }
    if (from.kind !== 'embedded') throw new Error(`table ${child.name}: a child table's rows come from its parent`);
    // The parent's answer passed its table's check, so this is a list (or, where the template allows, absent).
    const items = getPath(parentObj, undefined, from.path);
    const list = Array.isArray(items) ? (items as Json[]) : [];
    // An embedded list capped by the API (a contact shows 10 tags at most): the whole list comes from elsewhere.
    const capped = from.when !== undefined ? getPath(parentObj, undefined, from.when) === true : from.capped_at !== undefined && list.length >= from.capped_at;
    if (capped && from.complete_with) {
      yield* readFor(this.ctx, from.complete_with, parentObj, child.check);
      return;
    }
    if (capped && from.complete_by) {
      // The items shown are written now, and the rest once the other side has been read.
      const itemKey = readers[from.complete_by.list].id;
      const waiting = this.deferred.get(child) ?? { root: parentTable, parents: new Map() };
      waiting.parents.set(String(parentObj[readers[from.complete_by.members].id]), { scope, written: new Set(list.map((i) => String(i[itemKey]))), found: false });
      this.deferred.set(child, waiting);
    }
    if (from.total) {
      const total = Number(getPath(parentObj, undefined, from.total));
      if (Number.isFinite(total) && total > list.length) {
        this.truncated++;
        log.warn(`${parentTable.name} ${parentTable.describe(parentObj, scope)}: Intercom returned ${list.length} of its ${total} ${child.name} (the API gives only the most recent ${list.length}); the rest cannot be read through the API.`);
      }
    }
    yield* list;
  }
}

/**
 * The checks a list's records must pass: those of every top-level table the record feeds (users or leads by
 * role). A table whose rows come from an expanded record checks the expansion instead.
 */
function recordCheck(roots: CompiledTable[], expanderOf: (root: CompiledTable) => string | undefined): RecordCheck {
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

/** Whether a listed record belongs to a top-level table (contacts split by role). */
function matches(root: CompiledTable, item: Json): boolean {
  const where = root.node.from.kind === 'list' ? root.node.from.where : undefined;
  return !where || Object.entries(where).every(([k, v]) => item[k] === v);
}

/**
 * Waits for every read; the first to fail fails the run at once (the client halts the others, whose own
 * failures then follow and are not the cause).
 */
async function allSettledOrFirstFailure(reads: Array<Promise<void>>): Promise<void> {
  const settled = Promise.allSettled(reads);
  await Promise.all(reads).catch(async (e: unknown) => {
    await settled; // nothing may still write once the tables are aborted
    throw e;
  });
}


/** A size of 0, false or an empty list: the parent says so. Anything else, absent included, proves nothing. */
function isZero(v: unknown): boolean {
  return v === 0 || v === false || v === '0' || (Array.isArray(v) && v.length === 0);
}

/** The list readers a top-level table reads, one after another. */
function listsOf(root: CompiledTable): string[] {
  return root.node.from.kind === 'list' ? [root.node.from.list].flat() : [];
}



function logSummary(result: ExtractResult, client: IntercomClient, tables: CompiledTable[]): void {
  log.info(`Done in ${result.seconds.toFixed(1)} s: ${fmt(result.requests)} requests (${fmt(client.stats.retries)} retried, ${fmt(client.stats.rateLimited)} rate-limited), ${(client.pacer.waitedMs / 1000).toFixed(1)} s waited for the rate limit, ${Math.round(client.pacer.meanLatencyMs)} ms mean latency, at most ${fmt(client.pacer.maxInFlight)} in flight.`);
  for (const t of tables) log.info(`  ${t.name.padEnd(32)} ${fmt(result.rows.get(t.name) ?? 0).padStart(12)} rows`);
  const routes = [...client.stats.byRoute].sort((a, b) => b[1] - a[1]);
  log.info(`Requests by endpoint: ${routes.map(([r, n]) => `${r} ${fmt(n)}`).join(', ')}.`);
  // The readers declare which requests are per-record details, and under what cost group.
  const costs = [...client.stats.byCost].sort((a, b) => b[1] - a[1]);
  const perRecord = costs.reduce((s, [, n]) => s + n, 0);
  const skippable = [...new Set(tables.flatMap((t) => (t.node.skippable ? [t.node.skippable] : [])))];
  if (perRecord > 0) {
    const share = (n: number) => `${((100 * n) / Math.max(result.requests, 1)).toFixed(0)}%`;
    log.info(`Per-object detail requests: ${fmt(perRecord)} of ${fmt(result.requests)} (${share(perRecord)}): ${costs.map(([c, n]) => `${c} ${fmt(n)} (${share(n)})`).join(', ')}.${skippable.length ? ` parameters.skip_contact_details turns off ${skippable.join(', ')}.` : ''}`);
  }
  const saved = Object.entries(result.saved);
  if (saved.length > 0) log.info(`Requests saved: ${saved.map(([c, n]) => `${c.replace(' (', ` ${fmt(n)} (`)}`).join(', ')}.`);
  if (result.truncated) log.warn(`${fmt(result.truncated)} objects had more nested items than the API returns (see the warnings above).`);
}
