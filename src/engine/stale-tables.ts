/**
 * After a successful run, before its state is written: the files an earlier run left in out/tables for product
 * tables this run did not write go (src/keboola/stale-tables.ts says which files, and why only then), so out/tables
 * holds exactly this run's tables. On the platform out/ starts empty, and this finds nothing.
 */
import { emitEvent } from '../events.js';
import { log } from '../log.js';
import { TEMPLATES } from '../keboola/config.js';
import { removeStaleTables } from '../keboola/stale-tables.js';
import { loadTemplate } from '../flatten/template.js';
import { plural } from '../util/plural.js';

/** Every table a run of some template can write (history tables included): the names out/tables holds of ours. */
export function productTables(): Set<string> {
  return new Set(TEMPLATES.flatMap((name) => loadTemplate(name, undefined, { history: { seenAt: 0 } }).tables.map((t) => t.name)));
}

/** At most this many tables are named in the log line; more are counted. */
const NAMED = 10;

export async function clearStaleTables(outTablesDir: string, written: Iterable<string>): Promise<void> {
  const found = await removeStaleTables(outTablesDir, new Set(written), productTables());
  const { removed, temporary, kept } = found;
  if (removed.length === 0 && temporary === 0 && kept.size === 0) return;
  emitEvent({ kind: 'stale_tables', removed, temporary, kept: [...kept.keys()] });
  if (removed.length > 0 || temporary > 0) {
    const names = removed.length > NAMED ? `${removed.slice(0, NAMED).join(', ')} and ${removed.length - NAMED} more` : removed.join(', ');
    const tables = removed.length > 0 ? `the files of ${plural(removed.length, 'table')} this run does not write (${names})` : '';
    const temps = temporary > 0 ? `${plural(temporary, 'temporary file')} of a run that was stopped` : '';
    log.info(`out/tables held an earlier run's output: removed ${[tables, temps].filter(Boolean).join(' and ')}.`);
  }
  for (const [table, files] of kept) log.warn(`out/tables/${table}.csv/ holds files this component did not write (${files.join(', ')}): table ${table}, which this run does not write, is left as it was.`);
}
