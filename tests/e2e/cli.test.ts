/**
 * The component as the platform runs it: a process, a data dir, an exit code, one line on failure,
 * and the token nowhere in what it prints or writes.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWorkspace, startSimulator, type Simulator } from '../simulator/index.js';
import { listFiles } from '../helpers/run.js';
import { platformProblems } from '../helpers/platform.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');
const TOKEN = 'cli-good-token-0123456789';
const BAD = 'cli-wrong-token-9876543210';
const RESTRICTED = 'cli-restricted-token-5555';

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
  dataDir: string;
  files: string[];
}

async function runCli(config: unknown, env: Record<string, string> = {}): Promise<Proc> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'intercom-cli-'));
  if (config !== undefined) await writeFile(path.join(dataDir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  await mkdir(path.join(dataDir, 'out'), { recursive: true });
  const child = spawn(process.execPath, [MAIN, '--data-dir', dataDir], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, stdout, stderr, dataDir, files: await listFiles(path.join(dataDir, 'out')) };
}

async function expectNoSecret(proc: Proc, secret: string): Promise<void> {
  expect(proc.stdout).not.to.include(secret);
  expect(proc.stderr).not.to.include(secret);
  for (const f of proc.files) expect(await readFile(f, 'utf8'), f).not.to.include(secret);
}

describe('command line', function () {
  this.timeout(60_000);
  let sim: Simulator;
  const params = (token: string, extra: Record<string, unknown> = {}) => ({ '#access_token': token, api_base_url: sim.url, ...extra });

  before(async () => {
    sim = await startSimulator({ workspace: generateWorkspace({ seed: 3, users: 8, leads: 3, conversations: 3, bigConversations: 0 }), token: TOKEN, restrictedToken: RESTRICTED });
  });
  after(() => sim.close());

  it('exits 1 on a wrong token with one clear line and no token anywhere', async () => {
    const proc = await runCli({ parameters: params(BAD) });
    expect(proc.code).to.equal(1);
    expect(proc.stderr.trim().split('\n')).to.have.length(1);
    expect(proc.stderr).to.match(/401 unauthorized.*check parameters\.#access_token/);
    await expectNoSecret(proc, BAD);
    expect(proc.files.some((f) => f.endsWith('state.json')), 'a failed run writes no state').to.equal(false);
  });

  it('exits 1 when the plan does not allow an endpoint (403)', async () => {
    const proc = await runCli({ parameters: params(RESTRICTED, { template: 'conversations' }) });
    expect(proc.code).to.equal(1);
    expect(proc.stderr.trim().split('\n')).to.have.length(1);
    expect(proc.stderr).to.match(/403 api_plan_restricted/);
    await expectNoSecret(proc, RESTRICTED);
  });

  it('exits 1 with the field named on bad config, and on a missing config', async () => {
    const bad = await runCli({ parameters: params(TOKEN, { template: 'all' }) });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/^parameters\.template "all" is unknown: use one of basic, conversations, users_and_events, workspace\.\n$/);
    const missing = await runCli(undefined);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/No config\.json/);
    const garbled = await runCli('{"parameters": ');
    expect(garbled.code).to.equal(1);
    expect(garbled.stderr).to.match(/config\.json is not valid JSON/);
  });

  it('testConnection prints only {"status":"success"} and writes nothing', async () => {
    const proc = await runCli({ parameters: params(TOKEN), action: 'testConnection' });
    expect(proc.code).to.equal(0);
    expect(proc.stdout).to.equal('{"status":"success"}\n');
    expect(proc.files).to.deep.equal([]);
    const wrong = await runCli({ parameters: params(BAD), action: 'testConnection' });
    expect(wrong.code).to.equal(1);
    expect(wrong.stdout).to.equal('');
    expect(wrong.stderr).to.match(/401/);
    await expectNoSecret(wrong, BAD);
  });

  it('runs the extraction, writes tables and state, and logs no token', async () => {
    const proc = await runCli({ parameters: params(TOKEN) });
    expect(proc.code, proc.stderr).to.equal(0);
    expect(proc.stderr).to.equal('');
    expect(proc.files.map((f) => path.basename(f))).to.include.members(['users.csv', 'users.csv.manifest', 'state.json']);
    await expectNoSecret(proc, TOKEN);
  });

  it('writes the manifests KBC_DATA_TYPE_SUPPORT asks for, as the platform sets it in the environment', async () => {
    for (const [mode, form] of [['authoritative', 'schema'], ['hints', 'schema'], ['none', 'columns'], ['legacy', 'columns']] as const) {
      // Empty is how the platform leaves it unset here (the test's own environment may have it).
      const proc = await runCli({ parameters: params(TOKEN, { template: 'conversations' }) }, { KBC_DATA_TYPE_SUPPORT: mode === 'legacy' ? '' : mode });
      expect(proc.code, proc.stderr).to.equal(0);
      expect(await platformProblems(proc.dataDir, mode), mode).to.deep.equal([]);
      expect(JSON.parse(await readFile(path.join(proc.dataDir, 'out', 'tables', 'conversations.csv.manifest'), 'utf8')), mode).to.have.property(form);
    }
  });

  it('reads the data dir from KBC_DATADIR when no --data-dir is given', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'intercom-env-'));
    await writeFile(path.join(dataDir, 'config.json'), JSON.stringify({ parameters: params(TOKEN), action: 'testConnection' }));
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, KBC_DATADIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    expect(await new Promise((r) => child.on('close', r))).to.equal(0);
    expect(stdout).to.equal('{"status":"success"}\n');
  });
});
