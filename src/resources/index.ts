/**
 * One reader per Intercom resource: what to call and how to page it. Templates refer to them by name.
 * - lists: the top-level collections a template reads once per run;
 * - details: a list that belongs to one parent object (a contact's notes, tags beyond the first 10, …);
 * - expanders: replace a listed object with its full version (a conversation with its parts).
 */
import { cursor, nextUrl, pageNumbers, scroll, searchCursor, single, type Resume, type ScrollOptions } from '../intercom/paginate.js';
import type { IntercomClient } from '../intercom/client.js';
import type { Company, Conversation, DataEventSummary } from '../generated/intercom.js';

export type Json = Record<string, unknown>;

export interface ReaderContext {
  client: IntercomClient;
  scroll: ScrollOptions;
}

export interface ListReader {
  /** Every record. Cursor-paged lists can start after a cursor and report their pages', so a later run can resume. */
  all(ctx: ReaderContext, resume?: Resume): AsyncIterable<Json>;
  /** Only records with updated_at >= since, oldest change first (lists Intercom can search). */
  changedSince?(ctx: ReaderContext, since: number): AsyncIterable<Json>;
}
export type DetailReader = (ctx: ReaderContext, parent: Json) => AsyncIterable<Json>;
export type Expander = (ctx: ReaderContext, item: Json) => Promise<Json>;

const id = (o: Json) => encodeURIComponent(String(o.id));

const DAY = 86_400;

export const lists: Record<string, ListReader> = {
  contacts: {
    all: ({ client }, resume) => cursor(client, '/contacts', 'data', { per_page: 150 }, resume),
    /**
     * Contacts search compares dates by whole day in the workspace's timezone, and `updated_at > t` starts
     * the day after t's. Asking from two days before `since` covers any timezone (UTC-12 to UTC+14); the
     * exact cut is made here, by the second.
     */
    changedSince: ({ client }, since) =>
      filter(searchCursor(client, '/contacts/search', 'data', { query: { field: 'updated_at', operator: '>', value: since - 2 * DAY }, sort: { field: 'updated_at', order: 'ascending' } }, 150), since),
  },
  companies: { all: ({ client, scroll: opts }) => scroll<Company & Json>(client, '/companies/scroll', 'data', opts) },
  admins: { all: ({ client }) => single(client, '/admins', 'admins') },
  teams: { all: ({ client }) => single(client, '/teams', 'teams') },
  tags: { all: ({ client }) => single(client, '/tags', 'data') },
  segments: { all: ({ client }) => single(client, '/segments', 'segments', { include_count: true }) },
  conversations: {
    all: ({ client }, resume) => cursor(client, '/conversations', 'conversations', { per_page: 150 }, resume),
    // Conversations search compares by the second; whether its `>` includes the value differs by account, so ask from a second earlier.
    changedSince: ({ client }, since) =>
      filter(searchCursor(client, '/conversations/search', 'conversations', { query: { field: 'updated_at', operator: '>', value: since - 1 }, sort: { field: 'updated_at', order: 'ascending' } }, 150), since),
  },
};

async function* filter(items: AsyncIterable<Json>, since: number): AsyncGenerator<Json> {
  for await (const item of items) if (Number(item.updated_at) >= since) yield item;
}

export const details: Record<string, DetailReader> = {
  contact_tags: ({ client }, c) => single(client, `/contacts/${id(c)}/tags`, 'data'),
  contact_companies: ({ client }, c) => pageNumbers(client, `/contacts/${id(c)}/companies`, 'data', { per_page: 50 }),
  contact_segments: ({ client }, c) => single(client, `/contacts/${id(c)}/segments`, 'data'),
  contact_notes: ({ client }, c) => pageNumbers(client, `/contacts/${id(c)}/notes`, 'data', { per_page: 50 }),
  contact_events_summary: async function* ({ client }, c) {
    const summary = await client.get<DataEventSummary>('/events', { type: 'user', intercom_user_id: String(c.id), summary: true });
    yield* (summary.events ?? []) as unknown as Json[];
  },
  contact_events: ({ client }, c) => nextUrl(client, '/events', 'events', { type: 'user', intercom_user_id: String(c.id), per_page: 100 }),
};

export const expanders: Record<string, Expander> = {
  conversation: async ({ client }, c) => (await client.get<Conversation>(`/conversations/${id(c)}`, { display_as: 'plaintext' })) as unknown as Json,
};
