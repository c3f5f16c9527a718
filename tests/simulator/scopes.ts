/**
 * The scopes the simulator's Intercom asks of a token given SimulatorOptions.scopes: a route whose scope the token
 * lacks answers 403 as the spec's example for a missing scope does (api.intercom.io.2.16.yaml, GET /macros: code
 * "forbidden", "You do not have the required scope (read_conversations) to access this resource").
 *
 * Intercom publishes no table of scopes by endpoint, and names only read_conversations in its own form. This one
 * follows the families of its OAuth scopes page (users and companies, tags, conversations, events, tickets, admins,
 * admin activity logs, articles, news), in the same snake_case form; routes of no family need no scope.
 */
const FAMILIES: Array<[RegExp, string]> = [
  [/^\/contacts\/[^/]+\/tags$/, 'read_tags'],
  [/^\/(contacts|companies|segments)(\/|$)/, 'read_users_companies'],
  [/^\/tags(\/|$)/, 'read_tags'],
  [/^\/(conversations|macros)(\/|$)/, 'read_conversations'],
  [/^\/events$/, 'read_events'],
  [/^\/(tickets|ticket_types|ticket_states)(\/|$)/, 'read_tickets'],
  [/^\/admins\/activity_logs$/, 'read_admin_activity_logs'],
  [/^\/admins(\/|$)/, 'read_admins'],
  [/^\/(articles|help_center|internal_articles)(\/|$)/, 'read_articles'],
  [/^\/news\//, 'read_news'],
];

/** Every scope some route asks for. */
export const SCOPES = [...new Set(FAMILIES.map(([, scope]) => scope))];

/** The scope a path asks for, if any. */
export function scopeOfPath(path: string): string | undefined {
  return FAMILIES.find(([pattern]) => pattern.test(path))?.[1];
}
