/**
 * The form's pickers as the platform runs them: a sync action's config.json (the action and the form's parameters,
 * partly filled), and on stdout only the JSON array Keboola's form reads, exit 0; or one line on stderr and exit 1
 * (the configuration's to fix) or 2 (Intercom's). What each offers is what a run of the same configuration accepts.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWorkspace, startSimulator, type Simulator, type SimulatorOptions } from '../simulator/index.js';
import { config, listFiles, runExtractor, type RunResult } from '../helpers/run.js';
import { ManualClock } from '../helpers/clock.js';
import { UserError } from '../../src/errors.js';
import { loadTemplate, RAW_COLUMN, type Template } from '../../src/flatten/template.js';
import { applyRules } from '../../src/flatten/rules.js';
import { TEMPLATES } from '../../src/keboola/config.js';
import { PICKER_BUDGET_MS, type Choice } from '../../src/actions/pickers.js';

const TOKEN = 'pickers-token-0123456789';
const BAD = 'pickers-wrong-token-9876543210';
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/main.js');
/** The pickers' own limits, as in production: no test knobs for the client. */
const PRODUCTION = {};

/** A picker's answer: exit 0, nothing on stderr, on stdout exactly one JSON array of {label, value} and a newline. */
function answer(run: RunResult): Choice[] {
  expect(run.stderr, 'stderr').to.equal('');
  expect(run.code, 'exit code').to.equal(0);
  expect(run.stdout.endsWith('\n') && !run.stdout.slice(0, -1).includes('\n'), 'one line').to.equal(true);
  const choices = JSON.parse(run.stdout) as Choice[];
  expect(choices).to.be.an('array').that.is.not.empty;
  for (const c of choices) expect(Object.keys(c).sort(), JSON.stringify(c)).to.deep.equal(['label', 'value']);
  return choices;
}

/** One line on stderr, nothing on stdout, this exit code, and no token anywhere. */
function refusal(run: RunResult, code: 1 | 2, pattern: RegExp, secret = TOKEN): void {
  expect(run.code, run.stderr).to.equal(code);
  expect(run.stdout).to.equal('');
  expect(run.stderr.trimEnd().split('\n'), run.stderr).to.have.length(1);
  expect(run.stderr).to.match(pattern);
  expect(run.stderr).not.to.include(secret);
}

const values = (choices: Choice[]) => choices.map((c) => c.value);

/** The `table.column` names a run of this template accepts in parameters.exclude_columns, asked one at a time. */
function excludable(t: Template): string[] {
  const names = [...new Set(t.tables.flatMap((table) => table.columns.map((c) => `${table.name}.${c}`)))];
  const none = new Set<string>();
  return names.filter((name) => {
    try {
      applyRules(t.roots.map((r) => r.node), { excludeTables: none, excludeColumns: new Set([name]), hashColumns: none, strict: true }, t.name, undefined);
      return true;
    } catch (e) {
      if (e instanceof UserError) return false;
      throw e;
    }
  });
}

/** A picker's config.json as the form sends it: the action and the parameters, no api_base_url unless given. */
const picker = (action: string, parameters: Record<string, unknown>) => ({ action, parameters });

describe('sync actions: the form pickers', function () {
  this.timeout(60_000);
  let sim: Simulator | undefined;
  const ws = generateWorkspace({ seed: 91, users: 20, leads: 5, conversations: 12, bigConversations: 0 });
  const start = async (options: Partial<SimulatorOptions> = {}) => {
    await sim?.close();
    sim = await startSimulator({ workspace: ws, token: TOKEN, ...options });
    return sim;
  };
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  describe('listTables', () => {
    for (const template of TEMPLATES) {
      it(`${template}: every table of the template, without a token or a request`, async () => {
        await start();
        const run = await runExtractor(picker('listTables', { template, api_base_url: sim!.url }), PRODUCTION);
        const choices = answer(run);
        expect(sim!.stats.requests).to.equal(0);
        expect(values(choices)).to.deep.equal(loadTemplate(template).tables.map((t) => t.name));
        for (const c of choices) expect(c.label.startsWith(c.value), c.label).to.equal(true);
        expect(await run.outFiles(), 'a sync action writes nothing').to.deep.equal([]);
      });
    }
  });

  describe('listExcludableColumns and listHashableColumns', () => {
    for (const template of TEMPLATES) {
      it(`${template}: every column a run accepts, the same for both, without a token or a request`, async () => {
        await start();
        const expected = excludable(loadTemplate(template));
        for (const action of ['listExcludableColumns', 'listHashableColumns']) {
          const choices = answer(await runExtractor(picker(action, { template, api_base_url: sim!.url }), PRODUCTION));
          expect(values(choices), action).to.deep.equal(expected);
          for (const c of choices) expect(c.label.startsWith(`${c.value}: `), c.label).to.equal(true);
        }
        expect(sim!.stats.requests).to.equal(0);
      });
    }

    it('follow the options the rules depend on: the tables left out, history and raw_payload', async () => {
      const all = values(answer(await runExtractor(picker('listExcludableColumns', { template: 'basic' }), PRODUCTION)));
      const params = { template: 'basic', exclude_tables: ['notes', 'events_summary'], history: true };
      const fewer = values(answer(await runExtractor(picker('listExcludableColumns', params), PRODUCTION)));
      expect(all).to.include.members(['notes.body', 'events_summary.count', 'users.updated_at']);
      expect(fewer.filter((c) => c.startsWith('notes.') || c.startsWith('events_summary.') || c === 'users.updated_at')).to.deep.equal([]);
      const raw = values(answer(await runExtractor(picker('listExcludableColumns', { template: 'basic', raw_payload: true }), PRODUCTION)));
      expect(raw).to.include('users.email').and.not.to.include('users_tags.type').and.not.to.include(`users.${RAW_COLUMN}`);
      // Hashing and the raw payload exclude each other, whatever the column.
      refusal(await runExtractor(picker('listHashableColumns', { template: 'basic', raw_payload: true }), PRODUCTION), 1, /^No column can be hashed while parameters\.raw_payload is on .*: turn raw_payload off to choose columns to hash\.\n$/);
    });

    it('with custom_attribute_columns: add the custom attribute columns a run writes, read from the workspace at once', async () => {
      await start();
      for (const [template, apiVersion, tables] of [['basic', '2.14', ['users', 'leads', 'companies']], ['conversations', '2.16', ['conversations']]] as const) {
        const params = { '#access_token': TOKEN, api_base_url: sim!.url, template, api_version: apiVersion, custom_attribute_columns: true };
        sim!.resetStats();
        const choices = answer(await runExtractor(picker('listExcludableColumns', params), PRODUCTION));
        // One request per model's attribute list, and nothing else.
        const asked = Object.entries(sim!.stats.byRoute).filter(([, n]) => n > 0);
        expect(asked, template).to.deep.equal(apiVersion === '2.16' ? [['GET /conversations/attributes', 1]] : [['GET /data_attributes', 2]]);
        const plain = new Set(excludable(loadTemplate(template)));
        const custom = values(choices).filter((c) => !plain.has(c));
        expect(values(choices).filter((c) => plain.has(c)), 'the template\'s columns, in order').to.deep.equal([...plain]);
        // The run with the same options writes these columns: the picker names each as the run does.
        const run = await runExtractor(config(sim!.url, TOKEN, { template, api_version: apiVersion, custom_attribute_columns: true, skip_contact_details: ['segments', 'notes', 'events_summary'] }));
        expect(run.code, run.stderr).to.equal(0);
        const written = tables.flatMap((t) => run.table(t).header.filter((h) => !plain.has(`${t}.${h}`) && h.startsWith('custom_')).map((h) => `${t}.${h}`));
        expect(custom, template).to.have.length.above(2);
        expect([...custom].sort(), template).to.deep.equal([...written].sort());
        expect(choices.find((c) => c.value === custom[0])!.label, template).to.match(/^\w+\.custom_\w+: Custom attribute "/);
      }
    });

    it('with custom_attribute_columns: one line and exit 1 without a token, or with a wrong one', async () => {
      await start();
      const none = await runExtractor(picker('listExcludableColumns', { api_base_url: sim!.url, template: 'basic', custom_attribute_columns: true }), PRODUCTION);
      refusal(none, 1, /^No access token, and the custom attribute columns \(parameters\.custom_attribute_columns\) are read from the workspace: set parameters\.#access_token .*, or turn custom_attribute_columns off\.\n$/);
      const wrong = await runExtractor(picker('listHashableColumns', { '#access_token': BAD, api_base_url: sim!.url, template: 'basic', custom_attribute_columns: true }), PRODUCTION);
      refusal(wrong, 1, /401 unauthorized.*#access_token/, BAD);
    });
  });

  describe('within the 30 seconds the platform gives a sync action', () => {
    const params = () => ({ '#access_token': TOKEN, api_base_url: sim!.url, template: 'conversations', custom_attribute_columns: true });

    it('gives up on a workspace whose answer trickles after two deadlines and a backoff', async () => {
      // Each trickling answer is cut when the test moves the clock to its deadline; the backoff passes on the same
      // clock. What the clock shows at the end is what the picker's own limits allow, whatever a busy machine adds.
      const clock = new ManualClock();
      let asked = 0;
      await start({ intercept: ({ route }) => (route === 'GET /data_attributes' ? (asked++, setImmediate(() => clock.advanceToDeadline()), 'trickle') : undefined) });
      const began = clock.now();
      const run = await runExtractor(picker('listExcludableColumns', params()), { client: { clock } });
      refusal(run, 2, /GET \/data_attributes failed 2 times .*no complete answer within 8\.0 s/);
      expect(asked, 'one retry').to.equal(2);
      expect(clock.now() - began, 'two deadlines of 8 s and a backoff of at most 2 s').to.be.within(16_000, 18_000);
    });

    it('stops at its budget, whatever the requests\' own limits allow', async () => {
      // Looser limits than the picker's (more retries) still end at the budget.
      const clock = new ManualClock();
      await start({ intercept: ({ route }) => (route === 'GET /data_attributes' ? (setImmediate(() => clock.advanceToDeadline()), 'trickle') : undefined) });
      const began = clock.now();
      const run = await runExtractor(picker('listExcludableColumns', params()), { client: { clock, maxRetries: 10 } });
      refusal(run, 2, /^Intercom did not list the workspace's custom attributes within 20 s: try again, or turn parameters\.custom_attribute_columns off/);
      expect(clock.now() - began).to.equal(PICKER_BUDGET_MS);
      expect(PICKER_BUDGET_MS).to.be.below(30_000);
    });
  });

  it('refuses an action it does not know, naming those it does', async () => {
    refusal(await runExtractor(picker('listColumns', { template: 'basic' }), PRODUCTION), 1, /^Unknown action "listColumns": use one of run, testConnection, listTables, listExcludableColumns, listHashableColumns\.\n$/);
  });

  it('as a process: only the JSON array on stdout, exit 0, no file written', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'intercom-picker-'));
    await writeFile(path.join(dataDir, 'config.json'), JSON.stringify(picker('listTables', { template: 'conversations', '#hash_salt': 'salt-secret-1234' })));
    const child = spawn(process.execPath, [MAIN, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.on('close', r));
    expect({ code, stderr }).to.deep.equal({ code: 0, stderr: '' });
    expect(values(JSON.parse(stdout))).to.deep.equal(loadTemplate('conversations').tables.map((t) => t.name));
    expect(stdout).not.to.include('salt-secret-1234');
    expect((await listFiles(dataDir)).map((f) => path.basename(f))).to.deep.equal(['config.json']);
  });
});
