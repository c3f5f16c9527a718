// Conversation fields generated after every other record, from the 'conversations' and 'conversations-rich'
// streams: parts' email metadata, quick replies, state, tags and event details; the full conversation_statistics;
// teammates; and, with richConversations, ratings, SLAs and AI-agent summaries. Separate streams so adding these
// never changed a conversation (or any record) generated before them.
import type { Conversation, ConversationPart } from '../../src/generated/intercom.js';
import { byAdmin, byContact, partAdmins, tagBasic } from './builders.js';
import { streamRng, type Options } from './generator-context.js';
import { TRICKY_TEXTS, uuidOf } from './generator-text.js';
import { DAY, type Workspace } from './model.js';
import type { Rng } from './random.js';

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

export function extendConversations(o: Options, ws: Workspace): void {
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
