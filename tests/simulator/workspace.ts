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
  // Everything below is generated from separate RNG streams after the rest, so it never changes the
  // records above (a workspace of the same seed and sizes keeps every earlier value).
  /** Tickets (POST /tickets/search, GET /tickets/{id}); each gets 0..maxPartsPerTicket parts. Default 12. */
  tickets?: number;
  /** Default 8. */
  maxPartsPerTicket?: number;
  /** Help-center articles (GET /articles). Default 30. */
  articles?: number;
  /** Help-center collections and sections (GET /help_center/collections). Default 23. */
  collections?: number;
  /** GET /subscription_types. Default 3. */
  subscriptionTypes?: number;
  /** Teams with no admins, appended after the `teams` ones (those always have 1+ admins). Default 1 (0 when teams is 0). */
  emptyTeams?: number;
  /**
   * Give some conversations a conversation_rating, sla_applied and ai_agent (with ai_agent_participated: true)
   * instead of the null/false every conversation has otherwise. Off by default so existing records stay as they were.
   */
  richConversations?: boolean;
}

export interface Workspace {
  now: number;
  /** The `now` it was generated at: what is rendered from it (data attribute times) stays put as `now` moves. */
  generatedAt: number;
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
  /** Company id → ALL tag ids (the company's own `tags` field is only the initial draw; servers render from this map). */
  companyTags: Map<string, string[]>;
  /** Company id → ALL segment ids. */
  companySegments: Map<string, string[]>;
  /** Oldest (lowest id) first, without ticket_parts. */
  tickets: Ticket[];
  /** Ticket id → ALL parts, oldest first. */
  ticketParts: Map<string, TicketPart[]>;
  ticketTypes: TicketType[];
  /** One per category: submitted, in_progress, waiting_on_customer, resolved. */
  ticketStates: TicketState[];
  /** Creation order (ids ascending); GET /articles lists them most recently updated first. */
  articles: Article[];
  /** Creation order; parents before their sections. */
  collections: HelpCenterCollection[];
  subscriptionTypes: SubscriptionType[];
  // What the deletion helpers removed, in the order removed; empty in a generated workspace. The records themselves
  // are gone from the lists and maps above (so those stay the truth an extractor's output is compared with).
  /** Contacts removed by deleteContact and mergeContact. Intercom lists none of them; merged ones only through the user's merge history (2.16). */
  deletedContacts: DeletedContact[];
  /** Companies removed by deleteCompany (Intercom lists them nowhere). */
  deletedCompanies: DeletedRecord[];
  /** Tags removed by deleteTag (Intercom lists them nowhere). */
  deletedTags: DeletedRecord[];
  /** Conversations removed by deleteConversation: GET /conversations/deleted (2.16) lists them. */
  deletedConversations: DeletedConversation[];
}

/** A record a deletion helper removed. */
export interface DeletedRecord {
  id: string;
  /** UNIX seconds, the helper's `at`. */
  deleted_at: number;
  /**
   * Where the record stood in its list counting every record ever added (see listPositions): the server keeps
   * list cursors on these positions, so a deletion between two pages neither skips nor repeats a record.
   */
  position: number;
}

export interface DeletedContact extends DeletedRecord {
  role: Contact['role'];
  /** The user a merged lead went into (mergeContact); null for deleteContact. */
  merged_into: string | null;
  /** The notes that went with it (deleteContact; a merge moves them to the user instead), so new note ids never reuse theirs. */
  note_ids: string[];
}

export interface DeletedConversation extends DeletedRecord {
  /** DELETE /conversations/{id}?retain_metrics (default true); GET /conversations/deleted serves it. */
  metrics_retained: boolean;
  /** Its parts' ids, so new part ids never reuse theirs. */
  part_ids: string[];
}

// Shapes of the objects the generated types (src/generated) do not cover, after the spec's schemas.
export interface TicketState {
  type: 'ticket_state';
  id: string;
  category: 'submitted' | 'in_progress' | 'waiting_on_customer' | 'resolved';
  internal_label: string;
  external_label: string;
}

export interface TicketTypeAttribute {
  type: 'ticket_type_attribute';
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  data_type: string;
  input_options: Record<string, unknown> | null;
  order: number;
  required_to_create: boolean;
  required_to_create_for_contacts: boolean;
  visible_on_create: boolean;
  visible_to_contacts: boolean;
  default: boolean;
  ticket_type_id: number;
  archived: boolean;
  created_at: number;
  updated_at: number;
}

export interface TicketType {
  type: 'ticket_type';
  id: string;
  category: 'Customer' | 'Back-office' | 'Tracker';
  name: string;
  description: string;
  icon: string;
  workspace_id: string;
  archived: boolean;
  created_at: number;
  updated_at: number;
  is_internal: boolean;
  ticket_type_attributes: { type: 'list'; data: TicketTypeAttribute[] };
}

export interface TicketPart {
  type: 'ticket_part';
  id: string;
  part_type: string;
  body: string | null;
  previous_ticket_state: TicketState['category'];
  ticket_state: TicketState['category'];
  created_at: number;
  updated_at: number;
  assigned_to: { type: string; id: string } | null;
  author: { type: 'admin' | 'bot' | 'team' | 'user'; id: string; name: string | null; email: string | null };
  attachments: PartAttachment[];
  external_id: string | null;
  redacted: boolean;
  /** Only on parts created through the API (absent otherwise, as the spec says). */
  app_package_code?: string;
  /** Only on ticket_attribute_updated_by_admin parts. */
  updated_attribute_data?: { attribute: { type: 'attribute'; id: string; label: string }; value: { type: 'value'; id: string | null; label: string } };
}

export interface LinkedObject {
  type: 'ticket' | 'conversation';
  id: string;
  category: 'Customer' | 'Back-office' | 'Tracker' | null;
}

/** As served by 2.14 (2.16 adds previous_ticket_state_id and serves the assignee ids as integers, 0 when unset). */
export interface Ticket {
  type: 'ticket';
  id: string;
  ticket_id: string;
  category: TicketType['category'];
  ticket_attributes: Record<string, unknown>;
  ticket_state: TicketState;
  ticket_type: TicketType;
  contacts: { type: 'contact.list'; contacts: Array<{ type: 'contact'; id: string; external_id: string | null }> };
  admin_assignee_id: string | null;
  team_assignee_id: string | null;
  created_at: number;
  updated_at: number;
  open: boolean;
  snoozed_until: number | null;
  linked_objects: { type: 'list'; total_count: number; has_more: boolean; data: LinkedObject[] };
  is_shared: boolean;
  [k: string]: unknown;
}

export interface ArticleContent {
  type: 'article_content';
  title: string;
  description: string | null;
  body: string | null;
  author_id: number;
  state: 'published' | 'draft';
  created_at: number;
  updated_at: number;
  url: string | null;
}

export interface Article {
  type: 'article';
  id: string;
  workspace_id: string;
  title: string;
  description: string | null;
  body: string | null;
  author_id: number;
  state: 'published' | 'draft';
  created_at: number;
  updated_at: number;
  url: string | null;
  /** Served by 2.14 only (the 2.16 schema dropped parent_id and parent_type). */
  parent_id: number | null;
  parent_type: 'collection' | null;
  parent_ids: number[];
  default_locale: string;
  tags: { type: 'tag.list'; tags: Tag[] };
  translated_content: { type: 'article_translated_content'; [locale: string]: ArticleContent | string };
}

export interface HelpCenterCollection {
  id: string;
  workspace_id: string;
  name: string;
  url: string;
  order: number;
  created_at: number;
  updated_at: number;
  description: string | null;
  icon: string;
  parent_id: string | null;
  help_center_id: number | null;
  default_locale: string;
  translated_content: { type: 'group_translated_content'; [locale: string]: { type: 'group_content'; name: string; description: string | null } | string };
}

export interface SubscriptionTranslation {
  name: string;
  description: string;
  locale: string;
}

export interface SubscriptionType {
  type: 'subscription';
  id: string;
  state: 'live' | 'draft' | 'archived';
  consent_type: 'opt_out' | 'opt_in';
  default_translation: SubscriptionTranslation;
  translations: SubscriptionTranslation[];
  content_types: Array<'email' | 'sms_message'>;
}

export interface DataAttribute {
  type: 'data_attribute';
  id: number | null;
  model: string;
  name: string;
  full_name: string;
  label: string;
  description: string;
  data_type: string;
  api_writable: boolean;
  ui_writable: boolean;
  messenger_writable: boolean;
  custom: boolean;
  archived: boolean;
  created_at: number;
  updated_at: number;
  admin_id: string | null;
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
  tickets: 12,
  maxPartsPerTicket: 8,
  articles: 30,
  collections: 23,
  subscriptionTypes: 3,
  richConversations: false,
};

type Options = typeof DEFAULTS & { bigConversations: number; emptyTeams: number };

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
  genHelpCenter(o, ws);
  genSubscriptionTypes(o, ws);
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
// Additions generated after everything above, each from an RNG stream of its own, so they never
// change an earlier record (nor each other when one size changes).

function streamRng(seed: number, name: string): Rng {
  return createRng(createHash('sha256').update(`simulator-stream:${seed}:${name}`).digest().readUInt32LE(0));
}

function uuidOf(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function slugOf(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'untitled'
  );
}

function tagBasic(tag: Tag): Tag {
  return { type: 'tag', id: tag.id, name: tag.name };
}

const byContact = (p: ConversationPart) => p.author?.type === 'user' || p.author?.type === 'lead';
const byAdmin = (p: ConversationPart) => p.author?.type === 'admin';

/** The admins who wrote parts, in order of their first part: the spec's `teammates.teammates`. */
function partAdmins(parts: ConversationPart[]): Array<{ type: 'admin'; id: string }> {
  const ids = [...new Set(parts.filter(byAdmin).map((p) => p.author!.id!))];
  return ids.map((id) => ({ type: 'admin', id }));
}

// Conversations -------------------------------------------------------------------------------

const WORKFLOW_NAMES = ['Route VIPs, "priority"', 'Fin handover 🤖', 'Triage — EMEA'];

/** One of the spec's event_details variants (conversation_attribute_updated_by_workflow/admin, custom_action_started/finished, operator_workflow_event). */
function eventDetails(rng: Rng): Record<string, unknown> {
  switch (rng.int(0, 4)) {
    case 0:
      return { workflow: { name: rng.pick(WORKFLOW_NAMES) }, attribute: { name: 'flight_category' }, value: { name: rng.pick(['vip_status', 'standard, "economy"']) } };
    case 1:
      return { attribute: { name: 'jira_issue_key' }, value: { name: `PROJ-${rng.int(1, 999)}` } };
    case 2:
      return { action: { name: 'Jira Create Issue' } };
    case 3:
      return { action: { name: 'Jira Create Issue', result: rng.chance(0.8) ? 'success' : 'failed' } };
    default:
      return { workflow: { name: rng.pick(WORKFLOW_NAMES) }, event: { type: 'wait_finished', result: 'Finished waiting' } };
  }
}

function quickReplies(rng: Rng): Record<string, unknown> {
  const options = [
    { text: 'Yes, thanks 👍', uuid: uuidOf(rng), translations: { en: 'Yes, thanks 👍', fr: 'Oui, merci 👍' } },
    { text: 'No, talk to a "person"', uuid: uuidOf(rng), translations: null },
  ];
  return { quick_reply_options: options, quick_reply_uuid: rng.pick(options).uuid };
}

/** email_message_metadata of a comment in an email conversation (2.16 adds message_id when it is served). */
function emailMetadata(ws: Workspace, c: Conversation, p: ConversationPart): Record<string, unknown> {
  const starter = c.contacts?.contacts?.[0];
  const contact = starter ? ws.contacts.find((x) => x.id === starter.id) : undefined;
  const support = { email_address: `support@${ws.appId}.example.com`, name: ws.appName };
  const author = { email_address: p.author?.email ?? `${p.author?.id ?? 'unknown'}@example.com`, name: p.author?.name ?? null };
  const customer = { email_address: contact?.email ?? `${starter?.id ?? 'unknown'}@example.com`, name: contact?.name ?? null };
  const [from, to] = byContact(p) ? [author, support] : [author, customer];
  return {
    subject: c.source?.subject || 'Your request, "urgent" 🧾',
    email_address_headers: [
      { type: 'from', ...from },
      { type: 'to', ...to },
    ],
  };
}

function extendParts(rng: Rng, ws: Workspace, c: Conversation, parts: ConversationPart[]): void {
  let state: 'open' | 'closed' | 'snoozed' = 'open';
  const email = c.source?.type === 'email';
  parts.forEach((p, i) => {
    if (p.part_type === 'close') state = 'closed';
    else if (p.part_type === 'open') state = 'open';
    p.email_message_metadata = email && p.part_type === 'comment' ? emailMetadata(ws, c, p) : null;
    if (p.part_type === 'comment' && p.author?.type === 'bot' && rng.chance(0.4)) p.metadata = quickReplies(rng);
    p.state = i === parts.length - 1 ? (c.state ?? state) : state;
    p.tags = ws.tags.length > 0 && rng.chance(0.05) ? [tagBasic(rng.pick(ws.tags))] : [];
    p.event_details = (p.part_type === 'note' || p.part_type === 'assignment') && rng.chance(0.25) ? eventDetails(rng) : null;
    p.app_package_code = p.part_type === 'comment' && byAdmin(p) && rng.chance(0.08) ? rng.pick(['test-integration', 'zendesk-import']) : null;
  });
}

/** Every conversation_statistics field the conversation lacks, derived from its parts where they tell. */
function statisticsExtras(rng: Rng, ws: Workspace, c: Conversation, parts: ConversationPart[]): Record<string, unknown> {
  const times = (keep: (p: ConversationPart) => boolean) => parts.filter(keep).map((p) => p.created_at);
  const first = (xs: number[]) => (xs.length > 0 ? xs[0] : null);
  const last = (xs: number[]) => (xs.length > 0 ? xs[xs.length - 1] : null);
  const contactReplies = times((p) => p.part_type === 'comment' && byContact(p));
  const adminReplies = times((p) => p.part_type === 'comment' && byAdmin(p));
  const assignments = times((p) => p.part_type === 'assignment');
  const closeParts = parts.filter((p) => p.part_type === 'close');
  const closes = closeParts.map((p) => p.created_at);
  const firstAdmin = first(adminReplies);
  const lastAssignment = last(assignments);
  const team = c.team_assignee_id == null ? undefined : ws.teams.find((t) => Number(t.id) === c.team_assignee_id);
  const responseTimes = team && firstAdmin !== null ? [{ team_id: Number(team.id), team_name: team.name, response_time: firstAdmin - c.created_at }] : [];
  return {
    time_to_admin_reply: firstAdmin === null ? null : firstAdmin - c.created_at,
    time_to_first_close: closes.length > 0 ? closes[0] - c.created_at : null,
    time_to_last_close: closes.length > 0 ? closes[closes.length - 1] - c.created_at : null,
    median_time_to_reply: adminReplies.length > 0 ? rng.int(60, 6 * 3600) : null,
    first_contact_reply_at: first(contactReplies),
    first_assignment_at: first(assignments),
    first_admin_reply_at: firstAdmin,
    first_close_at: first(closes),
    last_assignment_at: lastAssignment,
    last_assignment_admin_reply_at: lastAssignment === null ? null : (adminReplies.find((t) => t >= lastAssignment) ?? null),
    last_contact_reply_at: last(contactReplies),
    last_admin_reply_at: last(adminReplies),
    last_close_at: last(closes),
    last_closed_by_id: closeParts.length > 0 ? (closeParts[closeParts.length - 1].author?.id ?? null) : null,
    count_assignments: assignments.length,
    assigned_team_first_response_time: responseTimes,
    assigned_team_first_response_time_in_office_hours: responseTimes.map((r) => ({ ...r, response_time: Math.floor(r.response_time * 0.6) })),
    handling_time: rng.int(30, 4 * 3600),
    adjusted_handling_time: rng.chance(0.5) ? rng.int(30, 3600) : null,
  };
}

/** richConversations: ratings, SLAs and AI-agent summaries instead of null (a stream of its own). */
function enrichConversation(rng: Rng, ws: Workspace, c: Conversation, parts: ConversationPart[]): void {
  const contact = c.contacts?.contacts?.[0];
  const admins = partAdmins(parts);
  if (c.state === 'closed' && contact && rng.chance(0.6)) {
    const at = Math.min(ws.now, c.updated_at + rng.int(60, DAY));
    const teammate = admins[0]?.id ?? (c.admin_assignee_id == null ? null : String(c.admin_assignee_id));
    c.conversation_rating = {
      rating: rng.int(1, 5),
      remark: rng.chance(0.5) ? rng.pick(TRICKY_TEXTS) : '',
      created_at: at,
      updated_at: at,
      contact: { type: 'contact', id: contact.id, external_id: contact.external_id ?? null },
      teammate: teammate === null ? null : { type: 'admin', id: teammate },
    };
  }
  if (rng.chance(0.4)) {
    c.sla_applied = { type: 'conversation_sla_summary', sla_name: rng.pick(['VIP, 1h first response', 'Standard 24h ⏱']), sla_status: rng.pick(['hit', 'missed', 'cancelled', 'active']) };
  }
  const bot = parts.find((p) => p.author?.type === 'bot');
  if (bot && rng.chance(0.7)) {
    const sources = rng.int(0, 2);
    c.ai_agent_participated = true;
    c.ai_agent = {
      source_type: rng.pick(['essentials_plan_setup', 'profile', 'workflow', 'workflow_preview', 'fin_preview']),
      source_title: rng.chance(0.7) ? 'My AI Workflow, "v2" 🤖' : null,
      last_answer_type: rng.pick(['ai_answer', 'custom_answer', null]),
      resolution_state: rng.pick(['assumed_resolution', 'confirmed_resolution', 'routed_to_team', 'abandoned', null]),
      rating: rng.chance(0.5) ? rng.int(1, 5) : null,
      rating_remark: rng.chance(0.3) ? rng.pick(TRICKY_TEXTS) : null,
      created_at: bot.created_at,
      updated_at: bot.updated_at ?? bot.created_at,
      content_sources: {
        type: 'content_source.list',
        total_count: sources,
        content_sources: Array.from({ length: sources }, (_, k) => ({
          content_type: k === 0 ? 'article' : 'content_snippet',
          url: k === 0 ? `/help/en/articles/${6871119 + rng.int(0, 99)}` : `/fin-ai-agent/content?content=content_snippet&id=${rng.int(1000000, 9999999)}`,
          title: k === 0 ? 'Refunds, "partial" & full' : 'My internal content snippet',
          locale: 'en',
        })),
      },
    };
  }
}

function extendConversations(o: Options, ws: Workspace): void {
  const rng = streamRng(o.seed, 'conversations');
  const rich = streamRng(o.seed, 'conversations-rich');
  for (const c of ws.conversations) {
    const parts = ws.parts.get(c.id) ?? [];
    extendParts(rng, ws, c, parts);
    if (c.statistics) Object.assign(c.statistics, statisticsExtras(rng, ws, c, parts));
    const teammates = c.teammates as { teammates?: unknown } | null | undefined;
    // The spec's key is `teammates` (admins who wrote parts); `admins` (the assignee) predates it and stays.
    if (teammates && typeof teammates === 'object') teammates.teammates = partAdmins(parts);
    if (o.richConversations) enrichConversation(rich, ws, c, parts);
  }
}

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

/** Which companies (by index) are forced to > 10 tags, exactly 10 tags and > 10 segments (when there are enough). */
export function companyEdgeCases(ws: Workspace): { manyTags?: Company; tenTags?: Company; manySegments?: Company } {
  const n = ws.companies.length;
  return { manyTags: ws.companies[n > 1 ? 1 : 0], tenTags: n > 2 ? ws.companies[2] : undefined, manySegments: ws.companies[n > 3 ? 3 : n - 1] };
}

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

/** ALL the company's tag ids (the served `tags.tags` shows the first 10). */
export function companyTagIds(ws: Workspace, companyId: string): string[] {
  return ws.companyTags.get(companyId) ?? [];
}

/** ALL the company's segment ids (the served `segments.segments` shows the first 10). */
export function companySegmentIds(ws: Workspace, companyId: string): string[] {
  return ws.companySegments.get(companyId) ?? [];
}

export const COMPANY_EMBEDDED_LIMIT = 10;

/** A company exactly as every endpoint serves it: tags and segments built from the full maps, capped at 10. */
export function companyView(ws: Workspace, company: Company): Company {
  const tags = companyTagIds(ws, company.id)
    .slice(0, COMPANY_EMBEDDED_LIMIT)
    .map((id) => ws.tags.find((t) => t.id === id))
    .filter((t) => t !== undefined);
  const segments = companySegmentIds(ws, company.id)
    .slice(0, COMPANY_EMBEDDED_LIMIT)
    .map((id) => ws.segments.find((s) => s.id === id))
    .filter((s) => s !== undefined);
  return { ...company, tags: { type: 'tag.list', tags: tags.map(tagBasic) }, segments: { type: 'segment.list', segments: segments.map((s) => ({ ...s })) } };
}

// Tickets -------------------------------------------------------------------------------------------

const TICKET_ID_BASE = 700_000;
const TICKET_PART_ID_BASE = 8_000_000_000;
const TICKET_STATE_DEFS: Array<[TicketState['category'], string, string]> = [
  ['submitted', 'Submitted', 'Submitted'],
  ['in_progress', 'With Dev Team', 'In Progress'],
  ['waiting_on_customer', 'Waiting on customer, "reply"', 'Awaiting your reply'],
  ['resolved', 'Resolved', 'Resolved ✅'],
];
const NEXT_TICKET_STATES: Record<TicketState['category'], Array<TicketState['category']>> = {
  submitted: ['in_progress'],
  in_progress: ['waiting_on_customer', 'resolved'],
  waiting_on_customer: ['in_progress', 'resolved'],
  resolved: ['in_progress'],
};

interface CustomTicketAttribute {
  name: string;
  data_type: string;
  value: (rng: Rng) => unknown;
}

const TICKET_TYPE_DEFS: Array<{ category: TicketType['category']; name: string; description: string; icon: string; archived: boolean; custom: CustomTicketAttribute }> = [
  { category: 'Customer', name: 'Bug report 🐞', description: 'A bug, "reproducible" or not', icon: '🐞', archived: false, custom: { name: 'Severity', data_type: 'list', value: (rng) => rng.pick(['Low', 'High, "urgent"', 'Critical 🔥']) } },
  { category: 'Back-office', name: 'Refund request', description: 'Refunds & credits', icon: '💸', archived: false, custom: { name: 'Refund amount', data_type: 'decimal', value: (rng) => rng.int(100, 99_999) / 100 } },
  { category: 'Tracker', name: 'Outage tracker', description: 'Customer reports of one outage', icon: '🚨', archived: true, custom: { name: 'Customer visible', data_type: 'boolean', value: (rng) => rng.chance(0.5) } },
];
const TICKET_TITLES = ['Login fails, "invalid token"', 'Refund for order #1234', 'Export to CSV is empty', 'App crashes on iOS 17 📱', 'Wrong VAT on invoice'];

type TicketPartKind = 'comment' | 'note' | 'assignment' | 'ticket_state_updated_by_admin' | 'ticket_attribute_updated_by_admin';
const TICKET_VARIETY: TicketPartKind[] = ['comment', 'ticket_state_updated_by_admin', 'note', 'assignment', 'ticket_attribute_updated_by_admin', 'comment', 'ticket_state_updated_by_admin', 'comment'];

function ticketTypeAttribute(ws: Workspace, id: number, typeId: number, name: string, dataType: string, order: number, at: number): TicketTypeAttribute {
  const standard = name.startsWith('_default_');
  return {
    type: 'ticket_type_attribute',
    id: String(id),
    workspace_id: ws.appId,
    name,
    description: standard ? (name === '_default_title_' ? 'Title' : 'Description') : `${name}, as the customer reports it`,
    data_type: dataType,
    input_options: dataType === 'list' ? { list_options: [{ label: 'Low' }, { label: 'High, "urgent"' }, { label: 'Critical 🔥' }] } : null,
    order,
    required_to_create: standard && name === '_default_title_',
    required_to_create_for_contacts: false,
    visible_on_create: true,
    visible_to_contacts: standard,
    default: standard,
    ticket_type_id: typeId,
    archived: false,
    created_at: at,
    updated_at: at,
  };
}

function ticketAuthor(ws: Workspace, rng: Rng, contacts: Contact[], kind: TicketPartKind): TicketPart['author'] {
  const admin = ws.admins.length > 0 ? rng.pick(ws.admins) : undefined;
  if (kind === 'comment' && contacts.length > 0 && (!admin || rng.chance(0.5))) {
    const c = rng.pick(contacts);
    return { type: 'user', id: c.id, name: c.name ?? null, email: c.email ?? null };
  }
  if (!admin || (kind === 'assignment' && rng.chance(0.3))) return { type: 'bot', id: BOT.id!, name: BOT.name ?? null, email: BOT.email ?? null };
  return { type: 'admin', id: admin.id, name: admin.name ?? null, email: admin.email ?? null };
}

function genTickets(o: Options, ws: Workspace): void {
  const rng = streamRng(o.seed, 'tickets');
  const now = o.now;
  let stateId = 8530 + rng.int(0, 9);
  ws.ticketStates = TICKET_STATE_DEFS.map(([category, internal, external]) => ({ type: 'ticket_state', id: String((stateId += rng.int(1, 40))), category, internal_label: internal, external_label: external }));
  let typeId = 95 + rng.int(0, 4);
  let attributeId = 210 + rng.int(0, 9);
  ws.ticketTypes = TICKET_TYPE_DEFS.map((d) => {
    typeId += rng.int(1, 5);
    const created = now - rng.int(400 * DAY, 600 * DAY);
    const attrs = [
      ['_default_title_', 'string'],
      ['_default_description_', 'string'],
      [d.custom.name, d.custom.data_type],
    ].map(([name, dataType], order) => ticketTypeAttribute(ws, (attributeId += 1), typeId, name, dataType, order, created));
    return {
      type: 'ticket_type',
      id: String(typeId),
      category: d.category,
      name: d.name,
      description: d.description,
      icon: d.icon,
      workspace_id: ws.appId,
      archived: d.archived,
      created_at: created,
      updated_at: created + rng.int(0, 300 * DAY),
      is_internal: d.category !== 'Customer',
      ticket_type_attributes: { type: 'list', data: attrs },
    };
  });
  const createdTimes = Array.from({ length: o.tickets }, () => now - rng.int(Math.round(0.05 * DAY), 120 * DAY)).sort((a, b) => a - b);
  let idSeq = TICKET_ID_BASE;
  let partSeq = TICKET_PART_ID_BASE;
  createdTimes.forEach((created, k) => {
    idSeq += rng.int(1, 20);
    const id = String(idSeq);
    const defIndex = k < TICKET_TYPE_DEFS.length ? k : rng.int(0, TICKET_TYPE_DEFS.length - 1);
    const def = TICKET_TYPE_DEFS[defIndex];
    const ticketType = ws.ticketTypes[defIndex];
    // Ticket 1 has no contacts (it happens: back-office tickets); others 1–2.
    const contactCount = ws.contacts.length === 0 || k === 1 ? 0 : rng.chance(0.25) ? 2 : 1;
    const contacts = rng.sample(ws.contacts, contactCount);
    const attributes: Record<string, unknown> = {
      _default_title_: rng.chance(0.2) ? rng.pick(TRICKY_TEXTS) : rng.pick(TICKET_TITLES),
      _default_description_: rng.chance(0.3) ? null : rng.pick(TRICKY_TEXTS),
      [def.custom.name]: def.custom.value(rng),
    };
    const partCount = k === 0 ? o.maxPartsPerTicket : k === 2 ? 0 : rng.int(0, o.maxPartsPerTicket);
    const parts: TicketPart[] = [];
    let state: TicketState['category'] = 'submitted';
    const gap = Math.max(1, Math.floor((now - created) / (partCount + 1)));
    let t = created;
    for (let i = 0; i < partCount; i++) {
      t += rng.int(1, gap);
      const roll = rng.next();
      const kind: TicketPartKind =
        k === 0 && i < TICKET_VARIETY.length
          ? TICKET_VARIETY[i]
          : roll < 0.4
            ? 'comment'
            : roll < 0.55
              ? 'note'
              : roll < 0.7
                ? 'assignment'
                : roll < 0.88
                  ? 'ticket_state_updated_by_admin'
                  : 'ticket_attribute_updated_by_admin';
      const previous = state;
      if (kind === 'ticket_state_updated_by_admin') state = rng.pick(NEXT_TICKET_STATES[state]);
      const author = ticketAuthor(ws, rng, contacts, kind);
      partSeq += rng.int(1, 3);
      const attachments = kind === 'comment' && (k === 0 || rng.chance(0.25)) ? Array.from({ length: rng.int(1, 2) }, (_, n) => attachment(rng, (partSeq + n) % 1000)) : [];
      const part: TicketPart = {
        type: 'ticket_part',
        id: String(partSeq),
        part_type: kind,
        body: kind === 'comment' || kind === 'note' ? htmlBody(rng, rng.pick(TRICKY_TEXTS)) : null,
        previous_ticket_state: previous,
        ticket_state: state,
        created_at: t,
        updated_at: Math.min(now, t + (rng.chance(0.1) ? rng.int(1, 120) : 0)),
        assigned_to: kind === 'assignment' ? ticketAssignee(ws, rng) : null,
        author,
        attachments,
        external_id: rng.chance(0.1) ? `ext-${rng.hex(8)}` : null,
        redacted: false,
      };
      if (author.type === 'admin' && kind === 'comment' && rng.chance(0.3)) part.app_package_code = 'test-integration';
      if (kind === 'ticket_attribute_updated_by_admin') {
        const value = def.custom.value(rng);
        attributes[def.custom.name] = value;
        const attr = ticketType.ticket_type_attributes.data[2];
        part.updated_attribute_data = { attribute: { type: 'attribute', id: attr.id, label: attr.name }, value: { type: 'value', id: String(value), label: String(value) } };
      }
      parts.push(part);
    }
    ws.ticketParts.set(id, parts);
    const open = state !== 'resolved';
    const linked: LinkedObject[] = [];
    if (ws.conversations.length > 0 && rng.chance(0.3)) linked.push({ type: 'conversation', id: rng.pick(ws.conversations).id, category: null });
    if (def.category === 'Tracker' && ws.tickets.length > 0) {
      const customer = ws.tickets.filter((x) => x.category === 'Customer');
      if (customer.length > 0) linked.push({ type: 'ticket', id: rng.pick(customer).id, category: 'Customer' });
    }
    ws.tickets.push({
      type: 'ticket',
      id,
      ticket_id: String(k + 1),
      category: def.category,
      ticket_attributes: attributes,
      ticket_state: { ...ws.ticketStates.find((s) => s.category === state)! },
      ticket_type: ticketType,
      contacts: { type: 'contact.list', contacts: contacts.map((c) => ({ type: 'contact', id: c.id, external_id: c.external_id ?? null })) },
      admin_assignee_id: ws.admins.length > 0 && rng.chance(0.6) ? rng.pick(ws.admins).id : null,
      team_assignee_id: ws.teams.length > 0 && rng.chance(0.4) ? rng.pick(ws.teams).id : null,
      created_at: created,
      updated_at: Math.max(created, ...parts.map((p) => p.updated_at)),
      open,
      snoozed_until: open && rng.chance(0.15) ? now + rng.int(3600, 7 * DAY) : null,
      linked_objects: { type: 'list', total_count: linked.length, has_more: false, data: linked },
      is_shared: def.category === 'Customer' && rng.chance(0.8),
    });
  });
}

function ticketAssignee(ws: Workspace, rng: Rng): { type: string; id: string } | null {
  if (ws.teams.length > 0 && rng.chance(0.3)) return { type: 'team', id: rng.pick(ws.teams).id };
  return ws.admins.length > 0 ? { type: 'admin', id: rng.pick(ws.admins).id } : null;
}

/** 2.16's previous_ticket_state_id: the state before the most recent state change, null without one. */
export function previousTicketStateId(ws: Workspace, ticketId: string): string | null {
  const change = [...(ws.ticketParts.get(ticketId) ?? [])].reverse().find((p) => p.part_type === 'ticket_state_updated_by_admin');
  return change ? (ws.ticketStates.find((s) => s.category === change.previous_ticket_state)?.id ?? null) : null;
}

// Help center -----------------------------------------------------------------------------------------

const COLLECTION_NAMES = ['Getting started 🚀', 'Billing & invoices', 'Account, "security" and privacy', 'Integrations', 'Troubleshooting', 'Über uns — FAQ', 'よくある質問'];
const SECTION_NAMES = ['Basics', 'Advanced, "power" users', 'Payments', 'Single sign-on', 'Mobile 📱', 'Import & export', 'Limits'];
const ARTICLE_TITLES = ['How to reset your password', 'Invoices, "pro forma" & receipts', 'Connecting Slack 💬', 'Why is my export empty?', 'Zoë’s guide to façade settings', 'データのエクスポート', 'Rate limits explained'];
const COLLECTION_ICONS = ['bookmark', 'book-bookmark', 'chat-bubble', 'rocket'];

function genHelpCenter(o: Options, ws: Workspace): void {
  const rng = streamRng(o.seed, 'help-center');
  const now = o.now;
  const helpCenters = [79 + rng.int(0, 5), 90 + rng.int(0, 5)];
  const topLevel = Math.max(1, Math.ceil(o.collections / 3));
  const siblings = new Map<string | null, number>();
  let id = 159 + rng.int(0, 20);
  for (let i = 0; i < o.collections; i++) {
    id += rng.int(1, 5);
    const top = i < topLevel;
    const parent = top ? null : rng.pick(ws.collections.filter((c) => depthOf(ws, c) < 3));
    const created = now - rng.int(30 * DAY, 800 * DAY);
    const base = top ? COLLECTION_NAMES[i % COLLECTION_NAMES.length] : rng.pick(SECTION_NAMES);
    const name = top && i < COLLECTION_NAMES.length ? base : `${base} ${i + 1}`;
    const description = rng.chance(0.25) ? null : rng.chance(0.15) ? '' : rng.pick(TRICKY_TEXTS);
    const order = (siblings.get(parent?.id ?? null) ?? 0) + 1;
    siblings.set(parent?.id ?? null, order);
    ws.collections.push({
      id: String(id),
      workspace_id: ws.appId,
      name,
      url: `http://help-center.example.com/${ws.appId}/${top ? 'collection' : 'section'}-${id}-${slugOf(name)}`,
      order,
      created_at: created,
      updated_at: created + rng.int(0, now - created),
      description,
      icon: rng.pick(COLLECTION_ICONS),
      parent_id: parent?.id ?? null,
      // As in the spec's example: sections (with a parent) carry no help_center_id.
      help_center_id: top ? rng.pick(helpCenters) : null,
      default_locale: 'en',
      translated_content: {
        type: 'group_translated_content',
        en: { type: 'group_content', name, description },
        ...(rng.chance(0.4) ? { fr: { type: 'group_content' as const, name: `${name} (FR)`, description: description === null ? null : `Description en français : ${description}` } } : {}),
      },
    });
  }
  let articleId = 6_871_000 + rng.int(0, 99);
  for (let i = 0; i < o.articles; i++) {
    articleId += rng.int(1, 9);
    const created = now - rng.int(DAY, 700 * DAY);
    const updated = rng.chance(0.3) ? Math.max(created, now - rng.int(0, 7 * DAY)) : created + rng.int(0, now - created);
    const state = i === 0 ? 'published' : i === 1 ? 'draft' : rng.chance(0.75) ? 'published' : 'draft';
    const author = ws.admins.length > 0 ? Number(rng.pick(ws.admins).id) : Number(BOT.id);
    const title = i < ARTICLE_TITLES.length ? ARTICLE_TITLES[i] : rng.chance(0.3) ? rng.pick(TRICKY_TEXTS) : `${rng.pick(ARTICLE_TITLES)} (${i + 1})`;
    const description = rng.chance(0.3) ? '' : rng.chance(0.2) ? null : rng.pick(TRICKY_TEXTS);
    const body = rng.chance(0.05) ? '' : htmlBody(rng, rng.pick(TRICKY_TEXTS));
    const url = state === 'published' ? `http://help-center.example.com/${ws.appId}/en/articles/${articleId}-${slugOf(title)}` : null;
    const parent = ws.collections.length > 0 && i !== 2 && rng.chance(0.8) ? rng.pick(ws.collections) : null;
    // Article 3 repeats the spec example's quirk: a parent_id with an empty parent_ids.
    const parentIds = parent && i !== 3 ? ancestryOf(ws, parent).map(Number) : [];
    const content = (locale: string, t: string): ArticleContent => ({
      type: 'article_content',
      title: t,
      description: locale === 'en' ? description : description && `(${locale}) ${description}`,
      body: locale === 'en' ? body : `<p>(${locale}) ${escapeHtml(t)}</p>`,
      author_id: author,
      state,
      created_at: created,
      updated_at: updated,
      url: url && url.replace('/en/', `/${locale}/`),
    });
    const translations: Record<string, ArticleContent> = { en: content('en', title) };
    if (i === 0 || rng.chance(0.3)) translations.fr = content('fr', `${title} (en français)`);
    if (i === 0) translations['pt-BR'] = content('pt-BR', `${title} (em português)`);
    ws.articles.push({
      type: 'article',
      id: String(articleId),
      workspace_id: ws.appId,
      title,
      description,
      body,
      author_id: author,
      state,
      created_at: created,
      updated_at: updated,
      url,
      parent_id: parent ? Number(parent.id) : null,
      parent_type: parent ? 'collection' : null,
      parent_ids: parentIds,
      default_locale: 'en',
      tags: { type: 'tag.list', tags: rng.sample(ws.tags, rng.chance(0.3) ? rng.int(1, 2) : 0).map(tagBasic) },
      translated_content: { type: 'article_translated_content', ...translations },
    });
  }
}

function depthOf(ws: Workspace, c: HelpCenterCollection): number {
  return ancestryOf(ws, c).length;
}

/** The collection's ids from the top-level collection down to itself. */
function ancestryOf(ws: Workspace, c: HelpCenterCollection): string[] {
  const chain: string[] = [];
  for (let cur: HelpCenterCollection | undefined = c; cur; cur = ws.collections.find((x) => x.id === cur!.parent_id)) chain.unshift(cur.id);
  return chain;
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

// Data attributes ----------------------------------------------------------------------------------------

export const DATA_ATTRIBUTE_MODELS = ['contact', 'company', 'conversation'] as const;

/**
 * What GET /data_attributes?model=… serves in `data`: a few standard attributes (custom: false) and one custom
 * attribute for every key the model's records use, typed from its values: numbers as integer or float, booleans,
 * `*_date` keys as date, anything else (lists and objects too, as Intercom allows) as string. The company model
 * repeats the spec's quirk of two attributes named `name` (full_name `name` and `plan.name`); the conversation model
 * has one archived custom attribute, listed only with include_archived.
 */
export function dataAttributeDefinitions(ws: Workspace, model: string, includeArchived = false): DataAttribute[] {
  const records: Array<{ custom_attributes?: Record<string, unknown> | null }> =
    model === 'contact' ? ws.contacts : model === 'company' ? ws.companies : model === 'conversation' ? ws.conversations : [];
  if (!(DATA_ATTRIBUTE_MODELS as readonly string[]).includes(model)) throw new Error(`model must be contact, company or conversation, not ${model}`);
  const seen = new Map<string, Set<string>>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r.custom_attributes ?? {})) {
      const t = k.endsWith('_date') ? 'date' : typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'float') : v === null ? '' : 'string';
      seen.set(k, (seen.get(k) ?? new Set()).add(t));
    }
  }
  const types = new Map<string, string>();
  for (const [k, ts] of seen) {
    ts.delete('');
    types.set(k, ts.size === 1 ? [...ts][0] : [...ts].every((t) => t === 'integer' || t === 'float') && ts.size > 0 ? 'float' : 'string');
  }
  const attribute = (name: string, dataType: string, custom: boolean, i: number): DataAttribute => ({
    type: 'data_attribute', id: 100 + i, model, name, full_name: custom ? `custom_attributes.${name}` : name, label: name, description: '', data_type: dataType,
    api_writable: true, ui_writable: true, messenger_writable: false, custom, archived: false, created_at: ws.generatedAt - 400 * DAY, updated_at: ws.generatedAt - 100 * DAY, admin_id: null,
  });
  const standard = ['name', 'email', 'created_at'].map((n, i) => attribute(n, n === 'created_at' ? 'date' : 'string', false, i));
  if (model === 'company') {
    // Standard attributes have no id in the spec's example; this one also shares its name with `name`.
    standard.push({ ...attribute('name', 'string', false, 0), id: null, full_name: 'plan.name', label: 'Plan', description: 'A specific plan or level within your product that companies have signed up to', api_writable: false, ui_writable: false, messenger_writable: true });
  }
  const custom = [...types.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, t], i) => attribute(n, t, true, 10 + i));
  if (model === 'conversation' && includeArchived) {
    custom.push({ ...attribute('legacy_sla_tier', 'string', true, 10 + custom.length), archived: true, description: 'Replaced by SLA rules, "2024"', admin_id: ws.admins[0]?.id ?? null });
  }
  return [...standard, ...custom];
}

/**
 * What GET /conversations/attributes (API 2.16) serves in `data`: the conversation model's custom attributes of
 * dataAttributeDefinitions in the spec's conversation_attribute shape. Types by 2.16's names (float → decimal,
 * date → datetime); a string attribute with a few distinct values becomes a `list` with options
 * ({id, label, archived}), as the inbox's dropdown attributes are; `multiline` on string ones.
 */
export function conversationAttributeDefinitions(ws: Workspace, includeArchived = false): Array<Record<string, unknown>> {
  const TYPES: Record<string, string> = { float: 'decimal', date: 'datetime' };
  return dataAttributeDefinitions(ws, 'conversation', includeArchived)
    .filter((d) => d.custom)
    .map((d) => {
      const values = [...new Set(ws.conversations.map((c) => c.custom_attributes?.[d.name]).filter((v) => v !== undefined && v !== null))];
      const list = d.data_type === 'string' && values.length > 0 && values.length <= 5 && values.every((v) => typeof v === 'string');
      const dataType = list ? 'list' : (TYPES[d.data_type as string] ?? d.data_type);
      return {
        type: 'conversation_attribute',
        id: d.id,
        name: d.name,
        description: d.description ?? '',
        data_type: dataType,
        required: false,
        visible_to_team_ids: [],
        archived: d.archived,
        created_at: d.created_at,
        updated_at: d.updated_at,
        admin_id: d.admin_id === null ? null : String(d.admin_id),
        ...(dataType === 'string' ? { multiline: false } : {}),
        ...(list ? { options: (values as string[]).sort().map((label, i) => ({ id: `00000000-0000-4000-8000-${String(Number(d.id) * 10 + i).padStart(12, '0')}`, label, archived: false })) } : {}),
      };
    });
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
  // Deletions shrink the lists, so they join the salt (only when there are some: earlier ids stay as they were),
  // else an addContact after a deleteContact at the same `at` would bring back the deleted contact's id.
  const removed = ws.deletedContacts.length + ws.deletedConversations.length;
  const digest = createHash('sha256').update(`${salt}:${ws.contacts.length}:${ws.conversations.length}:${ws.notes.size}${removed > 0 ? `:${removed}` : ''}`).digest();
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
    id: String(maxNumericId([...[...ws.notes.values()].flat().map((n) => n.id), ...ws.deletedContacts.flatMap((d) => d.note_ids)]) + 1),
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
    id: String(maxNumericId([...[...ws.parts.values()].flat().map((p) => p.id), ...ws.deletedConversations.flatMap((d) => d.part_ids)]) + 1),
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
    email_message_metadata: null,
    state: conversation.state ?? 'open',
    tags: [],
    event_details: null,
    app_package_code: null,
  };
  ws.parts.set(conversationId, [...(ws.parts.get(conversationId) ?? []), part]);
  conversation.updated_at = at;
  const teammates = conversation.teammates as { teammates?: unknown } | null | undefined;
  if (teammates && typeof teammates === 'object') teammates.teammates = partAdmins(ws.parts.get(conversationId)!);
  return part;
}

/** Appends an open, unassigned conversation started by the first contact, with no parts. */
export function addConversation(ws: Workspace, at: number): Conversation {
  const starter = ws.contacts[0];
  if (!starter) throw new Error('workspace has no contacts');
  const id = String(maxNumericId([...ws.conversations, ...ws.deletedConversations].map((c) => c.id)) + 1);
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
    // The spec's fields the original helper left out.
    first_contact_reply: { created_at: at, type: 'conversation', url: null },
    sla_applied: null,
    conversation_rating: null,
    teammates: { type: 'admin.list', admins: [], teammates: [] },
    topics: {},
    ticket: null,
    linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
    ai_agent: null,
    ai_agent_participated: false,
  };
  ws.conversations.push(conversation);
  ws.parts.set(id, []);
  return conversation;
}

// Deletions ---------------------------------------------------------------------------------------------
// Each helper takes the record out of the workspace's lists and maps, so every read endpoint stops showing it where
// Intercom does, records the removal in ws.deleted*, and leaves every other record's updated_at alone (only a merge
// touches the user it merges into). Records that merely refer to the removed one (conversations' and tickets'
// contacts, tickets' linked conversations, companies' user_count) are left as they were.

/**
 * Each record's position in a list counting every record ever added to it, removed ones included (they leave gaps):
 * `count` records now, `removed` taken out. Equal to the index while nothing was removed. The lists only ever grow
 * at the end, so these positions never change while a record stays; the server keys its cursors on them.
 */
export function listPositions(count: number, removed: ReadonlyArray<{ position: number }>): number[] {
  const gaps = removed.map((r) => r.position).sort((a, b) => a - b);
  const positions: number[] = [];
  let skipped = 0;
  for (let i = 0; i < count; i++) {
    while (skipped < gaps.length && gaps[skipped] <= i + skipped) skipped++;
    positions.push(i + skipped);
  }
  return positions;
}

/** Takes the record out of `list`; its position counts the records removed before (see listPositions). */
function takeOut<T extends { id: string }>(list: T[], removed: ReadonlyArray<{ position: number }>, id: string, what: string): { record: T; position: number } {
  const index = list.findIndex((r) => r.id === id);
  if (index === -1) throw new Error(`no ${what} ${id}`);
  const position = listPositions(list.length, removed)[index];
  const [record] = list.splice(index, 1);
  return { record, position };
}

function removeContact(ws: Workspace, id: string, at: number, mergedInto: string | null): DeletedContact {
  const { record: contact, position } = takeOut(ws.contacts, ws.deletedContacts, id, 'contact');
  const deleted: DeletedContact = { id, deleted_at: at, position, role: contact.role, merged_into: mergedInto, note_ids: (ws.notes.get(id) ?? []).map((n) => n.id) };
  for (const links of [ws.contactTags, ws.contactCompanies, ws.contactSegments, ws.notes, ws.events]) links.delete(id);
  ws.deletedContacts.push(deleted);
  return deleted;
}

/**
 * DELETE /contacts/{id}: the contact leaves GET /contacts, contact search (segment_id and tag_id too) and
 * GET /contacts/{id} with its sub-resources (404 not_found, as for any unknown id); its tags, companies, segments,
 * notes and events go with it. Conversations, tickets and companies that refer to it keep doing so.
 */
export function deleteContact(ws: Workspace, id: string, at: number): DeletedContact {
  return removeContact(ws, id, at, null);
}

/**
 * POST /contacts/merge {from, into}: the lead goes as with deleteContact (from lists, search and GET /contacts/{id},
 * as the spec's warning says); the user gains the lead's tags and companies (appended after its own, without
 * repeats) and its notes (now referring to the user, all newest first), and its updated_at becomes `at`.
 * The user's merge history (2.16: GET /contacts/{id}/merge_history, include_merge_history) then lists the lead.
 * Returns the user, as the endpoint does.
 */
export function mergeContact(ws: Workspace, fromLeadId: string, intoUserId: string, at: number): Contact {
  const lead = findContact(ws, fromLeadId);
  const user = findContact(ws, intoUserId);
  if (lead.role !== 'lead') throw new Error(`contact ${fromLeadId} is a ${lead.role}: only a lead can be merged from`);
  if (user.role !== 'user') throw new Error(`contact ${intoUserId} is a ${user.role}: a lead can only be merged into a user`);
  const union = (own: string[], more: string[]) => [...own, ...more.filter((x, i) => !own.includes(x) && more.indexOf(x) === i)];
  ws.contactTags.set(user.id, union(ws.contactTags.get(user.id) ?? [], ws.contactTags.get(lead.id) ?? []));
  ws.contactCompanies.set(user.id, union(ws.contactCompanies.get(user.id) ?? [], ws.contactCompanies.get(lead.id) ?? []));
  const own = ws.notes.get(user.id) ?? [];
  const moved = (ws.notes.get(lead.id) ?? []).filter((n) => !own.some((o) => o.id === n.id)).map((n): Note => ({ ...n, contact: { type: 'contact', id: user.id } }));
  // A stable sort: the user's notes keep their order, and come before the lead's from the same second.
  ws.notes.set(user.id, [...own, ...moved].sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0)));
  ws.notes.set(lead.id, []);
  user.updated_at = at;
  removeContact(ws, lead.id, at, user.id);
  return user;
}

/**
 * DELETE /companies/{id}: the company leaves the scroll, GET /companies (tag_id and segment_id listings too),
 * GET /companies/{id} (404 company_not_found), and every contact's companies (embedded and
 * /contacts/{id}/companies), with no contact's updated_at changing.
 */
export function deleteCompany(ws: Workspace, id: string, at: number): DeletedRecord {
  const { position } = takeOut(ws.companies, ws.deletedCompanies, id, 'company');
  ws.companyTags.delete(id);
  ws.companySegments.delete(id);
  for (const [contactId, ids] of ws.contactCompanies) if (ids.includes(id)) ws.contactCompanies.set(contactId, ids.filter((x) => x !== id));
  const deleted: DeletedRecord = { id, deleted_at: at, position };
  ws.deletedCompanies.push(deleted);
  return deleted;
}

/**
 * DELETE /tags/{id}: the tag leaves GET /tags and every contact's, company's, conversation's (and its parts'), and
 * article's tags, with no updated_at changing.
 */
export function deleteTag(ws: Workspace, id: string, at: number): DeletedRecord {
  const { position } = takeOut(ws.tags, ws.deletedTags, id, 'tag');
  const without = <T extends { id?: string | null }>(tags: T[]) => tags.filter((t) => t.id !== id);
  for (const links of [ws.contactTags, ws.companyTags]) for (const [owner, ids] of links) if (ids.includes(id)) links.set(owner, ids.filter((x) => x !== id));
  for (const holder of [...ws.companies, ...ws.conversations, ...ws.articles] as Array<{ tags?: { tags?: Tag[] } | null }>) {
    if (holder.tags?.tags?.some((t) => t.id === id)) holder.tags = { ...holder.tags, tags: without(holder.tags.tags) };
  }
  for (const part of [...ws.parts.values()].flat()) if (Array.isArray(part.tags) && part.tags.some((t: Tag) => t.id === id)) part.tags = without(part.tags as Tag[]);
  const deleted: DeletedRecord = { id, deleted_at: at, position };
  ws.deletedTags.push(deleted);
  return deleted;
}

/**
 * A segment deleted in Intercom's UI (the API has no DELETE for segments): it leaves GET /segments, GET
 * /segments/{id} (404) and every contact's and company's segments, with no updated_at changing.
 */
export function deleteSegment(ws: Workspace, id: string): void {
  const at = ws.segments.findIndex((s) => s.id === id);
  if (at < 0) throw new Error(`no segment ${id}`);
  ws.segments.splice(at, 1);
  for (const links of [ws.contactSegments, ws.companySegments]) for (const [owner, ids] of links) if (ids.includes(id)) links.set(owner, ids.filter((x) => x !== id));
}

/**
 * DELETE /conversations/{id}[?retain_metrics=false]: the conversation and its parts leave GET /conversations,
 * conversation search and GET /conversations/{id} (404 not_found); GET /conversations/deleted (2.16) lists it with
 * deleted_at `at` and metrics_retained (true unless retainMetrics is false, as the endpoint's default).
 */
export function deleteConversation(ws: Workspace, id: string, at: number, options: { retainMetrics?: boolean } = {}): DeletedConversation {
  const { position } = takeOut(ws.conversations, ws.deletedConversations, id, 'conversation');
  const deleted: DeletedConversation = { id, deleted_at: at, position, metrics_retained: options.retainMetrics ?? true, part_ids: (ws.parts.get(id) ?? []).map((p) => p.id) };
  ws.parts.delete(id);
  ws.deletedConversations.push(deleted);
  return deleted;
}

// Tickets ---------------------------------------------------------------------------------------------

function findTicket(ws: Workspace, id: string): Ticket {
  const ticket = ws.tickets.find((t) => t.id === id);
  if (!ticket) throw new Error(`no ticket ${id}`);
  return ticket;
}

export function updateTicket(ws: Workspace, id: string, patch: Partial<Ticket>, at: number): Ticket {
  return Object.assign(findTicket(ws, id), patch, { updated_at: at });
}

/** Appends an admin comment (the next part id in the workspace) and bumps the ticket's `updated_at`. */
export function addTicketPart(ws: Workspace, ticketId: string, at: number, body = '<p>We are on it, "soon" 🛠</p>'): TicketPart {
  const ticket = findTicket(ws, ticketId);
  const admin = ws.admins[0];
  const part: TicketPart = {
    type: 'ticket_part',
    id: String(maxNumericId([String(TICKET_PART_ID_BASE), ...[...ws.ticketParts.values()].flat().map((p) => p.id)]) + 1),
    part_type: 'comment',
    body,
    previous_ticket_state: ticket.ticket_state.category,
    ticket_state: ticket.ticket_state.category,
    created_at: at,
    updated_at: at,
    assigned_to: null,
    author: admin ? { type: 'admin', id: admin.id, name: admin.name ?? null, email: admin.email ?? null } : { type: 'bot', id: BOT.id!, name: BOT.name ?? null, email: BOT.email ?? null },
    attachments: [],
    external_id: null,
    redacted: false,
  };
  ws.ticketParts.set(ticketId, [...(ws.ticketParts.get(ticketId) ?? []), part]);
  ticket.updated_at = at;
  return part;
}

/** Appends a submitted, unassigned ticket of the first ticket type for the first contact, with no parts (the highest id, so it lists last). */
export function addTicket(ws: Workspace, at: number): Ticket {
  const type = ws.ticketTypes[0];
  const state = ws.ticketStates.find((s) => s.category === 'submitted');
  if (!type || !state) throw new Error('workspace has no ticket types');
  const contact = ws.contacts[0];
  const id = String(maxNumericId([String(TICKET_ID_BASE), ...ws.tickets.map((t) => t.id)]) + 1);
  const ticket: Ticket = {
    type: 'ticket',
    id,
    ticket_id: String(maxNumericId(ws.tickets.map((t) => t.ticket_id)) + 1),
    category: type.category,
    ticket_attributes: { _default_title_: 'New ticket, "fresh" 🎫', _default_description_: null },
    ticket_state: { ...state },
    ticket_type: type,
    contacts: { type: 'contact.list', contacts: contact ? [{ type: 'contact', id: contact.id, external_id: contact.external_id ?? null }] : [] },
    admin_assignee_id: null,
    team_assignee_id: null,
    created_at: at,
    updated_at: at,
    open: true,
    snoozed_until: null,
    linked_objects: { type: 'list', total_count: 0, has_more: false, data: [] },
    is_shared: true,
  };
  ws.tickets.push(ticket);
  ws.ticketParts.set(id, []);
  return ticket;
}
