// The simulated Intercom workspace: a deterministic "truth" generated from a seed. The server
// (server.ts) only renders it; tests compare what the extractor wrote against this object.
//
// The defaults are small but every edge case the extractor must survive is forced in, not
// left to chance, so any seed exercises all of them (see the *_PROFILE comments below).
import { createHash } from 'node:crypto';
import type {
  Admin,
  Company,
  Contact,
  Conversation,
  ConversationPart,
  DataEvent,
  Note,
  PartAttachment,
  PartAuthor,
  Segment,
  Tag,
  Team,
} from '../../src/generated/intercom.js';
import { createRng, type Rng } from './random.js';

export interface WorkspaceOptions {
  seed?: number;
  /** UNIX seconds the workspace considers "now". */
  now?: number;
  /** Workspace timezone (IANA); contacts search rounds dates to days in it. */
  timezone?: string;
  users?: number;
  leads?: number;
  companies?: number;
  admins?: number;
  teams?: number;
  tags?: number;
  segments?: number;
  conversations?: number;
  /** Ordinary conversations get 0..this many parts. */
  maxPartsPerConversation?: number;
  /** How many conversations get more than 500 parts (520–700). */
  bigConversations?: number;
}

export interface Workspace {
  now: number;
  timezone: string;
  /** The app ("workspace") id_code: contacts' workspace_id, companies' app_id, /me app.id_code. */
  appId: string;
  appName: string;
  /** Users and leads, oldest first (the list order), without the tags/notes/companies capped lists. */
  contacts: Contact[];
  /** Contact id → ALL tag ids. */
  contactTags: Map<string, string[]>;
  /** Contact id → ALL company ids. */
  contactCompanies: Map<string, string[]>;
  /** Contact id → segment ids. */
  contactSegments: Map<string, string[]>;
  /** Contact id → ALL notes, newest first (the order the API lists them). */
  notes: Map<string, Note[]>;
  /** User id → events, newest first; some are older than 90 days, which GET /events hides. */
  events: Map<string, DataEvent[]>;
  companies: Company[];
  admins: Admin[];
  teams: Team[];
  tags: Tag[];
  segments: Segment[];
  /** Without conversation_parts. */
  conversations: Conversation[];
  /** Conversation id → ALL parts, oldest first. */
  parts: Map<string, ConversationPart[]>;
}

export const DEFAULT_NOW = 1763683200; // 2025-11-21T00:00:00Z
export const DAY = 86400;
/** GET /events only lists events younger than this. */
export const EVENT_LIST_WINDOW = 90 * DAY;

const DEFAULTS = {
  seed: 1,
  now: DEFAULT_NOW,
  timezone: 'Europe/Dublin',
  users: 40,
  leads: 15,
  companies: 12,
  admins: 4,
  teams: 2,
  tags: 15,
  segments: 5,
  conversations: 25,
  maxPartsPerConversation: 12,
};

type Options = typeof DEFAULTS & { bigConversations: number };

// ---------------------------------------------------------------------------------------------
// Text: the strings that break naive CSV writers, JSON flatteners and HTML strippers.

const TRICKY_TEXTS = [
  'She said "hello", then left',
  "O'Brien & Sons, Ltd.",
  'first line\nsecond line',
  'windows line\r\nending',
  'lone\rcarriage return',
  'tab\tseparated\tvalues',
  'rocket 🚀 party 🎉 family 👨‍👩‍👧',
  'Zoë Ångström — façade, naïve, Žluťoučký kůň',
  '田中太郎 / 김민준 / 中文测试',
  'semicolon; pipe | backslash \\ slash /',
  '<not a tag> & 5 > 3',
  '  leading and trailing spaces  ',
];

const TRICKY_NAMES = [
  'Jack "The Hammer" O\'Neil',
  'Smith, John',
  'Anna\nMaria',
  'Carriage\rReturn',
  'Tab\tUser',
  'Zoë Ångström-Łukasiewicz',
  '田中 太郎',
  '🚀 Rocket Rider',
];

const FIRST_NAMES = ['Anna', 'Jack', 'Zoë', 'José', 'Siobhán', 'Łukasz', 'Mei', 'Hiroshi', 'Olivia', 'Noah', 'Amélie', 'Björn', 'Priya', 'Omar'];
const LAST_NAMES = ['Murphy', 'Nováková', 'Müller', 'García', 'Ó Súilleabháin', 'Kowalski', 'Wang', 'Tanaka', 'Smith', 'Dvořák', 'Jensen', 'Patel'];
const COMPANY_NAMES = ['Acme, Inc.', 'Müller & Söhne GmbH', '"Quoted" Holdings Ltd', '株式会社テスト', 'Rocket 🚀 Labs', 'Globex', 'Initech', 'Umbrella\nCorp', 'Stark Industries', 'Wayne Enterprises'];
const TAG_NAMES = ['VIP', 'churn-risk', 'Beta tester', 'Needs "follow-up"', 'Sales, EMEA', 'Ünïcödé ✓', '日本語タグ', 'priority 🔥', 'enterprise', 'trial', 'partner', 'billing issue', 'NPS: 10', 'do-not-contact', 'onboarding'];
const SEGMENT_NAMES = ['Active users', 'New leads', 'Slipping away', 'Paying, annual', 'Power users ⚡'];
const EVENT_NAMES = ['viewed-pricing', 'placed-order', 'invited-friend', 'exported-report', 'changed-plan', 'opened-app 📱', 'übermittelt-formular'];
const EVENT_DESCRIPTIONS: Record<string, string | null> = {
  'viewed-pricing': 'Looked at the pricing page',
  'placed-order': 'A user placed an order, "paid"',
  'invited-friend': null,
  'exported-report': 'Export, CSV or XLSX',
  'changed-plan': null,
  'opened-app 📱': 'Mobile app opened 📱',
  'übermittelt-formular': 'Formular übermittelt',
};
/** The description Intercom keeps per event name (shown in event summaries). */
export function eventDescription(name: string): string | null {
  return EVENT_DESCRIPTIONS[name] ?? null;
}
const LOCATIONS = [
  { country: 'Ireland', region: 'Dublin', city: 'Dublin', country_code: 'IRL', continent_code: 'EU' },
  { country: 'Czechia', region: 'Praha', city: 'Praha', country_code: 'CZE', continent_code: 'EU' },
  { country: 'Japan', region: 'Tokyo', city: '東京', country_code: 'JPN', continent_code: 'AS' },
  { country: 'United States', region: 'California', city: 'San Francisco', country_code: 'USA', continent_code: 'NA' },
  { country: 'Brazil', region: 'São Paulo', city: 'São Paulo', country_code: 'BRA', continent_code: 'SA' },
];
const BOT: PartAuthor = { type: 'bot', id: '991267999', name: 'Fin', email: 'operator+fin@intercom.io' };

const HTML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * What `display_as=plaintext` does to an HTML body: line breaks for <br> and block ends,
 * tags dropped, entities decoded (after stripping, so an escaped "&lt;b&gt;" survives as text).
 */
export function toPlaintext(html: string): string {
  const text = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text).replace(/\n+$/, '');
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] !== '#') return HTML_ENTITIES[name.toLowerCase()] ?? whole;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

function escapeHtml(text: string): string {
  // &#39; rather than &apos; so bodies also exercise numeric entities.
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function htmlBody(rng: Rng, text: string): string {
  const escaped = escapeHtml(text);
  switch (rng.int(0, 3)) {
    case 0:
      return `<p>${escaped}</p>`;
    case 1:
      return `<p>${escaped}</p><p>Thanks &amp; regards,<br>Support</p>`;
    case 2:
      return `<p><b>Note:</b> ${escaped} <a href="https://example.com/?a=1&amp;b=2">link</a></p>`;
    default:
      return `<div><ul><li>${escaped}</li><li>caf&#233; &#x2615;</li></ul></div>`;
  }
}

// ---------------------------------------------------------------------------------------------
// Small builders shared by generation and the mutation helpers.

function objectIdAt(rng: Rng, at: number): string {
  // Like a Mongo ObjectId: creation time first, so hex ids sort roughly by creation.
  return at.toString(16).padStart(8, '0') + rng.hex(16);
}

function adminAuthor(admin: Admin): PartAuthor {
  return { type: 'admin', id: admin.id, name: admin.name ?? null, email: admin.email ?? null };
}

function contactAuthor(contact: Contact): PartAuthor {
  return { type: contact.role, id: contact.id, name: contact.name ?? null, email: contact.email ?? null };
}

function noteAuthor(admin: Admin): Admin {
  return {
    type: 'admin',
    id: admin.id,
    name: admin.name,
    email: admin.email,
    away_mode_enabled: admin.away_mode_enabled,
    away_mode_reassign: admin.away_mode_reassign,
  };
}

function attachment(rng: Rng, n: number): PartAttachment {
  const image = rng.chance(0.5);
  return {
    type: 'upload',
    name: image ? `screenshot ${n} 📷.png` : `invoice, "final" v${n}.pdf`,
    url: `https://downloads.intercomcdn.com/i/o/${n}/${rng.hex(12)}/${image ? 'screenshot.png' : 'invoice.pdf'}`,
    content_type: image ? 'image/png' : 'application/pdf',
    filesize: rng.int(1_000, 5_000_000),
    width: image ? rng.int(100, 2000) : null,
    height: image ? rng.int(100, 2000) : null,
  };
}

function emptyCappedList(url: string) {
  return { type: 'list', data: [], url, total_count: 0, has_more: false };
}

// ---------------------------------------------------------------------------------------------
// Generation

interface Gen {
  rng: Rng;
  o: Options;
  ws: Workspace;
  noteSeq: number;
  partSeq: number;
}

export function generateWorkspace(opts: WorkspaceOptions = {}): Workspace {
  const conversations = opts.conversations ?? DEFAULTS.conversations;
  const o: Options = { ...DEFAULTS, ...stripUndefined(opts), bigConversations: Math.min(conversations, opts.bigConversations ?? (conversations > 0 ? 1 : 0)) };
  const rng = createRng(o.seed);
  const ws: Workspace = {
    now: o.now,
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
  };
  const g: Gen = { rng, o, ws, noteSeq: 1000, partSeq: 7_000_000_000 };
  genAdmins(g);
  genTeams(g);
  genTags(g);
  genSegments(g);
  genCompanies(g);
  genContacts(g);
  genConversations(g);
  return ws;
}

function stripUndefined(opts: WorkspaceOptions): Partial<Options> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}

function pastTime(g: Gen, maxDaysAgo: number, minDaysAgo = 0): number {
  return g.o.now - g.rng.int(Math.round(minDaysAgo * DAY), Math.round(maxDaysAgo * DAY));
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

/**
 * Mixed-type attributes in deliberately non-alphabetical key order; `full` forces every type
 * (string, number, boolean, null, nested object/array, tricky text) onto one record.
 */
function customAttributes(g: Gen, full: boolean): Record<string, unknown> {
  const { rng } = g;
  if (!full && rng.chance(0.15)) return {};
  const attrs: Record<string, unknown> = {};
  attrs.zeta_score = rng.int(0, 1000) / 10;
  attrs.plan = rng.pick(['free', 'pro', 'enterprise', 'Pro "Plus", annual']);
  if (full || rng.chance(0.5)) attrs.is_beta = rng.chance(0.5);
  if (full || rng.chance(0.5)) attrs.Alpha_Code = full || rng.chance(0.4) ? null : `A-${rng.int(1, 999)}`;
  if (full || rng.chance(0.4)) {
    attrs.preferences = { theme: rng.pick(['dark', 'light']), langs: rng.sample(['en', 'cs', 'ja', 'ga'], rng.int(0, 3)), nested: { deep: rng.chance(0.5), level: 2 } };
  }
  if (full || rng.chance(0.4)) attrs.bio = full ? TRICKY_TEXTS.slice(0, 7).join(' | ') : rng.pick(TRICKY_TEXTS);
  if (full || rng.chance(0.3)) attrs.seats = rng.int(1, 500);
  if (full || rng.chance(0.2)) attrs.last_order_date = pastTime(g, 200);
  return attrs;
}

// Contact profiles: the first users/leads are shaped to guarantee the edge cases.
type Profile =
  | 'rich' // > 10 tags, companies and notes; every custom attribute type; events on both sides of 90 days
  | 'bare' // nothing attached, every optional field null
  | 'chatty' // more events than fit one page even at per_page=100
  | 'normal';

function profileOf(role: 'user' | 'lead', index: number): Profile {
  if (index === 0) return 'rich';
  if (index === 1) return 'bare';
  if (index === 2 && role === 'user') return 'chatty';
  return 'normal';
}

function genContacts(g: Gen): void {
  let n = 0;
  for (const [role, count] of [['user', g.o.users], ['lead', g.o.leads]] as const) {
    for (let i = 0; i < count; i++, n++) {
      const profile = profileOf(role, i);
      const contact = genContact(g, role, n, profile);
      g.ws.contacts.push(contact);
      genContactLinks(g, contact, profile);
      if (role === 'user') g.ws.events.set(contact.id, genEvents(g, contact, profile));
    }
  }
  g.ws.contacts.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  const members = new Map<string, number>();
  for (const ids of g.ws.contactCompanies.values()) for (const id of ids) members.set(id, (members.get(id) ?? 0) + 1);
  for (const company of g.ws.companies) company.user_count = members.get(company.id) ?? 0;
}

function genContact(g: Gen, role: 'user' | 'lead', n: number, profile: Profile): Contact {
  const { rng } = g;
  const bare = profile === 'bare';
  // Profiles with events need to be old enough to have 120 days of history.
  const created = profile === 'normal' ? pastTime(g, 730, 0.01) : pastTime(g, 730, 150);
  // About a third were touched in the last week, so incremental runs have something to find.
  const updated = rng.chance(0.35) ? Math.max(created, pastTime(g, 7)) : created + rng.int(0, g.o.now - created);
  const name = bare ? null : n < TRICKY_NAMES.length ? TRICKY_NAMES[n] : `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
  const domain = rng.pick(['example.com', 'example.org', 'acme.test']);
  const email = bare && role === 'lead' ? null : `${role}${n + 1}@${domain}`;
  const id = objectIdAt(rng, created);
  const hasLocation = !bare && rng.chance(0.8);
  const location = hasLocation ? rng.pick(LOCATIONS) : { country: null, region: null, city: null, country_code: null, continent_code: null };
  return {
    type: 'contact',
    id,
    workspace_id: g.ws.appId,
    external_id: role === 'user' && !bare && rng.chance(0.85) ? `ext-${n + 1}-${rng.hex(6)}` : null,
    role,
    email,
    email_domain: email ? domain : null,
    phone: !bare && rng.chance(0.5) ? `+353 87 ${rng.int(100, 999)} ${rng.int(1000, 9999)}` : null,
    name,
    avatar: !bare && rng.chance(0.4) ? { type: 'avatar', image_url: `https://static.intercomassets.com/avatars/${rng.hex(8)}/square_128/photo.jpg` } : null,
    owner_id: !bare && g.ws.admins.length > 0 && rng.chance(0.5) ? Number(rng.pick(g.ws.admins).id) : null,
    social_profiles: {
      type: 'list',
      data: !bare && rng.chance(0.3) ? [{ type: 'social_profile', name: 'Twitter', url: `http://twitter.com/user${n + 1}` }] : [],
    },
    has_hard_bounced: rng.chance(0.05),
    marked_email_as_spam: rng.chance(0.05),
    unsubscribed_from_emails: rng.chance(0.2),
    created_at: created,
    updated_at: updated,
    signed_up_at: role === 'user' ? created : null,
    last_seen_at: bare ? null : Math.max(created, pastTime(g, 60)),
    last_replied_at: !bare && rng.chance(0.4) ? Math.max(created, pastTime(g, 90)) : null,
    last_contacted_at: !bare && rng.chance(0.4) ? Math.max(created, pastTime(g, 90)) : null,
    last_email_opened_at: !bare && rng.chance(0.3) ? Math.max(created, pastTime(g, 90)) : null,
    last_email_clicked_at: !bare && rng.chance(0.2) ? Math.max(created, pastTime(g, 90)) : null,
    language_override: !bare && rng.chance(0.2) ? rng.pick(['cs', 'ja', 'pt-BR']) : null,
    browser: bare ? null : rng.pick(['chrome', 'firefox', 'safari']),
    browser_version: bare ? null : `${rng.int(90, 130)}.0.${rng.int(0, 9999)}`,
    browser_language: bare ? null : rng.pick(['en', 'cs', 'ja', 'pt-BR']),
    os: bare ? null : rng.pick(['OS X 14.1', 'Windows 11', 'Android 14', 'iOS 17.2']),
    location: { type: 'location', ...location },
    android_app_name: null,
    android_app_version: null,
    android_device: null,
    android_os_version: null,
    android_sdk_version: null,
    android_last_seen_at: null,
    ios_app_name: null,
    ios_app_version: null,
    ios_device: null,
    ios_os_version: null,
    ios_sdk_version: null,
    ios_last_seen_at: null,
    custom_attributes: bare ? {} : customAttributes(g, profile === 'rich'),
    opted_out_subscription_types: emptyCappedList(`/contacts/${id}/subscriptions`),
    opted_in_subscription_types: emptyCappedList(`/contacts/${id}/subscriptions`),
    utm_campaign: null,
    utm_content: null,
    utm_medium: null,
    utm_source: !bare && rng.chance(0.3) ? 'newsletter, "weekly"' : null,
    utm_term: null,
    referrer: !bare && rng.chance(0.3) ? 'https://www.google.com/search?q=intercom&hl=en' : null,
    enabled_push_messaging: null,
  };
}

function genContactLinks(g: Gen, contact: Contact, profile: Profile): void {
  const { rng, ws } = g;
  const rich = profile === 'rich';
  const none = profile === 'bare';
  const tagCount = none ? 0 : rich ? 12 : rng.chance(0.3) ? 0 : rng.int(1, 4);
  const companyCount = none ? 0 : rich ? 12 : rng.chance(0.3) ? 0 : rng.int(1, 3);
  const noteCount = none ? 0 : rich ? 10 + rng.int(1, 5) : rng.chance(0.4) ? 0 : rng.int(1, 3);
  ws.contactTags.set(contact.id, rng.sample(ws.tags, tagCount).map((t) => t.id));
  ws.contactCompanies.set(contact.id, rng.sample(ws.companies, companyCount).map((c) => c.id));
  ws.contactSegments.set(contact.id, none ? [] : rng.sample(ws.segments, rng.int(0, 3)).map((s) => s.id));
  const notes: Note[] = [];
  for (let i = 0; i < noteCount; i++) notes.push(genNote(g, contact, contact.created_at + rng.int(0, ws.now - contact.created_at)));
  ws.notes.set(contact.id, notes.sort((a, b) => b.created_at! - a.created_at! || Number(b.id) - Number(a.id)));
}

function genNote(g: Gen, contact: Contact, at: number): Note {
  const author = g.ws.admins.length > 0 ? noteAuthor(g.rng.pick(g.ws.admins)) : null;
  return {
    type: 'note',
    id: String(++g.noteSeq),
    created_at: at,
    contact: { type: 'contact', id: contact.id },
    author,
    body: htmlBody(g.rng, g.rng.pick(TRICKY_TEXTS)),
  };
}

/** Events newest first, each at a distinct second so `before=` cursors never split a tie. */
function genEvents(g: Gen, contact: Contact, profile: Profile): DataEvent[] {
  const { rng } = g;
  const now = g.o.now;
  const windowStart = now - EVENT_LIST_WINDOW;
  const [old, recent] = profile === 'rich' ? [5, 25] : profile === 'chatty' ? [40, 140] : [0, 0];
  const used = new Set<number>();
  const draw = (from: number, to: number) => {
    let t: number;
    do t = rng.int(from, to);
    while (used.has(t));
    used.add(t);
    return t;
  };
  for (let i = 0; i < old; i++) draw(now - 120 * DAY, windowStart - 60);
  for (let i = 0; i < recent; i++) draw(windowStart + 60, now - 60);
  if (profile === 'normal' && rng.chance(0.65)) {
    const from = Math.max(contact.created_at, now - 120 * DAY);
    const count = Math.min(rng.int(1, 25), now - 60 - from);
    for (let i = 0; i < count; i++) draw(from, now - 60);
  }
  return [...used].sort((a, b) => b - a).map((t) => genEvent(g, contact, t));
}

function genEvent(g: Gen, contact: Contact, at: number): DataEvent {
  return {
    type: 'event',
    id: g.rng.hex(24),
    created_at: at,
    event_name: g.rng.pick(EVENT_NAMES),
    user_id: contact.external_id ?? null,
    intercom_user_id: contact.id,
    email: contact.email ?? null,
    metadata: eventMetadata(g),
  };
}

function eventMetadata(g: Gen): Record<string, unknown> {
  const { rng } = g;
  const meta: Record<string, unknown> = {};
  if (rng.chance(0.2)) return meta;
  if (rng.chance(0.6)) meta.order_id = `ORD-${rng.int(1000, 9999)}`;
  if (rng.chance(0.4)) meta.price = { amount: rng.int(100, 99_999), currency: rng.pick(['eur', 'usd', 'jpy']) };
  if (rng.chance(0.4)) meta.article = { url: 'https://example.org/ab1de.html?x=1&y=2', value: 'the dude abides 🎳' };
  if (rng.chance(0.4)) meta.comment = rng.pick(TRICKY_TEXTS);
  if (rng.chance(0.3)) meta['Ünïcode key'] = 'välue, "quoted"';
  if (rng.chance(0.2)) meta.invite_date = g.o.now - rng.int(0, 100 * DAY);
  return meta;
}

// ---------------------------------------------------------------------------------------------
// Conversations. Shapes forced by index: [0, big) get > 500 parts and mix users and leads;
// the next one is a 3-contact group conversation; the one after has no parts at all.

interface ConversationPlan {
  parts: number;
  contacts: Contact[];
  state: 'open' | 'closed' | 'snoozed';
  assigned: boolean | undefined; // undefined → random
  forceVariety: boolean;
  attachments: boolean;
  /** Assigned to a team and no admin (the spec's `admin_assignee_id: 0` example with a team). */
  teamOnly: boolean;
}

function genConversations(g: Gen): void {
  const users = g.ws.contacts.filter((c) => c.role === 'user');
  const leads = g.ws.contacts.filter((c) => c.role === 'lead');
  let convSeq = 10_000;
  for (let i = 0; i < g.o.conversations; i++) {
    convSeq += g.rng.int(1, 50);
    const plan = planConversation(g, i, users, leads);
    if (plan.contacts.length === 0) continue;
    genConversation(g, String(convSeq), plan);
  }
}

function planConversation(g: Gen, i: number, users: Contact[], leads: Contact[]): ConversationPlan {
  const { rng } = g;
  const all = [...users, ...leads];
  const big = g.o.bigConversations;
  const states = ['open', 'closed', 'snoozed'] as const;
  const plan: ConversationPlan = {
    parts: rng.int(0, g.o.maxPartsPerConversation),
    contacts: all.length > 0 ? [rng.pick(all)] : [],
    state: i < 3 ? states[i] : rng.pick(['open', 'closed', 'closed', 'snoozed']),
    assigned: i === 0 ? true : i === 1 ? false : undefined,
    forceVariety: false,
    attachments: rng.chance(0.15),
    teamOnly: i % 5 === 3,
  };
  if (i < big) {
    plan.parts = rng.int(520, 700);
    plan.contacts = [users[0] ?? all[0], leads[0] ?? all[0]].filter((c, k, arr) => c && arr.indexOf(c) === k);
    plan.forceVariety = true;
  } else if (i === big) {
    plan.contacts = rng.sample(all, 3);
    plan.attachments = true;
  } else if (i === big + 1) {
    plan.parts = 0;
  } else if (rng.chance(0.1)) {
    plan.contacts = rng.sample(all, 2);
  }
  return plan;
}

function genConversation(g: Gen, id: string, plan: ConversationPlan): void {
  const { rng, ws } = g;
  const now = g.o.now;
  const created = plan.forceVariety ? pastTime(g, 45, 30) : pastTime(g, 200, 0.05);
  const customerInitiated = rng.chance(0.7);
  const starter = plan.contacts[0];
  const admin = ws.admins.length > 0 ? rng.pick(ws.admins) : undefined;
  const parts = genParts(g, plan, created);
  ws.parts.set(id, parts);
  const last = parts[parts.length - 1];
  const assigned = plan.assigned ?? rng.chance(0.6);
  const teamChance = rng.chance(0.7);
  const teamOnly = assigned && plan.teamOnly && ws.teams.length > 0;
  const adminAssignee = assigned && admin && !teamOnly ? Number(admin.id) : null;
  const teamAssignee = assigned && ws.teams.length > 0 && (teamChance || teamOnly) ? Number(rng.pick(ws.teams).id) : null;
  const waiting = plan.state === 'open' && last !== undefined && last.author?.type !== 'admin' && last.author?.type !== 'bot';
  ws.conversations.push({
    type: 'conversation',
    id,
    title: rng.chance(0.25) ? rng.pick(TRICKY_TEXTS) : null,
    created_at: created,
    updated_at: Math.max(created, ...parts.map((p) => p.updated_at ?? p.created_at)),
    waiting_since: waiting ? last.created_at : null,
    snoozed_until: plan.state === 'snoozed' ? now + rng.int(3600, 7 * DAY) : null,
    source: {
      type: rng.chance(0.8) ? 'conversation' : 'email',
      id: String(403_918_000 + rng.int(0, 99_999)),
      delivered_as: customerInitiated ? 'customer_initiated' : 'admin_initiated',
      subject: rng.chance(0.3) ? 'Re: invoice, "urgent" 🧾' : '',
      body: htmlBody(rng, rng.pick(TRICKY_TEXTS)),
      author: customerInitiated || !admin ? contactAuthor(starter) : adminAuthor(admin),
      attachments: plan.attachments ? [attachment(rng, 1), attachment(rng, 2)] : [],
      url: customerInitiated && rng.chance(0.5) ? 'https://app.example.com/settings?tab=billing&x=1' : null,
      redacted: false,
    },
    contacts: { type: 'contact.list', contacts: plan.contacts.map((c) => ({ type: 'contact', id: c.id, external_id: c.external_id ?? null })) },
    first_contact_reply: customerInitiated ? { created_at: created, type: 'conversation', url: null } : null,
    admin_assignee_id: adminAssignee,
    team_assignee_id: teamAssignee,
    open: plan.state !== 'closed',
    state: plan.state,
    read: rng.chance(0.6),
    tags: { type: 'tag.list', tags: conversationTags(g, created, plan.attachments ? 3 : rng.int(0, 3)) },
    priority: rng.chance(0.2) ? 'priority' : 'not_priority',
    sla_applied: null,
    statistics: rng.chance(0.2) ? null : { type: 'conversation_statistics', time_to_assignment: assigned ? rng.int(0, 3600) : null, count_reopens: rng.int(0, 3), count_conversation_parts: parts.length },
    conversation_rating: null,
    teammates: { type: 'admin.list', admins: adminAssignee === null ? [] : [{ type: 'admin', id: String(adminAssignee) }] },
    custom_attributes: conversationAttributes(g),
    topics: {},
    ticket: null,
    linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
    ai_agent: null,
    ai_agent_participated: false,
  });
}

function conversationTags(g: Gen, after: number, count: number): Tag[] {
  return g.rng.sample(g.ws.tags, count).map((t) => ({
    type: 'tag',
    id: t.id,
    name: t.name,
    applied_at: after + g.rng.int(0, Math.max(0, g.o.now - after)),
    applied_by: { type: 'admin', id: g.ws.admins[0]?.id ?? BOT.id },
  }));
}

function conversationAttributes(g: Gen): Record<string, unknown> {
  const { rng } = g;
  const attrs: Record<string, unknown> = {};
  if (rng.chance(0.5)) attrs.issue_type = rng.pick(['Billing', 'Bug, critical', 'Feature "request"']);
  if (rng.chance(0.3)) attrs['Priority Level'] = rng.int(1, 5);
  if (rng.chance(0.3)) attrs.escalated = rng.chance(0.5);
  if (rng.chance(0.2)) attrs.resolution = null;
  if (rng.chance(0.2)) attrs.meta = { channel: 'web', path: ['settings', 'billing'], ok: true };
  return attrs;
}

type PartKind = 'comment' | 'note' | 'assignment' | 'open' | 'close';
type AuthorKind = 'contact' | 'admin' | 'bot';

// Forced at the start of big conversations so every (part_type, author) pairing appears.
const VARIETY: Array<[PartKind, AuthorKind, number?]> = [
  ['assignment', 'bot'],
  ['comment', 'contact', 0],
  ['comment', 'contact', 1],
  ['note', 'admin'],
  ['comment', 'admin'],
  ['assignment', 'admin'],
  ['close', 'admin'],
  ['open', 'contact', 0],
  ['comment', 'bot'],
];

function genParts(g: Gen, plan: ConversationPlan, created: number): ConversationPart[] {
  const { rng } = g;
  const parts: ConversationPart[] = [];
  const maxGap = Math.max(1, Math.floor((g.o.now - created) / (plan.parts + 1)));
  let t = created;
  for (let i = 0; i < plan.parts; i++) {
    t += rng.int(1, maxGap);
    const [kind, author, contactIndex] = plan.forceVariety && i < VARIETY.length ? VARIETY[i] : randomPartShape(g, i === plan.parts - 1 ? plan.state : undefined);
    parts.push(genPart(g, plan, t, kind, author, contactIndex));
  }
  return parts;
}

/** The last part agrees with the conversation state: closed ones end with a close. */
function randomPartShape(g: Gen, finalState: ConversationPlan['state'] | undefined): [PartKind, AuthorKind, number?] {
  const { rng } = g;
  if (finalState === 'closed') return ['close', rng.chance(0.8) ? 'admin' : 'bot'];
  const roll = rng.next();
  if (roll < 0.6) return ['comment', rng.chance(0.55) ? 'contact' : rng.chance(0.9) ? 'admin' : 'bot'];
  if (roll < 0.72) return ['note', 'admin'];
  if (roll < 0.84) return ['assignment', rng.chance(0.7) ? 'admin' : 'bot'];
  if (roll < 0.92 && finalState === undefined) return ['close', 'admin'];
  return ['open', rng.chance(0.5) ? 'admin' : 'contact'];
}

function genPart(g: Gen, plan: ConversationPlan, at: number, kind: PartKind, authorKind: AuthorKind, contactIndex?: number): ConversationPart {
  const { rng, ws } = g;
  const admin = ws.admins.length > 0 ? rng.pick(ws.admins) : undefined;
  const contact = plan.contacts[Math.min(contactIndex ?? rng.int(0, plan.contacts.length - 1), plan.contacts.length - 1)];
  const author = authorKind === 'contact' || (authorKind === 'admin' && !admin) ? contactAuthor(contact) : authorKind === 'bot' || !admin ? BOT : adminAuthor(admin);
  const hasBody = kind === 'comment' || kind === 'note' || rng.chance(0.15);
  const edited = rng.chance(0.1) ? rng.int(1, 120) : 0;
  g.partSeq += rng.int(1, 3);
  return {
    type: 'conversation_part',
    id: String(g.partSeq),
    part_type: kind,
    body: hasBody ? htmlBody(rng, rng.pick(TRICKY_TEXTS)) : null,
    created_at: at,
    updated_at: Math.min(g.o.now, at + edited),
    notified_at: at,
    assigned_to: kind === 'assignment' ? assignee(g) : null,
    author,
    attachments: kind === 'comment' && (plan.attachments || rng.chance(0.08)) ? [attachment(rng, g.partSeq % 1000)] : [],
    external_id: null,
    redacted: false,
  };
}

function assignee(g: Gen): { type: string; id: string } | null {
  if (g.ws.teams.length > 0 && g.rng.chance(0.3)) return { type: 'team', id: g.rng.pick(g.ws.teams).id };
  return g.ws.admins.length > 0 ? { type: 'admin', id: g.rng.pick(g.ws.admins).id } : null;
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
  };
}

// ---------------------------------------------------------------------------------------------
// Mutation helpers for incremental-run tests. Each keeps the maps consistent and sets
// `updated_at` to `at` where Intercom would. New ids are derived from `at` and the current
// sizes, so the same sequence of mutations yields the same ids.

function findContact(ws: Workspace, id: string): Contact {
  const contact = ws.contacts.find((c) => c.id === id);
  if (!contact) throw new Error(`no contact ${id}`);
  return contact;
}

function findConversation(ws: Workspace, id: string): Conversation {
  const conversation = ws.conversations.find((c) => c.id === id);
  if (!conversation) throw new Error(`no conversation ${id}`);
  return conversation;
}

function mutationRng(ws: Workspace, salt: string): Rng {
  const digest = createHash('sha256').update(`${salt}:${ws.contacts.length}:${ws.conversations.length}:${ws.notes.size}`).digest();
  return createRng(digest.readUInt32LE(0));
}

function maxNumericId(ids: Iterable<string>): number {
  let max = 0;
  for (const id of ids) max = Math.max(max, Number(id));
  return max;
}

export function updateContact(ws: Workspace, id: string, patch: Partial<Contact>, at: number): Contact {
  return Object.assign(findContact(ws, id), patch, { updated_at: at });
}

/** Appends a contact (the newest, so it lists last); fields not given are null/empty. */
export function addContact(ws: Workspace, init: Partial<Contact>, at: number): Contact {
  const rng = mutationRng(ws, `contact:${at}`);
  const id = init.id ?? objectIdAt(rng, at);
  const contact: Contact = {
    type: 'contact',
    id,
    workspace_id: ws.appId,
    external_id: null,
    role: 'user',
    email: null,
    phone: null,
    name: null,
    avatar: null,
    owner_id: null,
    social_profiles: { type: 'list', data: [] },
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: false,
    created_at: at,
    updated_at: at,
    signed_up_at: null,
    last_seen_at: null,
    location: { type: 'location', country: null, region: null, city: null, country_code: null, continent_code: null },
    custom_attributes: {},
    ...init,
  };
  ws.contacts.push(contact);
  ws.contactTags.set(id, []);
  ws.contactCompanies.set(id, []);
  ws.contactSegments.set(id, []);
  ws.notes.set(id, []);
  if (contact.role === 'user') ws.events.set(id, []);
  return contact;
}

export function setContactTags(ws: Workspace, id: string, tagIds: string[], at: number): Contact {
  ws.contactTags.set(id, [...tagIds]);
  return Object.assign(findContact(ws, id), { updated_at: at });
}

/**
 * Adds a note, newest first. Deliberately leaves the contact's `updated_at` alone: neither the
 * spec nor the docs say a note touches the contact, and in practice it does not, so an
 * incremental extractor cannot find new notes through `updated_at` (the pessimistic model).
 */
export function addNote(ws: Workspace, contactId: string, at: number, body = '<p>New note &amp; follow-up, "soon" ✅</p>'): Note {
  const contact = findContact(ws, contactId);
  const admin = ws.admins[0];
  const note: Note = {
    type: 'note',
    id: String(maxNumericId([...ws.notes.values()].flat().map((n) => n.id)) + 1),
    created_at: at,
    contact: { type: 'contact', id: contact.id },
    author: admin ? noteAuthor(admin) : null,
    body,
  };
  ws.notes.set(contactId, [note, ...(ws.notes.get(contactId) ?? [])]);
  return note;
}

export function updateConversation(ws: Workspace, id: string, patch: Partial<Conversation>, at: number): Conversation {
  return Object.assign(findConversation(ws, id), patch, { updated_at: at });
}

/** Appends an admin comment and bumps the conversation's `updated_at`. */
export function addPart(ws: Workspace, conversationId: string, at: number, body = '<p>Follow-up reply, "thanks" 👍</p>'): ConversationPart {
  const conversation = findConversation(ws, conversationId);
  const admin = ws.admins[0];
  const part: ConversationPart = {
    type: 'conversation_part',
    id: String(maxNumericId([...ws.parts.values()].flat().map((p) => p.id)) + 1),
    part_type: 'comment',
    body,
    created_at: at,
    updated_at: at,
    notified_at: at,
    assigned_to: null,
    author: admin ? adminAuthor(admin) : BOT,
    attachments: [],
    external_id: null,
    redacted: false,
  };
  ws.parts.set(conversationId, [...(ws.parts.get(conversationId) ?? []), part]);
  conversation.updated_at = at;
  return part;
}

/** Appends an open, unassigned conversation started by the first contact, with no parts. */
export function addConversation(ws: Workspace, at: number): Conversation {
  const starter = ws.contacts[0];
  if (!starter) throw new Error('workspace has no contacts');
  const id = String(maxNumericId(ws.conversations.map((c) => c.id)) + 1);
  const conversation: Conversation = {
    type: 'conversation',
    id,
    title: null,
    created_at: at,
    updated_at: at,
    waiting_since: at,
    snoozed_until: null,
    source: {
      type: 'conversation',
      id: String(403_918_000 + Number(id)),
      delivered_as: 'customer_initiated',
      subject: '',
      body: '<p>Hi, I need help with my account</p>',
      author: contactAuthor(starter),
      attachments: [],
      url: null,
      redacted: false,
    },
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: starter.id, external_id: starter.external_id ?? null }] },
    admin_assignee_id: null,
    team_assignee_id: null,
    open: true,
    state: 'open',
    read: false,
    tags: { type: 'tag.list', tags: [] },
    priority: 'not_priority',
    statistics: null,
    custom_attributes: {},
  };
  ws.conversations.push(conversation);
  ws.parts.set(id, []);
  return conversation;
}
