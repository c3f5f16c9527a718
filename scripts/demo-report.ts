/** The demo's table of runs: each template's tables and their row counts, and what its run took. */
import { alignedTable, thousands } from './text-table.js';

export interface RunSummary {
  template: string;
  /** The run's exit code. */
  code: number;
  seconds: number;
  requests: number;
  /** Each table and its rows (NaN when the run failed). */
  tables: Array<[string, number]>;
}

/** The lines of the table; its columns fit the longest template and table names and the largest count. */
export function runsReport(results: RunSummary[]): string[] {
  const columns = [{ title: 'Template' }, { title: 'Table' }, { title: 'Rows', right: true }];
  const rows = results.flatMap((r) => r.tables.map(([table, n], i) => [i === 0 ? r.template : '', table, thousands(n)]));
  const [header, rule, ...lines] = alignedTable(columns, rows);
  // A run's summary goes under the Table column: the rule's first gap ends the Template column.
  const indent = ' '.repeat(rule.indexOf(' ') + 2);
  const out = [header, rule];
  for (const r of results) {
    out.push(...lines.splice(0, r.tables.length));
    out.push(`${indent}(exit ${r.code}, ${thousands(r.requests)} requests, ${r.seconds.toFixed(1)} s)`, '');
  }
  return out;
}
