/**
 * The pipeline, wiring only: template → list readers → emitter → table writers, then each table's load and the next
 * state. Each top-level list is read once, page by page; every object is mapped to its row and its child rows
 * (fetching detail lists where the template says so) while later objects are still being read, up to a bounded
 * number at a time. The engine talks to the readers (src/resources) and to a RequestControl, never to HTTP.
 *
 * Where to look: a request is declared in src/resources/index.ts; a row is written in src/engine/emit.ts; a deletion
 * is decided in src/engine/deletes/ (one file per way of learning it), its load in src/engine/loads.ts.
 */
import { resetWarnings } from '../log.js';
import type { RunConfig } from '../keboola/config.js';
import { TableWriters, type TableSpec } from '../keboola/tables.js';
import { manifestFor, type Manifest, type ManifestMode } from '../keboola/manifest.js';
import type { ReaderContext } from '../resources/index.js';
import { changedColumnOptions } from '../incremental/columns.js';
import { previousSync } from '../incremental/plan.js';
import type { IdColumns, StoredState, SyncState } from '../incremental/state.js';
import { RunContext } from './context.js';
import type { CustomColumns } from './custom-columns.js';
import { KnownIds } from './deletes/known-ids.js';
import { Emitter } from './emit.js';
import { Loads } from './loads.js';
import { nextSyncState } from './next-state.js';
import type { RequestControl } from './ports.js';
import { Progress } from './progress.js';
import { readLists } from './read-lists.js';
import { includedDetails, turnedOff, unservedTables } from './tables.js';
import { announceRun, announceTemplate, idColumnsOf, restartsHistory, templateFor } from './setup.js';
import { logSummary, savedRequests, warnLeftOut, warnOnEmptied } from './summary.js';
import { log } from '../log.js';

/** What the engine reads through: the readers' context, and the controls of the requests they make. */
export interface Source {
  api: ReaderContext;
  requests: RequestControl;
}

export interface ExtractOptions {
  outTablesDir: string;
  progressIntervalMs?: number;
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
  /** How the run typed the id columns: the next run types them so too (src/engine/setup.ts idColumnsOf). */
  idColumns: IdColumns;
}

export async function extract(cfg: RunConfig, source: Source, opts: ExtractOptions, state: StoredState): Promise<ExtractResult> {
  // The requests' clock, so a test that moves time itself moves the time budget too.
  const started = source.requests.clock.now();
  resetWarnings();
  const idColumns = idColumnsOf(cfg, state);
  const { template, custom } = await templateFor(cfg, source.api, started, state.customColumns, idColumns);
  const specs: TableSpec[] = template.tables.map((t) => ({ name: t.name, columns: t.columns, primaryKey: t.node.primary_key }));
  const writers = await TableWriters.open(opts.outTablesDir, specs, { sliceBytes: opts.sliceBytes });
  const progress = new Progress(source.requests, opts.progressIntervalMs ?? 5_000);
  const run = new RunContext(cfg, source.api, source.requests, writers, template, previousSync(cfg, state.sync));
  const known = new KnownIds(run, opts.knownIdsAtMost);
  const emitter = new Emitter(run, (list, id) => known.noteNamed(list, id));
  // After the columns changed, the tables must be replaced: a read split over runs would be merged instead.
  const changedOptions = cfg.incremental ? changedColumnOptions(cfg, state.written) : [];
  announceRun(cfg, changedOptions);
  const columnsChanged = changedOptions.length > 0;
  const deadline = cfg.incremental && cfg.maxRunMs !== undefined && !columnsChanged ? started + cfg.maxRunMs : Infinity;
  announceTemplate(cfg, template);

  let reads;
  try {
    reads = await readLists({ run, emitter, known, progress, deadline, maxMerged: opts.maxMergedRecords });
    await known.findGone(reads);
  } catch (e) {
    progress.stop();
    await writers.abort();
    throw e;
  }
  const loads = new Loads(run, reads, known, columnsChanged, restartsHistory(changedOptions));
  const replaced = new Set<string>();
  const unserved = unservedTables(template.roots, cfg.apiVersion);
  await writers.close((spec, sliced) => {
    const table = template.tables.find((t) => t.name === spec.name)!;
    const load = loads.loadOf(table);
    const render = (mode: ManifestMode) => manifestFor(table.node, load, { mode, sliced });
    opts.onManifest?.(spec.name, render, sliced, cfg.manifestMode);
    if (load.mode === 'replace' && !turnedOff(table, cfg) && !unserved.has(spec.name)) replaced.add(spec.name);
    return render(cfg.manifestMode);
  }, cfg.manifestMode);
  warnOnEmptied(replaced, writers.counts(), cfg.template, state.lastRun);
  warnLeftOut(run.counts);

  const stoppedEarly = [...reads.values()].some((r) => !r.progress.complete);
  if ([...reads.values()].some((r) => !r.progress.complete && (!r.progress.capped || run.nowMs() >= deadline))) log.info(`Time budget of ${(cfg.maxRunMs! / 60_000).toFixed(1)} min (parameters.max_run_minutes) reached: what was read is written, and the next run continues from there.`);
  const sync = nextSyncState(run, reads, known);
  const rows = writers.counts();
  const saved = savedRequests(run.counts);
  const report = source.requests.report();
  const result = { rows, requests: report.requests, saved, truncated: run.counts.truncated, vanished: run.counts.vanished, seconds: (run.nowMs() - started) / 1000, stoppedEarly, sync, customColumns: custom, idColumns };
  logSummary(result, report, template.tables, includedDetails(template.tables, cfg));
  return result;
}
