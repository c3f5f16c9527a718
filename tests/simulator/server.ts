// An Intercom API 2.x look-alike on 127.0.0.1 that serves a generated Workspace with the real
// envelopes, pagination styles and documented quirks (see api.intercom.io.2.14.yaml). It reads
// the workspace on every request, so tests may mutate it between runs.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  CappedList,
  Company,
  Contact,
  Conversation,
  ConversationPart,
  CursorPages,
  DataEvent,
  DataEventSummaryItem,
  ErrorList,
} from '../../src/generated/intercom.js';
import { ApiError, badRequest, intParam, numberedCursorPage, requireVersion } from './http-kit.js';
import { DAY, EVENT_LIST_WINDOW, type Article, type Ticket, type Workspace } from './model.js';
import { WORKSPACE_ROUTES } from './routes-workspace.js';
import { scopeOfPath } from './scopes.js';
import {
  companySegmentIds,
  companyTagIds,
  companyView,
  conversationAttributeDefinitions,
  DATA_ATTRIBUTE_MODELS,
  dataAttributeDefinitions,
  eventDescription,
  listPositions,
  previousTicketStateId,
  toPlaintext,
} from './views.js';

export interface InterceptRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** 1-based count of requests to this route key since the server started (not reset by resetStats). */
  n: number;
  /** The route key, as in stats.byRoute: 'GET /conversations/:id'. */
  route: string;
  /** A POST's JSON body (a search's query and sort), when it has one that parses. */
  body?: any;
}

export type InterceptResult =
  | undefined
  /** Served instead; a string/Buffer body is sent raw (garbled JSON), undefined sends an empty body. */
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | 'reset'
  | 'hang'
  /** Sends a 200's headers, then one byte of body every 200 ms, never finishing. */
  | 'trickle';

export interface SimulatorOptions {
  workspace: Workspace;
  token: string;
  /** Requests with this token get 403 api_plan_restricted. */
  restrictedToken?: string;
  /**
   * More tokens the app knows, each with the scopes it was given (tests/simulator/scopes.ts): a route asking for
   * another answers 403 forbidden, as for a missing scope.
   */
  scopes?: Record<string, string[]>;
  /** GET /me's app.region: how Intercom names the workspace's region ("US", "Europe"); EU by default. */
  appRegion?: string;
  rateLimit?: { limit: number; windowSeconds: number };
  /** The server's clock runs this many seconds ahead of the real one (negative: behind): X-RateLimit-Reset and Date follow it. */
  clockSkewSeconds?: number;
  latencyMs?: number;
  /** A companies scroll unused for this long expires. */
  scrollIdleMs?: number;
  /**
   * The server's clock, ms (Date.now by default): scroll expiry and rate-limit windows follow it. A test that
   * shares its ManualClock with the client makes both sides keep the same time, whatever the machine's speed.
   */
  now?: () => number;
  /** Companies per scroll page. */
  scrollPageSize?: number;
  /**
   * Records per page of GET /contacts, GET /conversations and the searches at most, whatever per_page asks: a
   * server may send fewer than asked. Small pages let a small workspace's reads stop at a page boundary.
   */
  pageSize?: number;
  /** Contacts created less than this many seconds before ws.now are not yet searchable. */
  searchLagSeconds?: number;
  intercept?: (req: InterceptRequest) => InterceptResult;
  /**
   * Loses an answer after it was made: the request took effect (a scroll moved on past the page), then the answer
   * is replaced by this failure, as when a connection drops or a proxy answers 500 on the way back.
   */
  lose?: (req: InterceptRequest) => InterceptResult;
  /**
   * Asked at each scroll continuation: true breaks the scroll as the spec's "Scroll network timeouts" describes, a
   * 500 asking for a restart; the broken scroll's scroll_param is then not found, and it blocks a new scroll until
   * it has been idle scrollIdleMs.
   */
  breakScroll?: () => boolean;
  /** Rewrites a successful answer before it is sent (a hostile or unusual shape built from the real one). */
  rewrite?: (req: InterceptRequest, body: any) => unknown;
  /**
   * GET /contacts order. Intercom does not document it; `updated_desc` moves a contact updated mid-read to the
   * front, onto a page already read, as GET /conversations does with conversations.
   */
  contactsOrder?: 'created' | 'updated_desc';
  /** Where GET /contacts/{id}/companies puts its list: the spec's example says `data`, its schema `companies`. */
  contactCompaniesKey?: 'data' | 'companies';
  /** Put null items where the spec allows them: in the admins list and in event summaries. */
  nullItems?: boolean;
  /**
   * Render empty embedded lists as the spec allows, since it marks none of them required: for about half the
   * records the list's object is left out, for the others null (see sparsen).
   */
  sparseLists?: boolean;
  /**
   * GET /contacts and GET /conversations cursors that stand for a page number rather than the last record: the
   * cursor's internals are not documented, and with these a burst of updates shifts whole pages down.
   */
  offsetCursors?: boolean;
}

export interface SimulatorStats {
  requests: number;
  byRoute: Record<string, number>;
  maxInFlight: number;
  rateLimited: number;
}

export interface Simulator {
  url: string;
  stats: SimulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

const PARTS_LIMIT = 500;
const CAPPED_LIST_SIZE = 10;
const SEARCH_GROUP_LIMIT = 15;

/**
 * The Intercom-Version header as a number that orders as the versions do: "2.9" → 2.09 and "2.16" → 2.16 (a plain
 * Number("2.9") would rank 2.9 after 2.16). No header: 2.14, this simulator's app version. Anything else that is not
 * a number ("Unstable") ranks after every numbered version.
 */
function versionOf(header: string | undefined): number {
  const raw = header ?? '2.14';
  const numbered = /^(\d+)\.(\d+)$/.exec(raw.trim());
  if (numbered) return Number(`${Number(numbered[1])}.${numbered[2].padStart(2, '0')}`);
  const n = Number(raw);
  return Number.isFinite(n) ? n : 99;
}

/** The embedded lists the spec does not require, by their object and the list in it (none: the value is the list). */
const SPARSE_LISTS: Array<[string, string | undefined]> = [
  ['companies', 'data'], ['tags', 'data'], ['social_profiles', 'data'], ['notes', 'data'], // contacts
  ['tags', 'tags'], ['segments', 'segments'], // companies, conversations
  ['contacts', 'contacts'], ['teammates', 'teammates'], // conversations, tickets
  ['admin_ids', undefined], // teams
  ['conversation_parts', 'conversation_parts'], ['ticket_parts', 'ticket_parts'], // details
];

/**
 * An answer whose records' empty embedded lists are left out or null (by the parity of a hash of the record's id,
 * so the same record has the same shape every time): what SimulatorOptions.sparseLists serves.
 */
function sparsen(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const b = body as Record<string, unknown>;
  const records = ['data', 'conversations', 'tickets', 'teams'].flatMap((k) => (Array.isArray(b[k]) ? (b[k] as unknown[]) : []));
  for (const r of [b, ...records]) {
    if (typeof r !== 'object' || r === null || !('id' in r)) continue;
    const rec = r as Record<string, unknown>;
    const odd = [...String(rec.id)].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) % 2 === 1;
    for (const [outer, inner] of SPARSE_LISTS) {
      const v = rec[outer];
      const list = inner === undefined ? v : typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[inner] : undefined;
      if (!Array.isArray(list) || list.length > 0) continue;
      if (odd) delete rec[outer];
      else rec[outer] = null;
    }
  }
  return body;
}

function jsonOrUndefined(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function errorList(code: string, message: string): ErrorList {
  return { type: 'error.list', request_id: randomUUID(), errors: [{ code, message }] };
}

// ---------------------------------------------------------------------------------------------
// Routing

interface ScrollState {
  param: string;
  /** The list position (see listPositions) the next page starts from: a company deleted mid-scroll shifts nothing. */
  offset: number;
  lastUsedMs: number;
  /** Broken on Intercom's side: it still counts as open until idle, but its scroll_param is not found. */
  broken?: boolean;
}

interface Ctx {
  ws: Workspace;
  opts: Required<Omit<SimulatorOptions, 'restrictedToken' | 'intercept' | 'rewrite' | 'lose' | 'breakScroll'>> & Pick<SimulatorOptions, 'breakScroll'>;
  /** The Intercom-Version header of the request (see versionOf): 2.16 renders unassigned ids as 0. */
  version: number;
  params: Record<string, string>;
  query: URLSearchParams;
  rawBody: string;
  baseUrl: string;
  state: { scroll: ScrollState | null; companyPositions?: { key: string; positions: number[] } };
}

type Handler = (ctx: Ctx) => unknown;

interface Route {
  key: string;
  method: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

function route(method: string, pattern: string, handler: Handler): Route {
  const names: string[] = [];
  const source = pattern.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { key: `${method} ${pattern}`, method, regex: new RegExp(`^${source}$`), names, handler };
}

const ROUTES: Route[] = [
  route('GET', '/me', me),
  route('GET', '/admins', (c) => ({ type: 'admin.list', admins: c.opts.nullItems ? [...c.ws.admins.slice(0, 1), null, ...c.ws.admins.slice(1)] : c.ws.admins })),
  route('GET', '/teams', (c) => ({ type: 'team.list', teams: c.ws.teams })),
  route('GET', '/tags', (c) => ({ type: 'list', data: c.ws.tags })),
  route('GET', '/segments', segments),
  route('GET', '/tags/:id', (c) => found(c.ws.tags.find((t) => t.id === c.params.id), 'tag_not_found', 'Resource Not Found')),
  route('GET', '/segments/:id', (c) => found(c.ws.segments.find((t) => t.id === c.params.id), 'not_found', 'Resource Not Found')),
  route('GET', '/data_attributes', dataAttributes),
  route('GET', '/companies', listCompanies),
  route('GET', '/companies/scroll', companiesScroll),
  route('GET', '/companies/:id', (c) => companyView(c.ws, companyOf(c))),
  route('GET', '/companies/:id/segments', companySegments),
  route('GET', '/contacts', listContacts),
  route('POST', '/contacts/search', searchContacts),
  route('GET', '/contacts/:id', (c) => renderContact(c.ws, contactOf(c, true), withMergeHistory(c), c.version)),
  route('GET', '/contacts/:id/tags', contactTags),
  route('GET', '/contacts/:id/companies', contactCompanies),
  route('GET', '/contacts/:id/segments', contactSegments),
  route('GET', '/contacts/:id/notes', contactNotes),
  route('GET', '/contacts/:id/merge_history', contactMergeHistory),
  route('GET', '/events', events),
  route('GET', '/conversations', listConversations),
  route('POST', '/conversations/search', searchConversations),
  // Before /conversations/:id, which would take "deleted" or "attributes" for an id.
  route('GET', '/conversations/deleted', deletedConversations),
  route('GET', '/conversations/attributes', conversationAttributes),
  route('GET', '/conversations/:id', getConversation),
  route('POST', '/tickets/search', searchTickets),
  route('GET', '/tickets/:id', getTicket),
  route('GET', '/articles', listArticles),
  route('GET', '/help_center/collections', listCollections),
  route('GET', '/subscription_types', (c) => ({ type: 'list', data: c.ws.subscriptionTypes })),
  // Workspace-level lists and per-record details (routes-workspace.ts).
  ...WORKSPACE_ROUTES.map(([method, pattern, handler]) => route(method, pattern, handler)),
];

function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const r of ROUTES) {
    const m = r.method === method ? r.regex.exec(path) : null;
    if (m) return { route: r, params: Object.fromEntries(r.names.map((name, i) => [name, decodeURIComponent(m[i + 1])])) };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Query parameters and pagination

function perPageOf(value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw badRequest('per_page must be a positive integer');
  if (n > max) throw badRequest(`per_page must be at most ${max}`);
  return n;
}

/** Sort key: a primary value, then the record's position in its workspace list (see listPositions: stable, appends only, deletions leave gaps). */
type SortKey = [number | string, number];

interface Sorted<T> {
  items: T[];
  keys: SortKey[];
  direction: 1 | -1;
}

function compareKeys(a: SortKey, b: SortKey, direction: 1 | -1): number {
  if (a[0] !== b[0]) return (a[0] < b[0] ? -1 : 1) * direction;
  return a[1] - b[1];
}

/** `positions`: each record's list position (listPositions), when records were deleted from the list; else the index. */
function sortRecords<T>(all: T[], keep: (item: T) => boolean, primary?: (item: T) => number | string, direction: 1 | -1 = 1, positions?: number[]): Sorted<T> {
  const rows = all
    .map((item, index): [T, SortKey] => {
      const position = positions ? positions[index] : index;
      return [item, [primary ? primary(item) : position, position]];
    })
    .filter(([item]) => keep(item))
    .sort((a, b) => compareKeys(a[1], b[1], direction));
  return { items: rows.map((r) => r[0]), keys: rows.map((r) => r[1]), direction };
}

interface Cursor {
  page: number;
  key: SortKey;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.page, ...cursor.key])).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const [page, primary, index] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof page === 'number' && (typeof primary === 'number' || typeof primary === 'string') && typeof index === 'number') {
      return { page, key: [primary, index] };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest('starting_after is not a valid cursor');
}

/**
 * Cursor pagination as in GET /contacts: `starting_after` is an opaque cursor holding the last
 * record's sort key, so records added or dropping out of a search between pages do not shift it.
 */
function cursorPage<T>(sorted: Sorted<T>, perPage: number, startingAfter: string | null | undefined, byOffset = false): { data: T[]; total: number; pages: CursorPages } {
  const cursor = startingAfter ? decodeCursor(startingAfter) : null;
  // byOffset: the cursor means "page N", so records moving to the front push others onto the next page.
  const start = cursor ? (byOffset ? cursor.page * perPage : indexAfter(sorted, cursor.key)) : 0;
  const data = sorted.items.slice(start, start + perPage);
  const page = cursor ? cursor.page + 1 : 1;
  const total = sorted.items.length;
  const pages: CursorPages = { type: 'pages', page, per_page: perPage, total_pages: Math.ceil(total / perPage) };
  if (start + perPage < total) {
    pages.next = { per_page: perPage, starting_after: encodeCursor({ page, key: sorted.keys[start + perPage - 1] }) };
  }
  return { data, total, pages };
}

function indexAfter<T>(sorted: Sorted<T>, key: SortKey): number {
  const i = sorted.keys.findIndex((k) => compareKeys(k, key, sorted.direction) > 0);
  return i === -1 ? sorted.items.length : i;
}

/** Page-number pagination as in GET /contacts/{id}/companies and /notes: `next` is a URL. */
function numberedPage<T>(ctx: Ctx, all: T[], path: string) {
  const perPage = intParam(ctx.query, 'per_page', 50, 150);
  const page = intParam(ctx.query, 'page', 1, Number.MAX_SAFE_INTEGER);
  const totalPages = Math.ceil(all.length / perPage);
  const next = page < totalPages ? `${ctx.baseUrl}${path}?page=${page + 1}&per_page=${perPage}` : null;
  return {
    data: all.slice((page - 1) * perPage, page * perPage),
    total_count: all.length,
    pages: { type: 'pages', next, page, per_page: perPage, total_pages: totalPages },
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering

function cappedList(ids: string[], type: string, itemPath: string, url: string): CappedList {
  return {
    type: 'list',
    data: ids.slice(0, CAPPED_LIST_SIZE).map((id) => ({ type, id, url: `${itemPath}/${id}` })),
    url,
    total_count: ids.length,
    has_more: ids.length > CAPPED_LIST_SIZE,
  };
}

/**
 * The nested tags/notes/companies lists are built per response, capped at 10 like the API. With `mergeHistory`
 * (2.16's include_merge_history=true) users, and only users, also carry `merge_history`, newest merge first.
 */
/** A contact as the version renders it: from 2.16 owner_id is a string (the spec's example "321"). */
function renderContact(ws: Workspace, contact: Contact, mergeHistory = false, version = 2.14): Contact {
  const id = contact.id;
  const out: Contact = {
    ...contact,
    ...(version >= 2.16 && contact.owner_id !== null && contact.owner_id !== undefined ? { owner_id: String(contact.owner_id) as unknown as number } : {}),
    tags: cappedList(ws.contactTags.get(id) ?? [], 'tag', '/tags', `/contacts/${id}/tags`),
    notes: cappedList((ws.notes.get(id) ?? []).map((n) => n.id), 'note', '/notes', `/contacts/${id}/notes`),
    companies: cappedList(ws.contactCompanies.get(id) ?? [], 'company', '/companies', `/contacts/${id}/companies`),
  };
  if (mergeHistory && contact.role === 'user') out.merge_history = mergeHistoryRows(ws, id, 'desc').map((r) => r.item);
  return out;
}

/** include_merge_history=true, which only 2.16 knows (older versions ignore it like any unknown parameter). */
function withMergeHistory(ctx: Ctx): boolean {
  return ctx.version >= 2.16 && ctx.query.get('include_merge_history') === 'true';
}

type MergeKey = [number, number];

/** The leads merged into the user (the spec's merge_history_item), by merged_at then the order of the merges; desc reverses both. */
function mergeHistoryRows(ws: Workspace, userId: string, order: 'asc' | 'desc') {
  const rows = ws.deletedContacts
    .map((d, seq) => ({ d, key: [d.deleted_at, seq] as MergeKey }))
    .filter(({ d }) => d.merged_into === userId)
    .map(({ d, key }) => ({ key, item: { type: 'merge_history', source_contact_id: d.id, source_contact_role: d.role, merged_at: d.deleted_at } }));
  return rows.sort((a, b) => compareMergeKeys(a.key, b.key) * (order === 'asc' ? 1 : -1));
}

function compareMergeKeys(a: MergeKey, b: MergeKey): number {
  return a[0] - b[0] || a[1] - b[1];
}

/**
 * From 2.16 an unset assignee id is 0, not null (the spec's examples: `admin_assignee_id: 0` with a team), the
 * priority is one of none, low, medium, high, urgent (2.14: priority, not_priority), the source's author is a
 * conversation_source_author (type, id, name, email: no from_ai_agent, is_ai_answer), and parts'
 * email_message_metadata carry 2.16's message_id.
 */
function renderConversation(ctx: Ctx, c: Conversation): Conversation {
  if (ctx.version < 2.16) return c;
  const out: Conversation = { ...c, admin_assignee_id: c.admin_assignee_id ?? 0, team_assignee_id: c.team_assignee_id ?? 0 };
  const priority = (c as { priority?: unknown }).priority;
  if (priority !== undefined) (out as { priority?: unknown }).priority = priority === 'priority' ? 'high' : 'none';
  const author = (c.source as { author?: Record<string, unknown> } | undefined)?.author;
  if (c.source && author) {
    const { type, id, name, email } = author;
    out.source = { ...c.source, author: { type, id, name, email } } as Conversation['source'];
  }
  if (c.conversation_parts) {
    const parts = c.conversation_parts.conversation_parts.map((p) =>
      p.email_message_metadata && typeof p.email_message_metadata === 'object' ? { ...p, email_message_metadata: { ...p.email_message_metadata, message_id: `<${p.id}.${c.id}@mail.example.com>` } } : p,
    );
    out.conversation_parts = { ...c.conversation_parts, conversation_parts: parts };
  }
  return out;
}

/** Only the 500 most recent parts (still oldest first); total_count counts them all. */
function renderConversationDetail(ws: Workspace, conversation: Conversation, plaintext: boolean): Conversation {
  const all = ws.parts.get(conversation.id) ?? [];
  const text = <B extends string | null | undefined>(body: B): B => (plaintext && typeof body === 'string' ? (toPlaintext(body) as B) : body);
  const parts: ConversationPart[] = all.slice(-PARTS_LIMIT).map((p) => ({ ...p, body: text(p.body) }));
  return {
    ...conversation,
    source: conversation.source && { ...conversation.source, body: text(conversation.source.body) },
    conversation_parts: { type: 'conversation_part.list', conversation_parts: parts, total_count: all.length },
  };
}

// ---------------------------------------------------------------------------------------------
// Handlers

function me(ctx: Ctx) {
  const admin = ctx.ws.admins[0];
  return {
    type: 'admin',
    id: admin?.id ?? '0',
    email: admin?.email ?? 'admin@example.com',
    name: admin?.name ?? 'Admin',
    email_verified: true,
    app: {
      type: 'app',
      id_code: ctx.ws.appId,
      name: ctx.ws.appName,
      created_at: ctx.ws.generatedAt - 1000 * DAY,
      secure: false,
      identity_verification: false,
      timezone: ctx.ws.timezone,
      region: ctx.opts.appRegion,
    },
    avatar: { type: 'avatar', image_url: null },
    has_inbox_seat: true,
  };
}

function segments(ctx: Ctx) {
  const withCount = ctx.query.get('include_count') === 'true';
  const members = (id: string) => [...ctx.ws.contactSegments.values()].filter((ids) => ids.includes(id)).length;
  return { type: 'segment.list', segments: ctx.ws.segments.map((s) => (withCount ? { ...s, count: members(s.id) } : s)) };
}

/**
 * GET /data_attributes?model=contact|company|conversation[&include_archived=true]: see dataAttributeDefinitions.
 * From 2.16 the conversation model is refused with the spec's 422: its attributes moved to GET /conversations/attributes.
 */
function dataAttributes(ctx: Ctx) {
  const model = ctx.query.get('model') ?? 'contact';
  if (model === 'conversation' && ctx.version >= 2.16) throw new ApiError(422, 'parameter_invalid', 'model=conversation is no longer supported. Use GET /conversations/attributes instead');
  if (!(DATA_ATTRIBUTE_MODELS as readonly string[]).includes(model)) throw badRequest('model must be contact, company or conversation');
  return { type: 'list', data: dataAttributeDefinitions(ctx.ws, model, ctx.query.get('include_archived') === 'true') };
}

/**
 * GET /conversations/attributes[?include_archived=true] (2.16; 400 intercom_version_invalid before, like the other
 * 2.16-only resources): the custom conversation attributes in the spec's conversation_attribute shape, which has
 * no model, full_name, label, custom or writable flags, and names the types decimal and datetime.
 */
function conversationAttributes(ctx: Ctx) {
  requireVersion(ctx, 2.16);
  return { type: 'list', data: conversationAttributeDefinitions(ctx.ws, ctx.query.get('include_archived') === 'true') };
}

/**
 * One scroll per app: starting a new one while another is open (and not idle for
 * scrollIdleMs) fails with 400 scroll_exists; the end is an empty page, which closes the scroll.
 * The spec only says a stale scroll_param "will fail"; we answer 404 not_found.
 */
function companiesScroll(ctx: Ctx) {
  const param = ctx.query.get('scroll_param');
  const now = ctx.opts.now();
  const open = ctx.state.scroll && now - ctx.state.scroll.lastUsedMs < ctx.opts.scrollIdleMs ? ctx.state.scroll : null;
  if (!open) ctx.state.scroll = null;
  if (!param) {
    if (open) throw badRequest('scroll already exists for this app', 'scroll_exists');
    ctx.state.scroll = { param: randomUUID(), offset: 0, lastUsedMs: now };
  } else if (!open || open.param !== param || open.broken) {
    throw new ApiError(404, 'not_found', 'scroll parameter not found');
  } else if (ctx.opts.breakScroll?.()) {
    open.broken = true;
    open.lastUsedMs = now;
    throw new ApiError(500, 'server_error', 'Request failed due to an internal network error. Please restart the scroll operation.');
  }
  const scroll = ctx.state.scroll!;
  // Cached while no company is added or deleted: a scroll of 100,000 companies is 2,000 pages.
  const key = `${ctx.ws.companies.length}/${ctx.ws.deletedCompanies.length}`;
  if (ctx.state.companyPositions?.key !== key) ctx.state.companyPositions = { key, positions: listPositions(ctx.ws.companies.length, ctx.ws.deletedCompanies) };
  const positions = ctx.state.companyPositions.positions;
  const from = firstAtLeast(positions, scroll.offset);
  const served = from === -1 ? [] : ctx.ws.companies.slice(from, from + ctx.opts.scrollPageSize);
  const data: Company[] = served.map((c) => companyView(ctx.ws, c));
  if (served.length > 0) scroll.offset = positions[from + served.length - 1] + 1;
  scroll.lastUsedMs = now;
  if (data.length === 0) ctx.state.scroll = null;
  // pages and total_count are null in the spec's example response.
  return { type: 'list', data, pages: null, total_count: null, scroll_param: scroll.param };
}

/** The index of the first of the ascending `values` at least `min`, or -1. */
function firstAtLeast(values: number[], min: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < min) lo = mid + 1;
    else hi = mid;
  }
  return lo < values.length ? lo : -1;
}

// Companies --------------------------------------------------------------------------------------

/**
 * A `rewrite` that leaves the given companies out of GET /companies/scroll, as Intercom leaves out a company
 * without users; `ids` is asked at each answer, so a test can change it between runs.
 */
export function scrollWithout(ids: () => Iterable<string | undefined>): NonNullable<SimulatorOptions['rewrite']> {
  return ({ route }, body) => {
    if (route !== 'GET /companies/scroll') return body;
    const hidden = new Set(ids());
    return { ...body, data: body.data.filter((c: { id: string }) => !hidden.has(c.id)) };
  };
}

/** A record by id, or the 404 its endpoint answers for an unknown (or deleted) one. */
function found<T>(record: T | undefined, code: string, message: string): T {
  if (record === undefined) throw new ApiError(404, code, message);
  return record;
}

function companyOf(ctx: Ctx): Company {
  const company = ctx.ws.companies.find((c) => c.id === ctx.params.id);
  if (!company) throw new ApiError(404, 'company_not_found', 'Company Not Found');
  return company;
}

/** GET /companies: every company in workspace order, or those with a tag_id / segment_id (full memberships), or by name / company_id. */
function listCompanies(ctx: Ctx) {
  const { ws, query } = ctx;
  const [tagId, segmentId, name, companyId] = ['tag_id', 'segment_id', 'name', 'company_id'].map((k) => query.get(k));
  let all = ws.companies;
  if (tagId) all = all.filter((c) => companyTagIds(ws, c.id).includes(tagId));
  if (segmentId) all = all.filter((c) => companySegmentIds(ws, c.id).includes(segmentId));
  if (name) all = all.filter((c) => c.name === name);
  if (companyId) all = all.filter((c) => c.company_id === companyId);
  if ((name || companyId) && all.length === 0) throw new ApiError(404, 'company_not_found', 'Company Not Found');
  const page = numberedCursorPage(ctx, all, 15, 60, true);
  return { type: 'list', data: page.data.map((c) => companyView(ws, c)), pages: page.pages, total_count: page.total_count };
}

function companySegments(ctx: Ctx) {
  const ids = companySegmentIds(ctx.ws, companyOf(ctx).id);
  return { type: 'list', data: ids.map((id) => ctx.ws.segments.find((s) => s.id === id)).filter((s) => s !== undefined) };
}

// Contacts ---------------------------------------------------------------------------------------

function contactPositions(ws: Workspace): number[] {
  return listPositions(ws.contacts.length, ws.deletedContacts);
}

function listContacts(ctx: Ctx) {
  const perPage = intParam(ctx.query, 'per_page', 50, 150);
  const positions = contactPositions(ctx.ws);
  const sorted = ctx.opts.contactsOrder === 'updated_desc' ? sortRecords(ctx.ws.contacts, () => true, (c) => c.updated_at, -1, positions) : sortRecords(ctx.ws.contacts, () => true, undefined, 1, positions);
  const page = cursorPage(sorted, Math.min(perPage, ctx.opts.pageSize), ctx.query.get('starting_after'), ctx.opts.offsetCursors);
  const history = withMergeHistory(ctx);
  return { type: 'list', data: page.data.map((c) => renderContact(ctx.ws, c, history, ctx.version)), total_count: page.total, pages: page.pages };
}

/**
 * The contact of the path. From 2.16 GET /contacts/{id} answers a contact merged into another with the spec's 410
 * contact_merged and a Link to the one it went into (`merged`: that request); before, and for a deleted one, 404.
 */
function contactOf(ctx: Ctx, merged = false): Contact {
  const contact = ctx.ws.contacts.find((c) => c.id === ctx.params.id);
  if (contact) return contact;
  const gone = merged && ctx.version >= 2.16 ? ctx.ws.deletedContacts.find((d) => d.id === ctx.params.id && d.merged_into) : undefined;
  if (gone) throw new ApiError(410, 'contact_merged', 'Contact has been merged', { Link: `</contacts/${gone.merged_into}>; rel="canonical"` });
  throw new ApiError(404, 'not_found', 'User Not Found');
}

function contactTags(ctx: Ctx) {
  const ids = ctx.ws.contactTags.get(contactOf(ctx).id) ?? [];
  return { type: 'list', data: ids.map((id) => ctx.ws.tags.find((t) => t.id === id)).filter((t) => t !== undefined) };
}

function contactCompanies(ctx: Ctx) {
  const contact = contactOf(ctx);
  const ids = ctx.ws.contactCompanies.get(contact.id) ?? [];
  const companies = ids
    .map((id) => ctx.ws.companies.find((c) => c.id === id))
    .filter((c) => c !== undefined)
    .map((c) => companyView(ctx.ws, c));
  const { data, ...rest } = numberedPage(ctx, companies, `/contacts/${contact.id}/companies`);
  return { type: 'list', [ctx.opts.contactCompaniesKey]: data, ...rest };
}

function contactSegments(ctx: Ctx) {
  const ids = ctx.ws.contactSegments.get(contactOf(ctx).id) ?? [];
  return { type: 'list', data: ctx.ws.segments.filter((s) => ids.includes(s.id)) };
}

function contactNotes(ctx: Ctx) {
  const contact = contactOf(ctx);
  return { type: 'list', ...numberedPage(ctx, ctx.ws.notes.get(contact.id) ?? [], `/contacts/${contact.id}/notes`) };
}

function orderParam(ctx: Ctx): 'asc' | 'desc' {
  const order = ctx.query.get('order') || 'desc';
  if (order !== 'asc' && order !== 'desc') throw badRequest("order must be 'asc' or 'desc'");
  return order;
}

/**
 * GET /contacts/{id}/merge_history (2.16; 400 intercom_version_invalid before, like the other 2.16-only resource):
 * the leads merged into a user, newest first unless order=asc, per_page 50 (at most 150). The cursor holds the last
 * entry's key, so a merge made between two pages neither repeats nor hides an entry; `next_cursor` is absent on the
 * last page. A lead or an unknown id: 404 not_found, as the spec says.
 */
function contactMergeHistory(ctx: Ctx) {
  requireVersion(ctx, 2.16);
  const contact = ctx.ws.contacts.find((c) => c.id === ctx.params.id);
  if (!contact || contact.role !== 'user') throw new ApiError(404, 'not_found', 'Contact not found');
  const perPage = intParam(ctx.query, 'per_page', 50, 150);
  const order = orderParam(ctx);
  const rows = mergeHistoryRows(ctx.ws, contact.id, order);
  const cursor = ctx.query.get('cursor');
  let start = 0;
  if (cursor) {
    const key = decodeMergeCursor(cursor);
    start = rows.findIndex((r) => compareMergeKeys(r.key, key) * (order === 'asc' ? 1 : -1) > 0);
    if (start === -1) start = rows.length;
  }
  const page = rows.slice(start, start + perPage);
  const hasMore = start + perPage < rows.length;
  return { type: 'list', data: page.map((r) => r.item), ...(hasMore ? { next_cursor: Buffer.from(JSON.stringify(page[page.length - 1].key)).toString('base64url') } : {}), has_more: hasMore };
}

function decodeMergeCursor(raw: string): MergeKey {
  try {
    const key = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 2 && key.every((k) => Number.isInteger(k))) return key as MergeKey;
  } catch {
    // fall through to the error below
  }
  throw badRequest('cursor is not a valid cursor');
}

// Events -----------------------------------------------------------------------------------------

const EVENT_USER_PARAMS = ['intercom_user_id', 'user_id', 'email'] as const;

function eventUser(ctx: Ctx): { contact: Contact; param: (typeof EVENT_USER_PARAMS)[number]; value: string } {
  if (ctx.query.get('type') !== 'user') throw badRequest("type must be 'user'", 'parameter_not_found');
  const param = EVENT_USER_PARAMS.find((p) => ctx.query.get(p));
  if (!param) throw badRequest('intercom_user_id, user_id or email is required', 'parameter_not_found');
  const value = ctx.query.get(param)!;
  const field = param === 'intercom_user_id' ? 'id' : param === 'user_id' ? 'external_id' : 'email';
  const contact = ctx.ws.contacts.find((c) => c[field] === value);
  if (!contact) throw new ApiError(404, 'not_found', 'User Not Found');
  return { contact, param, value };
}

/**
 * GET /events lists only the last 90 days (relative to ws.now), newest first; `pages.next` is
 * an absolute URL with a `before` cursor in milliseconds, absent on the last page.
 */
function events(ctx: Ctx) {
  const { contact, param, value } = eventUser(ctx);
  const all = ctx.ws.events.get(contact.id) ?? [];
  if (ctx.query.get('summary') === 'true') return eventSummary(contact, all, ctx.opts.nullItems);
  const perPage = intParam(ctx.query, 'per_page', 50, 100);
  const before = Number(ctx.query.get('before') ?? Infinity);
  const since = Number(ctx.query.get('since') ?? 0);
  const listable = all.filter((e) => e.created_at > ctx.ws.now - EVENT_LIST_WINDOW);
  const matching = listable.filter((e) => e.created_at * 1000 < before && e.created_at * 1000 >= since);
  const page = matching.slice(0, perPage);
  const pages: { next?: string; since?: string } = {};
  const link = (extra: Record<string, string>) => `${ctx.baseUrl}/events?${new URLSearchParams({ type: 'user', [param]: value, ...extra })}`;
  if (matching.length > perPage) pages.next = link({ per_page: String(perPage), before: String(page[page.length - 1].created_at * 1000) });
  if (listable.length > 0) pages.since = link({ since: String(listable[0].created_at * 1000 + 1) });
  return { type: 'event.list', events: page, pages };
}

/** Summaries count every event, including those too old to list; first/last are ISO 8601. */
function eventSummary(contact: Contact, all: DataEvent[], nullItems: boolean) {
  const iso = (t: number) => new Date(t * 1000).toISOString().replace('Z', '+00:00');
  const byName = new Map<string, DataEvent[]>();
  for (const e of all) byName.set(e.event_name, [...(byName.get(e.event_name) ?? []), e]);
  const events: DataEventSummaryItem[] = [...byName.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, list], i) => {
      const times = list.map((e) => e.created_at);
      // Every other `last` carries the trailing space of the spec's example ("2014-01-16T23:12:21.000+00:00 ").
      return { name, first: iso(Math.min(...times)), last: iso(Math.max(...times)) + (i % 2 === 1 ? ' ' : ''), count: list.length, description: eventDescription(name) };
    });
  const items: Array<DataEventSummaryItem | null> = nullItems && events.length > 0 ? [null, ...events, null] : events;
  return { type: 'event.summary', email: contact.email ?? null, intercom_user_id: contact.id, user_id: contact.external_id ?? null, events: items };
}

// Conversations ----------------------------------------------------------------------------------

/** Most recently updated first, as Intercom lists them: a conversation updated mid-read moves to the front. */
function conversationPositions(ws: Workspace): number[] {
  return listPositions(ws.conversations.length, ws.deletedConversations);
}

function listConversations(ctx: Ctx) {
  const perPage = intParam(ctx.query, 'per_page', 20, 150);
  const sorted = sortRecords(ctx.ws.conversations, () => true, (c) => c.updated_at, -1, conversationPositions(ctx.ws));
  const page = cursorPage(sorted, Math.min(perPage, ctx.opts.pageSize), ctx.query.get('starting_after'), ctx.opts.offsetCursors);
  return { type: 'conversation.list', conversations: page.data.map((c) => renderConversation(ctx, c)), total_count: page.total, pages: page.pages };
}

/**
 * GET /conversations/deleted, 2.16 on (older versions: 400 intercom_version_invalid, the spec's example): the
 * conversations deleteConversation removed, in the spec's deleted_conversation_list:
 *   {type: 'conversations.list', total_count, pages: {type: 'pages', next, page, per_page, total_pages},
 *    conversations: [{type: 'conversation', id, metrics_retained, deleted_at}]}
 * Page numbers (`page` from 1, `per_page` 20 by default, at most 60); `next` is a URL, as in the spec's example
 * (…/conversations/deleted?per_page=2&order=desc&page=2), and null on the last page (pages_link: nullable).
 * Order: by deleted_at, newest first by default or with order=desc, oldest first with order=asc. The spec says only
 * "returns the conversation IDs in ascending or descending order. Defaults to desc", but its example lists id 512
 * (deleted_at 1734537460) before 513 (1734537400): ids ascending, deleted_at descending, so the order is by deletion
 * time, not by id. Deletions within the same second keep the order they happened in (desc reverses it).
 */
function deletedConversations(ctx: Ctx) {
  requireVersion(ctx, 2.16);
  const perPage = intParam(ctx.query, 'per_page', 20, 60);
  const page = intParam(ctx.query, 'page', 1, Number.MAX_SAFE_INTEGER);
  const order = orderParam(ctx);
  const oldestFirst = ctx.ws.deletedConversations.map((d, seq) => ({ d, seq })).sort((a, b) => a.d.deleted_at - b.d.deleted_at || a.seq - b.seq);
  const all = order === 'asc' ? oldestFirst : oldestFirst.reverse();
  const totalPages = Math.ceil(all.length / perPage);
  const next = page < totalPages ? `${ctx.baseUrl}/conversations/deleted?per_page=${perPage}&order=${order}&page=${page + 1}` : null;
  return {
    type: 'conversations.list',
    total_count: all.length,
    pages: { type: 'pages', next, page, per_page: perPage, total_pages: totalPages },
    conversations: all.slice((page - 1) * perPage, page * perPage).map(({ d }) => ({ type: 'conversation', id: d.id, metrics_retained: d.metrics_retained, deleted_at: d.deleted_at })),
  };
}

function getConversation(ctx: Ctx) {
  const conversation = ctx.ws.conversations.find((c) => c.id === ctx.params.id);
  if (!conversation) throw new ApiError(404, 'not_found', 'Resource Not Found');
  return renderConversation(ctx, renderConversationDetail(ctx.ws, conversation, ctx.query.get('display_as') === 'plaintext'));
}

// Tickets ----------------------------------------------------------------------------------------

/** 2.16 serves the assignee ids as integers (0 when unset) and adds previous_ticket_state_id. */
function renderTicket(ctx: Ctx, t: Ticket, withParts: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...t };
  if (withParts) {
    const all = ctx.ws.ticketParts.get(t.id) ?? [];
    out.ticket_parts = { type: 'ticket_part.list', ticket_parts: all.slice(-PARTS_LIMIT), total_count: all.length };
  }
  if (ctx.version >= 2.16) {
    out.admin_assignee_id = t.admin_assignee_id === null ? 0 : Number(t.admin_assignee_id);
    out.team_assignee_id = t.team_assignee_id === null ? 0 : Number(t.team_assignee_id);
    out.previous_ticket_state_id = previousTicketStateId(ctx.ws, t.id);
  }
  return out;
}

function getTicket(ctx: Ctx) {
  const ticket = ctx.ws.tickets.find((t) => t.id === ctx.params.id);
  if (!ticket) throw new ApiError(404, 'not_found', 'Resource Not Found');
  return renderTicket(ctx, ticket, true);
}

// Help center ------------------------------------------------------------------------------------

/** 2.16's article_list_item has no parent_id / parent_type and a few more fields (derived here). */
function renderArticle(ctx: Ctx, a: Article): Record<string, unknown> {
  if (ctx.version < 2.16) return { ...a };
  const { parent_id: _id, parent_type: _type, ...rest } = a;
  return {
    ...rest,
    has_unpublished_changes: false,
    draft_updated_at: a.state === 'draft' ? a.updated_at : null,
    ai_chatbot_availability: a.state === 'published',
    ai_copilot_availability: true,
    ai_sales_agent_availability: false,
    created_by_id: a.author_id,
    updated_by_id: a.author_id,
    exclude_from_article_suggestions: false,
    help_center_audience: 'everyone',
    scheduled_publish_at: null,
    scheduled_unpublish_at: null,
  };
}

/** Most recently updated first (spec), then workspace order; 25 a page unless per_page says otherwise. */
function listArticles(ctx: Ctx) {
  const sorted = sortRecords(ctx.ws.articles, () => true, (a) => a.updated_at, -1).items;
  const page = numberedCursorPage(ctx, sorted, 25, 150, false);
  return { type: 'list', pages: page.pages, total_count: page.total_count, data: page.data.map((a) => renderArticle(ctx, a)) };
}

/** Most recently updated first (spec), then workspace order; 20 a page unless per_page says otherwise. */
function listCollections(ctx: Ctx) {
  const sorted = sortRecords(ctx.ws.collections, () => true, (c) => c.updated_at, -1).items;
  const page = numberedCursorPage(ctx, sorted, 20, 150, false);
  return { type: 'list', data: page.data, total_count: page.total_count, pages: page.pages };
}

// ---------------------------------------------------------------------------------------------
// Search

type Predicate<T> = (item: T) => boolean;
type DateMatcher = (operator: string, value: unknown) => Predicate<number>;

interface SearchModel<T> {
  dates: Record<string, (item: T) => number>;
  strings: Record<string, (item: T) => string>;
  /** Membership fields (a contact's segment_id, tag_id): `=` finds the records whose list holds the value. */
  memberships?: Record<string, (item: T) => string[]>;
  matchDate: DateMatcher;
  perPage: { fallback: number; max: number };
}

interface SearchBody {
  query?: unknown;
  pagination?: { per_page?: unknown; starting_after?: string | null };
  sort?: { field?: string; order?: string };
}

function parseBody(raw: string): SearchBody {
  try {
    const body: unknown = JSON.parse(raw);
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as SearchBody;
  } catch {
    // fall through to the error below
  }
  throw badRequest('request body must be a JSON object');
}

function compileQuery<T>(node: unknown, model: SearchModel<T>): Predicate<T> {
  if (!node || typeof node !== 'object') throw badRequest('query must be an object');
  const { field, operator, value } = node as { field?: unknown; operator?: unknown; value?: unknown };
  if (operator === 'AND' || operator === 'OR') {
    if (!Array.isArray(value) || value.length === 0) throw badRequest(`${operator} needs a non-empty array of filters`);
    if (value.length > SEARCH_GROUP_LIMIT) throw badRequest(`at most ${SEARCH_GROUP_LIMIT} filters per ${operator} group`);
    const parts = value.map((v) => compileQuery(v, model));
    return operator === 'AND' ? (item) => parts.every((p) => p(item)) : (item) => parts.some((p) => p(item));
  }
  if (typeof field !== 'string' || typeof operator !== 'string') throw badRequest('a filter needs field, operator and value');
  if (field in model.dates) {
    const get = model.dates[field];
    const match = model.matchDate(operator, value);
    return (item) => match(get(item));
  }
  if (field in model.strings) {
    const get = model.strings[field];
    const match = stringMatcher(operator, value);
    return (item) => match(get(item));
  }
  if (model.memberships && field in model.memberships) {
    const get = model.memberships[field];
    if (operator !== '=' && operator !== '!=') throw badRequest(`${field} takes = or !=`);
    return operator === '=' ? (item) => get(item).includes(String(value)) : (item) => !get(item).includes(String(value));
  }
  throw badRequest(`field ${field} is not searchable in this simulator`);
}

function stringMatcher(operator: string, value: unknown): Predicate<string> {
  const list = () => {
    if (!Array.isArray(value)) throw badRequest(`${operator} needs an array value`);
    return value.map(String);
  };
  switch (operator) {
    case '=':
      return (s) => s === String(value);
    case '!=':
      return (s) => s !== String(value);
    case 'IN': {
      const values = list();
      return (s) => values.includes(s);
    }
    case 'NIN': {
      const values = list();
      return (s) => !values.includes(s);
    }
    default:
      throw badRequest(`operator ${operator} is not supported on this field`);
  }
}

function timestampOf(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest('date fields need a UNIX timestamp value');
  return n;
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** Seconds to add to UTC to get wall-clock time in `timezone` at instant `ts`. */
function tzOffset(ts: number, timezone: string): number {
  let fmt = dateFormatters.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    dateFormatters.set(timezone, fmt);
  }
  const p = Object.fromEntries(fmt.formatToParts(new Date(ts * 1000)).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000 - ts;
}

/** The instant the calendar day containing `ts` starts in `timezone`. */
export function startOfDay(ts: number, timezone: string): number {
  const local = ts + tzOffset(ts, timezone);
  const localMidnight = local - (((local % DAY) + DAY) % DAY);
  // The offset at midnight can differ from the one at ts when DST changed earlier that day.
  return localMidnight - tzOffset(localMidnight - tzOffset(ts, timezone), timezone);
}

/** Days are 23–25 h long around DST, so step 26 h past the day start and truncate again. */
export function startOfNextDay(ts: number, timezone: string): number {
  return startOfDay(startOfDay(ts, timezone) + 26 * 3600, timezone);
}

/**
 * Contacts search matches dates by calendar day in the workspace timezone (spec, "Searching for
 * Timestamp Fields"): `>` t matches from the start of the day AFTER t's day, `<` t matches before
 * the start of t's day, `=` matches t's whole day; other operators are rejected on dates.
 */
function contactDateMatcher(timezone: string): DateMatcher {
  return (operator, value) => {
    const t = timestampOf(value);
    const dayStart = startOfDay(t, timezone);
    const nextDay = startOfNextDay(t, timezone);
    switch (operator) {
      case '>':
        return (ts) => ts >= nextDay;
      case '<':
        return (ts) => ts < dayStart;
      case '=':
        return (ts) => ts >= dayStart && ts < nextDay;
      default:
        throw badRequest(`operator ${operator} is not supported on date fields`);
    }
  };
}

/**
 * Conversations search compares dates to the second, but `>` and `<` include the boundary
 * (spec: "Greater (or equal) than", "Lower (or equal) than").
 */
const conversationDateMatcher: DateMatcher = (operator, value) => {
  if (operator === 'IN' || operator === 'NIN') {
    if (!Array.isArray(value)) throw badRequest(`${operator} needs an array value`);
    const values = value.map(timestampOf);
    return operator === 'IN' ? (ts) => values.includes(ts) : (ts) => !values.includes(ts);
  }
  const t = timestampOf(value);
  switch (operator) {
    case '>':
      return (ts) => ts >= t;
    case '<':
      return (ts) => ts <= t;
    case '=':
      return (ts) => ts === t;
    case '!=':
      return (ts) => ts !== t;
    default:
      throw badRequest(`operator ${operator} is not supported on date fields`);
  }
};

function runSearch<T>(ctx: Ctx, all: T[], model: SearchModel<T>, visible: Predicate<T>, positions?: number[]) {
  const body = parseBody(ctx.rawBody);
  if (body.query === undefined) throw badRequest('query is required', 'parameter_not_found');
  const matches = compileQuery(body.query, model);
  const perPage = perPageOf(body.pagination?.per_page, model.perPage.fallback, model.perPage.max);
  const sortField = body.sort?.field;
  let primary: ((item: T) => number | string) | undefined;
  if (sortField !== undefined) {
    primary = model.dates[sortField] ?? model.strings[sortField];
    if (!primary) throw badRequest(`cannot sort by ${sortField}`);
  }
  const direction = body.sort?.order === 'descending' ? -1 : 1;
  const sorted = sortRecords(all, (item) => visible(item) && matches(item), primary, direction, positions);
  return cursorPage(sorted, Math.min(perPage, ctx.opts.pageSize), body.pagination?.starting_after);
}

function searchContacts(ctx: Ctx) {
  const model: SearchModel<Contact> = {
    dates: { created_at: (c) => c.created_at, updated_at: (c) => c.updated_at },
    strings: { id: (c) => c.id, role: (c) => c.role },
    memberships: { segment_id: (c) => ctx.ws.contactSegments.get(c.id) ?? [], tag_id: (c) => ctx.ws.contactTags.get(c.id) ?? [] },
    matchDate: contactDateMatcher(ctx.ws.timezone),
    perPage: { fallback: 50, max: 150 },
  };
  // Search indexing lag: contacts created within searchLagSeconds of ws.now are not found yet.
  const indexed = (c: Contact) => c.created_at <= ctx.ws.now - ctx.opts.searchLagSeconds;
  const page = runSearch(ctx, ctx.ws.contacts, model, indexed, contactPositions(ctx.ws));
  const history = withMergeHistory(ctx);
  return { type: 'list', data: page.data.map((c) => renderContact(ctx.ws, c, history, ctx.version)), total_count: page.total, pages: page.pages };
}

function searchConversations(ctx: Ctx) {
  const model: SearchModel<Conversation> = {
    dates: { created_at: (c) => c.created_at, updated_at: (c) => c.updated_at },
    strings: { id: (c) => c.id, state: (c) => c.state ?? '' },
    matchDate: conversationDateMatcher,
    perPage: { fallback: 20, max: 150 },
  };
  const page = runSearch(ctx, ctx.ws.conversations, model, () => true, conversationPositions(ctx.ws));
  return { type: 'conversation.list', conversations: page.data.map((c) => renderConversation(ctx, c)), total_count: page.total, pages: page.pages };
}

/** Tickets search: conversations' operators (`>` and `<` include the boundary, as the spec says), plus `>=` and `<=`. */
const ticketNumberMatcher: DateMatcher = (operator, value) => {
  if (operator === '>=' || operator === '<=') {
    const t = timestampOf(value);
    return operator === '>=' ? (n) => n >= t : (n) => n <= t;
  }
  return conversationDateMatcher(operator, value);
};

/** Ordered by id (creation) unless `sort` says otherwise; results carry no ticket_parts. */
function searchTickets(ctx: Ctx) {
  const model: SearchModel<Ticket> = {
    dates: { created_at: (t) => t.created_at, updated_at: (t) => t.updated_at, id: (t) => Number(t.id) },
    strings: { state: (t) => t.ticket_state.category, ticket_type_id: (t) => t.ticket_type.id },
    matchDate: ticketNumberMatcher,
    perPage: { fallback: 20, max: 150 },
  };
  const page = runSearch(ctx, ctx.ws.tickets, model, () => true);
  const pages = page.pages.next ? { ...page.pages, next: { page: (page.pages.page ?? 1) + 1, ...page.pages.next } } : page.pages;
  return { type: 'ticket.list', tickets: page.data.map((t) => renderTicket(ctx, t, false)), total_count: page.total, pages };
}

// ---------------------------------------------------------------------------------------------
// Server

/** Fixed wall-clock windows of windowSeconds, like Intercom's per-10-seconds limits. */
function createRateLimiter(limit: number, windowSeconds: number, skewSeconds: number, now: () => number) {
  let windowStart = 0;
  let count = 0;
  return () => {
    const nowSeconds = Math.floor(now() / 1000) + skewSeconds;
    const start = nowSeconds - (nowSeconds % windowSeconds);
    if (start !== windowStart) [windowStart, count] = [start, 0];
    count++;
    const headers = {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(Math.max(0, limit - count)),
      'X-RateLimit-Reset': String(windowStart + windowSeconds),
    };
    return { allowed: count <= limit, headers: { ...headers, Date: new Date((now() / 1000 + skewSeconds) * 1000).toUTCString() } };
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const opts: Ctx['opts'] = {
    workspace: options.workspace,
    token: options.token,
    rateLimit: options.rateLimit ?? { limit: 10_000, windowSeconds: 10 },
    clockSkewSeconds: options.clockSkewSeconds ?? 0,
    latencyMs: options.latencyMs ?? 0,
    scrollIdleMs: options.scrollIdleMs ?? 60_000,
    now: options.now ?? Date.now,
    scrollPageSize: options.scrollPageSize ?? 50,
    searchLagSeconds: options.searchLagSeconds ?? 0,
    pageSize: options.pageSize ?? Infinity,
    contactsOrder: options.contactsOrder ?? 'created',
    contactCompaniesKey: options.contactCompaniesKey ?? 'data',
    nullItems: options.nullItems ?? false,
    sparseLists: options.sparseLists ?? false,
    offsetCursors: options.offsetCursors ?? false,
    breakScroll: options.breakScroll,
    scopes: options.scopes ?? {},
    appRegion: options.appRegion ?? 'EU',
  };
  const stats: SimulatorStats = { requests: 0, byRoute: {}, maxInFlight: 0, rateLimited: 0 };
  const routeCounts = new Map<string, number>();
  const state: Ctx['state'] = { scroll: null };
  const takeRateLimit = createRateLimiter(opts.rateLimit.limit, opts.rateLimit.windowSeconds, opts.clockSkewSeconds, opts.now);
  let inFlight = 0;
  let baseUrl = '';

  async function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
    if (opts.latencyMs > 0) await sleep(opts.latencyMs);
    if (res.destroyed) return;
    const payload = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)), ...headers });
    res.end(payload);
  }

  /** Headers, then a byte at a time: only a deadline on the whole answer ends it. */
  async function trickle(res: http.ServerResponse, headers: Record<string, string>): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
    res.write('{');
    for (;;) {
      await sleep(200);
      if (res.destroyed || res.writableEnded) return;
      res.write(' ');
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const matched = matchRoute(method, path);
    const key = matched?.route.key ?? `${method} ${path}`;
    stats.requests++;
    stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
    const n = (routeCounts.get(key) ?? 0) + 1;
    routeCounts.set(key, n);
    const rawBody = await readBody(req);

    const auth = req.headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
    const granted = token === undefined ? undefined : opts.scopes[token];
    if (token !== opts.token && !granted && (options.restrictedToken === undefined || token !== options.restrictedToken)) {
      return send(res, 401, errorList('unauthorized', 'Access Token Invalid'));
    }
    const limit = takeRateLimit();
    if (!limit.allowed) {
      stats.rateLimited++;
      const { limit: max, windowSeconds } = opts.rateLimit;
      return send(res, 429, errorList('rate_limit_exceeded', `Exceeded rate limit of ${max} in ${windowSeconds}_seconds`), limit.headers);
    }
    const needed = granted ? scopeOfPath(path) : undefined;
    if (needed && !granted!.includes(needed)) return send(res, 403, errorList('forbidden', `You do not have the required scope (${needed}) to access this resource`), limit.headers);
    if (token !== opts.token && !granted) return send(res, 403, errorList('api_plan_restricted', 'Active subscription needed.'), limit.headers);

    const request: InterceptRequest = { method, path, query: url.searchParams, n, route: key, body: jsonOrUndefined(rawBody) };
    const injected = options.intercept?.(request);
    if (injected === 'reset') return void req.socket.destroy();
    if (injected === 'hang') return;
    if (injected === 'trickle') return trickle(res, limit.headers);
    if (injected) return send(res, injected.status, injected.body, { ...limit.headers, ...injected.headers });

    if (!matched) return send(res, 404, errorList('not_found', 'Resource Not Found'), limit.headers);
    try {
      const header = req.headers['intercom-version'];
      const ctx: Ctx = { ws: options.workspace, opts, version: versionOf(Array.isArray(header) ? header.join(', ') : header), params: matched.params, query: url.searchParams, rawBody, baseUrl, state };
      const handled = matched.route.handler(ctx);
      const body = opts.sparseLists ? sparsen(structuredClone(handled)) : handled;
      const lost = options.lose?.(request);
      if (lost === 'reset') return void req.socket.destroy();
      if (lost === 'hang') return;
      if (lost === 'trickle') return trickle(res, limit.headers);
      if (lost) return send(res, lost.status, lost.body, { ...limit.headers, ...lost.headers });
      const rewritten = options.rewrite ? options.rewrite(request, structuredClone(body)) : body;
      return await send(res, 200, rewritten, limit.headers);
    } catch (err) {
      if (err instanceof ApiError) return send(res, err.status, errorList(err.code, err.message), { ...limit.headers, ...err.headers });
      return send(res, 500, errorList('server_error', String(err)), limit.headers);
    }
  }

  const server = http.createServer((req, res) => {
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    stats,
    resetStats() {
      Object.assign(stats, { requests: 0, byRoute: {}, maxInFlight: inFlight, rateLimited: 0 });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Hanging and keep-alive sockets would otherwise keep close() waiting forever.
        server.closeAllConnections();
      }),
  };
}
