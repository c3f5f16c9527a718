/**
 * The platform stops a job with SIGTERM (its timeout, a cancel, `docker stop`); a person with Ctrl-C (SIGINT).
 * Either way the run must end within seconds, with one line on stderr saying what happened and what to do,
 * exit 1, and no out/state.json (the next run reads the same data again). In a container node is PID 1, which
 * the kernel spares every signal it has no handler for: that case runs node as PID 1 of a new PID namespace.
 *
 * "Within seconds" is tested without a stopwatch, which a busy machine would stop late: the 5-second backstop
 * (INTERCOM_FORCE_EXIT_MS) is pushed out of reach, so the run exits only if it unwinds by itself.
 */
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateWorkspace, startSimulator, type Simulator } from '../simulator/index.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');
const HOLD_LOAD = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/hold-load.js')).href;

/** Whether this machine can run node as PID 1 of a new PID namespace (root, or user namespaces). */
function canUnshare(): boolean {
  const probe = spawnSync('unshare', ['-fp', '--mount-proc', 'true'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

/** The node that unshare started (its child, PID 1 in the new namespace). */
async function nodeIn(unsharePid: number): Promise<number> {
  let nodePid = 0;
  await until(() => {
    const found = spawnSync('pgrep', ['-P', String(unsharePid)], { encoding: 'utf8' }).stdout.trim();
    nodePid = Number(found.split('\n')[0]) || 0;
    return nodePid > 0;
  });
  return nodePid;
}
const TOKEN = 'signals-token-0123456789abc';

interface Started {
  child: ChildProcess;
  dataDir: string;
  output: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Out of reach of any test: a run this backstop would end fails its test by mocha's timeout instead. */
const NEVER_MS = 10 * 60_000;

async function start(sim: Simulator, command: string[] = [], nodeArgs: string[] = [], extraEnv: Record<string, string> = {}): Promise<Started> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'intercom-signals-'));
  // A long run: many conversations, each detail slow, few at a time.
  const config = { parameters: { '#access_token': TOKEN, api_base_url: sim.url, template: 'conversations', max_concurrency: 4 } };
  await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(config));
  await mkdir(path.join(dataDir, 'out'));
  const argv = [...command, process.execPath, ...nodeArgs, MAIN, '--data-dir', dataDir];
  const env = { ...process.env, INTERCOM_FORCE_EXIT_MS: String(NEVER_MS), ...extraEnv };
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => (output.stdout += d));
  child.stderr!.on('data', (d) => (output.stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, dataDir, output, exited };
}

/** Waits, as long as mocha lets the test run, until `check` holds. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 25));
}

/**
 * Sends `signal` to `pid` once the run is under way; checks the stop as the platform sees it. The backstop is out
 * of reach: the run exits only if it unwinds.
 */
async function stopAndCheck(sim: Simulator, run: Started, pid: number, signal: NodeJS.Signals): Promise<{ line: string }> {
  await until(() => sim.stats.requests >= 12);
  process.kill(pid, signal);
  const end = await run.exited;
  expect(end.code, run.output.stderr).to.equal(1);
  const lines = run.output.stderr.trimEnd().split('\n');
  expect(lines, run.output.stderr).to.have.length(1);
  expect(run.output.stderr + run.output.stdout).not.to.include(TOKEN);
  expect(run.output.stdout).not.to.match(/^Done in/m);
  const out = await readdir(path.join(run.dataDir, 'out'));
  expect(out, 'a stopped run writes no state').not.to.include('state.json');
  for (const f of await readdir(path.join(run.dataDir, 'out', 'tables')).catch(() => [] as string[])) {
    expect(await readFile(path.join(run.dataDir, 'out', 'tables', f), 'utf8')).not.to.include(TOKEN);
  }
  return { line: lines[0] };
}

describe('stopping a run', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let running: ChildProcess | undefined;

  beforeEach(async () => {
    sim = await startSimulator({ workspace: generateWorkspace({ seed: 21, users: 2, leads: 1, conversations: 400, maxPartsPerConversation: 8, bigConversations: 0 }), token: TOKEN, latencyMs: 150 });
  });
  afterEach(async () => {
    if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
    running = undefined;
    await sim.close();
  });

  it('SIGTERM: the run unwinds and exits 1 with one line, and writes no state', async () => {
    const run = await start(sim);
    running = run.child;
    const { line } = await stopAndCheck(sim, run, run.child.pid!, 'SIGTERM');
    expect(line).to.match(/^Stopped by SIGTERM \(the platform's job timeout or a cancel\) after \d+ requests: no state was saved, so the next run reads this data again\. For long runs .*max_run_minutes/);
  });

  it('SIGINT: the run unwinds and exits 1 with one line, and writes no state', async () => {
    const run = await start(sim);
    running = run.child;
    const { line } = await stopAndCheck(sim, run, run.child.pid!, 'SIGINT');
    expect(line).to.match(/^Stopped by SIGINT \(Ctrl-C\) after \d+ requests: no state was saved/);
  });

  it('a second signal while the run unwinds still ends it with exit 1, one line and no state', async () => {
    const run = await start(sim);
    running = run.child;
    await until(() => sim.stats.requests >= 12);
    run.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGTERM');
    const end = await run.exited;
    expect(end.code).to.equal(1);
    expect(run.output.stderr.trimEnd().split('\n'), run.output.stderr).to.have.length(1);
    expect(run.output.stderr).to.match(/^Stopped by SIGTERM/);
    expect(await readdir(path.join(run.dataDir, 'out'))).not.to.include('state.json');
  });

  for (const pid1 of [false, true]) {
    it(`SIGTERM while the component is still loading, before its handlers exist${pid1 ? ', to node as PID 1' : ''}: exit 1 with one line, nothing written`, async function () {
      if (pid1 && !canUnshare()) this.skip();
      const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'intercom-hold-')), 'loading');
      const run = await start(sim, pid1 ? ['unshare', '-fp', '--mount-proc'] : [], ['--import', HOLD_LOAD], { HOLD_LOAD_MARKER: marker });
      running = run.child;
      // The hook has the component's loading held for good: the signal comes while it loads.
      await until(() => readFile(marker).then(() => true, () => false));
      const pid = pid1 ? await nodeIn(run.child.pid!) : run.child.pid!;
      process.kill(pid, 'SIGTERM');
      const end = await run.exited;
      expect(end.code, `${run.output.stderr} (signal ${end.signal})`).to.equal(1);
      expect(run.output.stderr).to.equal('Stopped by SIGTERM before the run began: nothing was read and no state was saved.\n');
      expect(sim.stats.requests).to.equal(0);
      expect(await readdir(path.join(run.dataDir, 'out'))).to.deep.equal([]);
    });
  }

  it('SIGTERM to node running as PID 1 (as in the container) stops it too', async function () {
    const probe = spawnSync('unshare', ['-fp', '--mount-proc', 'true'], { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) {
      console.log(`      (skipped: cannot make a PID namespace here: unshare -fp --mount-proc ${probe.error ? probe.error.message : `exited ${probe.status}`}; needs root or user namespaces)`);
      this.skip();
    }
    const run = await start(sim, ['unshare', '-fp', '--mount-proc']);
    running = run.child;
    // unshare forks; its child execs node, which is PID 1 in the new namespace.
    let nodePid = 0;
    await until(() => {
      const found = spawnSync('pgrep', ['-P', String(run.child.pid)], { encoding: 'utf8' }).stdout.trim();
      nodePid = Number(found.split('\n')[0]) || 0;
      return nodePid > 0;
    });
    const nsPid = (await readFile(`/proc/${nodePid}/status`, 'utf8')).match(/^NSpid:\s+(.*)$/m)?.[1].trim().split(/\s+/);
    expect(nsPid?.at(-1), 'node is PID 1 in its namespace').to.equal('1');
    const { line } = await stopAndCheck(sim, run, nodePid, 'SIGTERM');
    expect(line).to.match(/^Stopped by SIGTERM/);
  });
});
