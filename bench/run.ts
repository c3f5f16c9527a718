/**
 * `npm run bench`: how close each template runs to Intercom's rate limit, how many requests it spends per
 * record, how its memory grows with the workspace, and what concurrency buys over one request at a time.
 *
 * The simulator runs here; each extraction runs in a child process (bench/child.ts), so its peak memory is its
 * own. Shared machines are noisy: every figure is the median of several rounds, with the spread beside it.
 *
 * Environment: BENCH_ROUNDS (3), BENCH_SCALE (10: the throughput workspace is this many times the demo's; smaller
 * runs are dominated by the two round trips at either end and by where in a 10-second window they start),
 * BENCH_RSS_SCALES (1,10,100), BENCH_SEQUENTIAL (conversations; "all" for every template), BENCH_TEMPLATES,
 * BENCH_PARTS (throughput,pacing,sequential,memory,deletes,scroll: which sections to run), BENCH_PACING_SCALES
 * (1,10,100 at 10,000 a minute) and BENCH_PACING_SLOW_SCALES (1 at 20 a second: each of its runs takes requests ÷ 20 s).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRng, deleteContact, deleteConversation, generateWorkspace, mergeContact, startSimulator, type Simulator, type Workspace } from '../tests/simulator/index.js';
import { TEMPLATES } from '../src/keboola/config.js';
import { IntercomClient } from '../src/intercom/client.js';
import { readCensus, SCROLL_DEFAULTS } from '../src/resources/index.js';
import { scroll } from '../src/intercom/scroll.js';
import { shape } from '../src/intercom/paginate.js';

const run = promisify(execFile);
const TOKEN = 'bench-token';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const RSS_SCALES = (process.env.BENCH_RSS_SCALES ?? '1,10,100').split(',').map(Number);
const TEMPLATE_LIST = (process.env.BENCH_TEMPLATES?.split(',') ?? [...TEMPLATES]) as string[];
const SEQUENTIAL = process.env.BENCH_SEQUENTIAL === 'all' ? TEMPLATE_LIST : (process.env.BENCH_SEQUENTIAL ?? 'conversations').split(',');
const OUT = path.resolve('bench-output');

interface Profile {
  name: string;
  latencyMs: number;
  limit: number;
  windowSeconds: number;
}
// Intercom's default private-app limit, 10,000 a minute, counted per 10 s: 1,666 a window; and a faster profile.
const PROFILES: Profile[] = [
  { name: '300 ms, 10,000/min', latencyMs: 300, limit: 1666, windowSeconds: 10 },
  { name: '40 ms, 200/s', latencyMs: 40, limit: 2000, windowSeconds: 10 },
];

interface Measured {
  seconds: number;
  requests: number;
  rateLimited: number;
  maxRssMb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[], digits = 2) => `[${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;

/** The demo's workspace (scale 1), or a multiple of it. */
function workspaceAt(scale: number): Workspace {
  return generateWorkspace({ seed: 2024, users: 300 * scale, leads: 80 * scale, companies: 40 * scale, conversations: 120 * scale, tickets: 12 * scale });
}

async function once(sim: Simulator, name: string, parameters: Record<string, unknown>, state?: unknown): Promise<Measured> {
  const dataDir = path.join(OUT, name);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(path.join(dataDir, 'in'), { recursive: true });
  await writeFile(path.join(dataDir, 'config.json'), JSON.stringify({ parameters: { '#access_token': TOKEN, api_base_url: sim.url, ...parameters } }));
  if (state !== undefined) await writeFile(path.join(dataDir, 'in', 'state.json'), JSON.stringify(state));
  sim.resetStats();
  const { stdout } = await run(process.execPath, [path.resolve('dist/bench/child.js'), dataDir], { maxBuffer: 1 << 26 });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as { code: number; seconds: number; maxRssMb: number };
  if (result.code !== 0) throw new Error(`${name}: the run failed with exit ${result.code}`);
  return { seconds: result.seconds, requests: sim.stats.requests, rateLimited: sim.stats.rateLimited, maxRssMb: result.maxRssMb };
}

async function rounds(sim: Simulator, name: string, parameters: Record<string, unknown>, n = ROUNDS): Promise<Measured[]> {
  const out: Measured[] = [];
  for (let r = 0; r < n; r++) out.push(await once(sim, name, parameters));
  return out;
}

/** The fewest requests the API allows for basic's tables, from the workspace's truth (a floor, not a target). */
function basicFloor(ws: Workspace): number {
  const contacts = ws.contacts.length;
  const lists = Math.ceil(contacts / 150) + Math.ceil(ws.companies.length / 50) + 1 + 4; // contacts, the scroll and its end, admins/teams/tags/segments
  const users = ws.contacts.filter((c) => c.role === 'user').length; // one event summary each: no other endpoint
  const notes = ws.contacts.filter((c) => (ws.notes.get(c.id) ?? []).length > 0).length;
  const members = ws.segments.reduce((s, seg) => s + Math.ceil([...ws.contactSegments.values()].filter((ids) => ids.includes(seg.id)).length / 150), 0);
  const segments = Math.min(contacts, members);
  const capped = ws.contacts.filter((c) => (ws.contactTags.get(c.id) ?? []).length > 10).length + ws.contacts.filter((c) => (ws.contactCompanies.get(c.id) ?? []).length > 10).length;
  return lists + users + notes + segments + capped;
}

async function throughput(): Promise<void> {
  const ws = workspaceAt(SCALE);
  console.log(`\n## At the rate limit (workspace ${SCALE}× the demo's: ${ws.contacts.length} contacts, ${ws.conversations.length} conversations, ${ws.tickets.length} tickets; ${ROUNDS} rounds)\n`);
  // No client beats requests ÷ rate, nor the two round trips at either end: a list page must be answered before
  // its records' details are asked for, and the last request takes a round trip after it is sent.
  console.log('| template | profile | requests | 429s | wall (median [min–max]) | the limit allows | ratio | ratio to the limit plus two round trips |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const perRecord: string[] = [];
  for (const p of PROFILES) {
    const sim = await startSimulator({ workspace: ws, token: TOKEN, latencyMs: p.latencyMs, rateLimit: { limit: p.limit, windowSeconds: p.windowSeconds } });
    try {
      for (const template of TEMPLATE_LIST) {
        const rs = await rounds(sim, `${template}-${p.latencyMs}`, { template });
        const requests = median(rs.map((r) => r.requests));
        const allowed = requests / (p.limit / p.windowSeconds);
        const walls = rs.map((r) => r.seconds);
        const ratios = rs.map((r) => r.seconds / (r.requests / (p.limit / p.windowSeconds)));
        const floors = rs.map((r) => r.seconds / (r.requests / (p.limit / p.windowSeconds) + (2 * p.latencyMs) / 1000));
        console.log(`| ${template} | ${p.name} | ${requests} | ${median(rs.map((r) => r.rateLimited))} ${spread(rs.map((r) => r.rateLimited), 0)} | ${median(walls).toFixed(1)} s ${spread(walls, 1)} | ${allowed.toFixed(1)} s | **${median(ratios).toFixed(2)}×** ${spread(ratios)} | ${median(floors).toFixed(2)}× ${spread(floors)} |`);
        if (p === PROFILES[1]) {
          if (template === 'basic') perRecord.push(`basic: ${(requests / ws.contacts.length).toFixed(2)} requests per contact; the API's floor for these tables is ${(basicFloor(ws) / ws.contacts.length).toFixed(2)}`);
          if (template === 'conversations') perRecord.push(`conversations: ${(requests / ws.conversations.length).toFixed(3)} requests per conversation; the floor is ${((Math.ceil(ws.conversations.length / 150) + ws.conversations.length) / ws.conversations.length).toFixed(3)} (one detail each, for its parts)`);
        }
      }
    } finally {
      await sim.close();
    }
  }
  console.log(`\nRequests per record: ${perRecord.join('; ')}.`);
}

/**
 * How close each run comes to what actually bounds it: its critical path (the same run at the same latency with no
 * rate limit) or its requests ÷ the allowed rate, whichever is larger. Each run starts just after a window begins
 * (the simulator's windows are fixed, like Intercom's), so a run that fits in one window is not helped by the
 * window's turn.
 */
async function pacing(): Promise<void> {
  const scalesOf = (v: string) => v.split(',').map(Number).filter((n) => n > 0);
  const scales = scalesOf(process.env.BENCH_PACING_SCALES ?? '1,10,100');
  const slowScales = scalesOf(process.env.BENCH_PACING_SLOW_SCALES ?? '1');
  const profiles: Array<{ name: string; limit: number; scales: number[] }> = [
    { name: '10,000/min', limit: 1666, scales },
    { name: '20/s', limit: 200, scales: slowScales },
  ];
  const latencyMs = 300;
  console.log(`\n## Pacing against what bounds a run (300 ms latency, 10-second windows, each run started at a window's beginning; ${ROUNDS} rounds)\n`);
  console.log('| template | limit | scale | requests | 429s | wall (median [min–max]) | critical path (no limit) | requests ÷ rate | ratio to the larger | ratio to the rate bound | ratio to the critical path |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const scale of [...new Set(profiles.flatMap((p) => p.scales))].sort((a, b) => a - b)) {
    const ws = workspaceAt(scale);
    const free = await startSimulator({ workspace: ws, token: TOKEN, latencyMs, rateLimit: { limit: 1e9, windowSeconds: 10 } });
    const critical = new Map<string, Measured[]>();
    try {
      for (const template of TEMPLATE_LIST) critical.set(template, await rounds(free, `pacing-${template}-free`, { template }));
    } finally {
      await free.close();
    }
    for (const p of profiles.filter((q) => q.scales.includes(scale))) {
      const sim = await startSimulator({ workspace: ws, token: TOKEN, latencyMs, rateLimit: { limit: p.limit, windowSeconds: 10 } });
      try {
        for (const template of TEMPLATE_LIST) {
          const rs: Measured[] = [];
          for (let r = 0; r < ROUNDS; r++) {
            await untilWindowStarts(10);
            rs.push(await once(sim, `pacing-${template}`, { template }));
          }
          const crit = median(critical.get(template)!.map((m) => m.seconds));
          const rateBound = (r: Measured) => r.requests / (p.limit / 10);
          const walls = rs.map((r) => r.seconds);
          const toLarger = rs.map((r) => r.seconds / Math.max(crit, rateBound(r)));
          const toRate = rs.map((r) => r.seconds / rateBound(r));
          const toCrit = rs.map((r) => r.seconds / crit);
          const requests = median(rs.map((r) => r.requests));
          console.log(`| ${template} | ${p.name} | ${scale}× | ${requests} | ${median(rs.map((r) => r.rateLimited))} | ${median(walls).toFixed(1)} s ${spread(walls, 1)} | ${crit.toFixed(1)} s | ${(requests / (p.limit / 10)).toFixed(1)} s | **${median(toLarger).toFixed(2)}×** ${spread(toLarger)} | ${median(toRate).toFixed(2)}× | ${median(toCrit).toFixed(2)}× |`);
        }
      } finally {
        await sim.close();
      }
    }
  }
}

/** Waits until just after the next window of `seconds` begins (the simulator's windows are aligned to the epoch). */
async function untilWindowStarts(seconds: number): Promise<void> {
  const ms = seconds * 1000;
  await new Promise((r) => setTimeout(r, ms - (Date.now() % ms) + 20));
}

async function sequential(): Promise<void> {
  const ws = workspaceAt(1);
  const p = PROFILES[1];
  console.log(`\n## Concurrency against one request at a time (demo workspace, ${p.name})\n`);
  console.log('| template | one at a time | paced (default) | speed-up |');
  console.log('| --- | --- | --- | --- |');
  const sim = await startSimulator({ workspace: ws, token: TOKEN, latencyMs: p.latencyMs, rateLimit: { limit: p.limit, windowSeconds: p.windowSeconds } });
  try {
    for (const template of SEQUENTIAL) {
      const one = await rounds(sim, `${template}-seq`, { template, max_concurrency: 1 }, 1);
      const paced = await rounds(sim, `${template}-paced`, { template });
      const a = one[0].seconds;
      const b = median(paced.map((r) => r.seconds));
      console.log(`| ${template} | ${a.toFixed(1)} s (${one[0].requests} requests) | ${b.toFixed(2)} s ${spread(paced.map((r) => r.seconds))} | ${(a / b).toFixed(1)}× |`);
    }
  } finally {
    await sim.close();
  }
}

async function memory(): Promise<void> {
  console.log('\n## Peak memory of the extraction (workspace template, segments and notes skipped, no latency)\n');
  console.log('| scale | contacts | conversations | requests | wall | peak RSS (median [min–max]) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const peaks: number[] = [];
  for (const scale of RSS_SCALES) {
    const ws = workspaceAt(scale);
    const sim = await startSimulator({ workspace: ws, token: TOKEN, rateLimit: { limit: 1_000_000, windowSeconds: 10 } });
    try {
      const n = scale > 100 ? 1 : ROUNDS;
      const rs = await rounds(sim, `rss-${scale}`, { template: 'workspace', skip_contact_details: ['segments', 'notes'] }, n);
      const rss = rs.map((r) => r.maxRssMb);
      peaks.push(median(rss));
      console.log(`| ${scale}× | ${ws.contacts.length} | ${ws.conversations.length} | ${rs[0].requests} | ${median(rs.map((r) => r.seconds)).toFixed(1)} s | ${median(rss).toFixed(0)} MiB ${spread(rss, 0)}${n === 1 ? ' (1 round)' : ''} |`);
    } finally {
      await sim.close();
    }
  }
  if (peaks.length > 1) console.log(`\nGrowth from ${RSS_SCALES[RSS_SCALES.length > 2 ? 1 : 0]}× to ${RSS_SCALES[RSS_SCALES.length - 1]}×: ${(peaks[peaks.length - 1] - peaks[RSS_SCALES.length > 2 ? 1 : 0]).toFixed(0)} MiB.`);
}

/**
 * What finding deleted records costs: the census of every contact alone (in this process, as an incremental run
 * takes it beside its read of changes), and a whole incremental run of the workspace template after 1% of the
 * contacts and conversations were deleted, on API 2.14 (a census of both) and 2.16 (conversations from their list).
 */
async function deletes(): Promise<void> {
  const p = PROFILES[0];
  const rate = p.limit / p.windowSeconds;
  console.log(`\n## Capturing deletes (${p.name}; ${ROUNDS} rounds)\n`);
  console.log('| workspace | census of every contact: requests | wall (median [min–max]) | the limit allows | daily run after 1% deleted | requests | wall | census and checks |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const scale of [1, SCALE]) {
    const ws = workspaceAt(scale);
    const sim = await startSimulator({ workspace: ws, token: TOKEN, latencyMs: p.latencyMs, rateLimit: { limit: p.limit, windowSeconds: p.windowSeconds } });
    try {
      const census: Measured[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const client = new IntercomClient({ baseUrl: sim.url, token: TOKEN, apiVersion: '2.14', maxConcurrency: 200 });
        sim.resetStats();
        const started = Date.now();
        let n = 0;
        for await (const _ of readCensus({ client, apiVersion: '2.14', scroll: SCROLL_DEFAULTS }, 'contacts')) n++;
        if (n !== ws.contacts.length) throw new Error(`the census found ${n} of ${ws.contacts.length} contacts`);
        census.push({ seconds: (Date.now() - started) / 1000, requests: sim.stats.requests, rateLimited: sim.stats.rateLimited, maxRssMb: 0 });
        // The next round starts in a fresh rate-limit window, as the runs do.
        await new Promise((r) => setTimeout(r, p.windowSeconds * 1000));
      }
      const walls = census.map((m) => m.seconds);
      const requests = median(census.map((m) => m.requests));
      const label = `${scale}× (${ws.contacts.length} contacts, ${ws.conversations.length} conversations)`;
      for (const version of ['2.14', '2.16']) {
        const params = { template: 'workspace', incremental: true, api_version: version, skip_contact_details: ['segments', 'notes'] };
        const copy = workspaceAt(scale);
        const simRun = await startSimulator({ workspace: copy, token: TOKEN, latencyMs: p.latencyMs, rateLimit: { limit: p.limit, windowSeconds: p.windowSeconds } });
        try {
          await once(simRun, `deletes-${scale}-${version}-first`, params);
          const state = JSON.parse(await readFile(path.join(OUT, `deletes-${scale}-${version}-first`, 'out', 'state.json'), 'utf8'));
          const contacts = copy.contacts.slice(0, Math.max(1, Math.round(copy.contacts.length / 100)));
          contacts.forEach((c, i) => deleteContact(copy, c.id, copy.now + 10 + i));
          const leads = copy.contacts.filter((c) => c.role === 'lead');
          const users = copy.contacts.filter((c) => c.role === 'user');
          mergeContact(copy, leads[0].id, users[0].id, copy.now + 50);
          const conversations = copy.conversations.slice(0, Math.max(1, Math.round(copy.conversations.length / 100)));
          conversations.forEach((c, i) => deleteConversation(copy, c.id, copy.now + 60 + i));
          copy.now += 3_600;
          const runs: Array<Measured & { census: number }> = [];
          for (let r = 0; r < ROUNDS; r++) {
            const m = await once(simRun, `deletes-${scale}-${version}`, params, state);
            const route = (k: string) => simRun.stats.byRoute[k] ?? 0;
            runs.push({ ...m, census: route('POST /contacts/search') + route('GET /contacts/:id') + (version === '2.14' ? route('POST /conversations/search') : route('GET /conversations/deleted')) });
          }
          const w = runs.map((m) => m.seconds);
          console.log(`| ${version === '2.14' ? label : ''} | ${version === '2.14' ? `${requests} (${(requests / (ws.contacts.length / 150)).toFixed(2)}× the pages)` : ''} | ${version === '2.14' ? `${median(walls).toFixed(1)} s ${spread(walls, 1)}` : ''} | ${version === '2.14' ? `${(requests / rate).toFixed(1)} s` : ''} | API ${version}: ${contacts.length + 1} contacts and ${conversations.length} conversations gone | ${median(runs.map((m) => m.requests))} | ${median(w).toFixed(1)} s ${spread(w, 1)} | ${median(runs.map((m) => m.census))} |`);
        } finally {
          await simRun.close();
        }
      }
    } finally {
      await sim.close();
    }
  }
}

/**
 * What lost scroll answers cost (src/intercom/scroll.ts): 100,000 companies, a share of continuations answered and
 * then lost (a reset or a 500 after the scroll moved on), each rate over BENCH_ROUNDS seeds. The scroll is one
 * request at a time, so at Intercom its time is its requests times the latency: the table gives that at 300 ms
 * beside the wall time here (no latency: the extractor's own cost, with production's retry backoffs).
 */
async function scrollCosts(): Promise<void> {
  const ws = generateWorkspace({ seed: 100, users: 10, leads: 2, companies: 100_000, conversations: 0 });
  const onePass = ws.companies.length / 50 + 1;
  console.log(`\n## The companies scroll with answers lost (${ws.companies.length.toLocaleString('en')} companies, ${onePass} requests a pass; ${ROUNDS} seeds)\n`);
  console.log('| continuations lost | answers lost | requests (median [min–max]) | × one pass | passes | at 300 ms latency | wall here |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const rate of [0, 0.0005, 0.005]) {
    const runs: Array<{ lost: number; requests: number; passes: number; seconds: number }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      const rng = createRng(7_000 + r);
      let lost = 0;
      const sim = await startSimulator({
        workspace: ws,
        token: TOKEN,
        lose: ({ route, query }) => {
          if (route !== 'GET /companies/scroll' || !query.get('scroll_param') || !rng.chance(rate)) return undefined;
          lost++;
          return lost % 2 ? 'reset' : { status: 500, body: { type: 'error.list', errors: [{ code: 'server_error', message: 'Internal server error' }] } };
        },
      });
      try {
        const client = new IntercomClient({ baseUrl: sim.url, token: TOKEN, apiVersion: '2.14', maxConcurrency: 4 });
        const seen = new Set<string>();
        const started = Date.now();
        let passes = 1;
        const write = process.stdout.write.bind(process.stdout);
        process.stdout.write = ((chunk: string) => ((passes += (String(chunk).match(/scrolling again \(pass/g) ?? []).length), true)) as typeof process.stdout.write;
        try {
          for await (const item of scroll(client, '/companies/scroll', shape('data'), SCROLL_DEFAULTS)) {
            const id = String(item.id);
            if (seen.has(id)) throw new Error(`company ${id} written twice`);
            seen.add(id);
          }
        } finally {
          process.stdout.write = write;
        }
        if (seen.size !== ws.companies.length) throw new Error(`the scroll read ${seen.size} of ${ws.companies.length} companies`);
        runs.push({ lost, requests: sim.stats.byRoute['GET /companies/scroll'], passes, seconds: (Date.now() - started) / 1000 });
      } finally {
        await sim.close();
      }
    }
    const req = runs.map((m) => m.requests);
    const w = runs.map((m) => m.seconds);
    console.log(`| ${(rate * 100).toFixed(2)}% | ${median(runs.map((m) => m.lost))} | ${median(req)} ${spread(req, 0)} | ${(median(req) / onePass).toFixed(2)} | ${median(runs.map((m) => m.passes))} | ${((median(req) * 0.3) / 60).toFixed(1)} min | ${median(w).toFixed(1)} s ${spread(w, 1)} |`);
  }
}

console.log(`Benchmark on ${new Date().toISOString()}: node ${process.version}, ${ROUNDS} rounds.`);
const PARTS = (process.env.BENCH_PARTS ?? 'throughput,pacing,sequential,memory,deletes,scroll').split(',');
if (PARTS.includes('throughput')) await throughput();
if (PARTS.includes('pacing')) await pacing();
if (PARTS.includes('sequential')) await sequential();
if (PARTS.includes('memory')) await memory();
if (PARTS.includes('deletes')) await deletes();
if (PARTS.includes('scroll')) await scrollCosts();
