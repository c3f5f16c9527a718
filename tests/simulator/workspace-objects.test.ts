/**
 * The workspace-level lists and per-record details (routes-workspace.ts) against a started simulator: each endpoint
 * answers its first version with the spec's envelope, its pages give every record of the workspace once and in
 * order, each answer validates (ajv) against the version's spec, and every property the spec's record schema lists
 * is served; the 2.16 ones answer 2.14 and 2.15 with 400 intercom_version_invalid; the filters (activity logs'
 * created_at_after/before, macros' updated_since) keep what they say. Without ../shared's specs the schema checks
 * are skipped, saying so; the rest runs.
 */
import { expect } from 'chai';
import {
  activityLogView,
  contactSubscriptionsView,
  contentImportSourceView,
  DAY,
  generateWorkspace,
  helpCenterView,
  internalArticleView,
  LIST_PAGE_SIZES,
  macroKey,
  macrosByUpdate,
  mergeContact,
  OBJECT_COUNT_DEFAULTS,
  startSimulator,
  ticketStateView,
  ticketTypeView,
  type Simulator,
  type Workspace,
} from './index.js';
import { SPECS_DIR, SpecSchemas } from './spec-schemas.js';

const TOKEN = 'objects-token';
const VERSION_INVALID = 'Requested resource is not available in current API version.';
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));

async function call(sim: Simulator, path: string, version?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` };
  if (version) headers['Intercom-Version'] = version;
  const res = await fetch(path.startsWith('http') ? path : sim.url + path, { headers });
  return { status: res.status, body: await res.json() };
}

type Paging = 'single' | 'cursor' | 'link' | 'top' | 'side' | 'macro' | 'merge';

interface Endpoint {
  path: (ws: Workspace) => string;
  specPath: string;
  /** The records' key, and the answer's keys beside it (the envelope). */
  key: string;
  envelope: string[];
  paging: Paging;
  since: '2.14' | '2.16';
  /** Query parameters every request of the walk carries. */
  query?: string;
  /** The records, as the version serves them, in order. */
  truth: (ws: Workspace, version: number) => unknown[];
  /** Per page of a walk without per_page (the list's default here). */
  pageSize?: number;
  /** A list in the records whose items' properties are checked against the spec too. */
  nested?: string;
}

const S = LIST_PAGE_SIZES;
const PAGED = ['type', 'pages', 'total_count', 'data'];
const TOP = ['type', 'data', 'total_count', 'page', 'per_page', 'total_pages'];
const first = <T>(list: T[]): T => list[0];

const ENDPOINTS: Record<string, Endpoint> = {
  activity_logs: { path: () => '/admins/activity_logs', specPath: '/admins/activity_logs', key: 'activity_logs', envelope: ['type', 'pages', 'activity_logs'], paging: 'cursor', since: '2.14', query: 'created_at_after=0', truth: (ws, v) => ws.activityLogs.map((l) => activityLogView(l, v)), pageSize: S.activityLogs.fallback },
  ticket_types: { path: () => '/ticket_types', specPath: '/ticket_types', key: 'data', envelope: ['type', 'data'], paging: 'single', since: '2.14', truth: (ws) => ws.ticketTypes.map((t) => ticketTypeView(ws, t)) },
  ticket_states: { path: () => '/ticket_states', specPath: '/ticket_states', key: 'data', envelope: ['type', 'data'], paging: 'single', since: '2.14', truth: (ws) => ws.ticketStateDetails.map((s) => ticketStateView(ws, s)) },
  help_centers: { path: () => '/help_center/help_centers', specPath: '/help_center/help_centers', key: 'data', envelope: ['type', 'data'], paging: 'single', since: '2.14', truth: (ws, v) => ws.helpCenters.map((h) => helpCenterView(h, v)) },
  internal_articles: { path: () => '/internal_articles', specPath: '/internal_articles', key: 'data', envelope: PAGED, paging: 'cursor', since: '2.14', truth: (ws, v) => ws.internalArticles.map((a) => internalArticleView(a, v)), pageSize: S.internalArticles.fallback },
  news_items: { path: () => '/news/news_items', specPath: '/news/news_items', key: 'data', envelope: PAGED, paging: 'cursor', since: '2.14', truth: (ws) => ws.newsItems, pageSize: S.newsItems.fallback },
  newsfeeds: { path: () => '/news/newsfeeds', specPath: '/news/newsfeeds', key: 'data', envelope: PAGED, paging: 'cursor', since: '2.14', truth: (ws) => ws.newsfeeds, pageSize: S.newsfeeds.fallback },
  away_status_reasons: { path: () => '/away_status_reasons', specPath: '/away_status_reasons', key: 'data', envelope: ['type', 'data'], paging: 'single', since: '2.14', truth: (ws) => ws.awayStatusReasons },
  calls: { path: () => '/calls', specPath: '/calls', key: 'data', envelope: PAGED, paging: 'cursor', since: '2.14', truth: (ws) => ws.calls, pageSize: S.calls.fallback },
  content_import_sources: { path: () => '/ai/content_import_sources', specPath: '/ai/content_import_sources', key: 'data', envelope: PAGED, paging: 'link', since: '2.14', truth: (ws, v) => ws.contentImportSources.map((s) => contentImportSourceView(s, v)), pageSize: S.contentImportSources.fallback },
  external_pages: { path: () => '/ai/external_pages', specPath: '/ai/external_pages', key: 'data', envelope: PAGED, paging: 'link', since: '2.14', truth: (ws) => ws.externalPages, pageSize: S.externalPages.fallback },
  contact_subscriptions: { path: (ws) => `/contacts/${first(ws.contacts).id}/subscriptions`, specPath: '/contacts/{contact_id}/subscriptions', key: 'data', envelope: ['type', 'data'], paging: 'single', since: '2.14', truth: (ws) => contactSubscriptionsView(ws, first(ws.contacts).id) },
  macros: { path: () => '/macros', specPath: '/macros', key: 'data', envelope: ['type', 'data', 'pages'], paging: 'macro', since: '2.16', truth: (ws) => macrosByUpdate(ws), pageSize: S.macros.fallback },
  office_hours_schedules: { path: () => '/office_hours_schedules', specPath: '/office_hours_schedules', key: 'data', envelope: ['type', 'data'], paging: 'single', since: '2.16', truth: (ws) => ws.officeHoursSchedules },
  brands: { path: () => '/brands', specPath: '/brands', key: 'data', envelope: ['type', 'data'], paging: 'single', since: '2.16', truth: (ws) => ws.brands },
  content_snippets: { path: () => '/content_snippets', specPath: '/content_snippets', key: 'data', envelope: TOP, paging: 'top', since: '2.16', truth: (ws) => ws.contentSnippets, pageSize: S.contentSnippets.fallback },
  audiences: { path: () => '/audiences', specPath: '/audiences', key: 'data', envelope: TOP, paging: 'top', since: '2.16', truth: (ws) => ws.audiences, pageSize: S.audiences.fallback },
  emails: { path: () => '/emails', specPath: '/emails', key: 'data', envelope: ['type', 'data'], paging: 'single', since: '2.16', truth: (ws) => ws.emailSettings },
  company_notes: { path: (ws) => `/companies/${first(ws.companies).id}/notes`, specPath: '/companies/{company_id}/notes', key: 'data', envelope: ['type', 'data', 'total_count', 'pages'], paging: 'cursor', since: '2.16', truth: (ws) => ws.companyNotes.get(first(ws.companies).id) ?? [], pageSize: S.companyNotes.fallback },
  handling_events: { path: (ws) => `/conversations/${first(ws.conversations).id}/handling_events`, specPath: '/conversations/{id}/handling_events', key: 'handling_events', envelope: ['handling_events'], paging: 'single', since: '2.16', truth: (ws) => ws.handlingEvents.get(first(ws.conversations).id) ?? [] },
  side_conversations: { path: (ws) => `/conversations/${first(ws.conversations).id}/side_conversations`, specPath: '/conversations/{id}/side_conversations', key: 'side_conversations', envelope: ['type', 'side_conversations', 'total_count', 'pages'], paging: 'side', since: '2.16', truth: (ws) => ws.sideConversations.get(first(ws.conversations).id) ?? [], pageSize: S.sideConversations.fallback, nested: 'conversation_parts' },
  merge_history: { path: (ws) => `/contacts/${mergedUser(ws)}/merge_history`, specPath: '/contacts/{id}/merge_history', key: 'data', envelope: ['type', 'data', 'has_more'], paging: 'merge', since: '2.16', query: 'per_page=2', truth: (ws) => mergeTruth(ws), pageSize: 2 },
};

/** The user the test's merges went into. */
const mergedUser = (ws: Workspace) => ws.deletedContacts[0].merged_into!;

function mergeTruth(ws: Workspace) {
  return ws.deletedContacts
    .map((d, seq) => ({ d, seq }))
    .sort((a, b) => b.d.deleted_at - a.d.deleted_at || b.seq - a.seq)
    .map(({ d }) => ({ type: 'merge_history', source_contact_id: d.id, source_contact_role: d.role, merged_at: d.deleted_at }));
}

/** The next request of a walk after `body` (n: the page just read, from 1), or undefined at the end. */
function nextRequest(e: Endpoint, path: string, body: any, n: number): string | undefined {
  const q = e.query ? `${e.query}&` : '';
  switch (e.paging) {
    case 'single':
      return undefined;
    case 'cursor':
    case 'macro':
      return body.pages.next ? `${path}?${q}starting_after=${encodeURIComponent(body.pages.next.starting_after)}` : undefined;
    case 'link':
      return body.pages.next ?? undefined;
    case 'top':
      return n < body.total_pages ? `${path}?${q}page=${n + 1}` : undefined;
    case 'side':
      return n < body.pages.total_pages ? `${path}?${q}page=${n + 1}` : undefined;
    case 'merge':
      return body.has_more ? `${path}?${q}cursor=${encodeURIComponent(body.next_cursor)}` : undefined;
  }
}

/** Every page of the endpoint, checking each page's envelope and numbers. */
async function walk(sim: Simulator, ws: Workspace, e: Endpoint, version: string): Promise<any[]> {
  const path = e.path(ws);
  const bodies: any[] = [];
  let request: string | undefined = e.query ? `${path}?${e.query}` : path;
  for (let n = 1; request && n < 50; n++) {
    const res = await call(sim, request, version);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(Object.keys(res.body).filter((k) => k !== 'next_cursor')).to.have.members(e.envelope);
    if (e.paging === 'cursor' || e.paging === 'link') expect(res.body.pages).to.include({ type: 'pages', page: n, per_page: e.pageSize });
    if (e.paging === 'side') expect(res.body.pages).to.include({ type: 'pages', page: n, per_page: e.pageSize });
    if (e.paging === 'top') expect(res.body).to.include({ page: n, per_page: e.pageSize });
    if (e.paging === 'macro') expect(res.body.pages).to.include({ type: 'pages', per_page: e.pageSize });
    bodies.push(res.body);
    request = nextRequest(e, path, res.body, n);
  }
  expect(request, 'the walk ends').to.equal(undefined);
  return bodies;
}

/** ajv on every answer, every listed property served somewhere, nothing served that is neither listed nor in the spec's example. */
function checkAgainstSpec(schemas: SpecSchemas, e: Endpoint, version: string, bodies: any[]): void {
  for (const body of bodies) expect(schemas.errors(version, e.specPath, body), `${version} GET ${e.specPath}`).to.deep.equal([]);
  const records: any[] = bodies.flatMap((b) => b[e.key]);
  const levels: Array<[any[], string[], string[]]> = [[records, schemas.recordProperties(version, e.specPath, e.key), schemas.exampleRecords(version, e.specPath, e.key).flatMap(Object.keys)]];
  if (e.nested) levels.push([records.flatMap((r) => r[e.nested!]), schemas.recordProperties(version, e.specPath, e.key, e.nested), []]);
  for (const [items, listed, inExamples] of levels) {
    const served = new Set(items.flatMap((r) => Object.keys(r)));
    expect(listed.filter((k) => !served.has(k)), `${version} ${e.specPath}: listed but never served`).to.deep.equal([]);
    expect([...served].filter((k) => !listed.includes(k) && !inExamples.includes(k)), `${version} ${e.specPath}: served but not in the spec`).to.deep.equal([]);
  }
}

interface Fixture {
  ws: Workspace;
  sim: Simulator;
  schemas: SpecSchemas | undefined;
}

/** The default workspace with five leads merged into one user (two in the same second), served; the specs, if there. */
function fixture(): Fixture {
  const f = {} as Fixture;
  before(async () => {
    f.ws = generateWorkspace();
    const user = f.ws.contacts.find((c) => c.role === 'user' && c !== f.ws.contacts[0])!;
    const leads = f.ws.contacts.filter((c) => c.role === 'lead' && c !== f.ws.contacts[0]).slice(0, 5);
    leads.forEach((lead, i) => mergeContact(f.ws, lead.id, user.id, f.ws.now - [900, 300, 300, 100, 500][i]));
    f.sim = await startSimulator({ workspace: f.ws, token: TOKEN });
    f.schemas = SpecSchemas.load(['2.14', '2.16']);
  });
  after(() => f.sim.close());
  return f;
}

describe('Intercom simulator: workspace-level lists and per-record details', () => {
  const f = fixture();
  before(() => {
    if (!f.schemas) console.log(`      (spec checks skipped: no specs at ${SPECS_DIR})`);
  });

  for (const [name, e] of Object.entries(ENDPOINTS)) {
    for (const version of e.since === '2.14' ? ['2.14', '2.16'] : ['2.16']) {
      it(`${name} (${version}): the ${e.paging} envelope, every record once and in order, as the spec has it`, async () => {
        const bodies = await walk(f.sim, f.ws, e, version);
        const records = bodies.flatMap((b) => b[e.key]);
        const truth = json(e.truth(f.ws, Number(version)));
        expect(truth.length, 'the default workspace has some').to.be.above(0);
        expect(records).to.deep.equal(truth);
        if (e.pageSize) expect(bodies).to.have.length(Math.max(1, Math.ceil(truth.length / e.pageSize)));
        if (f.schemas) checkAgainstSpec(f.schemas, e, version, bodies);
      });
    }
  }
});

describe('Intercom simulator: workspace-level lists by version, and their errors', () => {
  const f = fixture();
  let ws: Workspace;
  let sim: Simulator;
  let schemas: SpecSchemas | undefined;
  before(() => ({ ws, sim, schemas } = f));

  it('pages of every paged list span two or more pages in the default workspace', async () => {
    for (const name of ['activity_logs', 'calls', 'news_items', 'macros', 'content_snippets', 'audiences', 'side_conversations', 'company_notes', 'internal_articles', 'external_pages']) {
      expect(await walk(sim, ws, ENDPOINTS[name], '2.16'), name).to.have.length.above(1);
    }
  });

  it('the 2.16 endpoints answer 2.14 and 2.15 with 400 intercom_version_invalid (the spec example\'s message)', async () => {
    const message = schemas?.versionInvalidMessage('2.16') ?? VERSION_INVALID;
    expect(message).to.equal(VERSION_INVALID);
    for (const [name, e] of Object.entries(ENDPOINTS).filter(([, x]) => x.since === '2.16')) {
      for (const version of ['2.14', '2.15']) {
        const res = await call(sim, e.path(ws), version);
        expect(res.status, `${name} ${version}`).to.equal(400);
        expect(res.body).to.have.keys('type', 'request_id', 'errors');
        expect(res.body.type).to.equal('error.list');
        expect(res.body.request_id).to.be.a('string');
        expect(res.body.errors).to.deep.equal([{ code: 'intercom_version_invalid', message }]);
        if (schemas) expect(schemas.errors('2.16', '/conversations/deleted', res.body, '400')).to.deep.equal([]);
      }
      expect((await call(sim, e.path(ws), 'Unstable')).status, `${name} Unstable`).to.equal(200);
    }
    // The 2.14 ones are there without a header too (the simulator's default version is 2.14).
    for (const [name, e] of Object.entries(ENDPOINTS).filter(([, x]) => x.since === '2.14')) expect((await call(sim, `${e.path(ws)}?${e.query ?? ''}`)).status, name).to.equal(200);
  });

  it('per-record details: 404 for an unknown record, empty lists for a record without any', async () => {
    const unknown = [
      ['/companies/nope/notes', 'company_not_found'],
      ['/contacts/nope/subscriptions', 'not_found'],
      ['/conversations/nope/handling_events', 'not_found'],
      ['/conversations/nope/side_conversations', 'not_found'],
    ];
    for (const [path, code] of unknown) {
      const res = await call(sim, path, '2.16');
      expect([res.status, res.body.errors[0].code], path).to.deep.equal([404, code]);
    }
    const quiet = ws.companies.find((c) => !ws.companyNotes.has(c.id))!;
    expect((await call(sim, `/companies/${quiet.id}/notes`, '2.16')).body).to.deep.include({ data: [], total_count: 0 });
    const calm = ws.conversations.find((c) => !ws.sideConversations.has(c.id) && !ws.handlingEvents.has(c.id))!;
    expect((await call(sim, `/conversations/${calm.id}/handling_events`, '2.16')).body).to.deep.equal({ handling_events: [] });
    expect((await call(sim, `/conversations/${calm.id}/side_conversations`, '2.16')).body).to.deep.include({ side_conversations: [], total_count: 0 });
    const none = ws.contacts.find((c) => !ws.contactSubscriptions.has(c.id))!;
    expect((await call(sim, `/contacts/${none.id}/subscriptions`)).body).to.deep.equal({ type: 'list', data: [] });
  });

  it('2.14 leaves out the fields 2.16 added', async () => {
    const old = (await call(sim, '/internal_articles?per_page=150', '2.14')).body.data[0];
    const now = (await call(sim, '/internal_articles?per_page=150', '2.16')).body.data[0];
    expect(old).not.to.have.any.keys('body_markdown', 'audience_ids', 'ai_chatbot_availability');
    expect(now).to.include.keys('body_markdown', 'audience_ids', 'ai_chatbot_availability');
    expect((await call(sim, '/help_center/help_centers', '2.14')).body.data[0]).not.to.have.any.keys('default', 'locales');
    expect((await call(sim, '/ai/content_import_sources', '2.14')).body.data[0]).not.to.have.key('audience_ids');
    const modes = async (v: string) => (await walk(sim, ws, ENDPOINTS.activity_logs, v)).flatMap((b) => b.activity_logs).filter((l: any) => l.metadata && 'mode' in l.metadata);
    expect(await modes('2.14')).to.have.length(0);
    expect(await modes('2.16')).to.have.length.above(0);
  });
});

describe('Intercom simulator: workspace-level lists by their filters', () => {
  const f = fixture();
  let ws: Workspace;
  let sim: Simulator;
  before(() => ({ ws, sim } = f));

  it('GET /admins/activity_logs keeps those created from created_at_after to created_at_before, and requires created_at_after', async () => {
    const times = ws.activityLogs.map((l) => l.created_at);
    const tie = times.find((t, i) => times.indexOf(t) !== i)!;
    const after = times[Math.floor(times.length / 2)];
    const read = async (query: string) => (await walk(sim, ws, { ...ENDPOINTS.activity_logs, query }, '2.16')).flatMap((b) => b.activity_logs);
    const expected = (keep: (t: number) => boolean) => json(ws.activityLogs.filter((l) => keep(l.created_at)));
    expect(await read(`created_at_after=${after}`)).to.deep.equal(expected((t) => t >= after));
    expect(await read(`created_at_after=${tie}&created_at_before=${tie}`)).to.deep.equal(expected((t) => t === tie)).and.to.have.length(2);
    expect(await read(`created_at_after=${ws.now - 30 * DAY}&created_at_before=${after}`)).to.deep.equal(expected((t) => t >= ws.now - 30 * DAY && t <= after));
    expect(await read(`created_at_after=${ws.now + 1}`)).to.deep.equal([]);
    const missing = await call(sim, '/admins/activity_logs', '2.16');
    expect([missing.status, missing.body.errors[0].code]).to.deep.equal([400, 'parameter_not_found']);
    const invalid = await call(sim, '/admins/activity_logs?created_at_after=yesterday', '2.16');
    expect([invalid.status, invalid.body.errors[0].code]).to.deep.equal([400, 'parameter_invalid']);
  });

  it('GET /macros keeps those updated after updated_since, and its cursor crosses macros updated in the same second', async () => {
    const all = macrosByUpdate(ws);
    const keys = all.map((m) => macroKey(m)[0]);
    expect(new Set(keys).size).to.be.below(keys.length, 'two macros share an updated_at');
    const one = await walk(sim, ws, { ...ENDPOINTS.macros, query: 'per_page=1', pageSize: 1 }, '2.16');
    expect(one.flatMap((b) => b.data)).to.deep.equal(json(all));
    const since = keys[Math.floor(keys.length / 2)];
    const walked = await walk(sim, ws, { ...ENDPOINTS.macros, query: `updated_since=${since}&per_page=3`, pageSize: 3 }, '2.16');
    expect(walked.flatMap((b) => b.data)).to.deep.equal(json(all.filter((m) => macroKey(m)[0] > since)));
    expect(walked[walked.length - 1].pages.next).to.equal(null);
    for (const query of ['updated_since=soon', 'starting_after=bm9wZQ', 'per_page=151']) expect((await call(sim, `/macros?${query}`, '2.16')).status, query).to.equal(400);
  });
});

describe('generateWorkspace: the workspace-level objects', () => {
  const added = ['activityLogs', 'ticketStateDetails', 'helpCenters', 'internalArticles', 'newsItems', 'newsfeeds', 'awayStatusReasons', 'calls', 'contentImportSources', 'externalPages', 'macros', 'officeHoursSchedules', 'brands', 'contentSnippets', 'audiences', 'emailSettings', 'contactSubscriptions', 'companyNotes', 'handlingEvents', 'sideConversations'];
  const serialize = (ws: Workspace, without: string[]) => JSON.stringify(ws, (k, v: unknown) => (without.includes(k) ? undefined : v instanceof Map ? [...v] : v));

  it('has the default counts', () => {
    const ws = generateWorkspace();
    const counts = {
      activityLogs: ws.activityLogs.length, internalArticles: ws.internalArticles.length, newsItems: ws.newsItems.length, newsfeeds: ws.newsfeeds.length,
      awayStatusReasons: ws.awayStatusReasons.length, calls: ws.calls.length, contentImportSources: ws.contentImportSources.length, externalPages: ws.externalPages.length,
      macros: ws.macros.length, officeHoursSchedules: ws.officeHoursSchedules.length, brands: ws.brands.length, contentSnippets: ws.contentSnippets.length,
      audiences: ws.audiences.length, emailSettings: ws.emailSettings.length, customTicketStates: ws.ticketStateDetails.length - ws.ticketStates.length,
      companyNotes: ws.companyNotes.get(ws.companies[0].id)!.length, sideConversations: ws.sideConversations.get(ws.conversations[0].id)!.length,
    };
    expect(counts).to.deep.equal(OBJECT_COUNT_DEFAULTS);
  });

  it('changes no earlier record, and one count changes only its own list', () => {
    const base = generateWorkspace();
    const none = generateWorkspace({ objectCounts: Object.fromEntries(Object.keys(OBJECT_COUNT_DEFAULTS).map((k) => [k, 0])) });
    expect(serialize(none, added)).to.equal(serialize(base, added));
    const more = generateWorkspace({ objectCounts: { calls: 3, macros: 40 } });
    expect(more.calls).to.have.length(3);
    expect(more.macros.slice(0, base.macros.length)).to.deep.equal(base.macros);
    expect(serialize(more, ['calls', 'macros', 'activityLogs'])).to.equal(serialize(base, ['calls', 'macros', 'activityLogs']));
  });

  it('has tricky texts and null values where the spec allows them', () => {
    const ws = generateWorkspace();
    const text = JSON.stringify(added.map((k) => (ws as any)[k]), (_, v: unknown) => (v instanceof Map ? [...v] : v));
    for (const s of ['\\"', ',', '\\n', '🚀', 'Zoë', '田中', 'null']) expect(text).to.include(s);
    expect(ws.calls.some((c) => c.answered_at === undefined && c.admin_id === null)).to.equal(true);
    expect(ws.contentSnippets.some((s) => s.title === null && s.body_markdown === null)).to.equal(true);
    expect(ws.internalArticles.some((a) => a.body === null)).to.equal(true);
    expect(ws.emailSettings.some((e) => e.forwarded_email_last_received_at === null)).to.equal(true);
    expect(ws.officeHoursSchedules.some((s) => s.twenty_four_seven && s.time_intervals.length === 0)).to.equal(true);
  });
});
