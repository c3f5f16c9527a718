/**
 * `npm run snapshot -- DIR`: runs every template with every option group on the demo workspace (npm run demo's),
 * on one clock that moves only with the requests, and writes what each run left in out/ to DIR, normalized so that
 * two builds that behave alike write the same files: a table's rows sorted (concurrent reads write them in any
 * order), the state without its wall-clock `finished_at`. A restructuring that changes no behaviour leaves
 * `diff -r` of two snapshots (before and after) empty.
 *
 * Each case is a chain of runs: a full load, then incremental runs with the workspace changed between them
 * (edits, new and deleted records, a merge), so the state and the manifests of reads of changes are covered too.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { generateWorkspace, startSimulator } from '../tests/simulator/index.js';
import { ManualClock, onClock } from '../tests/helpers/clock.js';
import { config, listFiles, runExtractor, TEST_OVERRIDES } from '../tests/helpers/run.js';
import { apply, type Mutation } from '../tests/helpers/schedule.js';
import { SCROLL_DEFAULTS } from '../src/resources/index.js';

const TOKEN = 'snapshot-token-0123456789';
const TEMPLATES = ['basic', 'conversations', 'users_and_events', 'workspace'];

/** Option groups: each is run on every template. `runs`: the parameters of each run after the first (incremental chains). */
const CASES: Array<{ name: string; params: Record<string, unknown>; runs?: Array<Record<string, unknown>> }> = [
  { name: 'defaults', params: {} },
  { name: 'columns', params: { raw_payload: true, custom_attribute_columns: true, history: true } },
  { name: 'rules', params: { '#hash_salt': 'pepper' } },
  { name: 'skip', params: { skip_contact_details: ['segments', 'notes', 'events_summary', 'conversation_parts', 'ticket_parts'] } },
  { name: 'incremental-remove-2.14', params: { incremental: true, deletes: 'remove', api_version: '2.14', full_refresh_days: 0 }, runs: [{}, { max_run_minutes: 0.01 }, {}] },
  { name: 'incremental-flag-2.16', params: { incremental: true, deletes: 'flag', api_version: '2.16', history: true, full_refresh_days: 0 }, runs: [{}, { api_version: '2.14' }, {}] },
];

/** The column rules of the `rules` case, by template: each names tables and columns its template writes. */
const RULES: Record<string, Record<string, string[]>> = {
  basic: { exclude_tables: ['notes'], exclude_columns: ['users.phone'], hash_columns: ['users.email', 'leads.email'] },
  conversations: { exclude_tables: ['conversations_attachments'], exclude_columns: ['conversations.title'], hash_columns: ['conversation_parts.body'] },
  users_and_events: { exclude_tables: ['users_social_profiles'], exclude_columns: ['users.phone'], hash_columns: ['users.email'] },
  workspace: { exclude_tables: ['notes'], exclude_columns: ['contacts.phone'], hash_columns: ['contacts.email'] },
};

/** Changes between two runs of a chain, the same for every case. */
const CHANGES: Mutation[] = [
  { kind: 'update_contact', pick: 3 }, { kind: 'add_contact', pick: 1 }, { kind: 'delete_contact', pick: 7 }, { kind: 'merge_contact', pick: 2 },
  { kind: 'tag_contact', pick: 5 }, { kind: 'delete_tag', pick: 1 }, { kind: 'delete_company', pick: 4 }, { kind: 'delete_segment', pick: 0 },
  { kind: 'add_conversation', pick: 1 }, { kind: 'update_conversation', pick: 9 }, { kind: 'add_part', pick: 4 }, { kind: 'delete_conversation', pick: 2 },
  { kind: 'add_ticket', pick: 0 }, { kind: 'update_ticket', pick: 1 }, { kind: 'add_ticket_part', pick: 2 },
];

async function snapshotCase(outDir: string, template: string, c: (typeof CASES)[number]): Promise<void> {
  const ws = generateWorkspace({ seed: 2024, users: 300, leads: 80, companies: 40, conversations: 120 });
  const clock = new ManualClock(ws.now * 1000);
  const tick = (ms: number) => {
    clock.advance(ms);
    ws.now = Math.max(ws.now, Math.floor(clock.now() / 1000));
  };
  const sim = await startSimulator({ workspace: ws, token: TOKEN, now: () => clock.now(), pageSize: 50, intercept: () => (tick(100), undefined) });
  // One request at a time: a time budget then stops every run of a build at the same record.
  const overrides = onClock(clock, { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, scroll: SCROLL_DEFAULTS } });
  let state: unknown;
  try {
    for (const [i, extra] of [{}, ...(c.runs ?? [])].entries()) {
      if (i > 0) {
        for (const m of CHANGES) (tick(1_000), apply(ws, m, ws.now));
        tick(6 * 3_600_000);
      }
      const params = { template, max_concurrency: 1, ...c.params, ...(c.name === 'rules' ? RULES[template] : {}), ...extra };
      const result = await runExtractor(config(sim.url, TOKEN, params), overrides, state, { mode: 'authoritative' });
      const dir = path.join(outDir, template, c.name, `run${i + 1}`);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'exit'), `${result.code}\n${result.code === 0 ? '' : result.stderr}`);
      if (result.code !== 0) break;
      await copyNormalized(path.join(result.dataDir, 'out'), dir);
      state = await result.state();
      await rm(result.dataDir, { recursive: true, force: true });
    }
  } finally {
    await sim.close();
  }
}

/** Every file of out/, normalized (see the header); a sliced table's slices joined. */
async function copyNormalized(from: string, to: string): Promise<void> {
  for (const file of await listFiles(from)) {
    const rel = path.relative(from, file);
    let text: string;
    if (file.endsWith('.gz')) text = gunzipSync(await readFile(file)).toString('utf8');
    else text = await readFile(file, 'utf8');
    if (rel === 'state.json') {
      const s = JSON.parse(text);
      if (s.last_run) delete s.last_run.finished_at;
      text = JSON.stringify(s, null, 2);
    } else if (/\.csv$|\.gz$/.test(rel)) {
      const lines = text.split('\n');
      const header = rel.endsWith('.gz') ? [] : lines.splice(0, 1);
      text = [...header, ...lines.filter((l) => l !== '').sort()].join('\n');
    }
    await mkdir(path.dirname(path.join(to, rel)), { recursive: true });
    await writeFile(path.join(to, rel), text);
  }
}

const outDir = path.resolve(process.argv[2] ?? 'snapshot-output');
await rm(outDir, { recursive: true, force: true });
for (const template of TEMPLATES) for (const c of CASES) await snapshotCase(outDir, template, c);
process.stdout.write(`${(await readdir(outDir)).length} templates × ${CASES.length} cases written to ${outDir}.\n`);
