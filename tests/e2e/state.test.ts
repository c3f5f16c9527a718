/**
 * The state (out/state.json, the next run's in/state.json): its one codec (src/incremental/state.ts), the migration
 * of states written before a split full read's cursor became `backfill.cursor` (it was `backfill.starting_after`),
 * and its schema (schemas/state.schema.json), which every state the product writes must satisfy: the schema is
 * what docs/state.md and the generated types say the state is.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { decodeState, encodeState, type IdColumns, type LastRun, type SyncState } from '../../src/incremental/state.js';
import { generateWorkspace, startSimulator, updateContact, updateConversation, type Simulator, type Workspace } from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { differences, rowsOf, same, Storage } from '../helpers/storage.js';
import { ManualClock, onClock } from '../helpers/clock.js';
import { TEMPLATE_TABLES } from '../contract.js';

const TOKEN = 'state-token-0123456789abcdef';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCHEMA = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'state.schema.json'), 'utf8'));

const ajv = new (Ajv as any)({ allErrors: true });
const validateState = ajv.compile(SCHEMA);

/** The schema's complaints about a state, one line each (none when it validates). */
function schemaErrors(state: unknown): string[] {
  if (validateState(state)) return [];
  return (validateState.errors as Array<{ instancePath: string; message: string; params: unknown }>).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

/** A run that succeeded and printed nothing on stderr; its out/state.json, checked against the schema. */
async function validState(run: RunResult, what: string): Promise<any> {
  expect(run.code, `${what}: ${run.stderr}`).to.equal(0);
  expect(run.stderr, what).to.equal('');
  const state = await run.state();
  const errors = schemaErrors(state);
  expect(errors, `${what}: out/state.json breaks schemas/state.schema.json:\n${errors.join('\n')}\n`).to.deep.equal([]);
  return state;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** A state as this version writes it: a list with a mark and one mid-way through a split full read. */
function currentState(): any {
  return {
    sync: {
      version: 1,
      template: 'basic',
      api_version: '2.14',
      columns: { raw_payload: false, custom_attribute_columns: true, exclude_tables: [], exclude_columns: [], hash_columns: [], hash_salt_check: '', deletes: 'remove' },
      lists: {
        contacts: { mark: 1_700_000_000, full_at: 1_699_000_000, sketch: 'AAAA', sketch_at: 1_700_000_100, api_version: '2.14' },
        conversations: { backfill: { cursor: 'WzE3MDAwMDAwMDAsIjEyMyJd', started_at: 1_700_000_050 }, api_version: '2.14' },
      },
      known: { tags: ['1', '2'] },
      unlisted: { companies: ['c9'] },
    },
    custom_columns: { users: [{ column: 'custom_plan', key: 'plan', date: false, data_type: 'string' }] },
    last_run: { template: 'basic', incremental: true, finished_at: '2024-01-01T00:00:00.000Z', requests: 42, complete: false, rows: { users: 10 } },
    id_columns: 'string',
  };
}

describe('the state codec', () => {
  it('reads no state, a non-object or {} as no sync, no custom columns and no last run', () => {
    for (const raw of [undefined, null, 'text', 42, [], [{ sync: { version: 1, lists: {} } }], {}]) {
      expect(decodeState(raw), JSON.stringify(raw) ?? 'undefined').to.deep.equal({ sync: undefined, customColumns: {} });
    }
  });

  it("reads a sync this version did not write as 'unreadable': not an object, another version, no lists object", () => {
    const unreadable = [
      'text', 7, null, [], true,
      { template: 'basic', lists: {} },
      { version: 2, template: 'basic', lists: {} },
      { version: '1', template: 'basic', lists: {} },
      { version: 1, template: 'basic' },
      { version: 1, template: 'basic', lists: 'contacts' },
      { version: 1, template: 'basic', lists: null },
    ];
    for (const sync of unreadable) expect(decodeState({ sync }).sync, JSON.stringify(sync)).to.equal('unreadable');
    // The smallest sync it does read.
    expect(decodeState({ sync: { version: 1, template: 'basic', lists: {} } }).sync).to.deep.equal({ version: 1, template: 'basic', lists: {} });
  });

  it('reads what earlier versions read: lists as an array (none of them), a list entry that is null (no state for that list)', () => {
    // Lenient where the platform may hold a hand-edited state: such entries mean "nothing known", never a failed run.
    expect(decodeState({ sync: { version: 1, template: 'basic', lists: [] } }).sync).to.deep.equal({ version: 1, template: 'basic', lists: {} });
    expect(decodeState({ sync: { version: 1, template: 'basic', lists: { contacts: null } } }).sync).to.deep.equal({ version: 1, template: 'basic', lists: { contacts: null } });
  });

  it('keeps the columns a sync of another version was written with, so a change of columns is still seen', () => {
    const columns = { raw_payload: true, custom_attribute_columns: false };
    expect(decodeState({ sync: { version: 2, template: 'basic', lists: {}, columns } }).written).to.deep.equal({ columns });
    expect(decodeState({ sync: { version: 2, template: 'basic', lists: null, columns } }).written, 'lists null, as before').to.deep.equal({ columns });
    expect(decodeState({ sync: { version: 2, template: 'basic', columns } }).written, 'no lists: nothing written').to.equal(undefined);
  });

  it('reads custom_columns that are not an object as none, and passes last_run through', () => {
    for (const custom of ['x', 3, null, [], [{ column: 'c', key: 'k', date: false }]]) expect(decodeState({ custom_columns: custom }).customColumns, JSON.stringify(custom)).to.deep.equal({});
    const custom = { users: [{ column: 'custom_plan', key: 'plan', date: false }] };
    expect(decodeState({ custom_columns: custom }).customColumns).to.deep.equal(custom);
    const last = { template: 'basic', incremental: true, finished_at: '2024-01-01T00:00:00.000Z', requests: 3, complete: true, rows: { users: 1 } };
    expect(decodeState({ last_run: last }).lastRun).to.deep.equal(last);
    // Partial last runs are kept as they are (the next run reads only rows from it); a non-object is none.
    expect(decodeState({ last_run: { rows: { users: 5 } } }).lastRun).to.deep.equal({ rows: { users: 5 } });
    expect(decodeState({ last_run: 'yesterday' })).not.to.have.property('lastRun');
  });

  it('migrates a split full read kept as backfill.starting_after (states of earlier versions) to backfill.cursor', () => {
    const old = { sync: { version: 1, template: 'basic', lists: { contacts: { mark: 5, backfill: { starting_after: 'X', started_at: 1_700_000_000 } } } } };
    const before = clone(old);
    const sync = decodeState(old).sync as SyncState;
    expect(sync.lists.contacts).to.deep.equal({ mark: 5, backfill: { cursor: 'X', started_at: 1_700_000_000 } });
    expect(sync.lists.contacts.backfill).not.to.have.property('starting_after');
    // What the codec read is left as it was: the run may log or compare it.
    expect(old).to.deep.equal(before);
    // And what it migrated is a state the schema accepts, where the old one is not.
    expect(schemaErrors(old), 'the old format').not.to.deep.equal([]);
    expect(schemaErrors({ sync })).to.deep.equal([]);
  });

  it('keeps a backfill that already has a cursor, and leaves a list without backfill as it was', () => {
    const current = { cursor: 'Y', started_at: 1_700_000_000 };
    expect((decodeState({ sync: { version: 1, template: 'basic', lists: { contacts: { backfill: current } } } }).sync as SyncState).lists.contacts.backfill).to.deep.equal(current);
    // Both names (never written by one version, but a hand-edited state may have them): the cursor wins, and starting_after goes.
    expect((decodeState({ sync: { version: 1, template: 'basic', lists: { contacts: { backfill: { ...current, starting_after: 'X' } } } } }).sync as SyncState).lists.contacts.backfill).to.deep.equal(current);
    const plain = currentState().sync.lists.contacts;
    expect((decodeState({ sync: { version: 1, template: 'basic', lists: { contacts: clone(plain) } } }).sync as SyncState).lists.contacts).to.deep.equal(plain);
  });

  it('encodeState(decodeState(x)) gives back a current state, keys in order: sync, custom_columns, last_run, id_columns', () => {
    const x = currentState();
    const d = decodeState(clone(x));
    const encoded = encodeState({ sync: d.sync as SyncState, customColumns: d.customColumns, lastRun: d.lastRun as LastRun, idColumns: d.idColumns as IdColumns });
    expect(encoded).to.deep.equal(x);
    // Byte for byte, as the file is written: the top level's key order is part of what a person reading it sees.
    expect(JSON.stringify(encoded)).to.equal(JSON.stringify(x));
    expect(Object.keys(encoded)).to.deep.equal(['sync', 'custom_columns', 'last_run', 'id_columns']);
    expect(schemaErrors(encoded)).to.deep.equal([]);
    // Without custom columns there is no custom_columns key.
    const { custom_columns: _custom, ...without } = x;
    const bare = encodeState({ sync: x.sync, lastRun: x.last_run, idColumns: 'string' });
    expect(bare).to.deep.equal(without);
    expect(Object.keys(bare)).to.deep.equal(['sync', 'last_run', 'id_columns']);
  });

  it('reads how the last run typed the id columns; a state of a version that did not say is "earlier", no state none', () => {
    expect(decodeState({ ...currentState(), id_columns: 'legacy' }).idColumns).to.equal('legacy');
    expect(decodeState(currentState()).idColumns).to.equal('string');
    const { id_columns: _ids, ...earlier } = currentState();
    expect(decodeState(earlier).idColumns).to.equal('earlier');
    expect(decodeState({ last_run: earlier.last_run }).idColumns, 'a last run alone').to.equal('earlier');
    expect(decodeState({ sync: 'garbage' }).idColumns, 'an unreadable sync is still a state of an earlier run').to.equal('earlier');
    expect(decodeState({ ...earlier, id_columns: 'integer' }).idColumns, 'a value no version writes').to.equal('earlier');
    expect(decodeState({}).idColumns).to.equal(undefined);
    expect(decodeState(undefined).idColumns).to.equal(undefined);
  });
});

describe('every state the product writes validates against schemas/state.schema.json', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let sim: Simulator;
  before(async () => {
    ws = generateWorkspace({ seed: 301, users: 24, leads: 10, companies: 14, tags: 8, segments: 4, conversations: 14, maxPartsPerConversation: 6, bigConversations: 0, tickets: 6, articles: 6, collections: 4 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
  });
  after(() => sim?.close());

  /** A first incremental run and a second from its state after a change: both states must validate. */
  async function twoRuns(params: Record<string, unknown>, what: string): Promise<any[]> {
    const first = await validState(await runExtractor(config(sim.url, TOKEN, { incremental: true, ...params })), `${what}, first run`);
    // A change between the runs, so the second reads changes rather than nothing.
    ws.now += 3_600;
    updateContact(ws, ws.contacts[0].id, { name: `Renamed at ${ws.now}` }, ws.now - 60);
    updateConversation(ws, ws.conversations[0].id, { state: 'closed', open: false }, ws.now - 60);
    const second = await validState(await runExtractor(config(sim.url, TOKEN, { incremental: true, ...params }), TEST_OVERRIDES, first), `${what}, second run`);
    return [first, second];
  }

  for (const template of ['basic', 'conversations', 'users_and_events', 'workspace']) {
    it(`${template}: a first incremental run and the next`, async () => {
      const [first, second] = await twoRuns({ template }, template);
      expect(first.sync.template).to.equal(template);
      expect(Object.keys(first.sync.lists).length, 'lists read by change').to.be.above(0);
      expect(second.last_run.incremental).to.equal(true);
    });
  }

  it('with custom_attribute_columns: custom_columns is in the state and validates', async () => {
    const [first, second] = await twoRuns({ template: 'basic', custom_attribute_columns: true }, 'custom_attribute_columns');
    for (const s of [first, second]) {
      expect(Object.keys(s), 'key order').to.deep.equal(['sync', 'custom_columns', 'last_run', 'id_columns']);
      expect(Object.values(s.custom_columns).flat().length, 'custom columns kept').to.be.above(0);
    }
  });

  it('with deletes "flag": the known ids it keeps validate', async () => {
    const [first, second] = await twoRuns({ template: 'conversations', deletes: 'flag' }, 'deletes flag');
    for (const s of [first, second]) {
      expect(s.sync.columns.deletes).to.equal('flag');
      // Under flag the lists read whole keep their ids, and the list of conversations how far its deletions were read.
      expect(Object.values(s.sync.known).flat().length, 'known ids').to.be.above(0);
      expect(s.sync.lists.conversations.deleted_through).to.be.a('number');
    }
  });
});

describe('a split full read whose state an earlier version wrote (backfill.starting_after)', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let sim: Simulator;
  // The runs' clock: each run gets its own, so the two runs from one state start at the same time.
  let clock: ManualClock;
  // What the current run asked for, in order: the route, the path and the cursor of each request.
  let requests: Array<{ route: string; path: string; after: string | null }> = [];
  after(() => sim?.close());

  it('continues at the saved cursor, as from a state with backfill.cursor: the same requests, tables and state', async () => {
    ws = generateWorkspace({ seed: 302, users: 10, leads: 2, conversations: 60, bigConversations: 0 });
    clock = new ManualClock(ws.now * 1000);
    // Pages of 10 conversations, each costing 3.6 s of the runs' clock against a budget of 6 s: the first run
    // stops after a page or two, at the same page on a busy machine as on an idle one.
    sim = await startSimulator({
      workspace: ws,
      token: TOKEN,
      pageSize: 10,
      now: () => clock.now(),
      intercept: (req) => {
        requests.push({ route: req.route, path: req.path, after: req.query.get('starting_after') });
        if (req.route === 'GET /conversations') clock.advance(3_600);
        return undefined;
      },
    });
    // API 2.16 lists deleted conversations, so no census runs beside the read: the requests are the read's.
    const params = { template: 'conversations', incremental: true, api_version: '2.16' };
    const mode = 'authoritative' as const;
    const storage = new Storage();

    const first = await runExtractor(config(sim.url, TOKEN, { ...params, max_run_minutes: 0.1 }), onClock(clock), undefined, { mode });
    const state1 = await validState(first, 'the split run');
    await storage.load(first);
    const backfill = state1.sync.lists.conversations.backfill;
    expect(backfill, 'the first run was split').to.be.an('object');
    expect(backfill.cursor, 'it kept the cursor of the page it stopped at').to.be.a('string');
    const firstPages = requests.filter((r) => r.route === 'GET /conversations');
    expect(firstPages[0].after, 'the first run read from the start').to.equal(null);
    expect(firstPages.length, 'the first run read more than one page').to.be.at.least(2);
    // The conversations of its first page (fetched before the second page was asked for): read whole before the cursor.
    const secondPage = requests.indexOf(firstPages[1]);
    const firstPage = requests.slice(0, secondPage).filter((r) => r.route === 'GET /conversations/:id').map((r) => r.path);
    expect(firstPage.length, 'a page of conversations').to.equal(10);
    const readFirst = new Set(first.table('conversations').rows.map((r) => r.id));
    expect(readFirst.size, 'the first run wrote part of the conversations').to.be.above(0).and.below(ws.conversations.length);

    // The same state as the previous version wrote it: the cursor under starting_after.
    const old = clone(state1);
    old.sync.lists.conversations.backfill = { starting_after: backfill.cursor, started_at: backfill.started_at };
    expect(schemaErrors(old), 'the old format is not the current schema').not.to.deep.equal([]);

    const start = clock.now() + 60_000;
    /** A run from `state` with no budget (it reads to the end), on a fresh clock at `start`; its requests. */
    const resume = async (state: unknown) => {
      clock = new ManualClock(start);
      requests = [];
      const run = await runExtractor(config(sim.url, TOKEN, params), onClock(clock), state, { mode });
      return { run, requests: requests.slice() };
    };
    const migrated = await resume(old);
    const current = await resume(state1);

    // The run from the old state went on with the interrupted read, at the saved cursor: the first page of
    // conversations it asked for is the one the cursor names. The front of the list it asked for once, last: the
    // catch-up after a full read of a newest-first list, looking for conversations updated while the read ran.
    expect(migrated.run.stdout).to.include('continuing the interrupted full read');
    const pages = migrated.requests.filter((r) => r.route === 'GET /conversations');
    expect(pages.length, 'it read pages of conversations').to.be.at.least(2);
    expect(pages[0].after, 'the first page it asked for').to.equal(backfill.cursor);
    expect(pages.slice(0, -1).filter((r) => r.after === null), 'pages of the read asked for from the start').to.deep.equal([]);
    expect(pages.at(-1)!.after, 'the catch-up reads the front').to.equal(null);
    expect(migrated.run.stdout).to.include('Catching up on conversations');
    // Nor did it fetch again any conversation of the first page, which the first run had read whole.
    const fetched = migrated.requests.filter((r) => r.route === 'GET /conversations/:id').map((r) => r.path);
    expect(fetched.filter((p) => firstPage.includes(p)), 'first-page conversations fetched again').to.deep.equal([]);
    expect(fetched.length, 'conversations fetched by the second run').to.be.below(ws.conversations.length);
    const state2 = await validState(migrated.run, 'the run from the old state');
    expect(state2.sync.lists.conversations.backfill, 'the read ended').to.equal(undefined);
    expect(state2.last_run.complete).to.equal(true);

    // Both parts together are what one full read writes.
    await storage.load(migrated.run);
    const full = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', api_version: '2.16' }), TEST_OVERRIDES, undefined, { mode });
    expect(full.code, full.stderr).to.equal(0);
    const tables = TEMPLATE_TABLES.conversations;
    expect(differences(storage, full, tables)).to.deep.equal(same(tables));

    // The run from the current format did exactly the same: the same requests, tables, manifests and state.
    expect(current.run.stdout).to.include('continuing the interrupted full read');
    const sorted = (rs: typeof requests) => rs.map((r) => `${r.route} ${r.path} ${r.after ?? ''}`).sort();
    expect(sorted(current.requests)).to.deep.equal(sorted(migrated.requests));
    expect(await current.run.tables()).to.deep.equal(await migrated.run.tables());
    for (const t of await migrated.run.tables()) {
      expect(rowsOf(current.run, t), t).to.deep.equal(rowsOf(migrated.run, t));
      expect(await current.run.manifest(t), `${t} manifest`).to.deep.equal(await migrated.run.manifest(t));
    }
    const withoutFinish = (s: any) => ({ ...s, last_run: { ...s.last_run, finished_at: undefined } });
    expect(withoutFinish(await validState(current.run, 'the run from the current state'))).to.deep.equal(withoutFinish(state2));
  });
});
