import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runComponent, type Overrides } from '../../src/main.js';
import { readTable, type Table } from './csv.js';

export interface RunResult {
  code: number;
  dataDir: string;
  stdout: string;
  stderr: string;
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
  extract: { progressIntervalMs: 60_000, scroll: { busyRetryMs: 50, busyMaxWaitMs: 300, maxRestarts: 2 } },
};

/** Runs the component in-process on a fresh data dir, capturing what it prints. */
export async function runExtractor(config: Record<string, unknown>, overrides: Overrides = TEST_OVERRIDES, state?: unknown): Promise<RunResult> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'intercom-run-'));
  await mkdir(path.join(dataDir, 'in'), { recursive: true });
  await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(config));
  if (state !== undefined) await writeFile(path.join(dataDir, 'in', 'state.json'), JSON.stringify(state));
  const captured = { out: '', err: '' };
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((captured.out += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((captured.err += String(chunk)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await runComponent(dataDir, overrides);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const tablesDir = path.join(dataDir, 'out', 'tables');
  return {
    code,
    dataDir,
    stdout: captured.out,
    stderr: captured.err,
    // A table is `<t>.csv`: a file, or (sliced) a directory of gzipped slices; `table()` reads either.
    tables: async () => (await readdir(tablesDir).catch(() => [] as string[])).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -4)).sort(),
    table: (name) => readTable(path.join(tablesDir, `${name}.csv`)),
    manifest: async (name) => JSON.parse(await readFile(path.join(tablesDir, `${name}.csv.manifest`), 'utf8')),
    state: async () => JSON.parse(await readFile(path.join(dataDir, 'out', 'state.json'), 'utf8')),
    outFiles: async () => listFiles(path.join(dataDir, 'out')),
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
