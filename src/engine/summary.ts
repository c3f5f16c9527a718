/**
 * What a run says when it ends: the requests it made and saved, the rows of each table, the rows it left out, and
 * a warning for a table about to be replaced empty where the last run wrote many.
 */
import { log } from '../log.js';
import type { CompiledTable } from '../flatten/template.js';
import { readers } from '../resources/index.js';
import type { LastRun } from '../incremental/state.js';
import type { RunCounts } from './context.js';
import type { RequestReport } from './ports.js';
import { fmt, noun, plural } from '../util/plural.js';

const EMPTIED_WARNING_ROWS = 10;

/** Requests not made, by cost group and why (`notes (the record said its list was empty)`). */
export function savedRequests(counts: RunCounts): Record<string, number> {
  const saved: Record<string, number> = {};
  // Readers that share a cost group add up under it: each group and reason is listed once.
  const add = (reader: string, why: string, n: number) => {
    const key = `${readers[reader].cost ?? reader} (${why})`;
    saved[key] = (saved[key] ?? 0) + n;
  };
  for (const [reader, n] of counts.saved) add(reader, 'the record said its list was empty', n);
  for (const [reader, n] of counts.membersSaved) if (n > 0) add(reader, 'read from the other side, not per record', n);
  for (const [reader, n] of counts.excluded) add(reader, 'its table left out by parameters.exclude_tables', n);
  return saved;
}

/** Rows the run left out: listed more than once, or without a part of their key. */
export function warnLeftOut(counts: RunCounts): void {
  for (const [what, byTable] of [['listed more than once (written once)', counts.duplicates], ['without a part of their primary key (left out)', counts.keyless]] as const) {
    if (byTable.size > 0) log.warn(`Rows ${what}: ${[...byTable].map(([t, n]) => `${t} ${fmt(n)}`).join(', ')}.`);
  }
}

/**
 * A table about to be replaced with no rows, where the last run of this template wrote many, is more likely a lost
 * permission or an API change than an emptied workspace: say so, since storage is about to lose the rows.
 */
export function warnOnEmptied(replaced: Set<string>, rows: Map<string, number>, template: string, last: Partial<LastRun> | undefined): void {
  if (!last || last.template !== template || typeof last.rows !== 'object' || last.rows === null) return;
  for (const name of replaced) {
    const before = Number(last.rows[name]);
    if (rows.get(name) === 0 && before >= EMPTIED_WARNING_ROWS) {
      log.warn(`Table ${name} has no rows this run, where the previous run wrote ${fmt(before)}; storage will replace it with an empty table. If the workspace still has them, check the token's permissions and run again.`);
    }
  }
}

export interface Summary {
  seconds: number;
  rows: Map<string, number>;
  saved: Record<string, number>;
  truncated: number;
}

/** `included`: the per-record details the run chose (parameters.include_details). */
export function logSummary(s: Summary, report: RequestReport, tables: CompiledTable[], included: string[]): void {
  log.info(`Done in ${s.seconds.toFixed(1)} s: ${plural(report.requests, 'request')} (${fmt(report.retries)} retried, ${fmt(report.rateLimited)} rate-limited), ${(report.waitedMs / 1000).toFixed(1)} s waited for the rate limit, ${Math.round(report.meanLatencyMs)} ms mean latency, at most ${fmt(report.maxInFlight)} in flight.`);
  for (const t of tables) {
    const rows = s.rows.get(t.name) ?? 0;
    log.info(`  ${t.name.padEnd(32)} ${fmt(rows).padStart(12)} ${noun(rows, 'row')}`);
  }
  const routes = [...report.byRoute].sort((a, b) => b[1] - a[1]);
  log.info(`Requests by endpoint: ${routes.map(([r, n]) => `${r} ${fmt(n)}`).join(', ')}.`);
  // The readers declare which requests are per-record details, and under what cost group.
  const costs = [...report.byCost].sort((a, b) => b[1] - a[1]);
  const perRecord = costs.reduce((sum, [, n]) => sum + n, 0);
  const skippable = [...new Set(tables.flatMap((t) => (t.node.skippable ? [t.node.skippable] : [])))];
  if (perRecord > 0) {
    const share = (n: number) => `${((100 * n) / Math.max(report.requests, 1)).toFixed(0)}%`;
    log.info(`Per-object detail requests: ${fmt(perRecord)} of ${fmt(report.requests)} (${share(perRecord)}): ${costs.map(([c, n]) => `${c} ${fmt(n)} (${share(n)})`).join(', ')}.${skippable.length ? ` parameters.skip_contact_details turns off ${skippable.join(', ')}.` : ''}${included.length ? ` parameters.include_details chooses ${included.join(', ')}.` : ''}`);
  }
  const saved = Object.entries(s.saved);
  if (saved.length > 0) log.info(`Requests saved: ${saved.map(([c, n]) => `${c.replace(' (', ` ${fmt(n)} (`)}`).join(', ')}.`);
  if (s.truncated) log.warn(`${plural(s.truncated, 'object')} had more nested items than the API returns (see the warnings above).`);
}
