/**
 * `npm run demo`: starts the Intercom simulator on 127.0.0.1, runs the extractor against it for each
 * template into demo-output/<template>/ (a Keboola data dir), and prints the tables and their row counts.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateWorkspace, startSimulator, workspaceStats } from '../tests/simulator/index.js';
import { runComponent } from '../src/component.js';
import { readTable } from '../tests/helpers/csv.js';
import { loadTemplate } from '../src/flatten/template.js';

const TOKEN = 'demo-token-not-a-secret';
const OUT = path.resolve('demo-output');

async function main(): Promise<void> {
  const workspace = generateWorkspace({ seed: 2024, users: 300, leads: 80, companies: 40, conversations: 120 });
  // A tenth of Intercom's real limit and a little latency, so the pacing and concurrency show.
  const sim = await startSimulator({ workspace, token: TOKEN, rateLimit: { limit: 1000, windowSeconds: 10 }, latencyMs: 5 });
  console.log(`Simulated Intercom workspace at ${sim.url}: ${JSON.stringify(workspaceStats(workspace))}\n`);
  await rm(OUT, { recursive: true, force: true });
  const results: Array<{ template: string; code: number; seconds: number; requests: number; tables: Array<[string, number]> }> = [];
  try {
    for (const template of ['basic', 'conversations', 'users_and_events', 'workspace']) {
      const dataDir = path.join(OUT, template);
      await mkdir(dataDir, { recursive: true });
      // The simulated workspace's time stands still in the past: its activity logs are read back to its own 90 days.
      const activityLogsDays = Math.ceil((Date.now() / 1000 - workspace.now) / 86_400) + 90;
      const parameters = { '#access_token': TOKEN, template, api_base_url: sim.url, ...(template === 'workspace' ? { activity_logs_days: activityLogsDays } : {}) };
      await writeFile(path.join(dataDir, 'config.json'), JSON.stringify({ parameters }, null, 2));
      console.log(`── ${template}: node dist/src/main.js --data-dir ${path.relative(process.cwd(), dataDir)}`);
      sim.resetStats();
      const started = Date.now();
      const code = await runComponent(dataDir, { extract: { progressIntervalMs: 2_000 } });
      const seconds = (Date.now() - started) / 1000;
      const tables = loadTemplate(template).tables.map((t): [string, number] => [t.name, code === 0 ? readTable(path.join(dataDir, 'out', 'tables', `${t.name}.csv`)).rows.length : NaN]);
      results.push({ template, code, seconds, requests: sim.stats.requests, tables });
      console.log('');
    }
  } finally {
    await sim.close();
  }

  console.log('Template           Table                              Rows');
  console.log('─────────────────  ────────────────────────────  ─────────');
  for (const r of results) {
    for (const [i, [table, rows]] of r.tables.entries()) {
      console.log(`${(i === 0 ? r.template : '').padEnd(17)}  ${table.padEnd(28)}  ${String(rows).padStart(9)}`);
    }
    console.log(`${''.padEnd(17)}  ${`(exit ${r.code}, ${r.requests} requests, ${r.seconds.toFixed(1)} s)`}\n`);
  }
  console.log(`CSV files and manifests are in ${path.relative(process.cwd(), OUT)}/<template>/out/tables/.`);
  if (results.some((r) => r.code !== 0)) process.exitCode = 1;
}

await main();
