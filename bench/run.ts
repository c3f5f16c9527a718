/**
 * `npm run bench`: the conversations template against a simulated workspace with network latency and a
 * rate limit, once with parts fetched one at a time (what peers do) and once concurrently (the default),
 * several rounds each. Prints medians, the ratio, and peak memory. Numbers vary on shared machines:
 * compare medians and ratios, not single runs.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateWorkspace, startSimulator } from '../tests/simulator/index.js';
import { runComponent } from '../src/main.js';
import { setQuiet } from '../src/log.js';

const TOKEN = 'bench-token';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 40);
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 600);
// Intercom's default app limit is about 10,000 requests a minute: ~1,666 per 10-second window.
const LIMIT = { limit: 1666, windowSeconds: 10 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function once(url: string, maxConcurrency: number): Promise<{ seconds: number; rssMb: number }> {
  const dataDir = path.resolve('bench-output', `c${maxConcurrency}`);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, 'config.json'), JSON.stringify({ parameters: { '#access_token': TOKEN, template: 'conversations', api_base_url: url, max_concurrency: maxConcurrency } }));
  const started = process.hrtime.bigint();
  setQuiet(true);
  const code = await runComponent(dataDir, { extract: { progressIntervalMs: 3_600_000 } });
  setQuiet(false);
  if (code !== 0) throw new Error(`run failed with exit ${code}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rssMb: process.memoryUsage().rss / 2 ** 20 };
}

async function main(): Promise<void> {
  const ws = generateWorkspace({ seed: 99, users: 50, leads: 10, conversations: CONVERSATIONS, maxPartsPerConversation: 60, bigConversations: 2 });
  const parts = [...ws.parts.values()].reduce((s, p) => s + Math.min(p.length, 500), 0);
  const sim = await startSimulator({ workspace: ws, token: TOKEN, latencyMs: LATENCY_MS, rateLimit: LIMIT });
  console.log(`Benchmark: conversations template, ${CONVERSATIONS} conversations, ${parts} parts, ${LATENCY_MS} ms latency, limit ${LIMIT.limit}/${LIMIT.windowSeconds} s, ${ROUNDS} rounds.`);
  const results: Record<string, number[]> = {};
  let peakRss = 0;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of [1, 8]) {
        const { seconds, rssMb } = await once(sim.url, c);
        (results[c] ??= []).push(seconds);
        peakRss = Math.max(peakRss, rssMb);
      }
    }
  } finally {
    await sim.close();
  }
  const seq = median(results[1]);
  const conc = median(results[8]);
  const requests = CONVERSATIONS + Math.ceil(CONVERSATIONS / 150);
  console.log(`one at a time (max_concurrency 1): median ${seq.toFixed(2)} s, ${(requests / seq).toFixed(0)} req/s  [${results[1].map((s) => s.toFixed(2)).join(', ')}]`);
  console.log(`concurrent    (max_concurrency 8): median ${conc.toFixed(2)} s, ${(requests / conc).toFixed(0)} req/s  [${results[8].map((s) => s.toFixed(2)).join(', ')}]`);
  console.log(`speed-up: ${(seq / conc).toFixed(1)}×; peak RSS ${peakRss.toFixed(0)} MiB`);
}

await main();
