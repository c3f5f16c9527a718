/**
 * `npm run simulator -- [--users N …]`: the Intercom simulator the tests and the demo use, started by hand at a
 * chosen size, until Ctrl-C. It writes a data directory whose config.json points at it, so the component can be
 * run against it as against a real workspace.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { generateWorkspace, startSimulator, workspaceStats } from '../tests/simulator/index.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('npm run simulator --')
  .usage('$0 [options]\n\nServes a simulated Intercom workspace on 127.0.0.1 until Ctrl-C.')
  .option('users', { type: 'number', default: 300 })
  .option('leads', { type: 'number', default: 80 })
  .option('companies', { type: 'number', default: 40 })
  .option('conversations', { type: 'number', default: 120 })
  .option('tickets', { type: 'number', default: 12 })
  .option('seed', { type: 'number', default: 2024, describe: 'the same seed and sizes give the same workspace' })
  .option('rate-limit', { type: 'number', default: 1666, describe: 'requests per 10-second window (Intercom: 1,666 for a private app)' })
  .option('latency-ms', { type: 'number', default: 100, describe: 'added to every answer' })
  .option('template', { type: 'string', default: 'workspace', describe: 'written into the data directory\'s config.json' })
  .option('data-dir', { type: 'string', default: 'sim-data', describe: 'where config.json is written' })
  .strict()
  .help()
  .parse();

const TOKEN = 'simulator-token-not-a-secret';
const workspace = generateWorkspace({ seed: argv.seed, users: argv.users, leads: argv.leads, companies: argv.companies, conversations: argv.conversations, tickets: argv.tickets });
const sim = await startSimulator({ workspace, token: TOKEN, rateLimit: { limit: argv['rate-limit'], windowSeconds: 10 }, latencyMs: argv['latency-ms'] });
const dataDir = path.resolve(argv['data-dir']);
await mkdir(dataDir, { recursive: true });
await writeFile(path.join(dataDir, 'config.json'), JSON.stringify({ parameters: { '#access_token': TOKEN, template: argv.template, api_base_url: sim.url } }, null, 2) + '\n');
console.log(`Simulated Intercom workspace at ${sim.url} (token ${TOKEN}): ${JSON.stringify(workspaceStats(workspace))}`);
console.log(`Run the component against it, in another terminal: node dist/src/main.js --data-dir ${path.relative(process.cwd(), dataDir) || '.'}`);
console.log('Ctrl-C stops the simulator.');
const stop = async () => {
  await sim.close();
  console.log(`Stopped after ${sim.stats.requests} requests (${sim.stats.rateLimited} answered 429).`);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
