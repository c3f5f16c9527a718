/**
 * Before the first request for data: the template with the run's options (custom attribute columns are known only
 * once the workspace is asked), and the lines that say what the run will do with the configuration.
 */
import { emitEvent } from '../events.js';
import { log } from '../log.js';
import type { RunConfig } from '../keboola/config.js';
import { loadTemplate, type Template } from '../flatten/template.js';
import type { ColumnRules } from '../flatten/rules.js';
import type { ReaderContext } from '../resources/index.js';
import { columnSpecs, customColumns, type CustomColumns } from './custom-columns.js';
import { includedDetails } from './tables.js';
import { plural } from '../util/plural.js';
import { LEGACY_INTEGER_IDS } from '../flatten/legacy-id-types.js';
import type { IdColumns, StoredState } from '../incremental/state.js';

/** The run's template; with parameters.custom_attribute_columns, its custom columns too (kept in the state). */
export async function templateFor(cfg: RunConfig, api: ReaderContext, startedMs: number, previous: CustomColumns, idColumns: IdColumns): Promise<{ template: Template; custom?: CustomColumns }> {
  const template = baseTemplate(cfg, startedMs, idColumns);
  if (!cfg.customAttributeColumns) return { template };
  const custom = await customColumns(api, template, previous);
  const withColumns = loadTemplate(cfg.template, undefined, { ...templateOptions(cfg, startedMs, idColumns), extraColumns: columnSpecs(template, custom), rules: columnRules(cfg, true) });
  for (const [table, cols] of Object.entries(custom)) log.info(`Custom attribute columns of ${table}: ${cols.length ? cols.map((c) => `${c.column} (${c.key}${c.date ? ', date' : ''})`).join(', ') : 'none'}.`);
  return { template: withColumns, custom };
}

/**
 * The run's template before any request: its tables and what they read are all known (custom attribute columns,
 * which need the workspace's attribute definitions, only add columns).
 */
export function baseTemplate(cfg: RunConfig, startedMs: number, idColumns: IdColumns = 'string'): Template {
  // Custom attribute columns are known only once the workspace is asked: until then a rule may name one.
  return loadTemplate(cfg.template, undefined, { ...templateOptions(cfg, startedMs, idColumns), rules: columnRules(cfg, !cfg.customAttributeColumns) });
}

const columnRules = (cfg: RunConfig, strict: boolean): ColumnRules => ({ excludeTables: cfg.excludeTables, excludeColumns: cfg.excludeColumns, hashColumns: cfg.hashColumns, salt: cfg.hashSalt, strict, history: cfg.history });

function templateOptions(cfg: RunConfig, startedMs: number, idColumns: IdColumns) {
  const history = cfg.history ? { seenAt: Math.floor(startedMs / 1000) } : undefined;
  return { rawPayload: cfg.rawPayload, skip: cfg.skipDetails, history, flagDeletes: cfg.deletes === 'flag', legacyIdTypes: idColumns === 'legacy' };
}

/**
 * How this run types the id columns. Storage keeps a typed table's column types and fails the load of a manifest
 * that declares another (keboola/output-mapping TypedTableStructureValidator.php): tables that an earlier version
 * created under the data-type mode authoritative hold some id columns as INTEGER, so a configuration with such a
 * state keeps them INTEGER, from then on, in every mode of a project with native types (its mode may change back).
 * A project without native types has no typed tables: it takes the new types at once.
 */
export function idColumnsOf(cfg: Pick<RunConfig, 'manifestMode' | 'template'>, state: Pick<StoredState, 'idColumns'>): IdColumns {
  // Under hints or none the tables may still be typed (a project switches modes; an earlier version may have run
  // under authoritative): the mark is kept, so a later authoritative run declares what the tables hold. Only a
  // project without native types has no typed tables at all.
  const legacy = state.idColumns === 'legacy' || (state.idColumns === 'earlier' && cfg.manifestMode !== 'legacy');
  const columns = LEGACY_INTEGER_IDS[cfg.template] ?? [];
  if (legacy && columns.length > 0 && cfg.manifestMode === 'authoritative') {
    log.warn(`${columns.join(', ')} stay INTEGER, as the tables an earlier version created hold them (storage refuses to change a column's type); every other id column is STRING. To have these STRING too, so they join without casts, drop them (or their tables) in storage and then reset the configuration's state (a reset alone makes the next load fail on them).`);
  }
  return legacy ? 'legacy' : 'string';
}

/** Old versions must not keep what the columns now leave out or hash; the flags and the details read leave them as they were. */
export const restartsHistory = (changed: string[]): boolean => changed.some((o) => o !== 'deletes' && o !== 'include_details');

/** What the run does with the options that change the tables: the columns changed, the time budget ignored. */
export function announceRun(cfg: RunConfig, changedOptions: string[]): void {
  const columnsChanged = changedOptions.length > 0;
  if (cfg.maxRunMs !== undefined && !cfg.incremental) log.warn('parameters.max_run_minutes applies to incremental runs only: a full load cannot be split. Ignoring it.');
  if (cfg.deletes === 'flag' && !cfg.incremental) log.info('parameters.deletes "flag" marks deleted records in incremental runs; this full load replaces every table, so they are simply absent (is_deleted is false in every row).');
  if (restartsHistory(changedOptions) && cfg.history) {
    log.info('The columns changed since the last run: the history tables start again (their old versions would keep what the new columns leave out or hash).');
    emitEvent({ kind: 'history_restarts' });
  }
  if (columnsChanged && cfg.maxRunMs !== undefined) log.info('parameters.max_run_minutes is ignored for this run: the columns changed, and only a read to the end replaces the tables.');
}

/** The template's tables and what the column rules and skipped details leave out. */
export function announceTemplate(cfg: RunConfig, template: Template): void {
  log.info(`Template ${template.title}: ${plural(template.tables.length, 'table')} (${template.tables.map((t) => t.name).join(', ')}).`);
  if (cfg.excludeTables.size > 0) log.info(`Left out (parameters.exclude_tables): ${[...cfg.excludeTables].join(', ')}.`);
  if (cfg.excludeColumns.size > 0) log.info(`Columns left out (parameters.exclude_columns): ${[...cfg.excludeColumns].join(', ')}.`);
  if (cfg.hashColumns.size > 0) log.info(`Columns hashed with ${cfg.hashSalt ? 'HMAC-SHA256 keyed with parameters.#hash_salt' : 'SHA-256 (no parameters.#hash_salt)'}: ${[...cfg.hashColumns].join(', ')}.`);
  // A detail the template never reads per record (conversation_parts under conversations, whose parts come from the
  // detail every conversation needs anyway): skipping it changes nothing, which the user should know.
  const skippable = new Set(template.tables.flatMap((t) => [t.node.skippable, t.node.from.kind === 'list' ? t.node.from.expand_skippable : undefined]).filter((s) => s !== undefined));
  const idle = [...cfg.skipDetails].filter((s) => !skippable.has(s));
  if (idle.length > 0) log.warn(`parameters.skip_contact_details has ${idle.map((s) => JSON.stringify(s)).join(', ')}, which template ${template.name} does not read per record: ${idle.length > 1 ? 'they change' : 'it changes'} nothing.${skippable.size > 0 ? ` It can skip ${[...skippable].map((s) => JSON.stringify(s)).join(', ')}.` : ''}`);
  const included = includedDetails(template.tables, cfg);
  if (included.length > 0) log.info(`Including ${included.join(', ')} (parameters.include_details): one request per record each.`);
  for (const t of template.tables) {
    if (t.versions) continue;
    if (t.node.skippable && cfg.skipDetails.has(t.node.skippable)) log.info(`Skipping ${t.node.skippable} (parameters.skip_contact_details): table ${t.name} is written with no rows.`);
    const from = t.node.from;
    if (from.kind === 'list' && from.expand_skippable && cfg.skipDetails.has(from.expand_skippable)) log.info(`Skipping ${from.expand_skippable} (parameters.skip_contact_details): ${t.name} rows come from the list, without one request each for the full record.`);
  }
}
