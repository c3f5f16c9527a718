import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runComponent, type Overrides, type RunControl } from '../../src/component.js';
import { readTable, type Table } from './csv.js';
import { keyProblems, MODE_ROTATION, platformProblems, withDataTypeSupport, type Rendered } from './platform.js';
import type { ManifestMode } from '../../src/keboola/manifest.js';
import { onEvent, type RunEvent } from '../../src/events.js';

export interface RunResult {
  code: number;
  /** The data-type mode the run wrote its manifests for (KBC_DATA_TYPE_SUPPORT; `legacy`: unset). */
  mode: ManifestMode;
  dataDir: string;
  stdout: string;
  stderr: string;
  /** What the run did, as structured events (src/events.ts): what tests assert instead of log lines. */
  events: RunEvent[];
  tables(): Promise<string[]>;
  table(name: string): Table;
  manifest(name: string): Promise<Record<string, unknown>>;
  /** out/state.json as written (the next run's in/state.json). */
  state(): Promise<any>;
  outFiles(): Promise<string[]>;
}

/**
 * Fast retries and no progress chatter: the knobs a test turns, never the platform. The request deadline and the
 * retry window stay production's (60 s, 10 min): a busy machine may take seconds to answer a request, and that
 * must not fail a run. A failing request is given up after 10 retries instead (a fraction of a second of
 * backoffs), so a fault that persists still fails its test at once. Tests of a deadline or a time bound move a
 * ManualClock (tests/helpers/clock.ts) themselves.
 */
export const TEST_OVERRIDES: Overrides = {
  client: { backoffBaseMs: 5, backoffCapMs: 50, maxRetries: 10 },
  extract: { progressIntervalMs: 60_000, scroll: { busyRetryMs: 50, busyMaxWaitMs: 300, stallMs: 600_000 } },
};

let runs = 0;

export interface RunOptions {
  /** The run's KBC_DATA_TYPE_SUPPORT (`legacy`: unset); by default each run takes the next of MODE_ROTATION. */
  mode?: ManifestMode;
  /** Steers the run from outside: aborting its signal is a SIGTERM (tests/helpers/schedule.ts). */
  control?: RunControl;
  /** Runs in this data dir (a run by hand into an earlier run's directory) instead of a fresh one. */
  dataDir?: string;
}

/**
 * Runs the component in-process on a fresh data dir, capturing what it prints. A successful run's output is
 * checked against the platform's rules, for the mode it ran in and for every other (tests/helpers/platform.ts):
 * a manifest the platform would refuse fails the test that made it.
 */
export async function runExtractor(config: Record<string, unknown>, overrides: Overrides = TEST_OVERRIDES, state?: unknown, options: RunOptions = {}): Promise<RunResult> {
  const mode = options.mode ?? MODE_ROTATION[runs++ % MODE_ROTATION.length];
  const rendered: Rendered[] = [];
  // The mode the run wrote for: the variable's, unless the configuration overrides it (storage.output.data_type_support).
  let written = mode;
  const observed: Overrides = {
    ...overrides,
    extract: {
      ...overrides.extract,
      onManifest: (table, render, sliced, used) => {
        rendered.push({ table, render, sliced });
        written = used;
      },
    },
  };
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'intercom-run-')));
  await mkdir(path.join(dataDir, 'in'), { recursive: true });
  await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(config));
  if (state !== undefined) await writeFile(path.join(dataDir, 'in', 'state.json'), JSON.stringify(state));
  const captured = { out: '', err: '' };
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((captured.out += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((captured.err += String(chunk)), true)) as typeof process.stderr.write;
  let code: number;
  const restore = withDataTypeSupport(mode);
  const events: RunEvent[] = [];
  const stopListening = onEvent((e) => events.push(e));
  try {
    code = await runComponent(dataDir, observed, options.control);
  } finally {
    stopListening();
    restore();
    process.stdout.write = out;
    process.stderr.write = err;
  }
  if (code === 0) {
    const problems = [...(await platformProblems(dataDir, written, rendered)), ...(await keyProblems(dataDir))];
    if (problems.length > 0) throw new Error(`The run's output breaks the platform's rules (manifests for ${written}):\n${problems.join('\n')}`);
  }
  return {
    code,
    mode: written,
    dataDir,
    stdout: captured.out,
    stderr: captured.err,
    events,
    ...outputTables(dataDir),
    state: async () => JSON.parse(await readFile(path.join(dataDir, 'out', 'state.json'), 'utf8')),
    outFiles: async () => listFiles(path.join(dataDir, 'out')),
  };
}

/** A data dir's out/tables: its table names, each table's rows and its manifest. */
export function outputTables(dataDir: string): Pick<RunResult, 'tables' | 'table' | 'manifest'> {
  const tablesDir = path.join(dataDir, 'out', 'tables');
  return {
    // A table is `<t>.csv`: a file, or (sliced) a directory of gzipped slices; `table()` reads either.
    tables: async () => (await readdir(tablesDir).catch(() => [] as string[])).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -4)).sort(),
    table: (name) => readTable(path.join(tablesDir, `${name}.csv`)),
    manifest: async (name) => JSON.parse(await readFile(path.join(tablesDir, `${name}.csv.manifest`), 'utf8')),
  };
}

/** Every file below dir (none when it does not exist). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files.push(...(await listFiles(p)));
    else files.push(p);
  }
  return files;
}

export function config(url: string, token: string, parameters: Record<string, unknown> = {}, action?: string): Record<string, unknown> {
  return { parameters: { '#access_token': token, api_base_url: url, ...parameters }, ...(action ? { action } : {}) };
}
