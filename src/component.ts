/**
 * The component: reads the config, dispatches the action, maps failures to exit codes (1: the user's to fix, 2:
 * ours) with one line on stderr that never holds the token. The process starts in src/main.ts.
 */
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { AppError, exitCodeFor, StoppedError, UserError } from './errors.js';
import { log, redact } from './log.js';
import { isPicker, readConfig, REGIONS, type RunConfig } from './keboola/config.js';
import { answerPicker } from './actions/pickers.js';
import { readState, writeState } from './keboola/state.js';
import { fsError, isFsWriteError } from './keboola/files.js';
import { IntercomClient, type ClientOptions } from './intercom/client.js';
import { extract, type ExtractOptions } from './engine/extract.js';
import { clearStaleTables } from './engine/stale-tables.js';
import { SCROLL_DEFAULTS, type ReaderContext } from './resources/index.js';
import { decodeState, encodeState } from './incremental/state.js';
import type { ScrollOptions } from './intercom/scroll.js';
import { plural } from './util/plural.js';
import { testConnection } from './actions/test-connection.js';
import { hostOf, unreachableHint, type Hosts } from './hosts.js';

/** Knobs that tests and the benchmark turn; the platform never sets them. */
export interface Overrides {
  client?: Partial<ClientOptions>;
  extract?: Partial<Omit<ExtractOptions, 'outTablesDir'>> & { scroll?: Partial<ScrollOptions> };
  /** The regions' hosts, where no api_base_url names one (a test's simulators stand in for Intercom's regions). */
  regions?: Hosts;
}

/** How the process steers a run from outside (cli() sets it; in-process callers need not). */
export interface RunControl {
  /**
   * Aborting it stops the run: requests in flight fail, the extraction unwinds, no state is written, and the
   * abort reason (a StoppedError) is the one line on stderr.
   */
  signal?: AbortSignal;
  /** Told of the client once it exists (the stop line counts its requests). */
  onClient?: (client: IntercomClient) => void;
}

export async function runComponent(dataDir: string, overrides: Overrides = {}, control: RunControl = {}): Promise<0 | 1 | 2> {
  try {
    const cfg = await readConfig(dataDir);
    stopIfAborted(control);
    if (cfg.action === 'testConnection') return await testConnection(cfg, { client: (settings, baseUrl) => clientFor(cfg, overrides, control, settings, baseUrl), hosts: overrides.regions ?? REGIONS, signal: control.signal, clock: overrides.client?.clock });
    if (isPicker(cfg.action)) return await answerPicker(cfg, cfg.action, { client: (options) => clientFor(cfg, overrides, control, options), clock: overrides.client?.clock, signal: control.signal });
    await runExtraction(cfg, overrides, control);
    return 0;
  } catch (e) {
    // Once stopped, whatever the unwinding threw is a consequence of the stop: report the stop.
    const err = control.signal?.aborted && control.signal.reason instanceof StoppedError ? control.signal.reason : e;
    log.error(describe(err));
    return exitCodeFor(err);
  }
}

function stopIfAborted(control: RunControl): void {
  if (control.signal?.aborted) throw control.signal.reason instanceof StoppedError ? control.signal.reason : new StoppedError('The run was stopped; no state was saved.');
}

/** A client for the configuration's host (or `baseUrl`), with `settings` (an action's own limits) under the overrides. */
function clientFor(cfg: RunConfig, overrides: Overrides, control: RunControl, settings: Partial<ClientOptions> = {}, baseUrl?: string): IntercomClient {
  const host = hostOf(cfg, overrides.regions);
  const client = new IntercomClient({
    baseUrl: baseUrl ?? host.baseUrl,
    token: cfg.token,
    apiVersion: cfg.apiVersion,
    maxConcurrency: cfg.maxConcurrency,
    rateLimitShare: cfg.rateLimitShare,
    unreachable: unreachableHint(cfg, host.regional),
    ...(control.signal ? { signal: control.signal } : {}),
    ...settings,
    ...overrides.client,
  });
  control.onClient?.(client);
  return client;
}

async function runExtraction(cfg: RunConfig, overrides: Overrides, control: RunControl): Promise<void> {
  for (const w of cfg.warnings) log.warn(w);
  const state = decodeState(await readState(cfg.dataDir));
  log.info(`Intercom extractor: template ${cfg.template}${cfg.incremental ? ', incremental' : ''}, ${cfg.baseUrl}, API ${cfg.apiVersion}, paced to ${Math.round(cfg.rateLimitShare * 100)}% of the rate limit, at most ${plural(cfg.maxConcurrency, 'request')} in flight.`);
  const client = clientFor(cfg, overrides, control);
  const { scroll, ...extractOptions } = overrides.extract ?? {};
  const api: ReaderContext = { client, apiVersion: cfg.apiVersion, scroll: { ...SCROLL_DEFAULTS, ...scroll }, memo: new Map(), windowDays: { activity_logs_days: cfg.activityLogsDays } };
  const result = await extract(cfg, { api, requests: client }, { outTablesDir: path.join(cfg.dataDir, 'out', 'tables'), ...extractOptions }, state);
  // A stop that came after the last request (while the tables were closed) still saves nothing.
  stopIfAborted(control);
  // A run by hand into an earlier run's directory: the tables this run does not write go, now that it succeeded.
  await clearStaleTables(path.join(cfg.dataDir, 'out', 'tables'), result.rows.keys());
  stopIfAborted(control);
  // Written only after every table is closed, atomically: a run that fails before or during this leaves the
  // stored state as it was (no out/state.json, never a half one).
  const lastRun = { template: cfg.template, incremental: cfg.incremental, finished_at: new Date().toISOString(), requests: result.requests, complete: !result.stoppedEarly, rows: Object.fromEntries(result.rows) };
  await writeState(cfg.dataDir, encodeState({ sync: result.sync, customColumns: result.customColumns, lastRun, idColumns: result.idColumns }));
}

function describe(e: unknown): string {
  // A file-system refusal that no writer labelled (they all should): still one plain line with the cause.
  if (isFsWriteError(e)) return (fsError(e, (e as { path?: string }).path ?? 'a file in the data directory') as Error).message;
  if (e instanceof Error) {
    // Our own errors are written for the user; anything else is a bug, named as such.
    return e instanceof UserError || e instanceof AppError ? e.message : `Unexpected error (a bug, please report it): ${redact(e.stack ?? e.message)}`;
  }
  return `Unexpected error (a bug, please report it): ${String(e)}`;
}

/** The command line: `node dist/src/main.js [--data-dir DIR]` (main.ts loads this module, then calls it). */
export async function cli(): Promise<void> {
  const stop = stopOnSignals();
  const argv = await yargs(hideBin(process.argv))
    .scriptName('intercom-extractor')
    .usage('$0 [--data-dir DIR]\n\nRuns the action named in DIR/config.json (run or testConnection).')
    .option('data-dir', { type: 'string', describe: 'Keboola data directory (config.json, in/, out/)', default: process.env.KBC_DATADIR || '/data' })
    .strict()
    .help()
    .parse();
  const code = await runComponent(path.resolve(argv['data-dir']), {}, stop.control);
  stop.finished(code);
  if (stop.control.signal?.aborted) process.exit(code); // nothing left worth waiting for (sockets, timers)
  process.exitCode = code;
}

/**
 * How long a stopped run may take to unwind before the process exits anyway. INTERCOM_FORCE_EXIT_MS (never set on
 * the platform) lets a test push it out of reach, to tell a run that unwound from one this backstop ended without
 * timing either.
 */
const FORCE_EXIT_MS = Number(process.env.INTERCOM_FORCE_EXIT_MS) || 5_000;

/**
 * SIGTERM (the platform's job timeout or a cancel; `docker stop`) and SIGINT (Ctrl-C). The first stops the run:
 * requests in flight are dropped, the tables are closed, no state is written, one line says so, exit 1.
 * A second signal, or the run not unwinding within 5 seconds, exits at once. Handlers also make node, as PID 1
 * in a container, act on SIGTERM at all (the kernel ignores it for a PID 1 with no handler).
 */
function stopOnSignals(): { control: RunControl; finished(code: number): void } {
  const controller = new AbortController();
  let client: IntercomClient | undefined;
  let result: number | undefined; // the run's exit code once it has ended (and said why, if it failed)
  const forceExit = () => {
    if (result === undefined) log.error(describe(controller.signal.reason));
    process.exit(result ?? 1);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted || result !== undefined) return forceExit();
    const requests = client?.stats.requests ?? 0;
    const what = `after ${plural(requests, 'request')}: no state was saved, so the next run reads this data again.`;
    controller.abort(
      new StoppedError(
        sig === 'SIGINT'
          ? `Stopped by SIGINT (Ctrl-C) ${what}`
          : `Stopped by ${sig} (the platform's job timeout or a cancel) ${what} For long runs set parameters.incremental with parameters.max_run_minutes below the job timeout.`,
      ),
    );
    setTimeout(forceExit, FORCE_EXIT_MS).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    control: { signal: controller.signal, onClient: (c) => (client = c) },
    finished: (code) => {
      result = code;
    },
  };
}
