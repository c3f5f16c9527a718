// generateWorkspace: the deterministic "truth" built from a seed, which the server (server.ts) renders and tests
// compare an extractor's output with. The defaults are small but every edge case the extractor must survive is
// forced in, not left to chance, so any seed exercises all of them. This file holds the order of generation (which
// fixes every random draw, so it must not change), the small record kinds (admins, teams, tags, segments,
// companies, subscription types) and workspaceStats; contacts, conversations, tickets and the help center are
// generated in the generator-*.ts files beside it.
import type { Team } from '../../src/generated/intercom.js';
import { objectIdAt } from './builders.js';
import { extendConversations } from './generator-conversation-extras.js';
import { genContacts } from './generator-contacts.js';
import { DEFAULTS, customAttributes, pastTime, streamRng, type Gen, type Options } from './generator-context.js';
import { genConversations } from './generator-conversations.js';
import { genHelpCenter } from './generator-help-center.js';
import { COMPANY_NAMES, FIRST_NAMES, LAST_NAMES, SEGMENT_NAMES, TAG_NAMES } from './generator-text.js';
import { genTickets } from './generator-tickets.js';
import { emptyWorkspaceObjects, genWorkspaceObjects } from './generator-workspace-objects.js';
import { DAY, EVENT_LIST_WINDOW, type SubscriptionType, type Workspace, type WorkspaceOptions } from './model.js';
import { createRng } from './random.js';
import { companyEdgeCases } from './views.js';

export function generateWorkspace(opts: WorkspaceOptions = {}): Workspace {
  const conversations = opts.conversations ?? DEFAULTS.conversations;
  const teams = opts.teams ?? DEFAULTS.teams;
  const o: Options = {
    ...DEFAULTS,
    ...stripUndefined(opts),
    bigConversations: Math.min(conversations, opts.bigConversations ?? (conversations > 0 ? 1 : 0)),
    emptyTeams: opts.emptyTeams ?? (teams > 0 ? 1 : 0),
  };
  const rng = createRng(o.seed);
  const ws: Workspace = {
    now: o.now,
    generatedAt: o.now,
    timezone: o.timezone,
    appId: rng.hex(8),
    appName: 'Simulated Workspace "Ünïcode" 🚀',
    contacts: [],
    contactTags: new Map(),
    contactCompanies: new Map(),
    contactSegments: new Map(),
    notes: new Map(),
    events: new Map(),
    companies: [],
    admins: [],
    teams: [],
    tags: [],
    segments: [],
    conversations: [],
    parts: new Map(),
    companyTags: new Map(),
    companySegments: new Map(),
    tickets: [],
    ticketParts: new Map(),
    ticketTypes: [],
    ticketStates: [],
    articles: [],
    collections: [],
    subscriptionTypes: [],
    deletedContacts: [],
    deletedCompanies: [],
    deletedTags: [],
    deletedConversations: [],
    ...emptyWorkspaceObjects(),
  };
  const g: Gen = { rng, o, ws, noteSeq: 1000, partSeq: 7_000_000_000 };
  genAdmins(g);
  genTeams(g);
  genTags(g);
  genSegments(g);
  genCompanies(g);
  genContacts(g);
  genConversations(g);
  // Only new RNG streams from here on: the records above keep every value they had before these existed.
  extendConversations(o, ws);
  extendTeams(o, ws);
  genCompanyMemberships(o, ws);
  genTickets(o, ws);
  const helpCenterIds = genHelpCenter(o, ws);
  genSubscriptionTypes(o, ws);
  genWorkspaceObjects(o, ws, opts.objectCounts, helpCenterIds);
  return ws;
}

function stripUndefined(opts: WorkspaceOptions): Partial<Options> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}

function genAdmins(g: Gen): void {
  for (let i = 0; i < g.o.admins; i++) {
    const name = i === 1 ? 'Siobhán "Shiv" Ní Bhriain' : `${g.rng.pick(FIRST_NAMES)} ${g.rng.pick(LAST_NAMES)}`;
    g.ws.admins.push({
      type: 'admin',
      id: String(991267400 + i * 7 + g.rng.int(0, 6)),
      name,
      email: `admin${i + 1}@example.com`,
      job_title: g.rng.chance(0.5) ? g.rng.pick(['Support Lead', 'Engineer, Tier 2', 'CSM']) : null,
      away_mode_enabled: g.rng.chance(0.2),
      away_mode_reassign: g.rng.chance(0.2),
      has_inbox_seat: i === 0 || g.rng.chance(0.8),
      team_ids: [],
    });
  }
}

function genTeams(g: Gen): void {
  for (let i = 0; i < g.o.teams; i++) {
    const members = g.rng.sample(g.ws.admins, g.rng.int(1, Math.max(1, g.ws.admins.length)));
    const team: Team = {
      type: 'team',
      id: String(5017600 + i * 13 + g.rng.int(0, 12)),
      name: i === 0 ? 'Support, Tier 1' : `Team ${i + 1} 🛠`,
      admin_ids: members.map((a) => Number(a.id)),
    };
    for (const admin of members) admin.team_ids!.push(Number(team.id));
    g.ws.teams.push(team);
  }
}

function genTags(g: Gen): void {
  for (let i = 0; i < g.o.tags; i++) {
    const base = TAG_NAMES[i % TAG_NAMES.length];
    g.ws.tags.push({ type: 'tag', id: String(100 + i * 3 + g.rng.int(0, 2)), name: i < TAG_NAMES.length ? base : `${base} ${i}` });
  }
}

function genSegments(g: Gen): void {
  for (let i = 0; i < g.o.segments; i++) {
    const created = pastTime(g, 700, 100);
    g.ws.segments.push({
      type: 'segment',
      id: objectIdAt(g.rng, created),
      name: i < SEGMENT_NAMES.length ? SEGMENT_NAMES[i] : `Segment ${i + 1}`,
      created_at: created,
      updated_at: created + g.rng.int(0, 90 * DAY),
      person_type: g.rng.chance(0.6) ? 'user' : 'contact',
    });
  }
}

function genCompanies(g: Gen): void {
  const { rng } = g;
  for (let i = 0; i < g.o.companies; i++) {
    const created = pastTime(g, 900, 30);
    const name = i < COMPANY_NAMES.length ? COMPANY_NAMES[i] : `Company ${i + 1}`;
    g.ws.companies.push({
      type: 'company',
      company_id: i % 3 === 0 ? `remote-${i + 1}` : rng.hex(8),
      id: objectIdAt(rng, created),
      app_id: g.ws.appId,
      name,
      remote_created_at: rng.chance(0.7) ? created - rng.int(0, 400 * DAY) : null,
      created_at: created,
      updated_at: created + rng.int(0, g.o.now - created),
      last_request_at: rng.chance(0.6) ? pastTime(g, 30) : null,
      monthly_spend: rng.pick([0, 49.99, 1234.5, 99]),
      session_count: rng.int(0, 5000),
      user_count: 0,
      size: rng.chance(0.6) ? rng.int(1, 10_000) : null,
      website: rng.chance(0.6) ? `https://company${i + 1}.example.com/?ref=a,b` : null,
      industry: rng.chance(0.5) ? rng.pick(['Software', 'Retail, Online', 'Finance']) : null,
      plan: rng.chance(0.5) ? { type: 'plan', id: String(rng.int(1, 9)), name: rng.pick(['Pro', 'Starter', 'Enterprise "Plus"']) } : {},
      custom_attributes: customAttributes(g, i === 0),
      tags: { type: 'tag.list', tags: rng.sample(g.ws.tags, rng.int(0, 2)).map((t) => ({ type: 'tag', id: t.id, name: t.name })) },
      segments: { type: 'segment.list', segments: [] },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Additions generated after everything above, each from an RNG stream of its own (streamRng), so they never
// change an earlier record (nor each other when one size changes).

// Teams -------------------------------------------------------------------------------------------

function extendTeams(o: Options, ws: Workspace): void {
  const rng = streamRng(o.seed, 'teams');
  ws.teams.forEach((team, i) => {
    const ids = team.admin_ids ?? [];
    const method = i < 2 ? ['round_robin', 'load_balanced'][i] : rng.pick(['round_robin', 'load_balanced']);
    team.admin_priority_level = ids.length > 0 ? { primary_admin_ids: ids.slice(0, 1), secondary_admin_ids: ids.slice(1) } : null;
    team.assignment_limit = method === 'load_balanced' ? rng.int(5, 25) : null;
    team.distribution_method = method;
  });
  const first = ws.teams.length;
  for (let k = 0; k < o.emptyTeams; k++) {
    ws.teams.push({
      type: 'team',
      id: String(5017600 + (first + k) * 13 + rng.int(0, 12)),
      name: k === 0 ? 'Escalations, "nobody yet" 🚫' : `Empty team ${k + 1}`,
      admin_ids: [],
      admin_priority_level: null,
      assignment_limit: null,
      distribution_method: 'round_robin',
    });
  }
}

// Companies' tags and segments ----------------------------------------------------------------------

function genCompanyMemberships(o: Options, ws: Workspace): void {
  const rng = streamRng(o.seed, 'companies');
  const edge = companyEdgeCases(ws);
  for (const c of ws.companies) {
    // The tags drawn with the company come first, so they stay the first ones listed.
    const own = (c.tags?.tags ?? []).map((t) => t.id);
    const target = c === edge.manyTags ? Math.min(12, ws.tags.length) : c === edge.tenTags ? Math.min(10, ws.tags.length) : rng.chance(0.3) ? own.length + rng.int(1, 2) : own.length;
    const extra = rng.sample(
      ws.tags.filter((t) => !own.includes(t.id)),
      Math.max(0, target - own.length),
    );
    ws.companyTags.set(c.id, [...own, ...extra.map((t) => t.id)]);
    const segments = c === edge.manySegments ? Math.min(12, ws.segments.length) : rng.int(0, 2);
    ws.companySegments.set(c.id, rng.sample(ws.segments, segments).map((s) => s.id));
  }
}


// Subscription types ----------------------------------------------------------------------------------

const SUBSCRIPTION_DEFS: Array<{ name: string; description: string; consent: SubscriptionType['consent_type']; state: SubscriptionType['state']; content: SubscriptionType['content_types'] }> = [
  { name: 'Newsletters', description: 'Lorem ipsum dolor sit amet', consent: 'opt_out', state: 'live', content: ['email'] },
  { name: 'Product updates 🚀', description: 'Offers, product and feature "announcements"', consent: 'opt_in', state: 'live', content: ['email', 'sms_message'] },
  { name: 'Billing, invoices & receipts', description: 'Monthly statements', consent: 'opt_out', state: 'archived', content: ['sms_message'] },
  { name: 'Beta programme', description: 'Early access, maybe buggy', consent: 'opt_in', state: 'draft', content: ['email'] },
];

function genSubscriptionTypes(o: Options, ws: Workspace): void {
  const rng = streamRng(o.seed, 'subscription-types');
  let id = 135 + rng.int(0, 9);
  for (let i = 0; i < o.subscriptionTypes; i++) {
    const d = SUBSCRIPTION_DEFS[i % SUBSCRIPTION_DEFS.length];
    const name = i < SUBSCRIPTION_DEFS.length ? d.name : `${d.name} ${i + 1}`;
    const en = { name, description: d.description, locale: 'en' };
    const translations = [en];
    if (i === 0 || rng.chance(0.5)) translations.push({ name: `${name} (FR)`, description: `${d.description} — en français`, locale: 'fr' });
    if (i === 1) translations.push({ name: `${name} (CS)`, description: 'Žluťoučký kůň', locale: 'cs' });
    ws.subscriptionTypes.push({
      type: 'subscription',
      id: String((id += rng.int(1, 7))),
      state: d.state,
      consent_type: d.consent,
      default_translation: { ...en },
      translations,
      content_types: [...d.content],
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Summary for the demo

export function workspaceStats(ws: Workspace) {
  const sum = (m: Map<string, unknown[]>) => [...m.values()].reduce((n, list) => n + list.length, 0);
  const allEvents = [...ws.events.values()].flat();
  const partCounts = [...ws.parts.values()].map((p) => p.length);
  return {
    contacts: ws.contacts.length,
    users: ws.contacts.filter((c) => c.role === 'user').length,
    leads: ws.contacts.filter((c) => c.role === 'lead').length,
    companies: ws.companies.length,
    admins: ws.admins.length,
    teams: ws.teams.length,
    tags: ws.tags.length,
    segments: ws.segments.length,
    contactTags: sum(ws.contactTags),
    contactCompanies: sum(ws.contactCompanies),
    contactSegments: sum(ws.contactSegments),
    notes: sum(ws.notes),
    events: allEvents.length,
    listableEvents: allEvents.filter((e) => e.created_at > ws.now - EVENT_LIST_WINDOW).length,
    conversations: ws.conversations.length,
    parts: partCounts.reduce((a, b) => a + b, 0),
    conversationsOver500Parts: partCounts.filter((n) => n > 500).length,
    tickets: ws.tickets.length,
    ticketParts: sum(ws.ticketParts),
    articles: ws.articles.length,
    collections: ws.collections.length,
    subscriptionTypes: ws.subscriptionTypes.length,
    companyTags: sum(ws.companyTags),
    companySegments: sum(ws.companySegments),
    teamAdmins: ws.teams.reduce((n, t) => n + (t.admin_ids ?? []).length, 0),
  };
}
