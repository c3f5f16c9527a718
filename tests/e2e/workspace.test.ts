/**
 * The `workspace` template against the simulated workspace: every table equals the simulator's truth (ids,
 * row counts, `<parent>_pk` links, unique primary keys), skipping parts reads no details, custom attributes
 * come out as typed columns, and an incremental schedule loads what a full run writes.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  addContact, addConversation, addNote, addPart, addTicket, addTicketPart, companyEdgeCases, companySegmentIds, companyTagIds, DATA_ATTRIBUTE_MODELS,
  dataAttributeDefinitions, generateWorkspace, startSimulator, updateContact, updateConversation, updateTicket, type Simulator, type Workspace,
} from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { primaryKeyOf, rowsOf, Storage } from '../helpers/storage.js';
import type { Table } from '../helpers/csv.js';
import { loadTemplate } from '../../src/flatten/template.js';
import { nextListState } from '../../src/incremental/marks.js';
import { readOf } from '../helpers/reads.js';

const TOKEN = 'workspace-token-0123456789';
const TABLES = loadTemplate('workspace').tables.map((t) => t.name);
const sorted = (xs: Iterable<string>) => [...xs].sort();
const ids = (t: Table, col = 'id') => sorted(t.rows.map((r) => r[col]));
const pairs = (t: Table, a: string, b: string) => sorted(t.rows.map((r) => `${r[a]}|${r[b]}`));
const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** Every child table's `<parent>_pk` columns must name a row of that parent. */
const LINKS: Array<[string, string, string]> = [
  ['contacts_tags', 'contacts_pk', 'contacts'], ['contacts_companies', 'contacts_pk', 'contacts'], ['contacts_segments', 'contacts_pk', 'contacts'],
  ['contacts_social_profiles', 'contacts_pk', 'contacts'], ['notes', 'contacts_pk', 'contacts'],
  ['companies_tags', 'companies_pk', 'companies'], ['companies_segments', 'companies_pk', 'companies'],
  ['conversations_tags', 'conversations_pk', 'conversations'], ['conversations_contacts', 'conversations_pk', 'conversations'],
  ['conversations_teammates', 'conversations_pk', 'conversations'], ['conversation_parts', 'conversations_pk', 'conversations'],
  ['conversation_parts_attachments', 'conversation_parts_pk', 'conversation_parts'], ['conversation_parts_attachments', 'conversations_pk', 'conversations'],
  ['conversations_attachments', 'conversations_pk', 'conversations'],
  ['ticket_parts', 'tickets_pk', 'tickets'], ['tickets_contacts', 'tickets_pk', 'tickets'], ['teams_admins', 'teams_pk', 'teams'],
];

const stateOf = (run: RunResult): Promise<any> => run.state();

describe('workspace template', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let sim: Simulator;
  let run: RunResult;
  let requests: Record<string, number>;

  before(async () => {
    ws = generateWorkspace({ seed: 31, users: 170, leads: 40, conversations: 40, segments: 14, richConversations: true });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
    run = await runExtractor(config(sim.url, TOKEN, { template: 'workspace' }));
    requests = { ...sim.stats.byRoute };
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr, 'a successful run prints nothing on stderr').to.equal('');
  });
  after(() => sim.close());

  it('writes all 54 tables with unique primary keys, replacing storage', async () => {
    expect(TABLES).to.have.length(54);
    expect(await run.tables()).to.deep.equal(sorted(TABLES));
    for (const name of TABLES) {
      const manifest = await run.manifest(name);
      expect(manifest.incremental, name).to.equal(false);
      const key = primaryKeyOf(manifest);
      expect(key, name).to.not.be.empty;
      const keys = run.table(name).rows.map((r) => key.map((k) => r[k]).join('|'));
      expect(new Set(keys).size, `primary key of ${name} is unique`).to.equal(keys.length);
    }
  });

  it('links every child row to its parent by <parent>_pk', () => {
    for (const [child, column, parent] of LINKS) {
      const parents = new Set(ids(run.table(parent)));
      const rows = run.table(child).rows;
      expect(rows.length, `${child} has rows to check`).to.be.above(0);
      for (const r of rows) expect(parents.has(r[column]), `${child}.${column}=${r[column]} is a row of ${parent}`).to.equal(true);
    }
  });

  it('contacts: users and leads in one table, with their nested lists complete past the cap of 10', () => {
    const contacts = run.table('contacts');
    expect(ids(contacts)).to.deep.equal(sorted(ws.contacts.map((c) => c.id)));
    const byId = new Map(contacts.rows.map((r) => [r.id, r]));
    for (const c of ws.contacts) {
      const r = byId.get(c.id)!;
      expect([r.role, r.external_id, r.email, r.location_city, r.avatar_image_url, r.last_seen_at]).to.deep.equal([c.role, str(c.external_id), str(c.email), str(c.location?.city), str(c.avatar?.image_url), str(c.last_seen_at)]);
      if (c.custom_attributes === null || c.custom_attributes === undefined) expect(r.custom_attributes).to.equal('');
      else expect(JSON.parse(r.custom_attributes)).to.deep.equal(c.custom_attributes);
    }
    const want = (m: Map<string, string[]>) => sorted(ws.contacts.flatMap((c) => (m.get(c.id) ?? []).map((id) => `${c.id}|${id}`)));
    expect(ws.contacts.some((c) => (ws.contactTags.get(c.id) ?? []).length > 10), 'a contact has more than 10 tags').to.equal(true);
    expect(pairs(run.table('contacts_tags'), 'contacts_pk', 'id')).to.deep.equal(want(ws.contactTags));
    expect(pairs(run.table('contacts_companies'), 'contacts_pk', 'id')).to.deep.equal(want(ws.contactCompanies));
    expect(pairs(run.table('contacts_segments'), 'contacts_pk', 'id')).to.deep.equal(want(ws.contactSegments));
    const profiles = ws.contacts.flatMap((c) => (c.social_profiles?.data ?? []).map((p) => `${c.id}|${p.name}|${p.url}`));
    expect(profiles.length).to.be.above(0);
    expect(sorted(run.table('contacts_social_profiles').rows.map((r) => `${r.contacts_pk}|${r.name}|${r.url}`))).to.deep.equal(sorted(profiles));
  });

  it('notes of every contact, with their author, asked only of contacts that say they have notes', () => {
    const withNotes = ws.contacts.filter((c) => (ws.notes.get(c.id) ?? []).length > 0).length;
    expect(withNotes).to.be.above(0).and.below(ws.contacts.length);
    expect(requests['GET /contacts/:id/notes']).to.equal(withNotes);
    expect(run.stdout).to.include(`notes ${ws.contacts.length - withNotes} (the record said its list was empty)`);
    const notes = [...ws.notes.entries()].flatMap(([contact, ns]) => ns.map((n) => ({ contact, n })));
    expect(ids(run.table('notes'))).to.deep.equal(sorted(notes.map(({ n }) => n.id)));
    const byId = new Map(run.table('notes').rows.map((r) => [r.id, r]));
    for (const { contact, n } of notes) {
      const r = byId.get(n.id)!;
      expect([r.contacts_pk, r.author_id, r.author_name, r.author_email, r.body]).to.deep.equal([contact, str(n.author?.id), str(n.author?.name), str(n.author?.email), str(n.body)]);
    }
  });

  it('companies with every tag and segment, completed from the other side where a company shows 10', () => {
    expect(ids(run.table('companies'))).to.deep.equal(sorted(ws.companies.map((c) => c.id)));
    const edge = companyEdgeCases(ws);
    expect(companyTagIds(ws, edge.manyTags!.id).length, 'a company has more than 10 tags').to.be.above(10);
    expect(companySegmentIds(ws, edge.manySegments!.id).length, 'a company has more than 10 segments').to.be.above(10);
    const want = (of: (ws: Workspace, id: string) => string[]) => sorted(ws.companies.flatMap((c) => of(ws, c.id).map((id) => `${c.id}|${id}`)));
    expect(pairs(run.table('companies_tags'), 'companies_pk', 'id')).to.deep.equal(want(companyTagIds));
    expect(pairs(run.table('companies_segments'), 'companies_pk', 'id')).to.deep.equal(want(companySegmentIds));
    const names = new Map(ws.tags.map((t) => [t.id, t.name]));
    for (const r of run.table('companies_tags').rows) expect(r.name).to.equal(names.get(r.id));
    const plan = new Map(run.table('companies').rows.map((r) => [r.id, [r.plan_id, r.plan_name]]));
    for (const c of ws.companies) expect(plan.get(c.id)).to.deep.equal([str(c.plan?.id), str(c.plan?.name)]);
  });

  it('conversations with statistics, rating, AI agent, contacts, teammates, tags, parts and attachments', () => {
    expect(ids(run.table('conversations'))).to.deep.equal(sorted(ws.conversations.map((c) => c.id)));
    const byId = new Map(run.table('conversations').rows.map((r) => [r.id, r]));
    for (const c of ws.conversations) {
      const r = byId.get(c.id)!;
      expect([r.statistics_time_to_admin_reply, r.statistics_count_reopens, r.conversation_rating_rating, r.ai_agent_resolution_state, r.sla_applied_sla_name, r.source_author_id]).to.deep.equal([
        str(c.statistics?.time_to_admin_reply), str(c.statistics?.count_reopens), str((c as any).conversation_rating?.rating), str((c as any).ai_agent?.resolution_state), str((c as any).sla_applied?.sla_name), str(c.source?.author?.id),
      ]);
      expect(r.conversation_parts_total_count).to.equal(String(ws.parts.get(c.id)!.length));
    }
    for (const column of ['conversation_rating_rating', 'ai_agent_resolution_state', 'sla_applied_sla_name', 'statistics_time_to_admin_reply']) {
      expect(run.table('conversations').rows.some((r) => r[column] !== ''), `some conversation has ${column}`).to.equal(true);
    }
    const of = (get: (c: (typeof ws.conversations)[number]) => Array<{ id?: string | null }> | null | undefined) =>
      sorted(ws.conversations.flatMap((c) => (get(c) ?? []).map((x) => `${c.id}|${x.id}`)));
    expect(pairs(run.table('conversations_tags'), 'conversations_pk', 'id')).to.deep.equal(of((c) => c.tags?.tags));
    expect(pairs(run.table('conversations_contacts'), 'conversations_pk', 'id')).to.deep.equal(of((c) => c.contacts?.contacts));
    expect(pairs(run.table('conversations_teammates'), 'conversations_pk', 'id')).to.deep.equal(of((c) => (c as any).teammates?.teammates));
    // The detail returns the 500 most recent parts.
    const parts = ws.conversations.flatMap((c) => ws.parts.get(c.id)!.slice(-500).map((p) => ({ c, p })));
    expect(ids(run.table('conversation_parts'))).to.deep.equal(sorted(parts.map(({ p }) => p.id)));
    const partRows = new Map(run.table('conversation_parts').rows.map((r) => [r.id, r]));
    for (const { c, p } of parts) {
      const r = partRows.get(p.id)!;
      expect([r.conversations_pk, r.part_type, r.author_id, r.state]).to.deep.equal([c.id, p.part_type, str(p.author?.id), str((p as any).state)]);
      expect(r.tags === '' ? [] : JSON.parse(r.tags)).to.deep.equal((p as any).tags ?? []);
      expect(r.event_details === '' ? null : JSON.parse(r.event_details)).to.deep.equal((p as any).event_details ?? null);
    }
    expect(run.table('conversation_parts_attachments').rows.length).to.equal(parts.reduce((n, { p }) => n + (p.attachments?.length ?? 0), 0));
    expect(run.table('conversations_attachments').rows.length).to.equal(ws.conversations.reduce((n, c) => n + (c.source?.attachments?.length ?? 0), 0));
  });

  it('tickets from the search, each read in full for its parts, with their contacts', () => {
    expect(ws.tickets.length).to.be.above(0);
    expect(ids(run.table('tickets'))).to.deep.equal(sorted(ws.tickets.map((t) => t.id)));
    const byId = new Map(run.table('tickets').rows.map((r) => [r.id, r]));
    for (const t of ws.tickets) {
      const r = byId.get(t.id)!;
      expect([r.ticket_type_id, r.ticket_state_id, r.ticket_state_category, r.ticket_parts_total_count]).to.deep.equal([str(t.ticket_type?.id), str(t.ticket_state?.id), str(t.ticket_state?.category), String(ws.ticketParts.get(t.id)?.length ?? 0)]);
      expect(JSON.parse(r.ticket_attributes)).to.deep.equal(t.ticket_attributes);
    }
    const parts = ws.tickets.flatMap((t) => (ws.ticketParts.get(t.id) ?? []).map((p) => `${t.id}|${p.id}`));
    expect(pairs(run.table('ticket_parts'), 'tickets_pk', 'id')).to.deep.equal(sorted(parts));
    expect(pairs(run.table('tickets_contacts'), 'tickets_pk', 'id')).to.deep.equal(sorted(ws.tickets.flatMap((t) => (t.contacts?.contacts ?? []).map((c) => `${t.id}|${c.id}`))));
  });

  it('asks for a one-request list once per run, however many tables read it', () => {
    // The tags table and the completion of company tags both read GET /tags.
    expect(run.stdout).to.include('companies_tags come from GET /companies?tag_id={id}&per_page=50 for each of the tags.');
    expect(requests['GET /tags']).to.equal(1);
    expect(requests['GET /data_attributes']).to.equal(3);
  });

  it('the help center, admins, teams and their admins, tags, segments, data attributes and subscription types', () => {
    expect(ids(run.table('articles'))).to.deep.equal(sorted(ws.articles.map((a) => a.id)));
    for (const r of run.table('articles').rows) expect(JSON.parse(r.translated_content)).to.deep.equal(ws.articles.find((a) => a.id === r.id)!.translated_content);
    expect(ids(run.table('collections'))).to.deep.equal(sorted(ws.collections.map((c) => c.id)));
    expect(ids(run.table('admins'))).to.deep.equal(sorted(ws.admins.map((a) => a.id)));
    expect(ids(run.table('teams'))).to.deep.equal(sorted(ws.teams.map((t) => t.id)));
    expect(pairs(run.table('teams_admins'), 'teams_pk', 'admin_id')).to.deep.equal(sorted(ws.teams.flatMap((t) => (t.admin_ids ?? []).map((a) => `${t.id}|${a}`))));
    expect(ids(run.table('tags'))).to.deep.equal(sorted(ws.tags.map((t) => t.id)));
    expect(ids(run.table('segments'))).to.deep.equal(sorted(ws.segments.map((s) => s.id)));
    const attributes = DATA_ATTRIBUTE_MODELS.flatMap((m) => dataAttributeDefinitions(ws, m, true).map((d) => `${m}|${d.full_name}`));
    expect(pairs(run.table('data_attributes'), 'model', 'full_name')).to.deep.equal(sorted(attributes));
    expect(run.table('data_attributes').rows.filter((r) => r.model === 'company' && r.name === 'name').length, "the company's name and plan.name are both kept").to.equal(2);
    expect(ids(run.table('subscription_types'))).to.deep.equal(sorted(ws.subscriptionTypes.map((s) => s.id)));
  });

  it('with conversation and ticket parts skipped, reads no detail and writes the records from the list', async () => {
    sim.resetStats();
    const skipped = await runExtractor(config(sim.url, TOKEN, { template: 'workspace', skip_contact_details: ['conversation_parts', 'ticket_parts', 'notes', 'segments'] }));
    expect(skipped.code, skipped.stderr).to.equal(0);
    expect(sim.stats.byRoute['GET /conversations/:id'] ?? 0).to.equal(0);
    expect(sim.stats.byRoute['GET /tickets/:id'] ?? 0).to.equal(0);
    expect(sim.stats.byRoute['GET /contacts/:id/notes'] ?? 0).to.equal(0);
    for (const t of ['conversation_parts', 'conversation_parts_attachments', 'ticket_parts', 'notes', 'contacts_segments']) expect(skipped.table(t).rows, t).to.have.length(0);
    expect(ids(skipped.table('conversations'))).to.deep.equal(ids(run.table('conversations')));
    expect(ids(skipped.table('tickets'))).to.deep.equal(ids(run.table('tickets')));
    expect(pairs(skipped.table('conversations_tags'), 'conversations_pk', 'id')).to.deep.equal(pairs(run.table('conversations_tags'), 'conversations_pk', 'id'));
    expect(pairs(skipped.table('tickets_contacts'), 'tickets_pk', 'id')).to.deep.equal(pairs(run.table('tickets_contacts'), 'tickets_pk', 'id'));
    expect(skipped.stdout).to.match(/Skipping conversation_parts/);
  });

  it('custom attributes as typed columns on contacts, companies and conversations, round-tripping their values', async () => {
    sim.resetStats();
    const typed = await runExtractor(config(sim.url, TOKEN, { template: 'workspace', custom_attribute_columns: true }), undefined, undefined, { mode: 'authoritative' });
    expect(typed.code, typed.stderr).to.equal(0);
    expect(sim.stats.byRoute['GET /data_attributes'], 'the definitions are read once, for the columns and the data_attributes table').to.equal(3);
    const models: Array<[string, string, Array<{ id: string; custom_attributes?: Record<string, unknown> | null }>]> = [
      ['contacts', 'contact', ws.contacts], ['companies', 'company', ws.companies], ['conversations', 'conversation', ws.conversations],
    ];
    const kbc: Record<string, string> = { string: 'STRING', integer: 'INTEGER', float: 'FLOAT', boolean: 'BOOLEAN', date: 'INTEGER' };
    for (const [table, model, records] of models) {
      const custom = dataAttributeDefinitions(ws, model, true).filter((d) => d.custom);
      expect(custom.length, `${model} has custom attributes`).to.be.above(0);
      const manifest = (await typed.manifest(table)) as { schema: Array<{ name: string; data_type: { base: { type: string } } }> };
      const rows = new Map(typed.table(table).rows.map((r) => [r.id, r]));
      for (const d of custom) {
        const column = `custom_${d.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
        const spec = manifest.schema.find((c) => c.name === column);
        expect(spec, `${table}.${column}`).to.not.equal(undefined);
        expect(spec!.data_type.base.type, `${table}.${column} is typed from ${d.data_type}`).to.equal(kbc[d.data_type] ?? 'STRING');
        for (const rec of records) {
          const v = rec.custom_attributes?.[d.name];
          const want = v === null || v === undefined ? '' : d.data_type === 'date' && typeof v === 'string' ? String(Math.floor(Date.parse(v) / 1000)) : typeof v === 'object' ? JSON.stringify(v) : String(v);
          const got = rows.get(rec.id)![column];
          expect(typeof v === 'object' && v !== null ? JSON.parse(got) : got, `${table} ${rec.id} ${column}`).to.deep.equal(typeof v === 'object' && v !== null ? v : want);
        }
      }
    }
  });

  it('an incremental schedule (contacts, conversations and tickets by search, activity logs by time) loads exactly what a full run writes', async () => {
    const storage = new Storage();
    const params = { template: 'workspace', incremental: true };
    const first = await runExtractor(config(sim.url, TOKEN, params));
    expect(first.code, first.stderr).to.equal(0);
    await storage.load(first);
    const state1 = await stateOf(first);
    expect(Object.keys(state1.sync.lists).sort()).to.deep.equal(['activity_logs', 'contacts', 'conversations', 'tickets']);
    const mark = Math.max(...Object.values<{ mark: number }>(state1.sync.lists).map((l) => l.mark));

    const at = mark + 86_400;
    updateContact(ws, ws.contacts[2].id, { name: 'Renamed, "quoted"' }, at);
    addNote(ws, ws.contacts[5].id, at + 1);
    updateContact(ws, ws.contacts[5].id, {}, at + 1);
    addContact(ws, { role: 'lead', name: 'New lead' }, at + 2);
    updateConversation(ws, ws.conversations[3].id, { state: 'closed', open: false }, at + 3);
    addPart(ws, ws.conversations[4].id, at + 4);
    addConversation(ws, at + 5);
    updateTicket(ws, ws.tickets[1].id, { open: false }, at + 6);
    addTicketPart(ws, ws.tickets[2].id, at + 7);
    addTicket(ws, at + 8);
    ws.now = at + 3_600;

    sim.resetStats();
    const second = await runExtractor(config(sim.url, TOKEN, params), TEST_OVERRIDES, state1);
    expect(second.code, second.stderr).to.equal(0);
    for (const t of ['contacts', 'notes', 'conversations', 'conversation_parts', 'tickets', 'ticket_parts', 'tickets_contacts']) expect((await second.manifest(t)).incremental, t).to.equal(true);
    for (const t of ['companies', 'articles', 'admins', 'teams_admins', 'data_attributes']) expect((await second.manifest(t)).incremental, t).to.equal(false);
    const tickets = second.table('tickets').rows.map((r) => r.id);
    expect(tickets, 'the changed tickets are read').to.include.members([ws.tickets[1].id, ws.tickets[2].id, ws.tickets[ws.tickets.length - 1].id]);
    expect(tickets.length, 'only changed tickets are read').to.be.below(ws.tickets.length - 1);
    expect(sim.stats.byRoute['GET /tickets/:id'], 'each read in full once').to.equal(tickets.length);
    await storage.load(second);

    const full = await runExtractor(config(sim.url, TOKEN, { template: 'workspace' }));
    expect(full.code, full.stderr).to.equal(0);
    for (const name of TABLES) {
      const got = storage.rows(name);
      const want = rowsOf(full, name);
      const missing = want.filter((r) => !got.includes(r));
      const extra = got.filter((r) => !want.includes(r));
      expect({ table: name, missing: missing.length, extra: extra.length, firstMissing: missing[0], firstExtra: extra[0] }).to.deep.equal({ table: name, missing: 0, extra: 0, firstMissing: undefined, firstExtra: undefined });
    }
  });
});

describe('company tags completed from the other side', function () {
  this.timeout(60_000);

  it('writes each tag once where a listing repeats a company, and keeps the tags shown (with a warning) where no listing has it', async () => {
    const ws = generateWorkspace({ seed: 32, users: 30, leads: 5, conversations: 0 });
    const { manyTags, tenTags } = companyEdgeCases(ws);
    // Intercom's listings leave some companies out (the spec says so of companies without users), and a page
    // shifts when a company is tagged while it is read, so the same company comes twice.
    const rewrite = (req: { route: string }, body: any) => {
      if (req.route !== 'GET /companies') return body;
      const data = body.data.filter((c: { id: string }) => c.id !== tenTags!.id);
      return { ...body, data: [...data, ...data.filter((c: { id: string }) => c.id === manyTags!.id)] };
    };
    const sim = await startSimulator({ workspace: ws, token: TOKEN, rewrite });
    try {
      const run = await runExtractor(config(sim.url, TOKEN, { template: 'workspace' }));
      expect(run.code, run.stderr).to.equal(0);
      const tags = pairs(run.table('companies_tags'), 'companies_pk', 'id');
      expect(new Set(tags).size, 'no duplicate rows').to.equal(tags.length);
      const of = (id: string) => tags.filter((t) => t.startsWith(`${id}|`)).map((t) => t.split('|')[1]).sort();
      expect(of(manyTags!.id), 'the company listed twice has all its tags, once').to.deep.equal(sorted(companyTagIds(ws, manyTags!.id)));
      expect(of(tenTags!.id), 'the company no listing has keeps the 10 it shows').to.deep.equal(sorted(companyTagIds(ws, tenTags!.id).slice(0, 10)));
      expect(run.stdout).to.match(new RegExp(`WARNING: 1 companies \\(${tenTags!.id}\\) showed 10 or more items of companies_tags, but GET /companies\\?tag_id=\\{id\\}&per_page=50 listed none of them`));
    } finally {
      await sim.close();
    }
  });
});

describe('segment memberships, read the cheaper way', function () {
  this.timeout(60_000);
  const memberships = (ws: Workspace) => sorted(ws.contacts.flatMap((c) => (ws.contactSegments.get(c.id) ?? []).map((id) => `${c.id}|${id}`)));

  it('per contact when the workspace has more segments than contacts', async () => {
    const ws = generateWorkspace({ seed: 33, users: 8, leads: 3, conversations: 0, segments: 14 });
    const sim = await startSimulator({ workspace: ws, token: TOKEN });
    try {
      const run = await runExtractor(config(sim.url, TOKEN, { template: 'workspace' }));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/contact_segments: read per contacts record, the cheaper way \(one GET \/contacts\/\{id\}\/segments per contacts record: 11 requests; POST \/contacts\/search for each of 14 segments: about 14\)/);
      expect(sim.stats.byRoute['GET /contacts/:id/segments']).to.equal(ws.contacts.length);
      expect(pairs(run.table('contacts_segments'), 'contacts_pk', 'id')).to.deep.equal(memberships(ws));
    } finally {
      await sim.close();
    }
  });

  it('per segment otherwise, replacing the table even in an incremental run, since a membership change moves no updated_at', async () => {
    const ws = generateWorkspace({ seed: 34, users: 200, leads: 40, conversations: 0 });
    const sim = await startSimulator({ workspace: ws, token: TOKEN });
    try {
      const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', incremental: true }));
      expect(run.code, run.stderr).to.equal(0);
      expect(sim.stats.byRoute['GET /contacts/:id/segments'] ?? 0).to.equal(0);
      const users = new Set(ws.contacts.filter((c) => c.role === 'user').map((c) => c.id));
      expect(sorted([...pairs(run.table('users_segments'), 'users_pk', 'id'), ...pairs(run.table('leads_segments'), 'leads_pk', 'id')])).to.deep.equal(memberships(ws));
      expect(run.table('users_segments').rows.every((r) => users.has(r.users_pk))).to.equal(true);
      expect(run.table('leads_segments').rows.every((r) => !users.has(r.leads_pk))).to.equal(true);
      // An incremental run that reads by segments: the tables hold every membership and replace storage's.
      const state = JSON.parse(await readFile(path.join(run.dataDir, 'out', 'state.json'), 'utf8'));
      const many = ws.contacts.slice(0, 150);
      for (const c of many) updateContact(ws, c.id, { name: `${c.name ?? ''} again` }, state.sync.lists.contacts.mark + 10);
      ws.now = state.sync.lists.contacts.mark + 3_600;
      const again = await runExtractor(config(sim.url, TOKEN, { template: 'basic', incremental: true }), TEST_OVERRIDES, state);
      expect(again.code, again.stderr).to.equal(0);
      expect((await again.manifest('users')).incremental).to.equal(true);
      expect((await again.manifest('users_segments')).incremental, 'read by segments: replaced').to.equal(false);
      expect(sorted([...pairs(again.table('users_segments'), 'users_pk', 'id'), ...pairs(again.table('leads_segments'), 'leads_pk', 'id')])).to.deep.equal(memberships(ws));
    } finally {
      await sim.close();
    }
  });
});

describe('segment memberships of a contact whose role changes during the run', function () {
  this.timeout(60_000);

  it('go under the table the contact read wrote it to', async () => {
    const ws = generateWorkspace({ seed: 35, users: 120, leads: 40, conversations: 0 });
    const lead = ws.contacts.find((c) => c.role === 'lead' && (ws.contactSegments.get(c.id) ?? []).length > 0)!;
    // The lead becomes a user after the contact list read it: every search sees the new role.
    const rewrite = (req: { route: string }, body: any) =>
      req.route === 'POST /contacts/search' ? { ...body, data: body.data.map((c: any) => (c.id === lead.id ? { ...c, role: 'user' } : c)) } : body;
    const sim = await startSimulator({ workspace: ws, token: TOKEN, rewrite });
    try {
      const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic' }));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/contact_segments: read by segments/);
      expect(ids(run.table('leads'))).to.include(lead.id);
      expect(run.table('leads_segments').rows.filter((r) => r.leads_pk === lead.id).map((r) => r.id).sort()).to.deep.equal(sorted(ws.contactSegments.get(lead.id)!));
      expect(run.table('users_segments').rows.filter((r) => r.users_pk === lead.id)).to.have.length(0);
    } finally {
      await sim.close();
    }
  });
});

describe('a search that does not sort (tickets)', () => {
  const changes = (complete: boolean, unordered: boolean, startedAt?: number) =>
    readOf({ list: 'tickets', mode: 'changes', since: 900, mark: 1_000 }, { complete, ids: new Set(['1']), maxUpdatedAt: 5_000, unordered, ...(startedAt !== undefined ? { startedAt } : {}) });

  it('keeps its mark when stopped early, since an unsorted read proves nothing about what it did not reach', () => {
    expect(nextListState({ mark: 1_000 }, changes(false, true), 9_000)).to.deep.equal({ mark: 1_000 });
    // A sorted one stopped early continues from its last change (see tests/unit/sync.test.ts).
    expect(nextListState({ mark: 1_000 }, changes(false, false), 9_000)).to.deep.equal({ mark: 5_000, resume_at: 5_000 });
  });

  it('moves its mark to the newest change once read to the end, but not past the start of the read', () => {
    expect(nextListState({ mark: 1_000 }, changes(true, true), 9_000)).to.deep.equal({ mark: 5_000 });
    // A record read early and updated at 4,500 is not read again by an unsorted search: the mark stays at the start.
    expect(nextListState({ mark: 1_000 }, changes(true, true, 4_000), 9_000)).to.deep.equal({ mark: 4_000 });
    expect(nextListState({ mark: 1_000 }, changes(true, false, 4_000), 9_000)).to.deep.equal({ mark: 5_000 });
  });
});
