/**
 * Randomized schedules of runs, the way a production workspace meets them: a template and a deletes mode, then a
 * handful of incremental runs with the workspace changing before and during each (edits, new records, deletions,
 * merges), requests failing, a run split by max_run_minutes, the API version switched, a run stopped by SIGTERM or
 * killed. Every successful run is loaded into a real database as the platform loads it (tests/helpers/warehouse.ts);
 * a failed or killed run is discarded with its state, as the platform discards it. After a final clean run, storage
 * must hold exactly what a fresh full read of the workspace writes (with `deletes: flag`, plus a flagged row for
 * each deleted record, and nothing else).
 *
 * `scheduleArbitrary` draws schedules for fast-check; `runSchedule` runs one and throws, naming every difference, if
 * storage ends otherwise. The suite runs a fixed set of seeds (tests/e2e/schedule.test.ts); `npm run soak` runs hundreds.
 */
import fc from 'fast-check';
import { StoppedError } from '../../src/errors.js';
import type { ManifestMode } from '../../src/keboola/manifest.js';
import {
  addContact, addConversation, addPart, addTicket, addTicketPart, createRng, deleteCompany, deleteContact, deleteConversation, deleteSegment, deleteTag, generateWorkspace, mergeContact, setContactTags,
  startSimulator, updateContact, updateConversation, updateTicket, EVENT_LIST_WINDOW, type InterceptResult, type Rng, type Workspace,
} from '../simulator/index.js';
import { ManualClock, onClock } from './clock.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from './run.js';
import { SCROLL_DEFAULTS } from '../../src/resources/index.js';
import { Warehouse, warehouseDifferences } from './warehouse.js';

export const TEMPLATES = ['basic', 'conversations', 'users_and_events', 'workspace'] as const;
export const VERSIONS = ['2.14', '2.15', '2.16'] as const;
const MUTATIONS = [
  'update_contact', 'add_contact', 'delete_contact', 'merge_contact', 'tag_contact', 'delete_tag', 'delete_company', 'delete_segment',
  'add_conversation', 'update_conversation', 'add_part', 'delete_conversation', 'add_ticket', 'update_ticket', 'add_ticket_part',
] as const;

/**
 * The changes a schedule makes. Not a new note: Intercom does not move a contact's `updated_at` for one, so it waits
 * for the full refresh by design (README, "Incremental runs"; tests/e2e/incremental.test.ts).
 */
export interface Mutation {
  kind: (typeof MUTATIONS)[number];
  /** Which record it touches: an index into the candidates when it applies. */
  pick: number;
}

export interface Step {
  /** Hours that pass before the run (the workspace's clock and the runs'). */
  hours: number;
  /** Changes made before the run, a second apart. */
  before: Mutation[];
  /** Changes made while the run reads: each when the run's `at`-th request arrives. */
  during: Array<{ at: number; mutation: Mutation }>;
  /** The share of requests that fail, each in one of six ways (0: none). */
  faults: number;
  /** parameters.max_run_minutes, in seconds of the runs' clock (each request costs 100 ms of it); 0: none. */
  budgetSeconds: number;
  /** The API version from this run on; absent: the one before (switches are rare, as in production). */
  version?: (typeof VERSIONS)[number];
  /** Stopped when its `at`-th request arrives: SIGTERM (exit 1, one line, no state) or SIGKILL (nothing is kept). */
  stop?: { signal: 'SIGTERM' | 'SIGKILL'; at: number };
}

export interface Schedule {
  /** The workspace's seed, and the faults'. */
  seed: number;
  template: (typeof TEMPLATES)[number];
  deletes: 'remove' | 'flag';
  /** The data-type mode of the project: typed tables (authoritative) or string ones (none). */
  mode: Extract<ManifestMode, 'authoritative' | 'none'>;
  steps: Step[];
  /** The API version of the first run. */
  start: (typeof VERSIONS)[number];
  /** The API version of the final clean run and of the full read it is compared with; absent: the last run's. */
  final?: (typeof VERSIONS)[number];
}

const mutation = fc.record({ kind: fc.constantFrom(...MUTATIONS), pick: fc.nat({ max: 1_000_000 }) });

/** A value one time in six, else undefined. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

export function scheduleArbitrary(templates: ReadonlyArray<Schedule['template']> = TEMPLATES): fc.Arbitrary<Schedule> {
  const step: fc.Arbitrary<Step> = fc.record(
    {
      hours: fc.oneof(fc.constant(24), fc.integer({ min: 0, max: 72 })),
      before: fc.array(mutation, { maxLength: 8 }),
      during: fc.array(fc.record({ at: fc.integer({ min: 1, max: 120 }), mutation }), { maxLength: 3 }),
      faults: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(0.03, 0.1) }),
      // A run makes 20 to 80 requests: a budget of 10 to 80 of them splits most runs it is drawn for.
      budgetSeconds: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) }),
      version: rarely(fc.constantFrom(...VERSIONS)),
      stop: fc.option(fc.record({ signal: fc.constantFrom('SIGTERM' as const, 'SIGKILL' as const), at: fc.integer({ min: 1, max: 150 }) }), { freq: 4, nil: undefined }),
    },
    { requiredKeys: ['hours', 'before', 'during', 'faults', 'budgetSeconds'] },
  );
  return fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    template: fc.constantFrom(...templates),
    deletes: fc.constantFrom('remove' as const, 'flag' as const),
    mode: fc.constantFrom('authoritative' as const, 'none' as const),
    steps: fc.array(step, { minLength: 5, maxLength: 5 }),
    start: fc.constantFrom(...VERSIONS),
    final: rarely(fc.constantFrom(...VERSIONS)),
  });
}

/**
 * What a deletion changes inside a row without moving its `updated_at`, which waits for that record's next change or
 * the full refresh, by design and documented (README, "Incremental runs", deleted tags, companies and segments): a
 * contact's counts of tags and companies, a conversation part's tags. Left out of the comparison.
 */
const driftsOf = (table: string): RegExp => (table === 'conversation_parts' ? /^tags$/ : /^(tags|companies)_total_count$/);

const TOKEN = 'schedule-token-0123456789';

/** What a run did, for the report of a failing schedule. */
export interface Outcome {
  step: number;
  code: number;
  loaded: boolean;
  /** Stopped by the schedule's SIGTERM or SIGKILL. */
  stopped?: 'SIGTERM' | 'SIGKILL';
  /** Loaded, but stopped by max_run_minutes (last_run.complete false). */
  split?: boolean;
  /** Requests the run retried (its summary's count). */
  retried?: number;
  line: string;
}

/** What a schedule did: each run, the requests made, and the flagged rows storage ended with. */
export interface ScheduleResult {
  runs: Outcome[];
  requests: number;
  flagged: number;
}

/** Runs a schedule; throws, naming every difference, unless storage ends as a fresh full read of the workspace. */
export async function runSchedule(s: Schedule, trace?: (text: string) => void): Promise<ScheduleResult> {
  const ws = generateWorkspace({ seed: s.seed, users: 24, leads: 10, companies: 14, tags: 8, segments: 4, conversations: 14, maxPartsPerConversation: 6, tickets: 6, articles: 6, collections: 4 });
  // One time for the workspace and the runs, as in production (within the skew the product allows for): the
  // runs' clock (requests, budgets, the time a read began) is the workspace's `now`, in ms.
  const clock = new ManualClock(ws.now * 1000);
  const tick = (ms: number) => {
    clock.advance(ms);
    ws.now = Math.max(ws.now, Math.floor(clock.now() / 1000));
  };
  const faults = createRng(s.seed * 7 + 1);
  // What the current run is under; the simulator's hooks read it.
  let current: { step?: Step; requests: number; stop?: AbortController; stopped?: boolean } = { requests: 0 };
  const sim = await startSimulator({
    workspace: ws,
    token: TOKEN,
    now: () => clock.now(),
    scrollPageSize: 4,
    // Pages of 10 contacts or conversations: a budget can stop a read between two of them.
    pageSize: 10,
    searchLagSeconds: 60,
    intercept: () => {
      current.requests++;
      tick(100);
      const step = current.step;
      if (!step) return undefined;
      for (const d of step.during) if (d.at === current.requests) apply(ws, d.mutation, ws.now);
      if (step.stop?.at === current.requests) (current.stopped = true), current.stop?.abort(new StoppedError(`Stopped by ${step.stop.signal} (the schedule) after ${current.requests} requests.`));
      return step.faults > 0 && faults.chance(step.faults) ? fault(faults) : undefined;
    },
    lose: ({ route, query }) => (current.step && current.step.faults > 0 && route === 'GET /companies/scroll' && query.get('scroll_param') && faults.chance(current.step.faults) ? 'reset' : undefined),
  });
  // Production's waits for a companies scroll another client holds (up to 150 s, past its 60 s expiry): a
  // stopped run's last scroll request may open one as it arrives, and the next run must outwait it as in
  // production. On the shared clock such waits cost no real time.
  const overrides = onClock(clock, { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, scroll: SCROLL_DEFAULTS } });
  const storage = await Warehouse.open();
  const truth = await Warehouse.open();
  const outcomes: Outcome[] = [];
  let state: unknown;
  let requests = 0;
  // No periodic full refresh: it would rewrite every table and hide what the reads of changes leave wrong.
  const params = { template: s.template, incremental: true, deletes: s.deletes, full_refresh_days: 0 };
  const run = async (step: Step | undefined, extra: Record<string, unknown>, prior: unknown): Promise<{ result: RunResult; stopped: boolean }> => {
    const stop = new AbortController();
    current = { step, requests: 0, stop };
    try {
      const result = await runExtractor(config(sim.url, TOKEN, { ...params, ...extra }), overrides, prior, { mode: s.mode, control: { signal: stop.signal } });
      trace?.(`── run ${JSON.stringify(extra)}: exit ${result.code}\n${result.stdout}${result.stderr}`);
      return { result, stopped: current.stopped === true };
    } finally {
      requests += current.requests;
      current = { requests: 0 };
    }
  };
  try {
    let version = s.start;
    for (const [i, step] of s.steps.entries()) {
      for (const m of step.before) {
        tick(1_000);
        apply(ws, m, ws.now);
      }
      tick(step.hours * 3_600_000 + 60_000);
      version = step.version ?? version;
      const { result, stopped } = await run(step, { api_version: version, ...(step.budgetSeconds > 0 ? { max_run_minutes: step.budgetSeconds / 60 } : {}) }, state);
      if (stopped && result.code === 0) throw new Error(`step ${i + 1}: a run stopped by ${step.stop!.signal} exited 0`);
      // Killed, a run leaves nothing the platform would look at.
      const killed = stopped && step.stop!.signal === 'SIGKILL';
      const line = result.code === 0 ? (result.stdout.match(/Done in .*/)?.[0] ?? '') : result.stderr.trim();
      if (result.code === 0) {
        if (result.stderr !== '') throw new Error(`step ${i + 1}: a successful run printed on stderr: ${result.stderr}`);
        await storage.load(result);
        state = await result.state();
      } else if (!killed) {
        // A stop or a failure says so in one line, and saves no state.
        if (result.stderr.trim().split('\n').length !== 1) throw new Error(`step ${i + 1}: a failed run (exit ${result.code}) printed more than one line: ${result.stderr}`);
        if ((await result.outFiles()).some((f) => f.endsWith('state.json'))) throw new Error(`step ${i + 1}: a failed run wrote a state`);
        if (stopped && result.code !== 1) throw new Error(`step ${i + 1}: a SIGTERM ended the run with exit ${result.code}: ${result.stderr}`);
      }
      const retried = Number(/\((\d+) retried/.exec(line)?.[1] ?? 0);
      const split = result.code === 0 && (state as { last_run?: { complete?: boolean } }).last_run?.complete === false;
      outcomes.push({ step: i + 1, code: result.code, loaded: result.code === 0, ...(stopped ? { stopped: step.stop!.signal } : {}), split, retried, line });
    }

    tick(86_400_000);
    version = s.final ?? version;
    const { result: final } = await run(undefined, { api_version: version }, state);
    if (final.code !== 0 || final.stderr !== '') throw new Error(`the final clean run failed (exit ${final.code}): ${final.stderr}`);
    await storage.load(final);
    outcomes.push({ step: s.steps.length + 1, code: 0, loaded: true, line: final.stdout.match(/Done in .*/)?.[0] ?? '' });
    const { result: full } = await run(undefined, { incremental: false, api_version: version }, undefined);
    if (full.code !== 0) throw new Error(`the full read failed (exit ${full.code}): ${full.stderr}`);
    await truth.load(full);

    const problems = await compare(storage, truth, s, ws);
    if (problems.length > 0) throw new Error(`storage differs from a fresh full read:\n${problems.join('\n')}\nruns: ${JSON.stringify(outcomes)}`);
    let flagged = 0;
    for (const t of storage.tables()) flagged += (await storage.rows(t)).filter((r) => r.is_deleted === 'true').length;
    return { runs: outcomes, requests, flagged };
  } finally {
    storage.close();
    truth.close();
    await sim.close();
  }
}

async function compare(storage: Warehouse, truth: Warehouse, s: Schedule, ws: Workspace): Promise<string[]> {
  const tables = [...new Set([...storage.tables(), ...truth.tables()])].sort();
  const problems: string[] = [];
  const flagged = (r: Record<string, string>) => r.is_deleted === 'true';
  const differences = (await Promise.all(tables.map((t) => warehouseDifferences(storage, truth, [t], { ignore: driftsOf(t), only: (r) => !flagged(r) })))).flat();
  for (const d of differences) {
    // Intercom lists events of the last 90 days only: storage keeps those that aged out since they were read.
    // Likewise the activity logs, read back parameters.activity_logs_days (90 by default): storage keeps those that aged
    // out of the window, which a fresh full read no longer asks for (append-only, merged: README, activity_logs_days).
    const window = d.table === 'events' ? EVENT_LIST_WINDOW : d.table === 'activity_logs' ? 90 * 86_400 : undefined;
    const extra = window !== undefined ? d.extra.filter((r) => Number(JSON.parse(r).created_at) >= ws.now - window) : d.extra;
    if (d.missing.length === 0 && extra.length === 0) continue;
    problems.push(`${d.table}: ${d.missing.length} rows missing, ${extra.length} extra; ${describeFirst(d.missing, extra)}`);
  }
  // Flagged rows: only under flag, one per record deleted (so absent from the full read), with its key and the flags.
  for (const table of storage.tables()) {
    const rows = (await storage.rows(table)).filter(flagged);
    if (rows.length === 0) continue;
    if (s.deletes !== 'flag') problems.push(`${table}: ${rows.length} flagged rows under deletes: remove`);
    const live = new Set((await truth.rows(table)).map((r) => r.id));
    const deleted = new Set([...ws.deletedContacts, ...ws.deletedCompanies, ...ws.deletedTags, ...ws.deletedConversations].map((d) => d.id).concat([...(deletedSegments.get(ws) ?? [])]));
    for (const r of rows) {
      if (live.has(r.id)) problems.push(`${table}: ${r.id} is flagged deleted but exists`);
      if (!deleted.has(r.id)) problems.push(`${table}: ${r.id} is flagged deleted but was never deleted`);
      const filled = Object.entries(r).filter(([k, v]) => v !== '' && !['id', 'is_deleted', 'deleted_at'].includes(k));
      if (filled.length > 0) problems.push(`${table}: the flagged row of ${r.id} holds more than its key and the flags: ${JSON.stringify(filled)}`);
    }
  }
  return problems;
}

/** The first difference: a row in both with other values (by id, the columns that differ), or one only in either. */
function describeFirst(missing: string[], extra: string[]): string {
  const [want, got] = [missing.map((r) => JSON.parse(r) as Record<string, string>), extra.map((r) => JSON.parse(r) as Record<string, string>)];
  for (const w of want) {
    const g = got.find((r) => r.id !== undefined && r.id === w.id);
    if (!g) continue;
    const cols = Object.keys({ ...w, ...g }).filter((k) => w[k] !== g[k]);
    return `id ${w.id} differs in ${cols.map((k) => `${k}: storage ${JSON.stringify(g[k])}, full read ${JSON.stringify(w[k])}`).join('; ')}`;
  }
  return `first missing ${missing[0] ?? '-'}; first extra ${extra[0] ?? '-'}`;
}

/** The six ways a request fails (tests/e2e/faults.test.ts has them too). */
function fault(rng: Rng): InterceptResult {
  return rng.pick<InterceptResult>([
    { status: 502, body: 'Bad gateway' },
    { status: 500, body: { type: 'error.list', errors: [{ code: 'server_error', message: 'oops' }] } },
    'reset',
    { status: 200 },
    { status: 200, body: '{"type":"list","da' },
    { status: 200, body: { type: 'error.list', errors: [{ code: 'server_error', message: 'oops' }] } },
  ]);
}

/** The segments a schedule deleted (the simulator keeps no record of them). */
const deletedSegments = new WeakMap<Workspace, string[]>();

/** Makes one change to the workspace at `at`, to the record `pick` chooses; a change with nothing to touch is skipped. */
export function apply(ws: Workspace, m: Mutation, at: number): void {
  const choose = <T>(items: readonly T[]): T | undefined => (items.length > 0 ? items[m.pick % items.length] : undefined);
  const users = ws.contacts.filter((c) => c.role === 'user');
  const leads = ws.contacts.filter((c) => c.role === 'lead');
  const contact = choose(ws.contacts);
  const conversation = choose(ws.conversations);
  const ticket = choose(ws.tickets);
  switch (m.kind) {
    case 'update_contact':
      if (contact) updateContact(ws, contact.id, { name: `Renamed at ${at}` }, at);
      return;
    case 'add_contact':
      addContact(ws, { role: m.pick % 3 === 0 ? 'lead' : 'user', email: `new.${at}@example.com`, name: `New ${at}` }, at);
      return;
    case 'delete_contact':
      if (contact && ws.contacts.length > 3) deleteContact(ws, contact.id, at);
      return;
    case 'merge_contact': {
      const lead = choose(leads);
      const user = users.length > 0 ? users[(m.pick >> 3) % users.length] : undefined;
      if (lead && user) mergeContact(ws, lead.id, user.id, at);
      return;
    }
    case 'tag_contact':
      if (contact) setContactTags(ws, contact.id, ws.tags.filter((_, i) => (m.pick >> i) & 1).map((t) => t.id), at);
      return;
    case 'delete_tag': {
      const tag = choose(ws.tags);
      if (tag && ws.tags.length > 1) deleteTag(ws, tag.id, at);
      return;
    }
    case 'delete_company': {
      const company = choose(ws.companies);
      if (company && ws.companies.length > 1) deleteCompany(ws, company.id, at);
      return;
    }
    case 'delete_segment': {
      const segment = choose(ws.segments);
      if (segment && ws.segments.length > 1) {
        deleteSegment(ws, segment.id);
        deletedSegments.set(ws, [...(deletedSegments.get(ws) ?? []), segment.id]);
      }
      return;
    }
    case 'add_conversation':
      addConversation(ws, at);
      return;
    case 'update_conversation':
      if (conversation) updateConversation(ws, conversation.id, { state: 'closed', open: false }, at);
      return;
    case 'add_part':
      if (conversation) addPart(ws, conversation.id, at);
      return;
    case 'delete_conversation':
      if (conversation && ws.conversations.length > 1) deleteConversation(ws, conversation.id, at);
      return;
    case 'add_ticket':
      addTicket(ws, at);
      return;
    case 'update_ticket':
      if (ticket) updateTicket(ws, ticket.id, { open: !ticket.open }, at);
      return;
    case 'add_ticket_part':
      if (ticket) addTicketPart(ws, ticket.id, at);
      return;
  }
}
