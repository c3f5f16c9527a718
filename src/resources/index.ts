/**
 * One reader per Intercom resource: what to call, how to page it, and what its answer must look like.
 * Templates refer to them by name.
 * - lists: the top-level collections a template reads once per run;
 * - details: a list that belongs to one parent object (a contact's notes, tags beyond the first 10, …);
 * - expanders: replace a listed object with its full version (a conversation with its parts).
 */
import { cursor, nextUrl, pageNumbers, scroll, searchCursor, shape, single, type Item, type ListShape, type Resume, type ScrollOptions } from '../intercom/paginate.js';
import type { IntercomClient } from '../intercom/client.js';

export type Json = Item;
/** The template's own checks of a record (primary-key columns, child lists it reads): see CompiledTable.check. */
export type RecordCheck = (item: Json) => string | undefined;

export interface ReaderContext {
  client: IntercomClient;
  scroll: ScrollOptions;
}

export interface ReadOptions {
  /** Cursor-paged lists can start after a cursor and report their pages', so a later run can resume. */
  resume?: Resume;
  check?: RecordCheck;
}

export interface ListReader {
  /** Every record. */
  all(ctx: ReaderContext, opts?: ReadOptions): AsyncIterable<Json>;
  /** Only records with updated_at >= since, oldest change first (lists Intercom can search). */
  changedSince?(ctx: ReaderContext, since: number, opts?: ReadOptions): AsyncIterable<Json>;
  /** `all` lists the most recently updated first, by this field: records updated during a read move to the front. */
  newestFirst?: string;
}
export type DetailReader = (ctx: ReaderContext, parent: Json, check?: RecordCheck) => AsyncIterable<Json>;
export type Expander = (ctx: ReaderContext, item: Json, check?: RecordCheck) => Promise<Json>;

const id = (o: Json) => encodeURIComponent(String(o.id));
const withCheck = (s: ListShape, check: RecordCheck | undefined): ListShape => (check ? { ...s, item: check } : s);

const DAY = 86_400;

export const lists: Record<string, ListReader> = {
  contacts: {
    all: ({ client }, o = {}) => cursor(client, '/contacts', withCheck(shape('data'), o.check), { per_page: 150 }, o.resume),
    /**
     * Contacts search compares dates by whole day in the workspace's timezone, and `updated_at > t` starts
     * the day after t's. Asking from two days before `since` covers any timezone (UTC-12 to UTC+14); the
     * exact cut is made here, by the second.
     */
    changedSince: ({ client }, since, o = {}) =>
      filter(
        searchCursor(client, '/contacts/search', withCheck(shape('data'), o.check), { query: { field: 'updated_at', operator: '>', value: since - 2 * DAY }, sort: { field: 'updated_at', order: 'ascending' } }, 150),
        since,
      ),
  },
  companies: { all: ({ client, scroll: opts }, o = {}) => scroll(client, '/companies/scroll', withCheck(shape('data'), o.check), opts) },
  // The spec marks admins nullable: a null admin is skipped with a warning.
  admins: { all: ({ client }, o = {}) => single(client, '/admins', withCheck(shape('admins', { nullableItems: true }), o.check)) },
  teams: { all: ({ client }, o = {}) => single(client, '/teams', withCheck(shape('teams'), o.check)) },
  tags: { all: ({ client }, o = {}) => single(client, '/tags', withCheck(shape('data'), o.check)) },
  segments: { all: ({ client }, o = {}) => single(client, '/segments', withCheck(shape('segments'), o.check), { include_count: true }) },
  conversations: {
    newestFirst: 'updated_at',
    // Listed conversations are expanded before mapping: the template's checks apply to the detail, not here.
    all: ({ client }, o = {}) => cursor(client, '/conversations', shape('conversations'), { per_page: 150 }, o.resume),
    // Conversations search compares by the second; whether its `>` includes the value differs by account, so ask from a second earlier.
    changedSince: ({ client }, since) =>
      filter(searchCursor(client, '/conversations/search', shape('conversations'), { query: { field: 'updated_at', operator: '>', value: since - 1 }, sort: { field: 'updated_at', order: 'ascending' } }, 150), since),
  },
};

async function* filter(items: AsyncIterable<Json>, since: number): AsyncGenerator<Json> {
  for await (const item of items) if (Number(item.updated_at) >= since) yield item;
}

export const details: Record<string, DetailReader> = {
  contact_tags: ({ client }, c, check) => single(client, `/contacts/${id(c)}/tags`, withCheck(shape('data'), check)),
  // The spec's example has the list under `data`, its schema under `companies`: both are accepted.
  contact_companies: ({ client }, c, check) => pageNumbers(client, `/contacts/${id(c)}/companies`, withCheck(shape(['data', 'companies']), check), { per_page: 50 }),
  contact_segments: ({ client }, c, check) => single(client, `/contacts/${id(c)}/segments`, withCheck(shape('data'), check)),
  contact_notes: ({ client }, c, check) => pageNumbers(client, `/contacts/${id(c)}/notes`, withCheck(shape('data'), check), { per_page: 50 }),
  // One summary object whose `events` items the spec marks nullable; an item is keyed by its name.
  contact_events_summary: ({ client }, c, check) =>
    single(client, '/events', withCheck(shape('events', { id: 'name', nullableItems: true }), check), { type: 'user', intercom_user_id: String(c.id), summary: true }),
  contact_events: ({ client }, c, check) => nextUrl(client, '/events', withCheck(shape('events'), check), { type: 'user', intercom_user_id: String(c.id), per_page: 100 }),
};

export const expanders: Record<string, Expander> = {
  conversation: ({ client }, c, check) =>
    client.get<Json>(`/conversations/${id(c)}`, { display_as: 'plaintext' }, {
      check: (body) => {
        if (String(body.id ?? '') !== String(c.id)) return `with id ${JSON.stringify(body.id ?? null)} instead of ${String(c.id)}`;
        return check?.(body);
      },
    }),
};

