// Generation of conversations and their parts from the main stream (Gen.rng). Shapes are forced by index so every
// seed has them: the first `bigConversations` get more than 500 parts mixing users and leads and every
// (part_type, author) pairing; the next is a 3-contact group conversation with attachments; the one after has no
// parts at all. The fields added later (extendConversations) come from streams of their own.
import type { Contact, ConversationPart, Tag } from '../../src/generated/intercom.js';
import { adminAuthor, BOT, contactAuthor } from './builders.js';
import { attachment, pastTime, type Gen } from './generator-context.js';
import { htmlBody, TRICKY_TEXTS } from './generator-text.js';
import { DAY } from './model.js';

interface ConversationPlan {
  parts: number;
  contacts: Contact[];
  state: 'open' | 'closed' | 'snoozed';
  assigned: boolean | undefined; // undefined → random
  forceVariety: boolean;
  attachments: boolean;
  /** Assigned to a team and no admin (the spec's `admin_assignee_id: 0` example with a team). */
  teamOnly: boolean;
}

export function genConversations(g: Gen): void {
  const users = g.ws.contacts.filter((c) => c.role === 'user');
  const leads = g.ws.contacts.filter((c) => c.role === 'lead');
  let convSeq = 10_000;
  for (let i = 0; i < g.o.conversations; i++) {
    convSeq += g.rng.int(1, 50);
    const plan = planConversation(g, i, users, leads);
    if (plan.contacts.length === 0) continue;
    genConversation(g, String(convSeq), plan);
  }
}

function planConversation(g: Gen, i: number, users: Contact[], leads: Contact[]): ConversationPlan {
  const { rng } = g;
  const all = [...users, ...leads];
  const big = g.o.bigConversations;
  const states = ['open', 'closed', 'snoozed'] as const;
  const plan: ConversationPlan = {
    parts: rng.int(0, g.o.maxPartsPerConversation),
    contacts: all.length > 0 ? [rng.pick(all)] : [],
    state: i < 3 ? states[i] : rng.pick(['open', 'closed', 'closed', 'snoozed']),
    assigned: i === 0 ? true : i === 1 ? false : undefined,
    forceVariety: false,
    attachments: rng.chance(0.15),
    teamOnly: i % 5 === 3,
  };
  if (i < big) {
    plan.parts = rng.int(520, 700);
    plan.contacts = [users[0] ?? all[0], leads[0] ?? all[0]].filter((c, k, arr) => c && arr.indexOf(c) === k);
    plan.forceVariety = true;
  } else if (i === big) {
    plan.contacts = rng.sample(all, 3);
    plan.attachments = true;
  } else if (i === big + 1) {
    plan.parts = 0;
  } else if (rng.chance(0.1)) {
    plan.contacts = rng.sample(all, 2);
  }
  return plan;
}

function genConversation(g: Gen, id: string, plan: ConversationPlan): void {
  const { rng, ws } = g;
  const now = g.o.now;
  const created = plan.forceVariety ? pastTime(g, 45, 30) : pastTime(g, 200, 0.05);
  const customerInitiated = rng.chance(0.7);
  const starter = plan.contacts[0];
  const admin = ws.admins.length > 0 ? rng.pick(ws.admins) : undefined;
  const parts = genParts(g, plan, created);
  ws.parts.set(id, parts);
  const last = parts[parts.length - 1];
  const assigned = plan.assigned ?? rng.chance(0.6);
  const teamChance = rng.chance(0.7);
  const teamOnly = assigned && plan.teamOnly && ws.teams.length > 0;
  const adminAssignee = assigned && admin && !teamOnly ? Number(admin.id) : null;
  const teamAssignee = assigned && ws.teams.length > 0 && (teamChance || teamOnly) ? Number(rng.pick(ws.teams).id) : null;
  const waiting = plan.state === 'open' && last !== undefined && last.author?.type !== 'admin' && last.author?.type !== 'bot';
  ws.conversations.push({
    type: 'conversation',
    id,
    title: rng.chance(0.25) ? rng.pick(TRICKY_TEXTS) : null,
    created_at: created,
    updated_at: Math.max(created, ...parts.map((p) => p.updated_at ?? p.created_at)),
    waiting_since: waiting ? last.created_at : null,
    snoozed_until: plan.state === 'snoozed' ? now + rng.int(3600, 7 * DAY) : null,
    source: {
      type: rng.chance(0.8) ? 'conversation' : 'email',
      id: String(403_918_000 + rng.int(0, 99_999)),
      delivered_as: customerInitiated ? 'customer_initiated' : 'admin_initiated',
      subject: rng.chance(0.3) ? 'Re: invoice, "urgent" 🧾' : '',
      body: htmlBody(rng, rng.pick(TRICKY_TEXTS)),
      author: customerInitiated || !admin ? contactAuthor(starter) : adminAuthor(admin),
      attachments: plan.attachments ? [attachment(rng, 1), attachment(rng, 2)] : [],
      url: customerInitiated && rng.chance(0.5) ? 'https://app.example.com/settings?tab=billing&x=1' : null,
      redacted: false,
    },
    contacts: { type: 'contact.list', contacts: plan.contacts.map((c) => ({ type: 'contact', id: c.id, external_id: c.external_id ?? null })) },
    first_contact_reply: customerInitiated ? { created_at: created, type: 'conversation', url: null } : null,
    admin_assignee_id: adminAssignee,
    team_assignee_id: teamAssignee,
    open: plan.state !== 'closed',
    state: plan.state,
    read: rng.chance(0.6),
    tags: { type: 'tag.list', tags: conversationTags(g, created, plan.attachments ? 3 : rng.int(0, 3)) },
    priority: rng.chance(0.2) ? 'priority' : 'not_priority',
    sla_applied: null,
    statistics: rng.chance(0.2) ? null : { type: 'conversation_statistics', time_to_assignment: assigned ? rng.int(0, 3600) : null, count_reopens: rng.int(0, 3), count_conversation_parts: parts.length },
    conversation_rating: null,
    teammates: { type: 'admin.list', admins: adminAssignee === null ? [] : [{ type: 'admin', id: String(adminAssignee) }] },
    custom_attributes: conversationAttributes(g),
    topics: {},
    ticket: null,
    linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
    ai_agent: null,
    ai_agent_participated: false,
  });
}

function conversationTags(g: Gen, after: number, count: number): Tag[] {
  return g.rng.sample(g.ws.tags, count).map((t) => ({
    type: 'tag',
    id: t.id,
    name: t.name,
    applied_at: after + g.rng.int(0, Math.max(0, g.o.now - after)),
    applied_by: { type: 'admin', id: g.ws.admins[0]?.id ?? BOT.id },
  }));
}

function conversationAttributes(g: Gen): Record<string, unknown> {
  const { rng } = g;
  const attrs: Record<string, unknown> = {};
  if (rng.chance(0.5)) attrs.issue_type = rng.pick(['Billing', 'Bug, critical', 'Feature "request"']);
  if (rng.chance(0.3)) attrs['Priority Level'] = rng.int(1, 5);
  if (rng.chance(0.3)) attrs.escalated = rng.chance(0.5);
  if (rng.chance(0.2)) attrs.resolution = null;
  if (rng.chance(0.2)) attrs.meta = { channel: 'web', path: ['settings', 'billing'], ok: true };
  return attrs;
}

type PartKind = 'comment' | 'note' | 'assignment' | 'open' | 'close';
type AuthorKind = 'contact' | 'admin' | 'bot';

// Forced at the start of big conversations so every (part_type, author) pairing appears.
const VARIETY: Array<[PartKind, AuthorKind, number?]> = [
  ['assignment', 'bot'],
  ['comment', 'contact', 0],
  ['comment', 'contact', 1],
  ['note', 'admin'],
  ['comment', 'admin'],
  ['assignment', 'admin'],
  ['close', 'admin'],
  ['open', 'contact', 0],
  ['comment', 'bot'],
];

function genParts(g: Gen, plan: ConversationPlan, created: number): ConversationPart[] {
  const { rng } = g;
  const parts: ConversationPart[] = [];
  const maxGap = Math.max(1, Math.floor((g.o.now - created) / (plan.parts + 1)));
  let t = created;
  for (let i = 0; i < plan.parts; i++) {
    t += rng.int(1, maxGap);
    const [kind, author, contactIndex] = plan.forceVariety && i < VARIETY.length ? VARIETY[i] : randomPartShape(g, i === plan.parts - 1 ? plan.state : undefined);
    parts.push(genPart(g, plan, t, kind, author, contactIndex));
  }
  return parts;
}

/** The last part agrees with the conversation state: closed ones end with a close. */
function randomPartShape(g: Gen, finalState: ConversationPlan['state'] | undefined): [PartKind, AuthorKind, number?] {
  const { rng } = g;
  if (finalState === 'closed') return ['close', rng.chance(0.8) ? 'admin' : 'bot'];
  const roll = rng.next();
  if (roll < 0.6) return ['comment', rng.chance(0.55) ? 'contact' : rng.chance(0.9) ? 'admin' : 'bot'];
  if (roll < 0.72) return ['note', 'admin'];
  if (roll < 0.84) return ['assignment', rng.chance(0.7) ? 'admin' : 'bot'];
  if (roll < 0.92 && finalState === undefined) return ['close', 'admin'];
  return ['open', rng.chance(0.5) ? 'admin' : 'contact'];
}

function genPart(g: Gen, plan: ConversationPlan, at: number, kind: PartKind, authorKind: AuthorKind, contactIndex?: number): ConversationPart {
  const { rng, ws } = g;
  const admin = ws.admins.length > 0 ? rng.pick(ws.admins) : undefined;
  const contact = plan.contacts[Math.min(contactIndex ?? rng.int(0, plan.contacts.length - 1), plan.contacts.length - 1)];
  const author = authorKind === 'contact' || (authorKind === 'admin' && !admin) ? contactAuthor(contact) : authorKind === 'bot' || !admin ? BOT : adminAuthor(admin);
  const hasBody = kind === 'comment' || kind === 'note' || rng.chance(0.15);
  const edited = rng.chance(0.1) ? rng.int(1, 120) : 0;
  g.partSeq += rng.int(1, 3);
  return {
    type: 'conversation_part',
    id: String(g.partSeq),
    part_type: kind,
    body: hasBody ? htmlBody(rng, rng.pick(TRICKY_TEXTS)) : null,
    created_at: at,
    updated_at: Math.min(g.o.now, at + edited),
    notified_at: at,
    assigned_to: kind === 'assignment' ? assignee(g) : null,
    author,
    attachments: kind === 'comment' && (plan.attachments || rng.chance(0.08)) ? [attachment(rng, g.partSeq % 1000)] : [],
    external_id: null,
    redacted: false,
  };
}

function assignee(g: Gen): { type: string; id: string } | null {
  if (g.ws.teams.length > 0 && g.rng.chance(0.3)) return { type: 'team', id: g.rng.pick(g.ws.teams).id };
  return g.ws.admins.length > 0 ? { type: 'admin', id: g.rng.pick(g.ws.admins).id } : null;
}
