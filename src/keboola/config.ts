import { readFile } from 'node:fs/promises';
import type { SyncOptions } from '../model/sync-options.js';
import path from 'node:path';
import { AppError, UserError } from '../errors.js';
import { registerSecret } from '../log.js';
import { closest, didYouMean } from '../util/closest.js';
import { PARAMETER_NAMES, type Parameters, type Region, type Template } from '../generated/config.js';
import { DATA_TYPE_SUPPORT, type ManifestMode } from './manifest.js';

export const REGIONS: Record<Region, string> = {
  us: 'https://api.intercom.io',
  eu: 'https://api.eu.intercom.io',
  au: 'https://api.au.intercom.io',
};
export const TEMPLATES: readonly Template[] = ['basic', 'conversations', 'users_and_events', 'workspace'];
export const SKIPPABLE_DETAILS = ['segments', 'notes', 'events_summary', 'conversation_parts', 'ticket_parts'] as const;
/** Per-record details read only when parameters.include_details names them (one request per record each). */
export const INCLUDABLE_DETAILS = ['contact_subscriptions', 'company_notes', 'conversation_handling_events', 'side_conversations', 'contact_merge_history'] as const;
export type IncludableDetail = (typeof INCLUDABLE_DETAILS)[number];
export type SkippableDetail = (typeof SKIPPABLE_DETAILS)[number];
export const ACTIONS = ['run', 'testConnection', 'listTables', 'listExcludableColumns', 'listHashableColumns'] as const;
export type Action = (typeof ACTIONS)[number];
/**
 * The sync actions that fill the form's pickers (src/actions/pickers.ts): they read the template, not the workspace,
 * so they answer without a token, and ask for one only when they must read the workspace.
 */
export const PICKER_ACTIONS = ['listTables', 'listExcludableColumns', 'listHashableColumns'] as const satisfies readonly Action[];
export type PickerAction = (typeof PICKER_ACTIONS)[number];
const NO_TOKEN = 'No access token: set parameters.#access_token or authorize the configuration with Intercom (OAuth).';
/**
 * The Intercom API versions the component reads, each checked against that version's spec (the simulator answers
 * as each does): parameters.api_version must be one of them. The first is the default.
 */
export const API_VERSIONS = ['2.14', '2.15', '2.16'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
export const DEFAULT_API_VERSION: ApiVersion = '2.14';

export interface RunConfig extends SyncOptions {
  dataDir: string;
  action: Action;
  /** Empty only for a picker action (PICKER_ACTIONS) given none. */
  token: string;
  template: Template;
  region: Region;
  baseUrl: string;
  apiVersion: ApiVersion;
  /** The form the manifests take: the job's data-type mode (src/keboola/manifest.ts). */
  manifestMode: ManifestMode;
  skipDetails: ReadonlySet<SkippableDetail>;
  /** parameters.include_details: the per-record details read (each one request per record). */
  includeDetails: ReadonlySet<IncludableDetail>;
  /** parameters.activity_logs_days: how far back a full read of the activity logs goes. */
  activityLogsDays: number;
  maxConcurrency: number;
  /** The part of the app's rate limit this run may use, 0.01–1. */
  rateLimitShare: number;
  /** Every top-level table with versions also writes `<table>_history`. */
  history: boolean;
  /** Warnings about the configuration that do not stop the run (a misspelled parameter). */
  warnings: string[];
}

/**
 * Reads `<dataDir>/config.json` and turns it into a validated RunConfig, or throws a UserError naming the field
 * and the fix. `env` is where the platform's variables are read (KBC_DATA_TYPE_SUPPORT).
 */
export async function readConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<RunConfig> {
  const file = path.join(dataDir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`No config.json in the data directory ${dataDir}: pass --data-dir (or KBC_DATADIR) pointing at a folder with config.json.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`config.json is not valid JSON (${(e as Error).message}): fix the file.`);
  }
  return parseConfig(raw, dataDir, env);
}

export function parseConfig(raw: unknown, dataDir: string, env: NodeJS.ProcessEnv = {}): RunConfig {
  const params = isObject(raw) && isObject(raw.parameters) ? raw.parameters : {};
  const warnings = unknownParameters(params);
  try {
    return { ...parseKnown(raw, dataDir, env), warnings };
  } catch (e) {
    // A misspelled key is the likeliest cause of a missing or wrong value: say so in the same line.
    if (e instanceof UserError && warnings.length > 0) throw new UserError(`${e.message} Note: ${warnings.join(' ')}`);
    throw e;
  }
}

function unknownParameters(params: Record<string, unknown>): string[] {
  return Object.keys(params)
    .filter((k) => !(PARAMETER_NAMES as readonly string[]).includes(k))
    .map((k) => {
      const near = closest(k, PARAMETER_NAMES);
      return `parameters.${k} is not a parameter of this component and is ignored${near ? `: did you mean ${near}?` : '.'}`;
    });
}

function parseKnown(raw: unknown, dataDir: string, env: NodeJS.ProcessEnv): Omit<RunConfig, 'warnings'> {
  if (!isObject(raw)) throw new UserError('config.json must be a JSON object with a "parameters" object.');
  // Parameters written at the top level of config.json (a hand-written file): named, never their values (a secret).
  const misplaced = Object.keys(raw).filter((k) => (PARAMETER_NAMES as readonly string[]).includes(k));
  if (misplaced.length > 0) throw new UserError(`config.json has ${misplaced.join(', ')} at its top level: parameters belong inside "parameters" ({"parameters": {"${misplaced[0]}": …}}). Move them there.`);
  const params = parametersOf(raw);
  const action = actionOf(raw.action);

  const token = resolveToken(params, raw.authorization) ?? (isPicker(action) ? '' : undefined);
  if (token === undefined) throw new UserError(NO_TOKEN);
  registerSecret(token);

  const { template, region, baseUrl } = endpointOf(params);
  const apiVersion = apiVersionOf(params.api_version);
  const manifestMode = manifestModeOf(env.KBC_DATA_TYPE_SUPPORT, raw.storage);
  const { skip, include, activityLogsDays, maxConcurrency, share } = readingOf(params);
  const { incremental, resync, fullRefreshDays, maxRunMs } = incrementalOf(params);
  const { rawPayload, customAttributeColumns, history, deletes } = tableOptionsOf(params);
  const { excludeTables, excludeColumns, hashColumns, hashSalt } = columnRulesOf(params, rawPayload);

  return { dataDir, action, token, template, region, baseUrl, apiVersion, manifestMode, skipDetails: new Set(skip), includeDetails: new Set(include), activityLogsDays, maxConcurrency, rateLimitShare: share / 100, incremental, resync, fullRefreshDays, maxRunMs, rawPayload, customAttributeColumns, excludeTables: new Set(excludeTables), excludeColumns: new Set(excludeColumns), hashColumns: new Set(hashColumns), hashSalt, history, deletes };
}

/** config.json's parameters: an object, or the empty list the platform may send for one. */
function parametersOf(raw: Record<string, any>): Parameters {
  // The platform serialises an empty parameters object as [] (PHP arrays).
  const params: Parameters = isObject(raw.parameters) ? (raw.parameters as Parameters) : {};
  if (raw.parameters !== undefined && !isObject(raw.parameters) && !(Array.isArray(raw.parameters) && raw.parameters.length === 0)) {
    throw new UserError('config.json "parameters" must be an object: fix the configuration.');
  }
  return params;
}

/** config.json's action: one of ACTIONS, run when absent. */
function actionOf(value: unknown): Action {
  const action = value ?? 'run';
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    throw new UserError(`Unknown action "${String(action)}": use one of ${ACTIONS.join(', ')}.`);
  }
  return action as Action;
}

/** The template, the region, and the API's base URL: the region's, unless parameters.api_base_url names another. */
function endpointOf(params: Parameters): { template: Template; region: Region; baseUrl: string } {
  const template = params.template ?? 'basic';
  if (!TEMPLATES.includes(template)) {
    throw new UserError(`parameters.template "${String(template)}" is unknown: use one of ${TEMPLATES.join(', ')}.${didYouMean(template, TEMPLATES)}`);
  }
  const region = params.region ?? 'us';
  if (!Object.hasOwn(REGIONS, region)) {
    throw new UserError(`parameters.region "${String(region)}" is unknown: use one of ${Object.keys(REGIONS).join(', ')}.${didYouMean(region, Object.keys(REGIONS))}`);
  }

  let baseUrl = REGIONS[region];
  if (params.api_base_url !== undefined && params.api_base_url !== '') {
    if (typeof params.api_base_url !== 'string' || !/^https?:\/\/[^\s]+$/.test(params.api_base_url)) {
      throw new UserError('parameters.api_base_url must be an http(s) URL such as https://api.intercom.io: fix it or remove it.');
    }
    baseUrl = params.api_base_url.replace(/\/+$/, '');
  }
  return { template, region, baseUrl };
}

/** What the run reads and how hard: the contact details skipped, the requests in flight, the share of the rate limit (a percentage). */
function readingOf(params: Parameters): { skip: SkippableDetail[]; include: IncludableDetail[]; activityLogsDays: number; maxConcurrency: number; share: number } {
  const skip = params.skip_contact_details ?? [];
  const badSkip = Array.isArray(skip) ? skip.find((s) => !(SKIPPABLE_DETAILS as readonly string[]).includes(s)) : undefined;
  if (!Array.isArray(skip) || badSkip !== undefined) {
    throw new UserError(`parameters.skip_contact_details${badSkip !== undefined ? ` has ${JSON.stringify(badSkip)}, but it` : ''} must be a list of ${SKIPPABLE_DETAILS.map((s) => `"${s}"`).join(', ')}: fix the list.${didYouMean(badSkip, SKIPPABLE_DETAILS)}`);
  }
  const include = params.include_details ?? [];
  const unknown = Array.isArray(include) ? include.find((s) => !(INCLUDABLE_DETAILS as readonly string[]).includes(s)) : undefined;
  if (!Array.isArray(include) || unknown !== undefined) {
    throw new UserError(`parameters.include_details${unknown !== undefined ? ` has ${JSON.stringify(unknown)}, but it` : ''} must be a list of ${INCLUDABLE_DETAILS.map((s) => `"${s}"`).join(', ')}: fix the list.${didYouMean(unknown, INCLUDABLE_DETAILS)}`);
  }
  const activityLogsDays = params.activity_logs_days ?? 90;
  if (!Number.isInteger(activityLogsDays) || activityLogsDays < 1) throw new UserError('parameters.activity_logs_days must be a whole number of days, 1 or more: fix it or remove it.');

  const maxConcurrency = params.max_concurrency ?? 200;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 1000) {
    throw new UserError('parameters.max_concurrency must be a whole number from 1 to 1000: fix it or remove it.');
  }
  const share = params.rate_limit_share ?? 100;
  if (!Number.isInteger(share) || share < 1 || share > 100) {
    throw new UserError('parameters.rate_limit_share must be a whole percentage from 1 to 100: fix it or remove it.');
  }
  return { skip, include, activityLogsDays, maxConcurrency, share };
}

/** Incremental runs, the full refresh and the resync that override them, and the time budget. */
function incrementalOf(params: Parameters): Pick<RunConfig, 'incremental' | 'resync' | 'fullRefreshDays' | 'maxRunMs'> {
  const incremental = params.incremental ?? false;
  if (typeof incremental !== 'boolean') throw new UserError('parameters.incremental must be true or false: fix it or remove it.');
  const resync = params.resync ?? false;
  if (typeof resync !== 'boolean') throw new UserError('parameters.resync must be true or false: fix it or remove it.');
  const fullRefreshDays = params.full_refresh_days ?? 7;
  if (!Number.isInteger(fullRefreshDays) || fullRefreshDays < 0) {
    throw new UserError('parameters.full_refresh_days must be a whole number of days, 0 or more (0: never): fix it or remove it.');
  }
  const maxRunMinutes = params.max_run_minutes;
  if (maxRunMinutes !== undefined && maxRunMinutes !== null && (typeof maxRunMinutes !== 'number' || !(maxRunMinutes > 0))) {
    throw new UserError('parameters.max_run_minutes must be a number of minutes above 0: fix it or remove it.');
  }
  const maxRunMs = typeof maxRunMinutes === 'number' ? maxRunMinutes * 60_000 : undefined;
  return { incremental, resync, fullRefreshDays, maxRunMs };
}

/** What the tables hold beyond the template's columns: the raw payload, custom attribute columns, history tables, and deleted records' rows. */
function tableOptionsOf(params: Parameters): Pick<RunConfig, 'rawPayload' | 'customAttributeColumns' | 'history' | 'deletes'> {
  const rawPayload = params.raw_payload ?? false;
  if (typeof rawPayload !== 'boolean') throw new UserError('parameters.raw_payload must be true or false: fix it or remove it.');
  const customAttributeColumns = params.custom_attribute_columns ?? false;
  if (typeof customAttributeColumns !== 'boolean') throw new UserError('parameters.custom_attribute_columns must be true or false: fix it or remove it.');

  const history = params.history ?? false;
  if (typeof history !== 'boolean') throw new UserError('parameters.history must be true or false: fix it or remove it.');
  const deletes = params.deletes ?? 'remove';
  if (deletes !== 'remove' && deletes !== 'flag') throw new UserError(`parameters.deletes "${String(deletes)}" is unknown: use "remove" (deleted records leave storage) or "flag" (their rows stay, with is_deleted true).`);
  return { rawPayload, customAttributeColumns, history, deletes };
}

/** The tables and columns left out, the columns hashed and their key (a secret), checked against each other and raw_payload. */
function columnRulesOf(params: Parameters, rawPayload: boolean): { excludeTables: string[]; excludeColumns: string[]; hashColumns: string[]; hashSalt: string | undefined } {
  const excludeTables = nameList(params.exclude_tables, 'exclude_tables', /^[a-z][a-z0-9_]*$/, 'table names such as "notes"');
  const excludeColumns = nameList(params.exclude_columns, 'exclude_columns', COLUMN_NAME, 'names such as "users.phone" (table.column)');
  const hashColumns = nameList(params.hash_columns, 'hash_columns', COLUMN_NAME, 'names such as "users.email" (table.column)');
  const salt = params['#hash_salt'];
  if (salt !== undefined && salt !== null && typeof salt !== 'string') throw new UserError('parameters.#hash_salt must be a string: fix it or remove it.');
  const hashSalt = typeof salt === 'string' && salt !== '' ? salt : undefined;
  registerSecret(hashSalt);
  if (hashColumns.length > 0 && rawPayload) {
    throw new UserError(`parameters.hash_columns cannot be used with parameters.raw_payload: its data column would keep the clear values of ${hashColumns.join(', ')}. Turn raw_payload off, or leave those columns out with parameters.exclude_columns instead.`);
  }
  for (const c of hashColumns) if (excludeColumns.includes(c)) throw new UserError(`parameters.hash_columns and parameters.exclude_columns both name ${c}: keep it in one of them.`);
  return { excludeTables, excludeColumns, hashColumns, hashSalt };
}

const COLUMN_NAME = /^[a-z][a-z0-9_]*\.[A-Za-z0-9_]+$/;

/**
 * parameters.api_version: one of API_VERSIONS. Absent, null or empty (what a cleared form field sends) is the
 * default; a number such as 2.16 (a hand-written JSON) is taken for the string it reads as.
 */
function apiVersionOf(value: unknown): ApiVersion {
  if (value === undefined || value === null || value === '') return DEFAULT_API_VERSION;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text === 'string' && (API_VERSIONS as readonly string[]).includes(text.trim())) return text.trim() as ApiVersion;
  const accepted = API_VERSIONS.map((v) => `"${v}"`).join(', ');
  throw new UserError(`parameters.api_version ${JSON.stringify(value)} is not a version this component reads: use one of ${accepted} (or leave it empty for "${DEFAULT_API_VERSION}").`);
}

/**
 * The job's data-type mode, as output-mapping applies it (keboola/job-queue-job-configuration OutputDataLoader.php
 * 172-178): the platform sets KBC_DATA_TYPE_SUPPORT only in projects with native types, to the component's default,
 * and the configuration's storage.output.data_type_support overrides that default. Without the variable the
 * project has no native types: `legacy`, whatever the configuration says.
 */
function manifestModeOf(variable: string | undefined, storage: unknown): ManifestMode {
  if (variable === undefined || variable === '') return 'legacy';
  const known = DATA_TYPE_SUPPORT as readonly string[];
  if (!known.includes(variable)) throw new AppError(`The platform set KBC_DATA_TYPE_SUPPORT to ${JSON.stringify(variable)}, which this version does not know (it knows ${DATA_TYPE_SUPPORT.join(', ')}): the component needs an update.`);
  const override = isObject(storage) && isObject(storage.output) ? storage.output.data_type_support : undefined;
  if (override === undefined || override === null || override === '') return variable as ManifestMode;
  if (typeof override !== 'string' || !known.includes(override)) throw new UserError(`storage.output.data_type_support ${JSON.stringify(override)} is unknown: use one of ${DATA_TYPE_SUPPORT.join(', ')} in the configuration's output mapping settings.`);
  return override as ManifestMode;
}

/** A list parameter of names; which of them the template has is checked when it is loaded. */
function nameList(value: unknown, field: string, re: RegExp, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new UserError(`parameters.${field} must be a list of ${what}: fix it or remove it.`);
  for (const v of value) {
    if (typeof v !== 'string' || !re.test(v)) throw new UserError(`parameters.${field} holds ${JSON.stringify(v)}, which is not one of ${what}: fix the list.`);
  }
  return [...new Set(value as string[])];
}

export function isPicker(action: Action): action is PickerAction {
  return (PICKER_ACTIONS as readonly string[]).includes(action);
}

/** The token comes from the form (#access_token) or from Keboola's OAuth broker (a JSON string in credentials #data); undefined when neither has one. */
function resolveToken(params: Parameters, authorization: unknown): string | undefined {
  const direct = params['#access_token'];
  if (typeof direct === 'string' && direct.trim() !== '') return direct.trim();
  const data = isObject(authorization) && isObject(authorization.oauth_api) && isObject(authorization.oauth_api.credentials)
    ? authorization.oauth_api.credentials['#data']
    : undefined;
  if (typeof data === 'string' && data !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      throw new UserError('authorization.oauth_api.credentials.#data is not valid JSON: re-authorize the configuration.');
    }
    if (isObject(parsed) && typeof parsed.access_token === 'string' && parsed.access_token !== '') return parsed.access_token;
    throw new UserError('authorization.oauth_api.credentials.#data holds no access_token: re-authorize the configuration.');
  }
  return undefined;
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
