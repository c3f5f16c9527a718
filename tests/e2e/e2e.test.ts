/**
 * End to end: the component runs against the simulated workspace and every table must equal the truth.
 */
import { expect } from 'chai';
import { generateWorkspace, startSimulator, toPlaintext, EVENT_LIST_WINDOW, type Simulator, type Workspace } from '../simulator/index.js';
import { CONTRACT, TEMPLATE_TABLES } from '../contract.js';
import { config, runExtractor, type RunResult } from '../helpers/run.js';
import { primaryKeyOf } from '../helpers/storage.js';
import type { Table } from '../helpers/csv.js';
import type { Contact } from '../../src/generated/intercom.js';

const TOKEN = 'e2e-token-0123456789abcdef';

function ids(t: Table, col = 'id'): string[] {
  return t.rows.map((r) => r[col]).sort();
}
function pairs(t: Table, a: string, b: string): string[] {
  return t.rows.map((r) => `${r[a]}|${r[b]}`).sort();
}
const sorted = (xs: string[]) => [...xs].sort();

function expectContract(run: RunResult, template: string): Promise<void> {
  return (async () => {
    expect(await run.tables()).to.deep.equal(sorted(TEMPLATE_TABLES[template]));
    for (const name of TEMPLATE_TABLES[template]) {
      const header = run.table(name).header;
      expect(header.slice(0, CONTRACT[name].length), `documented columns of ${name}, in order`).to.deep.equal(CONTRACT[name]);
      const manifest = await run.manifest(name);
      expect(manifest.incremental).to.equal(false);
      const primaryKey = primaryKeyOf(manifest);
      expect(primaryKey).to.be.an('array').that.is.not.empty;
      for (const k of primaryKey) expect(header).to.include(k);
      const keys = run.table(name).rows.map((r) => primaryKey.map((k) => r[k]).join('|'));
      expect(new Set(keys).size, `primary key of ${name} is unique`).to.equal(keys.length);
    }
  })();
}

function expectLinked(child: Table, column: string, parent: Table): void {
  const parentIds = new Set(ids(parent));
  for (const r of child.rows) expect(parentIds.has(r[column]), `${column}=${r[column]} found in its parent`).to.equal(true);
}

describe('end to end against the simulated workspace', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let sim: Simulator;

  before(async () => {
    // Large enough that contacts (150 a page) and conversations (150 a page) span several pages.
    ws = generateWorkspace({ seed: 7, users: 260, leads: 60, conversations: 170 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
  });
  after(() => sim.close());

  describe('basic template', () => {
    let run: RunResult;
    const users = () => ws.contacts.filter((c) => c.role === 'user');
    const leads = () => ws.contacts.filter((c) => c.role === 'lead');

    before(async () => {
      run = await runExtractor(config(sim.url, TOKEN, { template: 'basic' }));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr, 'a successful run prints nothing on stderr').to.equal('');
    });

    it('writes every table and documented column, with unique primary keys', () => expectContract(run, 'basic'));

    it('writes exactly the simulated users and leads, once each', () => {
      expect(ids(run.table('users'))).to.deep.equal(sorted(users().map((c) => c.id)));
      expect(ids(run.table('leads'))).to.deep.equal(sorted(leads().map((c) => c.id)));
    });

    it('fills user columns from their API 2.x equivalents', () => {
      const byId = new Map(run.table('users').rows.map((r) => [r.id, r]));
      for (const c of users()) {
        const r = byId.get(c.id)!;
        expect(r.type).to.equal('user');
        expect(r.email).to.equal(c.email ?? '');
        expect(r.user_id).to.equal(c.external_id ?? '');
        expect(r.last_request_at).to.equal(c.last_seen_at == null ? '' : String(c.last_seen_at));
        expect(r.location_data_city_name).to.equal(c.location?.city ?? '');
        expect(r.location_data_country_name).to.equal(c.location?.country ?? '');
        expect(r.avatar_image_url).to.equal(c.avatar?.image_url ?? '');
        expect(r.anonymous).to.equal('false');
        expect(r.updated_at).to.equal(String(c.updated_at));
        expect(JSON.parse(r.custom_attributes), `custom_attributes of ${c.id}`).to.deep.equal(c.custom_attributes);
      }
      expect(run.table('leads').rows.every((r) => r.anonymous === 'true' && r.type === 'contact')).to.equal(true);
    });

    it('completes tag and company lists capped at 10 from the sub-resources', () => {
      for (const [role, table] of [['user', 'users'], ['lead', 'leads']] as const) {
        const contacts = ws.contacts.filter((c) => c.role === role);
        const wantTags = contacts.flatMap((c) => (ws.contactTags.get(c.id) ?? []).map((t) => `${c.id}|${t}`));
        const wantCompanies = contacts.flatMap((c) => (ws.contactCompanies.get(c.id) ?? []).map((t) => `${c.id}|${t}`));
        expect(pairs(run.table(`${table}_tags`), `${table}_pk`, 'id')).to.deep.equal(sorted(wantTags));
        expect(pairs(run.table(`${table}_companies`), `${table}_pk`, 'id')).to.deep.equal(sorted(wantCompanies));
      }
      expect([...ws.contactTags.values()].some((t) => t.length > 10), 'the workspace has a contact with > 10 tags').to.equal(true);
      expect([...ws.contactCompanies.values()].some((t) => t.length > 10), 'the workspace has a contact with > 10 companies').to.equal(true);
    });

    it('writes segments, social profiles, notes and event summaries of every contact', () => {
      const segPairs = (cs: Contact[]) => sorted(cs.flatMap((c) => (ws.contactSegments.get(c.id) ?? []).map((s) => `${c.id}|${s}`)));
      expect(pairs(run.table('users_segments'), 'users_pk', 'id')).to.deep.equal(segPairs(users()));
      expect(pairs(run.table('leads_segments'), 'leads_pk', 'id')).to.deep.equal(segPairs(leads()));

      const profiles = (cs: Contact[]) => sorted(cs.flatMap((c) => (c.social_profiles?.data ?? []).map((p) => `${c.id}|${p.url}`)));
      expect(pairs(run.table('users_social_profiles'), 'users_pk', 'url')).to.deep.equal(profiles(users()));
      expect(pairs(run.table('leads_social_profiles'), 'leads_pk', 'url')).to.deep.equal(profiles(leads()));

      // Notes of users and of leads, told apart by user_type.
      const notes = ws.contacts.flatMap((c) => (ws.notes.get(c.id) ?? []).map((n) => `${c.id}|${n.id}`));
      expect(pairs(run.table('notes'), 'user_id', 'id')).to.deep.equal(sorted(notes));
      const roles = new Map(ws.contacts.map((c) => [c.id, c.role]));
      for (const r of run.table('notes').rows) expect(r.user_type).to.equal(roles.get(r.user_id));
      expect([...ws.notes.values()].some((n) => n.length > 10)).to.equal(true);
      const note = run.table('notes').rows.find((r) => /["\n,]/.test(r.body));
      expect(note, 'a note body with quotes, commas or newlines').to.not.equal(undefined);

      const summary = users().flatMap((c) => [...new Set((ws.events.get(c.id) ?? []).map((e) => e.event_name))].map((n) => `${c.id}|${n}`));
      expect(pairs(run.table('events_summary'), 'user_id', 'name')).to.deep.equal(sorted(summary));
      for (const r of run.table('events_summary').rows) {
        const events = (ws.events.get(r.user_id) ?? []).filter((e) => e.event_name === r.name);
        expect(Number(r.count)).to.equal(events.length);
        expect(Number(r.first_at)).to.equal(Math.min(...events.map((e) => e.created_at)));
        expect(r.first).to.match(/^\d{4}-\d\d-\d\dT/);
      }
    });

    it('links every child row to a parent that was written', () => {
      for (const p of ['users', 'leads']) for (const c of ['tags', 'segments', 'companies', 'social_profiles']) expectLinked(run.table(`${p}_${c}`), `${p}_pk`, run.table(p));
      const contactIds = new Set([...ids(run.table('users')), ...ids(run.table('leads'))]);
      expect(run.table('notes').rows.every((r) => contactIds.has(r.user_id))).to.equal(true);
      expectLinked(run.table('events_summary'), 'user_id', run.table('users'));
      expectLinked(run.table('users_tags'), 'id', run.table('tags'));
      expectLinked(run.table('users_segments'), 'id', run.table('segments'));
      expectLinked(run.table('users_companies'), 'id', run.table('companies'));
    });

    it('writes companies, admins and teams, tags and segments', () => {
      expect(ids(run.table('companies'))).to.deep.equal(sorted(ws.companies.map((c) => c.id)));
      expect(pairs(run.table('admins'), 'type', 'id')).to.deep.equal(sorted([...ws.admins.map((a) => `admin|${a.id}`), ...ws.teams.map((t) => `team|${t.id}`)]));
      expect(ids(run.table('tags'))).to.deep.equal(sorted(ws.tags.map((t) => t.id)));
      expect(ids(run.table('segments'))).to.deep.equal(sorted(ws.segments.map((s) => s.id)));
      const company = new Map(run.table('companies').rows.map((r) => [r.id, r]));
      for (const c of ws.companies) {
        expect(company.get(c.id)!.plan).to.equal(c.plan?.name ?? '');
        expect(JSON.parse(company.get(c.id)!.custom_attributes)).to.deep.equal(c.custom_attributes);
      }
      expect(run.table('segments').rows.every((r) => r.count !== '')).to.equal(true);
    });

    it('pages contacts to the end and reports what per-contact details cost', () => {
      expect(sim.stats.byRoute['GET /contacts']).to.equal(Math.ceil(ws.contacts.length / 150));
      expect(sim.stats.byRoute['GET /contacts']).to.be.at.least(3);
      expect(run.stdout).to.match(/Per-object detail requests: [\d,]+ of [\d,]+/);
      // Each cost group the readers declare is counted as the simulator saw it.
      const perObject = /Per-object detail requests: .*/.exec(run.stdout)![0];
      const cost = (group: string) => Number(new RegExp(`[:,] ${group} ([\\d,]+) \\(`).exec(perObject)?.[1].replace(/,/g, ''));
      // Segment memberships are read per segment (a handful of searches), not per contact.
      expect(run.stdout).to.match(/contact_segments: read by segments, the cheaper way/);
      expect(sim.stats.byRoute['GET /contacts/:id/segments'] ?? 0).to.equal(0);
      expect(cost('segment members')).to.equal(sim.stats.byRoute['POST /contacts/search'] - 1); // and the catch-up's one search
      expect(cost('segment members')).to.be.below(ws.segments.length * 3);
      expect(cost('notes')).to.equal(sim.stats.byRoute['GET /contacts/:id/notes']);
      expect(cost('events_summary')).to.equal(sim.stats.byRoute['GET /events']);
      expect(run.stdout).not.to.include(TOKEN);
      expect(run.stderr).to.equal('');
    });
  });

  describe('conversations template', () => {
    let run: RunResult;
    before(async () => {
      sim.resetStats();
      run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations' }));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr, 'a successful run prints nothing on stderr').to.equal('');
    });

    it('writes every table and documented column, with unique primary keys', () => expectContract(run, 'conversations'));

    it('writes every conversation and its tags, customers and attachments', () => {
      expect(ids(run.table('conversations'))).to.deep.equal(sorted(ws.conversations.map((c) => c.id)));
      const tags = ws.conversations.flatMap((c) => (c.tags?.tags ?? []).map((t) => `${c.id}|${t.id}`));
      expect(pairs(run.table('conversations_tags'), 'conversations_pk', 'id')).to.deep.equal(sorted(tags));
      const customers = ws.conversations.flatMap((c) => (c.contacts?.contacts ?? []).map((t) => `${c.id}|${t.id}`));
      expect(pairs(run.table('conversations_customers'), 'conversations_pk', 'id')).to.deep.equal(sorted(customers));
      const attachments = ws.conversations.flatMap((c) => (c.source?.attachments ?? []).map((a) => `${c.id}|${a.url}`));
      expect(pairs(run.table('conversations_attachments'), 'conversations_pk', 'url')).to.deep.equal(sorted(attachments));
      expect(attachments.length).to.be.greaterThan(0);
      // Two pages, then the first page again: the catch-up for conversations that moved to the front meanwhile.
      expect(sim.stats.byRoute['GET /conversations']).to.equal(3);
      expect(sim.stats.byRoute['POST /conversations/search'] ?? 0).to.equal(0);
      expect(sim.stats.byRoute['GET /conversations/:id']).to.equal(ws.conversations.length);
    });

    it('maps the first message, the first contact and the assignee', () => {
      const byId = new Map(run.table('conversations').rows.map((r) => [r.id, r]));
      for (const c of ws.conversations) {
        const r = byId.get(c.id)!;
        expect(r.conversation_message_subject).to.equal(c.source?.subject ?? '');
        expect(r.conversation_message_body).to.equal(toPlaintext(c.source?.body ?? ''));
        expect(r.user_id).to.equal(c.contacts?.contacts?.[0]?.id ?? '');
        const assignee = c.admin_assignee_id != null ? ['admin', String(c.admin_assignee_id)] : c.team_assignee_id != null ? ['team', String(c.team_assignee_id)] : ['', ''];
        expect([r.assignee_type, r.assignee_id]).to.deep.equal(assignee);
        expect(r.conversation_parts_total_count).to.equal(String(ws.parts.get(c.id)!.length));
      }
    });

    it('writes the parts the API returns (the 500 most recent) linked to their conversation, and warns about the rest', () => {
      const want = ws.conversations.flatMap((c) => ws.parts.get(c.id)!.slice(-500).map((p) => `${c.id}|${p.id}`));
      expect(pairs(run.table('conversation_parts'), 'conversations_pk', 'id')).to.deep.equal(sorted(want));
      const big = ws.conversations.filter((c) => ws.parts.get(c.id)!.length > 500);
      expect(big.length).to.be.greaterThan(0);
      for (const c of big) expect(run.stdout).to.include(`conversations ${c.id}: Intercom returned 500 of its ${ws.parts.get(c.id)!.length} conversation_parts`);
      const byId = new Map(run.table('conversation_parts').rows.map((r) => [r.id, r]));
      for (const c of ws.conversations) for (const p of ws.parts.get(c.id)!.slice(-500)) expect(byId.get(p.id)!.body).to.equal(toPlaintext(p.body ?? ''));
      expectLinked(run.table('conversation_parts'), 'conversations_pk', run.table('conversations'));
    });

    it('writes part attachments linked to their part', () => {
      const want = ws.conversations.flatMap((c) => ws.parts.get(c.id)!.slice(-500).flatMap((p) => (p.attachments ?? []).map((a) => `${p.id}|${a.url}`)));
      expect(want.length).to.be.greaterThan(0);
      expect(pairs(run.table('conversation_parts_attachments'), 'conversation_parts_pk', 'url')).to.deep.equal(sorted(want));
      expectLinked(run.table('conversation_parts_attachments'), 'conversation_parts_pk', run.table('conversation_parts'));
    });
  });

  describe('users and events template', () => {
    let run: RunResult;
    before(async () => {
      sim.resetStats();
      run = await runExtractor(config(sim.url, TOKEN, { template: 'users_and_events' }));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr, 'a successful run prints nothing on stderr').to.equal('');
    });

    it('writes every table and documented column, with unique primary keys', () => expectContract(run, 'users_and_events'));

    it('writes every listable event (the last 90 days) of every user, following pages.next to the end', () => {
      const users = ws.contacts.filter((c) => c.role === 'user');
      const want = users.flatMap((c) => (ws.events.get(c.id) ?? []).filter((e) => e.created_at > ws.now - EVENT_LIST_WINDOW).map((e) => `${c.id}|${e.id}`));
      expect(pairs(run.table('events'), 'intercom_user_id', 'id')).to.deep.equal(sorted(want));
      expect(users.some((c) => (ws.events.get(c.id) ?? []).length > 100), 'a user has more than one page of events').to.equal(true);
      const byId = new Map(users.flatMap((c) => ws.events.get(c.id) ?? []).map((e) => [e.id, e]));
      for (const r of run.table('events').rows) expect(JSON.parse(r.metadata || 'null') ?? undefined).to.deep.equal(byId.get(r.id)!.metadata ?? undefined);
      expectLinked(run.table('events'), 'intercom_user_id', run.table('users'));
    });

    it('reads no notes it was not asked for, and scrolls the companies for their ids only (users_companies names them)', () => {
      expect(sim.stats.byRoute['GET /contacts/:id/notes'] ?? 0).to.equal(0);
      // One page of the demo's companies and the empty page that ends the scroll: their ids tell a deleted one.
      expect(sim.stats.byRoute['GET /companies/scroll'] ?? 0).to.be.within(1, 2 + Math.ceil(ws.companies.length / 50));
    });
  });

  describe('options', () => {
    it('skips per-contact details on request and still writes their tables, empty', async () => {
      sim.resetStats();
      const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', skip_contact_details: ['segments', 'notes', 'events_summary'] }));
      expect(run.code, run.stderr).to.equal(0);
      for (const t of ['users_segments', 'leads_segments', 'notes', 'events_summary']) expect(run.table(t).rows, t).to.have.length(0);
      expect(run.table('users').rows.length).to.be.greaterThan(0);
      expect(sim.stats.byRoute['GET /contacts/:id/notes'] ?? 0).to.equal(0);
      expect(sim.stats.byRoute['GET /contacts/:id/segments'] ?? 0).to.equal(0);
      expect(run.stdout).to.include('Skipping notes (parameters.skip_contact_details)');
    });

    it('raw_payload adds a data column to every top-level table: the record as read, keys sorted, a conversation without its parts', async () => {
      const captured = new Map<string, unknown>();
      const direct = async (p: string) => JSON.parse(await (await fetch(`${sim.url}${p}`, { headers: { Authorization: `Bearer ${TOKEN}`, 'Intercom-Version': '2.14' } })).text());
      const basic = await runExtractor(config(sim.url, TOKEN, { template: 'basic', raw_payload: true, skip_contact_details: ['segments', 'notes', 'events_summary'] }));
      expect(basic.code, basic.stderr).to.equal(0);
      for (const t of ['users', 'leads', 'companies', 'admins', 'tags', 'segments']) {
        expect(basic.table(t).header.at(-1), t).to.equal('data');
        for (const r of basic.table(t).rows) expect(JSON.parse(r.data).id, t).to.equal(r.id);
      }
      for (const t of ['users_tags', 'notes']) expect(basic.table(t).header, t).not.to.include('data');
      // A contact's data is the contact exactly as GET /contacts served it.
      const page = await direct('/contacts?per_page=150');
      for (const c of page.data) captured.set(c.id, c);
      const row = basic.table('users').rows.find((r) => captured.has(r.id))!;
      expect(JSON.parse(row.data)).to.deep.equal(captured.get(row.id));
      expect(row.data).to.match(/^\{"android_app_name":/); // keys sorted

      const conv = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', raw_payload: true }));
      expect(conv.code, conv.stderr).to.equal(0);
      const big = ws.conversations.find((c) => ws.parts.get(c.id)!.length > 500)!;
      const data = JSON.parse(conv.table('conversations').rows.find((r) => r.id === big.id)!.data);
      const detail = await direct(`/conversations/${big.id}?display_as=plaintext`);
      expect(data.conversation_parts).to.deep.equal({ type: 'conversation_part.list', total_count: ws.parts.get(big.id)!.length });
      delete detail.conversation_parts;
      delete data.conversation_parts;
      expect(data).to.deep.equal(detail);
      const plain = await runExtractor(config(sim.url, TOKEN, { template: 'conversations' }));
      expect(plain.table('conversations').header).not.to.include('data');
    });
  });
});
