// Views of the workspace-level objects and per-record details (model-workspace.ts) as a version of the API serves
// them: what 2.14 does not have is left out, ticket types and states are rendered with the lists the spec nests in
// them, macros are put in the order GET /macros lists them. No side effects and no random draws: the server
// (routes-workspace.ts) and tests share them, so what a test expects is computed exactly as what is served.
import type { Workspace, SubscriptionType, TicketState, TicketType } from './model.js';
import type { ActivityLog, ContentImportSource, HelpCenter, InternalArticle, Macro } from './model-workspace.js';

/** Intercom-Version as server.ts ranks it (2.16 → 2.16, Unstable → 99): 2.16 added the fields these views drop before it. */
const V216 = 2.16;

export function activityLogView(log: ActivityLog, version: number): ActivityLog {
  if (version >= V216 || !log.metadata || !('mode' in log.metadata)) return log;
  const { mode: _mode, ...metadata } = log.metadata;
  return { ...log, metadata };
}

export function helpCenterView(h: HelpCenter, version: number): Partial<HelpCenter> {
  if (version >= V216) return h;
  const { default: _default, locales: _locales, ...rest } = h;
  return rest;
}

export function internalArticleView(a: InternalArticle, version: number): Partial<InternalArticle> {
  if (version >= V216) return a;
  const { body_markdown: _md, audience_ids: _aud, ai_chatbot_availability: _chat, ai_copilot_availability: _copilot, ai_sales_agent_availability: _sales, ...rest } = a;
  return rest;
}

export function contentImportSourceView(s: ContentImportSource, version: number): Partial<ContentImportSource> {
  if (version >= V216) return s;
  const { audience_ids: _aud, ...rest } = s;
  return rest;
}

/** The spec's ticket_type summary that a ticket state lists (the example's fields). */
export function ticketTypeSummary(t: TicketType) {
  return { type: 'ticket_type', id: t.id, name: t.name, description: t.description, icon: t.icon, archived: t.archived, is_internal: t.is_internal, category: t.category };
}

/**
 * GET /ticket_types: the ticket type as tickets embed it (its attributes as the spec's example has them, under
 * `data`, a string attribute's input_options null), with the states it has (ticket_states).
 */
export function ticketTypeView(ws: Workspace, t: TicketType) {
  const states: TicketState[] = ws.ticketStateDetails
    .filter((s) => s.ticket_type_ids.includes(t.id))
    .map(({ type, id, category, internal_label, external_label }) => ({ type, id, category, internal_label, external_label }));
  return {
    ...t,
    ticket_states: { type: 'list', data: states },
  };
}

/** GET /ticket_states: the state with the ticket types it applies to. */
export function ticketStateView(ws: Workspace, s: Workspace['ticketStateDetails'][number]) {
  const { ticket_type_ids: ids, ...state } = s;
  const types = ws.ticketTypes.filter((t) => ids.includes(t.id)).map(ticketTypeSummary);
  return { ...state, ticket_types: { type: 'list', data: types } };
}

/** GET /contacts/{id}/subscriptions: the subscription types the contact chose for, as GET /subscription_types has them. */
export function contactSubscriptionsView(ws: Workspace, contactId: string): SubscriptionType[] {
  const ids = ws.contactSubscriptions.get(contactId) ?? [];
  return ws.subscriptionTypes.filter((s) => ids.includes(s.id));
}

/** A macro's place in GET /macros: updated_at (seconds), then id, both descending. */
export function macroKey(m: Macro): [number, number] {
  return [Date.parse(m.updated_at) / 1000, Number(m.id)];
}

/** GET /macros' order (the spec: "returned in descending order by updated_at"); ties by id, descending. */
export function macrosByUpdate(ws: Workspace): Macro[] {
  return [...ws.macros].sort((a, b) => {
    const [ka, kb] = [macroKey(a), macroKey(b)];
    return kb[0] - ka[0] || kb[1] - ka[1];
  });
}
