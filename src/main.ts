/**
 * The component's entry point: reads the config, dispatches the action, maps failures to exit codes
 * (1: the user's to fix, 2: ours) with one line on stderr that never holds the token.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { AppError, exitCodeFor, UserError } from './errors.js';
import { log, redact, setQuiet } from './log.js';
import { readConfig, type RunConfig } from './keboola/config.js';
import { readState, writeState } from './keboola/state.js';
import { IntercomClient, type ClientOptions } from './intercom/client.js';
import { extract, type ExtractOptions } from './extract.js';
import type { Me } from './generated/intercom.js';

/** Knobs that tests and the benchmark turn; the platform never sets them. */
export interface Overrides {
  client?: Partial<ClientOptions>;
  extract?: Partial<Omit<ExtractOptions, 'outTablesDir'>>;
}

export async function runComponent(dataDir: string, overrides: Overrides = {}): Promise<0 | 1 | 2> {
  try {
    const cfg = await readConfig(dataDir);
    if (cfg.action === 'testConnection') return await testConnection(cfg, overrides);
    await runExtraction(cfg, overrides);
    return 0;
  } catch (e) {
    log.error(describe(e));
    return exitCodeFor(e);
  }
}

function clientFor(cfg: RunConfig, overrides: Overrides): IntercomClient {
  return new IntercomClient({ baseUrl: cfg.baseUrl, token: cfg.token, apiVersion: cfg.apiVersion, maxConcurrency: cfg.maxConcurrency, ...overrides.client });
}

async function testConnection(cfg: RunConfig, overrides: Overrides): Promise<0> {
  setQuiet(true);
  // The platform gives a sync action 30 seconds: fail fast rather than retry for minutes.
  const client = clientFor(cfg, { client: { timeoutMs: 8_000, maxRetries: 1, backoffCapMs: 2_000, maxRateLimitWaits: 1, ...overrides.client } });
  const me = await client.get<Me>('/me');
  if (!me || typeof me !== 'object' || !('id' in me)) throw new AppError('Intercom answered /me without an admin: the API may have changed.');
  process.stdout.write(JSON.stringify({ status: 'success' }) + '\n');
  return 0;
}

async function runExtraction(cfg: RunConfig, overrides: Overrides): Promise<void> {
  const state = await readState(cfg.dataDir);
  log.info(`Intercom extractor: template ${cfg.template}${cfg.incremental ? ', incremental' : ''}, ${cfg.baseUrl}, API ${cfg.apiVersion}, up to ${cfg.maxConcurrency} requests in flight.`);
  const client = clientFor(cfg, overrides);
  const result = await extract(cfg, client, { outTablesDir: path.join(cfg.dataDir, 'out', 'tables'), ...overrides.extract }, state);
  // Written only after every table is closed: a run that fails before this leaves the stored state as it was.
  await writeState(cfg.dataDir, {
    sync: result.sync,
    last_run: { template: cfg.template, incremental: cfg.incremental, finished_at: new Date().toISOString(), requests: result.requests, complete: !result.stoppedEarly },
  });
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    // Our own errors are written for the user; anything else is a bug, named as such.
    return e instanceof UserError || e instanceof AppError ? e.message : `Unexpected error (a bug, please report it): ${redact(e.stack ?? e.message)}`;
  }
  return `Unexpected error (a bug, please report it): ${String(e)}`;
}

async function cli(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('intercom-extractor')
    .usage('$0 [--data-dir DIR]\n\nRuns the action named in DIR/config.json (run or testConnection).')
    .option('data-dir', { type: 'string', describe: 'Keboola data directory (config.json, in/, out/)', default: process.env.KBC_DATADIR || '/data' })
    .strict()
    .help()
    .parse();
  process.exitCode = await runComponent(path.resolve(argv['data-dir']));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void cli();
}
