// The simulator's routes for the workspace-level lists and per-record details of model-workspace.ts, with each
// endpoint's envelope and paging as the spec (api.intercom.io.2.14.yaml, 2.16.yaml) documents it, and the 2.16-only
// ones answering earlier versions 400 intercom_version_invalid. server.ts adds WORKSPACE_ROUTES to its own.
//
// Paging styles, by the envelope the spec gives each endpoint:
// - cursor_pages (`pages: {type, page, per_page, total_pages, next}`): `page=` or the `starting_after` of `next`
//   (numberedCursorPage); activity logs and company notes have `next: null` on the last page, as their examples.
// - pages_link (AI content): `next` is the next page's URL, null on the last page.
// - top-level page numbers (content snippets, audiences): `page`, `per_page`, `total_pages`, `total_count` beside data.
// - side conversations: `pages: {type, page, per_page, total_pages}` without next.
// - macros: `starting_after` is base64 of `[updated_at, id]` (the spec), `pages.next` null on the last page.
// The default per_page of each list is smaller than Intercom's (LIST_PAGE_SIZES), so a default workspace's lists
// span several pages; per_page asks for more, up to the spec's maximum.
import { ApiError, badRequest, intParam, numberedCursorPage, requireVersion } from './http-kit.js';
import type { Workspace } from './model.js';
import type { Macro } from './model-workspace.js';
import {
  activityLogView,
  contactSubscriptionsView,
  contentImportSourceView,
  helpCenterView,
  internalArticleView,
  macroKey,
  macrosByUpdate,
  ticketStateView,
  ticketTypeView,
} from './views-workspace.js';

/** What these handlers read of server.ts's request context. */
export interface RouteCtx {
  ws: Workspace;
  /** Intercom-Version, ranked (server.ts versionOf): 2.14, 2.16, Unstable = 99. */
  version: number;
  params: Record<string, string>;
  query: URLSearchParams;
  baseUrl: string;
}

type Handler = (ctx: RouteCtx) => unknown;

/** Each paged list's default per_page here, and the most per_page may ask for. */
export const LIST_PAGE_SIZES = {
  activityLogs: { fallback: 15, max: 150 },
  internalArticles: { fallback: 5, max: 150 },
  newsItems: { fallback: 5, max: 150 },
  newsfeeds: { fallback: 2, max: 150 },
  calls: { fallback: 10, max: 25 },
  contentImportSources: { fallback: 3, max: 150 },
  externalPages: { fallback: 4, max: 150 },
  macros: { fallback: 10, max: 150 },
  contentSnippets: { fallback: 5, max: 50 },
  audiences: { fallback: 3, max: 50 },
  companyNotes: { fallback: 5, max: 150 },
  sideConversations: { fallback: 3, max: 50 },
} as const;

const P = LIST_PAGE_SIZES;
const V216 = 2.16;

// Paging ---------------------------------------------------------------------------------------------------

function pagesLinkPage<T>(ctx: RouteCtx, all: T[], path: string, size: { fallback: number; max: number }) {
  const perPage = intParam(ctx.query, 'per_page', size.fallback, size.max);
  const page = intParam(ctx.query, 'page', 1, Number.MAX_SAFE_INTEGER);
  const totalPages = Math.ceil(all.length / perPage);
  const next = page < totalPages ? `${ctx.baseUrl}${path}?page=${page + 1}&per_page=${perPage}` : null;
  return { data: all.slice((page - 1) * perPage, page * perPage), total_count: all.length, pages: { type: 'pages', page, next, per_page: perPage, total_pages: totalPages } };
}

function topLevelPage<T>(ctx: RouteCtx, all: T[], size: { fallback: number; max: number }) {
  const perPage = intParam(ctx.query, 'per_page', size.fallback, size.max);
  const page = intParam(ctx.query, 'page', 1, Number.MAX_SAFE_INTEGER);
  return { type: 'list', data: all.slice((page - 1) * perPage, page * perPage), total_count: all.length, page, per_page: perPage, total_pages: Math.ceil(all.length / perPage) };
}

function cursorPages<T>(ctx: RouteCtx, all: T[], size: { fallback: number; max: number }, nullNext = false) {
  return numberedCursorPage(ctx, all, size.fallback, size.max, nullNext);
}

// Workspace-level lists ---------------------------------------------------------------------------------------

/** A UNIX-seconds query parameter; a missing required one is parameter_not_found, as the spec's other required ones. */
function timestampParam(query: URLSearchParams, name: string, required: boolean): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') {
    if (required) throw badRequest(`${name} is a required parameter`, 'parameter_not_found');
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw badRequest(`${name} must be a UNIX timestamp`);
  return value;
}

/** Newest first, those created from created_at_after to created_at_before (both inclusive). */
function activityLogs(ctx: RouteCtx) {
  const after = timestampParam(ctx.query, 'created_at_after', true)!;
  const before = timestampParam(ctx.query, 'created_at_before', false) ?? Infinity;
  const logs = ctx.ws.activityLogs.filter((l) => l.created_at >= after && l.created_at <= before).map((l) => activityLogView(l, ctx.version));
  const page = cursorPages(ctx, logs, P.activityLogs, true);
  return { type: 'activity_log.list', pages: page.pages, activity_logs: page.data };
}

function paged<T>(ctx: RouteCtx, all: T[], size: { fallback: number; max: number }) {
  const page = cursorPages(ctx, all, size);
  return { type: 'list', pages: page.pages, total_count: page.total_count, data: page.data };
}

/** The spec's macro cursor: base64 of the JSON `[updated_at, "id"]` of the page's last macro (updated_at with a `.0`, as its example). */
function macroCursor(m: Macro): string {
  const [updated, id] = macroKey(m);
  return Buffer.from(`[${updated}.0, "${id}"]`).toString('base64');
}

function macroCursorKey(raw: string): [number, number] {
  try {
    const key = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 2 && typeof key[0] === 'number' && typeof key[1] === 'string' && /^\d+$/.test(key[1])) return [key[0], Number(key[1])];
  } catch {
    // fall through to the error below
  }
  throw badRequest('Invalid starting_after cursor');
}

/** 2.16: most recently updated first; updated_since keeps those updated after it (strictly). */
function macros(ctx: RouteCtx) {
  requireVersion(ctx, V216);
  const perPage = intParam(ctx.query, 'per_page', P.macros.fallback, P.macros.max);
  const sinceRaw = ctx.query.get('updated_since');
  const since = sinceRaw === null || sinceRaw === '' ? -Infinity : Number(sinceRaw);
  if (!Number.isInteger(since) && since !== -Infinity) throw badRequest('Invalid updated_since timestamp');
  const rows = macrosByUpdate(ctx.ws).filter((m) => macroKey(m)[0] > since);
  const after = ctx.query.get('starting_after');
  let start = 0;
  if (after) {
    const [u, id] = macroCursorKey(after);
    start = rows.findIndex((m) => {
      const [mu, mid] = macroKey(m);
      return mu < u || (mu === u && mid < id);
    });
    if (start === -1) start = rows.length;
  }
  const data = rows.slice(start, start + perPage);
  const next = start + perPage < rows.length ? { starting_after: macroCursor(data[data.length - 1]) } : null;
  return { type: 'list', data, pages: { type: 'pages', per_page: perPage, next } };
}

const list = (data: unknown[]) => ({ type: 'list', data });

// Per-record details -----------------------------------------------------------------------------------------

function contactSubscriptions(ctx: RouteCtx) {
  const contact = ctx.ws.contacts.find((c) => c.id === ctx.params.id);
  if (!contact) throw new ApiError(404, 'not_found', 'User Not Found');
  return list(contactSubscriptionsView(ctx.ws, contact.id));
}

/** 2.16; the spec's 404 for an unknown company. Newest first. */
function companyNotes(ctx: RouteCtx) {
  requireVersion(ctx, V216);
  const company = ctx.ws.companies.find((c) => c.id === ctx.params.id);
  if (!company) throw new ApiError(404, 'company_not_found', 'Company Not Found');
  const page = cursorPages(ctx, ctx.ws.companyNotes.get(company.id) ?? [], P.companyNotes, true);
  return { type: 'list', data: page.data, total_count: page.total_count, pages: page.pages };
}

function conversationOf(ctx: RouteCtx) {
  const conversation = ctx.ws.conversations.find((c) => c.id === ctx.params.id);
  if (!conversation) throw new ApiError(404, 'not_found', 'Resource Not Found');
  return conversation;
}

/** 2.16: every pause and resume, oldest first, in one answer (the spec's envelope has no type and no paging). */
function handlingEvents(ctx: RouteCtx) {
  requireVersion(ctx, V216);
  return { handling_events: ctx.ws.handlingEvents.get(conversationOf(ctx).id) ?? [] };
}

/** 2.16: page numbers; the spec's pages object has no next, so a reader goes by total_pages. */
function sideConversations(ctx: RouteCtx) {
  requireVersion(ctx, V216);
  const all = ctx.ws.sideConversations.get(conversationOf(ctx).id) ?? [];
  const perPage = intParam(ctx.query, 'per_page', P.sideConversations.fallback, P.sideConversations.max);
  const page = intParam(ctx.query, 'page', 1, Number.MAX_SAFE_INTEGER);
  return {
    type: 'side_conversation.list',
    side_conversations: all.slice((page - 1) * perPage, page * perPage),
    total_count: all.length,
    pages: { type: 'pages', page, per_page: perPage, total_pages: Math.ceil(all.length / perPage) },
  };
}

function since(version: number, handler: Handler): Handler {
  return (ctx) => {
    requireVersion(ctx, version);
    return handler(ctx);
  };
}

/** [method, path pattern, handler], as server.ts's route() takes them. */
export const WORKSPACE_ROUTES: Array<[string, string, Handler]> = [
  ['GET', '/admins/activity_logs', activityLogs],
  ['GET', '/ticket_types', (c) => list(c.ws.ticketTypes.map((t) => ticketTypeView(c.ws, t)))],
  ['GET', '/ticket_states', (c) => list(c.ws.ticketStateDetails.map((s) => ticketStateView(c.ws, s)))],
  ['GET', '/help_center/help_centers', (c) => list(c.ws.helpCenters.map((h) => helpCenterView(h, c.version)))],
  ['GET', '/internal_articles', (c) => paged(c, c.ws.internalArticles.map((a) => internalArticleView(a, c.version)), P.internalArticles)],
  ['GET', '/news/news_items', (c) => paged(c, c.ws.newsItems, P.newsItems)],
  ['GET', '/news/newsfeeds', (c) => paged(c, c.ws.newsfeeds, P.newsfeeds)],
  ['GET', '/away_status_reasons', (c) => list(c.ws.awayStatusReasons)],
  ['GET', '/calls', (c) => {
    const page = cursorPages(c, c.ws.calls, P.calls);
    return { type: 'list', data: page.data, total_count: page.total_count, pages: page.pages };
  }],
  ['GET', '/ai/content_import_sources', (c) => ({ type: 'list', ...pagesLinkPage(c, c.ws.contentImportSources.map((s) => contentImportSourceView(s, c.version)), '/ai/content_import_sources', P.contentImportSources) })],
  ['GET', '/ai/external_pages', (c) => ({ type: 'list', ...pagesLinkPage(c, c.ws.externalPages, '/ai/external_pages', P.externalPages) })],
  ['GET', '/macros', macros],
  ['GET', '/office_hours_schedules', since(V216, (c) => ({ type: 'office_hours_schedule.list', data: c.ws.officeHoursSchedules }))],
  ['GET', '/brands', since(V216, (c) => list(c.ws.brands))],
  ['GET', '/content_snippets', since(V216, (c) => topLevelPage(c, c.ws.contentSnippets, P.contentSnippets))],
  ['GET', '/audiences', since(V216, (c) => topLevelPage(c, c.ws.audiences, P.audiences))],
  ['GET', '/emails', since(V216, (c) => list(c.ws.emailSettings))],
  ['GET', '/contacts/:id/subscriptions', contactSubscriptions],
  ['GET', '/companies/:id/notes', companyNotes],
  ['GET', '/conversations/:id/handling_events', handlingEvents],
  ['GET', '/conversations/:id/side_conversations', sideConversations],
];
