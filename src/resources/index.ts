/**
 * The Intercom resources a template can read, one declaration a line: what is requested, how it is paged,
 * what key its records have, what field orders its changes, and what a 404 means. Templates refer to them by
 * name (`list`, `expand`, `fetch`, `complete_with`); the engine only interprets the declarations, through the
 * functions at the end of this file.
 */
import { cursor, keptOf, nextCursorPages, nextUrl, pageNumbers, searchCursor, shape, single, type Item, type ListShape, type Resume } from '../intercom/paginate.js';
import { scroll, type ScrollOptions } from '../intercom/scroll.js';
import { HttpError, type IntercomClient } from '../intercom/client.js';
import { searchByCreation } from '../intercom/partitioned.js';

export type Json = Item;
/** The template's own checks of a record (primary-key columns, child lists it reads): see CompiledTable.check. */
export type RecordCheck = (item: Json) => string | undefined;

type Value = string | number | boolean;

export interface Reader {
  /**
   * What it reads: `list`, a collection of the workspace (read once per run); `detail`, a list that belongs to one
   * parent record (`{field}` in its path, query or body names the parent's field); `record`, one record by its id
   * (an expander, or the check that a record still exists).
   */
  kind: 'list' | 'detail' | 'record';
  /** The first API version that serves it; absent: every version the product accepts. */
  from_version?: string;
  /** Path; in a detail reader or an expander, `{field}` is that field of the parent (or listed) record. */
  path: string;
  /** Query parameters; `{field}` as in path. */
  query?: Record<string, Value>;
  /** With paging `search`: the search's query; `{field}` as in path. Without it, the search reads by `updated`. */
  body?: Record<string, unknown>;
  /** How its pages follow each other; `object` is one record, not a list. */
  paging: 'single' | 'cursor' | 'page_numbers' | 'next_url' | 'next_cursor' | 'scroll' | 'search' | 'object';
  /** The key holding the list (alternatives where the API documents several). */
  records?: string | string[];
  /** The field a record is keyed by. */
  id: string;
  /** The spec allows null items in the list: they are skipped with one warning. */
  nullable_items?: boolean;
  /** The field its records change by: with `search`, a list read as "changed since" that keeps a mark; history tables key versions by it. */
  updated?: string;
  /**
   * POST search for changes on `updated`, asked from `slack` seconds early and cut by the second here; `sorted`:
   * the search sorts by `updated` ascending, so a read stopped early has every change up to its last record.
   * With paging `search`, a full read is this search from the beginning of time (the API has no plain list).
   * `margin` (seconds): how long a change may take to reach the search index, and how far Intercom's clock may be
   * behind ours: a read of changes starts this long before the last mark, and the catch-up after a full read this
   * long before the read began.
   */
  search?: { path: string; records: string; slack: number; sorted: boolean; margin: number };
  /**
   * The list is asked for changes by a query parameter instead of a search (GET with `param` = the time since, UNIX
   * seconds, on `updated`); `margin` as a search's. `window`: a full read goes back as many days as that parameter of
   * the configuration says (a list the API serves only from a time on). `append_only`: records are never changed or
   * deleted, so an incremental run merges even a full read (storage keeps what has left the window).
   */
  filter?: { param: string; margin: number; window?: 'activity_logs_days'; append_only?: boolean };
  /** `all` lists the most recently updated first: records updated during a read move to the front. */
  newest_first?: boolean;
  /**
   * A list of this list's deleted records, newest deletion first (`reader`, keyed like this list, each with the
   * deletion time `at`), served from API version `from_version`: how an incremental run learns what to remove.
   */
  deleted?: { reader: string; at: string; from_version: string };
  /**
   * The reader of one record (an expander): a record this list no longer shows is asked for before its rows
   * are removed, since the list may leave out records that still exist (companies with no users).
   */
  confirm_gone?: string;
  /**
   * Every record can be found by its search split on this creation field (a census, which needs `search`): how
   * an incremental run learns which records were deleted, where the API keeps no list of them (src/incremental/census.ts).
   * Each id the census misses is asked for (`confirm_gone`) before its rows go. `margin` (seconds): records created
   * this long after the last run's sketch was made are left out of the comparison, for a clock of Intercom's ahead
   * of ours (src/incremental/census.ts).
   */
  census?: { created: string; margin: number };
  /** A 404 (or 410) means the record was deleted: while the run read it (left out with a warning), or since the last run. */
  on_404?: 'vanished';
  /** What its requests are counted under in the run's summary (per-record detail requests). */
  cost?: string;
  /**
   * Fields its records lack, set before any check: a value, or a text where `{field}` is that field of the record.
   * A field the record has is left as it is.
   */
  fill?: Record<string, Value>;
  /**
   * From API version `version` on, the reader asks elsewhere (another path and query) and fills in what that
   * version's answer lacks, so its records keep the shape the templates read.
   */
  since?: { version: string; path: string; query?: Record<string, Value>; fill?: Record<string, Value> };
}

const DAY = 86_400;
/** New contacts can take minutes to reach Intercom's search index, and its clock may be behind ours: half an hour covers both. */
const INDEX_LAG = 30 * 60;
/** How far Intercom's clock may be ahead of ours. */
const SKEW = 10 * 60;

export const readers: Record<string, Reader> = {
  // Lists: the top-level collections a template reads once per run.
  // Contacts search compares dates by whole day in the workspace's timezone (`>` t starts the next day): two days of slack cover any timezone.
  // Deleted and merged contacts leave no trace but their absence: a census (which search, unlike GET /contacts, runs in parallel).
  contacts: { kind: 'list', path: '/contacts', query: { per_page: 150 }, paging: 'cursor', records: 'data', id: 'id', updated: 'updated_at', search: { path: '/contacts/search', records: 'data', slack: 2 * DAY, sorted: true, margin: INDEX_LAG }, census: { created: 'created_at', margin: SKEW }, confirm_gone: 'contact' },
  // Intercom leaves companies with no users out of its company lists: one gone from them may still exist.
  companies: { kind: 'list', path: '/companies/scroll', paging: 'scroll', records: 'data', id: 'id', updated: 'updated_at', confirm_gone: 'company' },
  admins: { kind: 'list', path: '/admins', paging: 'single', records: 'admins', id: 'id', nullable_items: true },
  teams: { kind: 'list', path: '/teams', paging: 'single', records: 'teams', id: 'id' },
  // A tag or segment missing from its list is asked for before the rows naming it go: only a 404 is a deletion.
  tags: { kind: 'list', path: '/tags', paging: 'single', records: 'data', id: 'id', confirm_gone: 'tag' },
  segments: { kind: 'list', path: '/segments', query: { include_count: true }, paging: 'single', records: 'segments', id: 'id', confirm_gone: 'segment' },
  // Conversations search compares by the second; whether its `>` includes the value differs by account: one second of slack.
  conversations: { kind: 'list', path: '/conversations', query: { per_page: 150 }, paging: 'cursor', records: 'conversations', id: 'id', updated: 'updated_at', newest_first: true, deleted: { reader: 'deleted_conversations', at: 'deleted_at', from_version: '2.16' }, search: { path: '/conversations/search', records: 'conversations', slack: 1, sorted: true, margin: INDEX_LAG }, census: { created: 'created_at', margin: SKEW }, confirm_gone: 'conversation_exists' },
  // Tickets have no plain list, only search; its request schema documents no sort, so none is assumed.
  tickets: { kind: 'list', path: '/tickets/search', paging: 'search', records: 'tickets', id: 'id', updated: 'updated_at', search: { path: '/tickets/search', records: 'tickets', slack: 1, sorted: false, margin: INDEX_LAG } },
  // API 2.16 and later; `order: desc` lists the latest deletion first (the spec's example: deleted_at falling).
  deleted_conversations: { kind: 'list', from_version: '2.16', path: '/conversations/deleted', query: { per_page: 60, order: 'desc' }, paging: 'page_numbers', records: 'conversations', id: 'id' },
  articles: { kind: 'list', path: '/articles', paging: 'page_numbers', records: 'data', id: 'id' },
  collections: { kind: 'list', path: '/help_center/collections', paging: 'page_numbers', records: 'data', id: 'id' },
  subscription_types: { kind: 'list', path: '/subscription_types', paging: 'single', records: 'data', id: 'id' },
  // Workspace-level lists read whole every run (the workspace template). Those served from API 2.16 are not asked for
  // on an earlier version, which answers 400 intercom_version_invalid: their tables are written empty.
  ticket_types: { kind: 'list', path: '/ticket_types', paging: 'single', records: 'data', id: 'id' },
  ticket_states: { kind: 'list', path: '/ticket_states', paging: 'single', records: 'data', id: 'id' },
  help_centers: { kind: 'list', path: '/help_center/help_centers', paging: 'single', records: 'data', id: 'id' },
  internal_articles: { kind: 'list', path: '/internal_articles', paging: 'page_numbers', records: 'data', id: 'id' },
  news_items: { kind: 'list', path: '/news/news_items', paging: 'page_numbers', records: 'data', id: 'id' },
  newsfeeds: { kind: 'list', path: '/news/newsfeeds', paging: 'page_numbers', records: 'data', id: 'id' },
  away_status_reasons: { kind: 'list', path: '/away_status_reasons', paging: 'single', records: 'data', id: 'id' },
  calls: { kind: 'list', path: '/calls', query: { per_page: 25 }, paging: 'page_numbers', records: 'data', id: 'id' },
  ai_content_import_sources: { kind: 'list', path: '/ai/content_import_sources', paging: 'page_numbers', records: 'data', id: 'id' },
  ai_external_pages: { kind: 'list', path: '/ai/external_pages', paging: 'page_numbers', records: 'data', id: 'id' },
  // Newest change first; asked for by change with updated_since (its updated_at is ISO 8601).
  macros: { kind: 'list', from_version: '2.16', path: '/macros', query: { per_page: 150 }, paging: 'cursor', records: 'data', id: 'id', updated: 'updated_at', newest_first: true, filter: { param: 'updated_since', margin: INDEX_LAG } },
  office_hours_schedules: { kind: 'list', from_version: '2.16', path: '/office_hours_schedules', paging: 'single', records: 'data', id: 'id' },
  brands: { kind: 'list', from_version: '2.16', path: '/brands', paging: 'single', records: 'data', id: 'id' },
  // Paged by numbers given at the top level (page, total_pages), with no pages object.
  content_snippets: { kind: 'list', from_version: '2.16', path: '/content_snippets', query: { per_page: 50 }, paging: 'page_numbers', records: 'data', id: 'id' },
  audiences: { kind: 'list', from_version: '2.16', path: '/audiences', query: { per_page: 50 }, paging: 'page_numbers', records: 'data', id: 'id' },
  email_settings: { kind: 'list', from_version: '2.16', path: '/emails', paging: 'single', records: 'data', id: 'id' },
  // Append-only, asked for by creation time (created_at_after is required): a full read goes back
  // parameters.activity_logs_days, an incremental run asks from its mark on. Its order is not documented.
  activity_logs: { kind: 'list', path: '/admins/activity_logs', paging: 'page_numbers', records: 'activity_logs', id: 'id', updated: 'created_at', filter: { param: 'created_at_after', margin: INDEX_LAG, window: 'activity_logs_days', append_only: true } },

  // Attribute definitions (archived ones too: records may still hold their values). Keyed by full_name: a
  // company's `name` and `plan.name` are both named "name".
  contact_attributes: { kind: 'list', path: '/data_attributes', query: { model: 'contact', include_archived: true }, paging: 'single', records: 'data', id: 'full_name' },
  company_attributes: { kind: 'list', path: '/data_attributes', query: { model: 'company', include_archived: true }, paging: 'single', records: 'data', id: 'full_name' },
  // From 2.16 GET /data_attributes?model=conversation answers 422: conversation attributes have their own list,
  // whose records (custom attributes only) have no model, full_name or custom flag; they are filled in: the model, the
  // flag, and as full_name their name (2.14 names the same attribute custom_attributes.<name>).
  conversation_attributes: {
    kind: 'list', path: '/data_attributes', query: { model: 'conversation', include_archived: true }, paging: 'single', records: 'data', id: 'full_name',
    since: { version: '2.16', path: '/conversations/attributes', query: { include_archived: true }, fill: { model: 'conversation', full_name: '{name}', custom: true } },
  },

  // Expanders: a listed record's full version.
  conversation: { kind: 'record', path: '/conversations/{id}', query: { display_as: 'plaintext' }, paging: 'object', id: 'id', on_404: 'vanished', cost: 'conversation details' },
  // Search results carry no parts: only the detail does.
  ticket: { kind: 'record', path: '/tickets/{id}', paging: 'object', id: 'id', on_404: 'vanished', cost: 'ticket details' },
  company: { kind: 'record', path: '/companies/{id}', paging: 'object', id: 'id', on_404: 'vanished', cost: 'deletion checks' },
  tag: { kind: 'record', path: '/tags/{id}', paging: 'object', id: 'id', on_404: 'vanished', cost: 'deletion checks' },
  segment: { kind: 'record', path: '/segments/{id}', paging: 'object', id: 'id', on_404: 'vanished', cost: 'deletion checks' },
  contact: { kind: 'record', path: '/contacts/{id}', paging: 'object', id: 'id', on_404: 'vanished', cost: 'deletion checks' },
  conversation_exists: { kind: 'record', path: '/conversations/{id}', paging: 'object', id: 'id', on_404: 'vanished', cost: 'deletion checks' },

  // Details: a list that belongs to one parent record.
  contact_tags: { kind: 'detail', path: '/contacts/{id}/tags', paging: 'single', records: 'data', id: 'id', on_404: 'vanished', cost: 'tags beyond 10' },
  // The spec's example has the list under `data`, its schema under `companies`: both are accepted.
  contact_companies: { kind: 'detail', path: '/contacts/{id}/companies', query: { per_page: 50 }, paging: 'page_numbers', records: ['data', 'companies'], id: 'id', on_404: 'vanished', cost: 'companies beyond 10' },
  contact_segments: { kind: 'detail', path: '/contacts/{id}/segments', paging: 'single', records: 'data', id: 'id', on_404: 'vanished', cost: 'segments' },
  contact_notes: { kind: 'detail', path: '/contacts/{id}/notes', query: { per_page: 50 }, paging: 'page_numbers', records: 'data', id: 'id', on_404: 'vanished', cost: 'notes' },
  // One summary object whose `events` items the spec marks nullable; an item is keyed by its name.
  contact_events_summary: { kind: 'detail', path: '/events', query: { type: 'user', intercom_user_id: '{id}', summary: true }, paging: 'single', records: 'events', id: 'name', nullable_items: true, on_404: 'vanished', cost: 'events_summary' },
  company_segments: { kind: 'detail', path: '/companies/{id}/segments', paging: 'single', records: 'data', id: 'id', on_404: 'vanished', cost: 'company segments beyond 10' },
  // The companies that have a tag (of GET /tags): the way to a company's tags past the ones it shows.
  tag_companies: { kind: 'detail', path: '/companies', query: { tag_id: '{id}', per_page: 50 }, paging: 'page_numbers', records: 'data', id: 'id', on_404: 'vanished', cost: 'company tags beyond 10' },
  // A segment's contacts: segment memberships per segment instead of per contact (see the template's `members`).
  // Sorted by a field that never changes, so a contact cannot move to a page already read while it pages.
  segment_contacts: { kind: 'detail', path: '/contacts/search', paging: 'search', body: { query: { field: 'segment_id', operator: '=', value: '{id}' }, sort: { field: 'created_at', order: 'ascending' } }, records: 'data', id: 'id', cost: 'segment members' },
  // Per-record details a user opts into (parameters.include_details): one request per record each.
  contact_subscriptions: { kind: 'detail', path: '/contacts/{id}/subscriptions', paging: 'single', records: 'data', id: 'id', on_404: 'vanished', cost: 'contact subscriptions' },
  contact_merge_history: { kind: 'detail', from_version: '2.16', path: '/contacts/{id}/merge_history', query: { per_page: 50 }, paging: 'next_cursor', records: 'data', id: 'source_contact_id', on_404: 'vanished', cost: 'contact merge history' },
  company_notes: { kind: 'detail', from_version: '2.16', path: '/companies/{id}/notes', paging: 'page_numbers', records: 'data', id: 'id', on_404: 'vanished', cost: 'company notes' },
  // Handling events have no id of their own: a pause or resume is told apart by its time.
  conversation_handling_events: { kind: 'detail', from_version: '2.16', path: '/conversations/{id}/handling_events', paging: 'single', records: 'handling_events', id: 'timestamp', on_404: 'vanished', cost: 'conversation handling events' },
  side_conversations: { kind: 'detail', from_version: '2.16', path: '/conversations/{id}/side_conversations', query: { per_page: 50 }, paging: 'page_numbers', records: 'side_conversations', id: 'side_conversation_id', on_404: 'vanished', cost: 'side conversations' },
  contact_events: { kind: 'detail', path: '/events', query: { type: 'user', intercom_user_id: '{id}', per_page: 100 }, paging: 'next_url', records: 'events', id: 'id', on_404: 'vanished', cost: 'events' },
};

// ---------------------------------------------------------------------------------------------
// Interpreting the declarations

export interface ReaderContext {
  client: IntercomClient;
  /** The configuration's windows of the lists that declare one (Reader.filter.window), in days. */
  windowDays?: Partial<Record<NonNullable<NonNullable<Reader['filter']>['window']>, number>>;
  /** The run's Intercom API version: a reader declared `since` a version reads elsewhere from it on. */
  apiVersion: string;
  scroll: ScrollOptions;
  /** One-request lists read this run (tags, data attributes), or being read: asked again, they are not requested twice. */
  memo?: Map<string, Promise<Json[]>>;
}

/**
 * An app's one companies scroll: wait this long between tries while another client holds it, up to 150 s (an idle
 * one expires in a minute); passes over it go on while each finds something it missed, and give up after 10 minutes
 * of passes that find nothing (the client's retry window, the bound of every other request).
 */
export const SCROLL_DEFAULTS: ScrollOptions = { busyRetryMs: 15_000, busyMaxWaitMs: 150_000, stallMs: 10 * 60_000 };

export interface ReadOptions {
  /** Cursor-paged lists can start after a cursor and report their pages', so a later run can resume; paged lists tell their size. */
  resume?: Resume;
  check?: RecordCheck;
}

/** "2.16" ≥ "2.14". */
export function versionAtLeast(version: string, least: string): boolean {
  const [a, b] = version.split('.').map(Number);
  const [c, d] = least.split('.').map(Number);
  return a > c || (a === c && b >= d);
}

/** Whether the API version serves this reader (Reader.from_version). */
export function served(name: string, version: string): boolean {
  const from = readers[name].from_version;
  return from === undefined || versionAtLeast(version, from);
}

/** Whether the API version lists this list's deleted records (Reader.deleted): an incremental run then reads them. */
export function deletionsListed(name: string, version: string): boolean {
  const deleted = readers[name].deleted;
  return deleted !== undefined && versionAtLeast(version, deleted.from_version);
}

/** A reader as the run's API version has it (see Reader.since). */
export function readerOf(ctx: Pick<ReaderContext, 'apiVersion'>, name: string): Reader {
  const r = readers[name];
  if (!r.since || !versionAtLeast(ctx.apiVersion, r.since.version)) return r;
  const { version: _version, ...changes } = r.since;
  return { ...r, ...changes, fill: { ...r.fill, ...r.since.fill } };
}

function shapeOf(r: Reader, check: RecordCheck | undefined): ListShape {
  return shape(r.records ?? [], { id: r.id, nullableItems: r.nullable_items, ...(check ? { item: check } : {}), ...(r.fill ? { fill: filler(r.fill) } : {}) });
}

/** Sets the fields a record lacks (null counts as lacking): plain values, or texts filled from the record's own fields. */
function filler(fill: Record<string, Value>): (item: Json) => void {
  return (item) => {
    for (const [field, value] of Object.entries(fill)) {
      if (item[field] !== undefined && item[field] !== null) continue;
      item[field] = typeof value === 'string' ? value.replace(FIELD, (_, f: string) => String(item[f] ?? '')) : value;
    }
  };
}

const FIELD = /\{(\w+)\}/g;

/** `{field}` in a path or query value becomes that field of the parent record (URL-encoded inside a path). */
function fill<T extends Value>(template: T, parent: Json | undefined, inPath: boolean): T {
  if (typeof template !== 'string' || !template.includes('{')) return template;
  return template.replace(FIELD, (_, field: string) => {
    if (!parent) throw new Error(`${template} needs a parent record`);
    const value = String(parent[field]);
    return inPath ? encodeURIComponent(value) : value;
  }) as T;
}

/** A search body with `{field}` filled in every string inside it. */
export function fillAll(body: Record<string, unknown>, parent: Json | undefined): Record<string, unknown> {
  return JSON.parse(JSON.stringify(body), (_, v: unknown) => (typeof v === 'string' ? fill(v, parent, false) : v)) as Record<string, unknown>;
}

export function request(r: Reader, parent?: Json): { path: string; query: Record<string, Value> } {
  const query = Object.fromEntries(Object.entries(r.query ?? {}).map(([k, v]) => [k, fill(v, parent, false)]));
  return { path: fill(r.path, parent, true), query };
}

function pages(ctx: ReaderContext, r: Reader, opts: ReadOptions, parent?: Json): AsyncIterable<Json> {
  const { path, query } = request(r, parent);
  const s = shapeOf(r, opts.check);
  const opt = { cost: r.cost, onTotal: opts.resume?.onTotal };
  switch (r.paging) {
    case 'single':
      return single(ctx.client, path, s, query, opt);
    case 'cursor':
      return cursor(ctx.client, path, s, query, opts.resume, opt);
    case 'page_numbers':
      return pageNumbers(ctx.client, path, s, query, opt);
    case 'next_url':
      return nextUrl(ctx.client, path, s, query, opt);
    case 'next_cursor':
      return nextCursorPages(ctx.client, path, s, query, opt);
    case 'scroll':
      return scroll(ctx.client, path, s, ctx.scroll);
    case 'search':
      return searchCursor(ctx.client, path, s, r.body ? fillAll(r.body, parent) : searchBody(r, 0), SEARCH_PAGE, opts.resume, opt);
    case 'object':
      throw new Error(`reader ${r.path} returns one record, not a list`);
  }
}

/** Every record of a list reader (within its window, where it declares one). */
export async function* readAll(ctx: ReaderContext, name: string, opts: ReadOptions = {}): AsyncIterable<Json> {
  const r = windowed(ctx, readerOf(ctx, name));
  if (r.paging !== 'single' || !ctx.memo) return yield* pages(ctx, r, opts);
  let kept = ctx.memo.get(name);
  if (!kept) {
    kept = (async () => {
      const items: Json[] = [];
      for await (const item of pages(ctx, r, opts)) items.push(item);
      return items;
    })();
    ctx.memo.set(name, kept);
    return yield* await kept;
  }
  // Read once under another table's checks: this table's own apply too.
  for (const item of await kept) {
    const wrong = opts.check?.(item);
    if (wrong) throw new Error(`GET ${r.path} answered with a record that ${wrong}`);
    yield item;
  }
}

const DAYS = 86_400;

/** A reader with a window asks from that many days ago (the requests' clock). */
export function windowed(ctx: ReaderContext, r: Reader): Reader {
  const window = r.filter?.window;
  if (!window) return r;
  const days = ctx.windowDays?.[window];
  if (days === undefined) throw new Error(`reader ${r.path} needs the configuration's ${window}`);
  return { ...r, query: { ...r.query, [r.filter!.param]: Math.max(0, Math.floor(ctx.client.clock.now() / 1000) - days * DAYS) } };
}

/** Records per page of a search (its most). */
export const SEARCH_PAGE = 150;

export function searchBody(r: Reader, since: number): Record<string, unknown> {
  if (!r.search || !r.updated) throw new Error(`reader ${r.path} cannot be searched for changes`);
  const query = { field: r.updated, operator: '>', value: Math.max(0, since - r.search.slack) };
  return r.search.sorted ? { query, sort: { field: r.updated, order: 'ascending' } } : { query };
}

/** The records of a searchable list changed at or after `since` (its `updated` field): oldest change first where the search sorts. */
export async function* readChanges(ctx: ReaderContext, name: string, since: number, opts: ReadOptions = {}): AsyncIterable<Json> {
  const r = readers[name];
  if (r.filter) {
    const asked = { ...readerOf(ctx, name), query: { ...r.query, [r.filter.param]: Math.max(0, since) } };
    return yield* keptOf((resume) => pages(ctx, asked, { ...opts, resume }), (item) => updatedAt(name, item) >= since, opts.resume);
  }
  const body = searchBody(r, since);
  const s = shape(r.search!.records, { id: r.id, ...(opts.check ? { item: opts.check } : {}) });
  yield* keptOf((resume) => searchCursor(ctx.client, r.search!.path, s, body, SEARCH_PAGE, resume), (item) => Number(item[r.updated!]) >= since, opts.resume);
}

/** Census ranges paged at once: 64 in flight at 300 ms latency is 213 requests a second, above Intercom's default limit of 167. */
const CENSUS_RANGES = 64;

/** Every record of a list with a census, once each, in no order: its search split by creation time, read in parallel. */
export function readCensus(ctx: ReaderContext, name: string): AsyncIterable<Json> {
  const r = readers[name];
  if (!r.census || !r.search) throw new Error(`reader ${r.path} has no census`);
  return searchByCreation(ctx.client, r.search.path, shape(r.search.records, { id: r.id }), { field: r.census.created, slack: r.search.slack, perPage: SEARCH_PAGE, concurrency: CENSUS_RANGES });
}

/** A detail reader's records for one parent record. */
export function readFor(ctx: ReaderContext, name: string, parent: Json, check?: RecordCheck): AsyncIterable<Json> {
  return pages(ctx, readerOf(ctx, name), { check }, parent);
}

/** An expander's full version of a listed record; it must be the same record. */
export function expand(ctx: ReaderContext, name: string, item: Json, check?: RecordCheck): Promise<Json> {
  const r = readerOf(ctx, name);
  const { path, query } = request(r, item);
  return ctx.client.get<Json>(path, query, {
    cost: r.cost,
    check: (body) => {
      if (String(body[r.id] ?? '') !== String(item[r.id])) return `with ${r.id} ${JSON.stringify(body[r.id] ?? null)} instead of ${String(item[r.id])}`;
      return check?.(body);
    },
  });
}

/** How many records a page of this reader holds: what a list of n records costs in requests. */
export function pageSize(name: string): number {
  const r = readers[name];
  if (r.paging === 'search') return SEARCH_PAGE;
  const perPage = Number(r.query?.per_page);
  return Number.isFinite(perPage) && perPage > 0 ? perPage : 1;
}

/** A reader's request as a log line shows it: `GET /companies?tag_id={id}&per_page=50` (as the run's API version has it, given `ctx`). */
export function describeReader(name: string, ctx?: Pick<ReaderContext, 'apiVersion'>): string {
  const r = ctx ? readerOf(ctx, name) : readers[name];
  const query = Object.entries(r.query ?? {}).map(([k, v]) => `${k}=${String(v)}`).join('&');
  return `${r.paging === 'search' ? 'POST' : 'GET'} ${r.path}${query ? `?${query}` : ''}`;
}

/** When a record last changed (its reader's `updated` field), in UNIX seconds, whether the API gives seconds or ISO 8601; NaN when it does not say. */
export function updatedAt(name: string, item: Json): number {
  const field = readers[name].updated;
  const v = field === undefined ? undefined : item[field];
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v.trim() === '') return NaN;
  if (/^-?\d+$/.test(v.trim())) return Number(v);
  const ms = Date.parse(v.trim());
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : NaN;
}

/**
 * How far before its mark a list is read for changes (its search's or its filter's margin); undefined for a list
 * that cannot be read by change (read whole every run).
 */
export function changesMargin(name: string): number | undefined {
  const r = readers[name];
  return r.search?.margin ?? r.filter?.margin;
}

/** Whether a list's changes come in the order of its `updated` field (a sorted search); a filter's order is not documented. */
export function changesSorted(name: string): boolean {
  const r = readers[name];
  return r.search ? r.search.sorted : false;
}

/** Whether a list's records are never changed or deleted: an incremental run merges even a full read of it. */
export function appendOnly(name: string): boolean {
  return readers[name].filter?.append_only === true;
}

/** A list's search as a log line shows it: `POST /contacts/search`. */
export function describeSearch(name: string): string {
  return `POST ${readers[name].search!.path}`;
}

/**
 * Whether `e` is the declared meaning of a 404 from this reader: its record was deleted. A 410 says the same (API
 * 2.17 and later answer 410 Gone for a contact merged into another).
 */
export function vanished(name: string, e: unknown): boolean {
  return readers[name].on_404 === 'vanished' && e instanceof HttpError && (e.status === 404 || e.status === 410);
}
