/**
 * The form's pickers: Keboola sync actions that fill the multi-selects of parameters.exclude_tables, exclude_columns
 * and hash_columns (`options.async` in component_config/configSchema.json; every action is listed in
 * component_config/actions.json). Each prints on stdout one JSON array of {"label", "value"} and nothing else, as
 * Keboola's form expects (keboola/developers-docs extend/component/ui-options/ui-examples/sync-action-examples.md).
 *
 * A picker offers exactly what the run accepts: the chosen template's tables; its columns that the rules may name
 * (src/flatten/rules.ts decides both), so never a key column. With parameters.custom_attribute_columns the columns
 * include the custom attribute columns, read from the workspace's data attributes: the only requests a picker makes,
 * and the only reason it needs the token. The platform gives a sync action 30 seconds: those requests go at once,
 * each with a short deadline and one retry, under one budget for the whole answer (PICKER_BUDGET_MS).
 */
import { AppError, UserError } from '../errors.js';
import { setQuiet } from '../log.js';
import { type PickerAction, type RunConfig } from '../keboola/config.js';
import { loadTemplate, RAW_COLUMN, type Template } from '../flatten/template.js';
import { nameableColumns, places, type ColumnField } from '../flatten/rules.js';
import { columnSpecs, customColumns } from '../engine/custom-columns.js';
import { SCROLL_DEFAULTS } from '../resources/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { answerBudget } from './budget.js';
import type { ClientOptions, IntercomClient } from '../intercom/client.js';
import type { TableNode } from '../generated/template.js';

/** One entry of a picker's answer. */
export interface Choice {
  label: string;
  value: string;
}

export interface PickerDeps {
  /** A client for the workspace's requests, with these limits and this stop signal. */
  client(options: Partial<ClientOptions>): IntercomClient;
  /** Whose time the budget follows (the client's: a test moves both). */
  clock?: Clock;
  /** The process's stop (SIGTERM): the picker's requests end with it. */
  signal?: AbortSignal;
}

/**
 * The whole answer's bound, well inside the platform's 30 seconds (which also pay for starting the container and
 * node). The requests' own limits fit in it: a deadline of 8 s, one retry after at most 2 s, 18 s in all.
 */
export const PICKER_BUDGET_MS = 20_000;
export const PICKER_CLIENT: Partial<ClientOptions> = { timeoutMs: 8_000, maxRetries: 1, backoffCapMs: 2_000, maxRateLimitWaits: 1 };

const PICKERS: Record<PickerAction, (cfg: RunConfig, deps: PickerDeps) => Promise<Choice[]>> = {
  listTables: async (cfg) => tableChoices(loadTemplate(cfg.template)),
  listExcludableColumns: (cfg, deps) => readColumnChoices(cfg, 'exclude_columns', deps),
  listHashableColumns: (cfg, deps) => readColumnChoices(cfg, 'hash_columns', deps),
};

/** Runs a picker: its answer, and nothing else, on stdout; exit 0. A failure is the caller's one line on stderr. */
export async function answerPicker(cfg: RunConfig, action: PickerAction, deps: PickerDeps): Promise<0> {
  const wasQuiet = setQuiet(true);
  try {
    const choices = await PICKERS[action](cfg, deps);
    process.stdout.write(JSON.stringify(choices) + '\n');
    return 0;
  } finally {
    setQuiet(wasQuiet); // a later run in the same process (tests) speaks again
  }
}

/**
 * Every table of the template, in its order, as parameters.exclude_tables names it. The label says what the table
 * holds, and for a table read with one request per row of its parent, that cost (what leaving it out saves).
 */
export function tableChoices(template: Template): Choice[] {
  const parents = new Map<string, { node: TableNode; parents: string[] }>();
  for (const { node, parent } of places(template.roots.map((r) => r.node))) {
    const seen = parents.get(node.table) ?? { node, parents: [] };
    if (parent && !seen.parents.includes(parent.table)) seen.parents.push(parent.table);
    parents.set(node.table, seen);
  }
  return [...parents.entries()].map(([table, { node, parents: from }]) => {
    const cost = node.from.kind === 'fetch' && from.length > 0 ? ` (one request per row of ${from.join(' and ')})` : '';
    return { value: table, label: labelOf(`${table}${cost}`, node.description) };
  });
}

/** The columns parameters.<field> may name, with the workspace's custom attribute columns when they are on. */
async function readColumnChoices(cfg: RunConfig, field: ColumnField, deps: PickerDeps): Promise<Choice[]> {
  if (field === 'hash_columns' && cfg.rawPayload) {
    throw new UserError('No column can be hashed while parameters.raw_payload is on (its data column would keep the clear values): turn raw_payload off to choose columns to hash.');
  }
  return columnChoices(await templateWithCustomColumns(cfg, deps), field, cfg);
}

/**
 * The `table.column` names parameters.<field> may hold, given the options they depend on: the template's columns
 * (loaded with the raw payload's column and any custom attribute columns), history (a table's change field keys
 * its versions), raw_payload (whose data column keeps what an embedded list holds), and the tables left out.
 */
export function columnChoices(template: Template, field: ColumnField, cfg: Pick<RunConfig, 'history' | 'rawPayload' | 'excludeTables'>): Choice[] {
  const columns = nameableColumns(template.roots.map((r) => r.node), field, { history: cfg.history, dataColumn: cfg.rawPayload ? RAW_COLUMN : undefined });
  return columns.filter(({ name }) => !cfg.excludeTables.has(name.split('.')[0])).map(({ name, spec }) => ({ value: name, label: labelOf(name, spec.description) }));
}

/** The template as the run loads it before the rules apply: with the raw payload's column, and the custom attribute columns. */
async function templateWithCustomColumns(cfg: RunConfig, deps: PickerDeps): Promise<Template> {
  const options = { rawPayload: cfg.rawPayload };
  const template = loadTemplate(cfg.template, undefined, options);
  if (!cfg.customAttributeColumns || !template.roots.some((r) => r.node.custom_columns)) return template;
  if (cfg.token === '') throw new UserError('No access token, and the custom attribute columns (parameters.custom_attribute_columns) are read from the workspace: set parameters.#access_token or authorize the configuration with Intercom (OAuth), or turn custom_attribute_columns off.');
  const custom = await withinBudget(deps, (client) => customColumns({ client, apiVersion: cfg.apiVersion, scroll: SCROLL_DEFAULTS, memo: new Map() }, template, {}));
  return loadTemplate(cfg.template, undefined, { ...options, extraColumns: columnSpecs(template, custom) });
}

/** Work with a client whose requests all end, answered or not, within PICKER_BUDGET_MS. */
async function withinBudget<T>(deps: PickerDeps, work: (client: IntercomClient) => Promise<T>): Promise<T> {
  const seconds = PICKER_BUDGET_MS / 1000;
  const over = () => new AppError(`Intercom did not list the workspace's custom attributes within ${seconds} s: try again, or turn parameters.custom_attribute_columns off to choose among the template's columns.`);
  const { signal, cancel } = answerBudget(deps.clock ?? systemClock, PICKER_BUDGET_MS, over, deps.signal);
  try {
    return await work(deps.client({ ...PICKER_CLIENT, signal }));
  } finally {
    cancel();
  }
}

/** `name: description`, on one line and short enough for a select's option. */
function labelOf(name: string, description: string | undefined): string {
  const text = (description ?? '').replace(/\s+/g, ' ').trim();
  const label = text === '' ? name : `${name}: ${text}`;
  if (label.length <= MAX_LABEL) return label;
  const cut = label.slice(0, MAX_LABEL - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), name.length)).replace(/[\s,;:(]+$/, '')}…`;
}

const MAX_LABEL = 120;
