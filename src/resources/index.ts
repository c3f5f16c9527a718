/**
 * One reader per Intercom resource: what to call and how to page it. Templates refer to them by name.
 * - lists: the top-level collections a template reads once per run;
 * - details: a list that belongs to one parent object (a contact's notes, tags beyond the first 10, …);
 * - expanders: replace a listed object with its full version (a conversation with its parts).
 */
import { cursor, nextUrl, pageNumbers, scroll, single, type ScrollOptions } from '../intercom/paginate.js';
import type { IntercomClient } from '../intercom/client.js';
import type { Company, Conversation, DataEventSummary } from '../generated/intercom.js';

export type Json = Record<string, unknown>;

export interface ReaderContext {
  client: IntercomClient;
  scroll: ScrollOptions;
}

export type ListReader = (ctx: ReaderContext) => AsyncIterable<Json>;
export type DetailReader = (ctx: ReaderContext, parent: Json) => AsyncIterable<Json>;
export type Expander = (ctx: ReaderContext, item: Json) => Promise<Json>;

const id = (o: Json) => encodeURIComponent(String(o.id));

export const lists: Record<string, ListReader> = {
  contacts: ({ client }) => cursor(client, '/contacts', 'data', { per_page: 150 }),
  companies: ({ client, scroll: opts }) => scroll<Company & Json>(client, '/companies/scroll', 'data', opts),
  admins: ({ client }) => single(client, '/admins', 'admins'),
  teams: ({ client }) => single(client, '/teams', 'teams'),
  tags: ({ client }) => single(client, '/tags', 'data'),
  segments: ({ client }) => single(client, '/segments', 'segments', { include_count: true }),
  conversations: ({ client }) => cursor(client, '/conversations', 'conversations', { per_page: 150 }),
};

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
