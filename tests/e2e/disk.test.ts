/**
 * The data volume as it really fails: a full disk mid-table and at the state, a read-only directory. The process
 * must end with one plain line naming the path and the cause, exit 2, and no out/state.json, whole or half.
 * A successful run prints nothing on stderr, however many writers share a table.
 * The full-disk cases mount a small tmpfs (root, as here and in CI); without root they use /dev/full and a
 * read-only directory instead, which fail the same writes with real errors.
 */
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TableWriters } from '../../src/keboola/tables.js';
import { generateWorkspace, startSimulator, type Simulator } from '../simulator/index.js';
import { listFiles } from '../helpers/run.js';
import { manifestOf } from '../helpers/storage.js';
import { platformProblems } from '../helpers/platform.js';
import type { ManifestMode } from '../../src/keboola/manifest.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');
const TOKEN = 'disk-token-0123456789abc';

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(dataDir: string): Promise<Proc> {
  const child = spawn(process.execPath, [MAIN, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function dataDirWith(config: unknown): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'intercom-disk-'));
  await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(config));
  await mkdir(path.join(dataDir, 'out'));
  return dataDir;
}

function tryMount(dir: string, size: number): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const unmount = (dir: string) => execFileSync('umount', [dir], { stdio: 'ignore' });
const PAGE = Number(execFileSync('getconf', ['PAGESIZE']).toString().trim()) || 4096;

function expectOneLine(proc: Proc): string {
  expect(proc.stderr.endsWith('\n'), proc.stderr).to.equal(true);
  const lines = proc.stderr.trimEnd().split('\n');
  expect(lines, proc.stderr).to.have.length(1);
  expect(proc.stderr).not.to.match(/Unexpected error|    at |Warning/);
  expect(proc.stderr + proc.stdout).not.to.include(TOKEN);
  return lines[0];
}

describe('the data volume', function () {
  this.timeout(120_000);
  let sim: Simulator;
  const conversations = (extra: Record<string, unknown> = {}) => ({ parameters: { '#access_token': TOKEN, api_base_url: sim.url, template: 'conversations', ...extra } });
  const mounted: string[] = [];
  let canMount = false;

  before(async () => {
    sim = await startSimulator({ workspace: generateWorkspace({ seed: 5, users: 2, leads: 1, conversations: 200, maxPartsPerConversation: 60, bigConversations: 2 }), token: TOKEN });
    const probe = await mkdtemp(path.join(os.tmpdir(), 'intercom-mount-'));
    canMount = tryMount(probe, 64 * 1024);
    if (canMount) unmount(probe);
  });
  afterEach(() => {
    for (const dir of mounted.splice(0)) unmount(dir);
  });
  after(() => sim.close());

  async function outOnTmpfs(dataDir: string, size: number): Promise<string> {
    const out = path.join(dataDir, 'out');
    expect(tryMount(out, size), `mount tmpfs at ${out}`).to.equal(true);
    mounted.push(out);
    return out;
  }

  it('prints nothing on stderr on a run where many writers wait on the same table (no listener pile-up)', async () => {
    const dataDir = await dataDirWith(conversations({ max_concurrency: 64 }));
    const proc = await runCli(dataDir);
    expect(proc.code, proc.stderr).to.equal(0);
    expect(proc.stderr).to.equal('');
    expect((await readdir(path.join(dataDir, 'out'))).sort()).to.deep.equal(['state.json', 'tables']);
    // The child ran without KBC_DATA_TYPE_SUPPORT (unless this process has it): manifests a project without native types reads.
    expect(await platformProblems(dataDir, process.env.KBC_DATA_TYPE_SUPPORT ? (process.env.KBC_DATA_TYPE_SUPPORT as ManifestMode) : 'legacy')).to.deep.equal([]);
  });

  it('makes many concurrent writers to one table wait, sharing one wait: no listener warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tables-'));
      const w = await TableWriters.open(dir, [{ name: 't', columns: ['id', 'pad'], primaryKey: ['id'] }]);
      const pad = 'y'.repeat(2000);
      let resolved = 0;
      const writes = Array.from({ length: 500 }, (_, i) => w.get('t').write([String(i), pad]).then(() => resolved++));
      await new Promise((r) => process.nextTick(r));
      // Real backpressure: past the buffer's mark the writers wait for the file, which has not been written yet.
      expect(resolved).to.be.below(100);
      await Promise.all(writes);
      await w.close((spec, sliced) => manifestOf(spec, sliced), 'authoritative');
      expect((await readFile(path.join(dir, 't.csv'), 'utf8')).split('\n').length).to.equal(502);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).to.deep.equal([]);
  });

  it('a disk that fills up mid-table: exit 2, one line naming the CSV and ENOSPC, no state', async () => {
    const dataDir = await dataDirWith(conversations({ max_concurrency: 16 }));
    let target: string;
    if (canMount) {
      await outOnTmpfs(dataDir, 48 * 1024); // the headers fit, the parts do not
      target = String.raw`${dataDir}/out/tables/\w+\.csv`;
    } else {
      // Not root: writes to /dev/full fail with ENOSPC, as a full disk does.
      await mkdir(path.join(dataDir, 'out', 'tables'));
      await symlink('/dev/full', path.join(dataDir, 'out', 'tables', 'conversation_parts.csv'));
      target = `${dataDir}/out/tables/conversation_parts.csv`;
    }
    sim.resetStats();
    const proc = await runCli(dataDir);
    const line = expectOneLine(proc);
    expect(proc.code).to.equal(2);
    expect(line).to.match(new RegExp(`^Cannot write ${target}: no space left on device \\(ENOSPC\\)\\. Free space on the data volume and run again\\.$`));
    // Promptly, by what it did rather than by a stopwatch: once the disk refused, it stopped asking Intercom for
    // more, short of the 200 conversations a whole read asks for (some 45 here: the writes in flight fail first).
    expect(sim.stats.byRoute['GET /conversations/:id'], 'conversations read').to.be.below(200);
    const files = await listFiles(path.join(dataDir, 'out'));
    expect(files.filter((f) => f.endsWith('state.json')), 'no state').to.deep.equal([]);
    expect(files.filter((f) => f.endsWith('.manifest')), 'no manifests from a failed run').to.deep.equal([]);
  });

  it('a disk with room for the tables but not the state: exit 2, no out/state.json (not even an empty one)', async () => {
    // Measure what the tables and manifests take, then give the volume exactly that.
    const measure = await dataDirWith(conversations());
    const ok = await runCli(measure);
    expect(ok.code, ok.stderr).to.equal(0);
    let pages = 0;
    for (const f of await listFiles(path.join(measure, 'out', 'tables'))) pages += Math.ceil((await stat(f)).size / PAGE);

    const dataDir = await dataDirWith(conversations());
    const out = path.join(dataDir, 'out');
    if (canMount) {
      await outOnTmpfs(dataDir, pages * PAGE);
    } else {
      // Not root: a read-only out/ refuses the state while out/tables takes the tables.
      await mkdir(path.join(out, 'tables'));
      await chmod(out, 0o555);
    }
    const proc = await runCli(dataDir);
    expect(await readdir(out), 'no state.json and no temporary file left').to.deep.equal(['tables']);
    const line = expectOneLine(proc);
    expect(proc.code).to.equal(2);
    const cause = canMount ? String.raw`no space left on device \(ENOSPC\)\. Free space on the data volume and run again\.` : String.raw`permission denied \(EACCES\)\. .*`;
    expect(line).to.match(new RegExp(`^Cannot write ${out}/state\\.json: ${cause}$`));
    // The tables themselves were complete: only the state did not fit.
    expect((await readdir(path.join(out, 'tables'))).length).to.equal(12);
    if (!canMount) await chmod(out, 0o755);
  });

  it('a read-only tables directory: exit 2, one line naming the directory or file and the cause', async () => {
    const dataDir = await dataDirWith(conversations());
    const out = path.join(dataDir, 'out');
    let cause: RegExp;
    if (canMount) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', out], { stdio: 'ignore' });
      mounted.push(out);
      cause = /: read-only file system \(EROFS\)\. Mount the data directory read-write and run again\.$/;
    } else {
      await chmod(out, 0o555);
      cause = /: permission denied \(EACCES\)\. Make the data directory writable by the component's user and run again\.$/;
    }
    const proc = await runCli(dataDir);
    const line = expectOneLine(proc);
    expect(proc.code).to.equal(2);
    expect(line).to.match(new RegExp(`^Cannot create ${out}/tables`));
    expect(line).to.match(cause);
    if (!canMount) await chmod(out, 0o755);
  });
});
