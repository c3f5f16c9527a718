/**
 * What each reader needs of the token: the permission ("scope") an Intercom app is given in its Developer Hub
 * (Configure → Authentication), by the name the Hub shows, so that a refusal can name what to add.
 *
 * Intercom documents scopes per family of data, not per endpoint. Its list (developers.intercom.com/docs/
 * build-an-integration/learn-more/authentication/oauth-scopes) says: "Read and list users and companies: List and
 * view all segments, users and companies"; "Read tags: List all tags"; "Read conversations: View conversations";
 * "Read events: List all events belonging to a user"; "Read tickets: View tickets"; "Read admins: List and view all
 * admins"; "Read admin activity logs: List and view all admins and their activity"; "Read and List articles: List
 * and view all articles"; "Read and List news items and newsfeeds: List and view all News items and Newsfeeds".
 * The spec ties one endpoint to a scope: GET /macros, whose 403 example in api.intercom.io.2.16.yaml is "You do not
 * have the required scope (read_conversations) to access this resource".
 *
 * A reader is given the scope of the family its records belong to (a contact's notes and tags, a conversation's
 * handling events, a help center's collections). One that belongs to no family on that page (teams, calls, data
 * attributes, subscription types, Fin's content, brands, …) is given none: a refusal of it quotes Intercom's answer,
 * which names the scope it wants (src/actions/test-connection.ts).
 */
import type { Reader } from './index.js';

const USERS = 'Read and list users and companies';
const TAGS = 'Read tags';
const CONVERSATIONS = 'Read conversations';
const EVENTS = 'Read events';
const TICKETS = 'Read tickets';
const ADMINS = 'Read admins';
const ACTIVITY = 'Read admin activity logs';
const ARTICLES = 'Read and List articles';
const NEWS = 'Read and List news items and newsfeeds';

export const SCOPES: Record<string, string> = {
  // "List and view all segments, users and companies", and what belongs to a contact or a company.
  contacts: USERS, contact: USERS, companies: USERS, company: USERS, segments: USERS, segment: USERS,
  contact_companies: USERS, contact_segments: USERS, contact_notes: USERS, contact_subscriptions: USERS, contact_merge_history: USERS,
  company_segments: USERS, company_notes: USERS, tag_companies: USERS, segment_contacts: USERS,
  // "List all tags", and the tags of a contact.
  tags: TAGS, tag: TAGS, contact_tags: TAGS,
  // "View conversations"; GET /macros by the spec's example.
  conversations: CONVERSATIONS, conversation: CONVERSATIONS, conversation_exists: CONVERSATIONS, deleted_conversations: CONVERSATIONS,
  conversation_handling_events: CONVERSATIONS, side_conversations: CONVERSATIONS, macros: CONVERSATIONS,
  // "List all events belonging to a user".
  contact_events: EVENTS, contact_events_summary: EVENTS,
  // "View tickets", and the types and states tickets have.
  tickets: TICKETS, ticket: TICKETS, ticket_types: TICKETS, ticket_states: TICKETS,
  admins: ADMINS,
  activity_logs: ACTIVITY,
  // "List and view all articles", and the help centers and collections that hold them.
  articles: ARTICLES, collections: ARTICLES, help_centers: ARTICLES, internal_articles: ARTICLES,
  news_items: NEWS, newsfeeds: NEWS,
};

/**
 * Readers of no family on Intercom's scopes page: given no scope on purpose (tests/unit/endpoints.test.ts checks that
 * every reader is in SCOPES or here, so a new reader gets a decision).
 */
export const NO_DOCUMENTED_SCOPE = [
  'teams', 'away_status_reasons', 'subscription_types', 'contact_attributes', 'company_attributes', 'conversation_attributes', 'calls',
  'ai_content_import_sources', 'ai_external_pages', 'office_hours_schedules', 'brands', 'content_snippets', 'audiences', 'email_settings',
];

/** The Developer Hub's name of the scope a reader needs, where Intercom's documentation tells it. */
export function scopeOf(reader: string): string | undefined {
  return SCOPES[reader];
}

/**
 * The request testConnection makes instead of a reader's first page, where that must not be made just to check
 * access: an app has one companies scroll, held for a minute once opened (the spec's "Scroll over all companies"),
 * so a probe would keep the next run from opening its own. GET /companies lists the same companies.
 */
export const PROBE_INSTEAD: Record<string, Pick<Reader, 'path' | 'query' | 'records'>> = {
  companies: { path: '/companies', query: { per_page: 1 }, records: 'data' },
};
