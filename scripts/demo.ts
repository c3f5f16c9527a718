/**
 * `npm run demo`: starts the Intercom simulator on 127.0.0.1, runs the extractor against it for each
 * template into demo-output/<template>/ (a Keboola data dir), prints the tables and their row counts, loads every
 * table into demo-output/demo.duckdb as the platform would load it, and prints two joins run against that file.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateWorkspace, startSimulator, workspaceStats } from '../tests/simulator/index.js';
import { runComponent } from '../src/component.js';
import { readTable } from '../tests/helpers/csv.js';
import { loadTemplate } from '../src/flatten/template.js';
import { DEMO_QUERIES, loadOutputs, queryReport } from './demo-sql.js';
import { runsReport, type RunSummary } from './demo-report.js';

const TOKEN = 'demo-token-not-a-secret';
const OUT = path.resolve('demo-output');
const DATABASE = path.join(OUT, 'demo.duckdb');
const TEMPLATES = ['basic', 'conversations', 'users_and_events', 'workspace'];
// The manifests of a project with native types: each column's type and the key are in them, and the database
// file gets typed columns (a number compares as a number, a time converts with to_timestamp).
const DATA_TYPE_SUPPORT = 'authoritative';

async function main(): Promise<void> {
  const workspace = generateWorkspace({ seed: 2024, users: 300, leads: 80, companies: 40, conversations: 120 });
  // A tenth of Intercom's real limit and a little latency, so the pacing and concurrency show.
  const sim = await startSimulator({ workspace, token: TOKEN, rateLimit: { limit: 1000, windowSeconds: 10 }, latencyMs: 5 });
  console.log(`Simulated Intercom workspace at ${sim.url}: ${JSON.stringify(workspaceStats(workspace))}\n`);
  await rm(OUT, { recursive: true, force: true });
  process.env.KBC_DATA_TYPE_SUPPORT = DATA_TYPE_SUPPORT;
  const results: RunSummary[] = [];
  try {
    for (const template of TEMPLATES) {
      const dataDir = path.join(OUT, template);
      await mkdir(dataDir, { recursive: true });
      // The simulated workspace's time stands still in the past: its activity logs are read back to its own 90 days.
      const activityLogsDays = Math.ceil((Date.now() / 1000 - workspace.now) / 86_400) + 90;
      const parameters = { '#access_token': TOKEN, template, api_base_url: sim.url, ...(template === 'workspace' ? { activity_logs_days: activityLogsDays } : {}) };
      await writeFile(path.join(dataDir, 'config.json'), JSON.stringify({ parameters }, null, 2));
      console.log(`── ${template}: KBC_DATA_TYPE_SUPPORT=${DATA_TYPE_SUPPORT} node dist/src/main.js --data-dir ${path.relative(process.cwd(), dataDir)}`);
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

  console.log(runsReport(results).join('\n'));
  console.log(`CSV files and manifests are in ${path.relative(process.cwd(), OUT)}/<template>/out/tables/.\n`);
  if (results.some((r) => r.code !== 0)) {
    process.exitCode = 1;
    return;
  }
  await printQueries();
}

/** Every template's tables into one DuckDB file, a schema each, and the two queries' first rows. */
async function printQueries(): Promise<void> {
  const file = path.relative(process.cwd(), DATABASE);
  const warehouse = await loadOutputs(DATABASE, TEMPLATES.map((template) => ({ schema: template, dataDir: path.join(OUT, template) })));
  try {
    const count = warehouse.tables().length;
    console.log(`Loaded ${count} tables into ${file} as the platform would load them (the manifests' types and primary keys),`);
    console.log(`one schema per template: ${TEMPLATES.join(', ')} (basic.users, workspace.conversation_parts, …).\n`);
    for (const query of DEMO_QUERIES) console.log(`${(await queryReport(warehouse, query)).join('\n')}\n`);
  } finally {
    warehouse.close();
  }
  console.log(`Explore it:  duckdb ${file}   then e.g. SHOW ALL TABLES; or DESCRIBE basic.users;`);
  console.log(`(the DuckDB CLI, from duckdb.org; any DuckDB client opens the file too: Python's duckdb.connect('${file}'),`);
  console.log(`Node's DuckDBInstance.create('${file}') from @duckdb/node-api, DBeaver, …)`);
}

await main();
