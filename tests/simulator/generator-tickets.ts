// Generation of tickets from the 'tickets' stream: the four ticket states, the three ticket types (one per
// category, each with the two standard attributes and one custom one), and tickets with parts whose state changes
// follow the allowed transitions. Ticket 0 gets every part type, ticket 1 no contacts, ticket 2 no parts. A stream
// of its own, so tickets never change the records generated before them.
import type { Contact } from '../../src/generated/intercom.js';
import { BOT } from './builders.js';
import { attachment, streamRng, type Options } from './generator-context.js';
import { htmlBody, TRICKY_TEXTS } from './generator-text.js';
import { DAY, TICKET_ID_BASE, TICKET_PART_ID_BASE, type LinkedObject, type TicketPart, type TicketState, type TicketType, type TicketTypeAttribute, type Workspace } from './model.js';
import type { Rng } from './random.js';

const TICKET_STATE_DEFS: Array<[TicketState['category'], string, string]> = [
  ['submitted', 'Submitted', 'Submitted'],
  ['in_progress', 'With Dev Team', 'In Progress'],
  ['waiting_on_customer', 'Waiting on customer, "reply"', 'Awaiting your reply'],
  ['resolved', 'Resolved', 'Resolved ✅'],
];
const NEXT_TICKET_STATES: Record<TicketState['category'], Array<TicketState['category']>> = {
  submitted: ['in_progress'],
  in_progress: ['waiting_on_customer', 'resolved'],
  waiting_on_customer: ['in_progress', 'resolved'],
  resolved: ['in_progress'],
};

interface CustomTicketAttribute {
  name: string;
  data_type: string;
  value: (rng: Rng) => unknown;
}

interface TicketTypeDef {
  category: TicketType['category'];
  name: string;
  description: string;
  icon: string;
  archived: boolean;
  custom: CustomTicketAttribute;
}

const TICKET_TYPE_DEFS: TicketTypeDef[] = [
  { category: 'Customer', name: 'Bug report 🐞', description: 'A bug, "reproducible" or not', icon: '🐞', archived: false, custom: { name: 'Severity', data_type: 'list', value: (rng) => rng.pick(['Low', 'High, "urgent"', 'Critical 🔥']) } },
  { category: 'Back-office', name: 'Refund request', description: 'Refunds & credits', icon: '💸', archived: false, custom: { name: 'Refund amount', data_type: 'decimal', value: (rng) => rng.int(100, 99_999) / 100 } },
  { category: 'Tracker', name: 'Outage tracker', description: 'Customer reports of one outage', icon: '🚨', archived: true, custom: { name: 'Customer visible', data_type: 'boolean', value: (rng) => rng.chance(0.5) } },
];
const TICKET_TITLES = ['Login fails, "invalid token"', 'Refund for order #1234', 'Export to CSV is empty', 'App crashes on iOS 17 📱', 'Wrong VAT on invoice'];

type TicketPartKind = 'comment' | 'note' | 'assignment' | 'ticket_state_updated_by_admin' | 'ticket_attribute_updated_by_admin';
const TICKET_VARIETY: TicketPartKind[] = ['comment', 'ticket_state_updated_by_admin', 'note', 'assignment', 'ticket_attribute_updated_by_admin', 'comment', 'ticket_state_updated_by_admin', 'comment'];

function ticketTypeAttribute(ws: Workspace, id: number, typeId: number, name: string, dataType: string, order: number, at: number): TicketTypeAttribute {
  const standard = name.startsWith('_default_');
  return {
    type: 'ticket_type_attribute',
    id: String(id),
    workspace_id: ws.appId,
    name,
    description: standard ? (name === '_default_title_' ? 'Title' : 'Description') : `${name}, as the customer reports it`,
    data_type: dataType,
    input_options: dataType === 'list' ? { list_options: [{ label: 'Low' }, { label: 'High, "urgent"' }, { label: 'Critical 🔥' }] } : null,
    order,
    required_to_create: standard && name === '_default_title_',
    required_to_create_for_contacts: false,
    visible_on_create: true,
    visible_to_contacts: standard,
    default: standard,
    ticket_type_id: typeId,
    archived: false,
    created_at: at,
    updated_at: at,
  };
}

function ticketAuthor(ws: Workspace, rng: Rng, contacts: Contact[], kind: TicketPartKind): TicketPart['author'] {
  const admin = ws.admins.length > 0 ? rng.pick(ws.admins) : undefined;
  if (kind === 'comment' && contacts.length > 0 && (!admin || rng.chance(0.5))) {
    const c = rng.pick(contacts);
    return { type: 'user', id: c.id, name: c.name ?? null, email: c.email ?? null };
  }
  if (!admin || (kind === 'assignment' && rng.chance(0.3))) return { type: 'bot', id: BOT.id!, name: BOT.name ?? null, email: BOT.email ?? null };
  return { type: 'admin', id: admin.id, name: admin.name ?? null, email: admin.email ?? null };
}

/** The state one run of genTickets threads through its helpers (the 'tickets' stream and the part id sequence). */
interface TicketGen {
  rng: Rng;
  ws: Workspace;
  o: Options;
  partSeq: number;
}

/** A ticket being generated: what its parts need to know, and the attributes an attribute update changes. */
interface TicketDraft {
  /** The ticket's index in creation order. */
  k: number;
  def: TicketTypeDef;
  ticketType: TicketType;
  contacts: Contact[];
  attributes: Record<string, unknown>;
}

export function genTickets(o: Options, ws: Workspace): void {
  const rng = streamRng(o.seed, 'tickets');
  const now = o.now;
  ws.ticketStates = genTicketStates(rng);
  ws.ticketTypes = genTicketTypes(rng, ws, now);
  const createdTimes = Array.from({ length: o.tickets }, () => now - rng.int(Math.round(0.05 * DAY), 120 * DAY)).sort((a, b) => a - b);
  let idSeq = TICKET_ID_BASE;
  const tg: TicketGen = { rng, ws, o, partSeq: TICKET_PART_ID_BASE };
  createdTimes.forEach((created, k) => {
    idSeq += rng.int(1, 20);
    genTicket(tg, String(idSeq), k, created);
  });
}

function genTicketStates(rng: Rng): TicketState[] {
  let stateId = 8530 + rng.int(0, 9);
  return TICKET_STATE_DEFS.map(([category, internal, external]) => ({ type: 'ticket_state', id: String((stateId += rng.int(1, 40))), category, internal_label: internal, external_label: external }));
}

function genTicketTypes(rng: Rng, ws: Workspace, now: number): TicketType[] {
  let typeId = 95 + rng.int(0, 4);
  let attributeId = 210 + rng.int(0, 9);
  return TICKET_TYPE_DEFS.map((d) => {
    typeId += rng.int(1, 5);
    const created = now - rng.int(400 * DAY, 600 * DAY);
    const attrs = [
      ['_default_title_', 'string'],
      ['_default_description_', 'string'],
      [d.custom.name, d.custom.data_type],
    ].map(([name, dataType], order) => ticketTypeAttribute(ws, (attributeId += 1), typeId, name, dataType, order, created));
    return {
      type: 'ticket_type',
      id: String(typeId),
      category: d.category,
      name: d.name,
      description: d.description,
      icon: d.icon,
      workspace_id: ws.appId,
      archived: d.archived,
      created_at: created,
      updated_at: created + rng.int(0, 300 * DAY),
      is_internal: d.category !== 'Customer',
      ticket_type_attributes: { type: 'list', data: attrs },
    };
  });
}

function genTicket(tg: TicketGen, id: string, k: number, created: number): void {
  const { rng, ws, o } = tg;
  const now = o.now;
  const defIndex = k < TICKET_TYPE_DEFS.length ? k : rng.int(0, TICKET_TYPE_DEFS.length - 1);
  const def = TICKET_TYPE_DEFS[defIndex];
  const ticketType = ws.ticketTypes[defIndex];
  // Ticket 1 has no contacts (it happens: back-office tickets); others 1–2.
  const contactCount = ws.contacts.length === 0 || k === 1 ? 0 : rng.chance(0.25) ? 2 : 1;
  const contacts = rng.sample(ws.contacts, contactCount);
  const attributes: Record<string, unknown> = {
    _default_title_: rng.chance(0.2) ? rng.pick(TRICKY_TEXTS) : rng.pick(TICKET_TITLES),
    _default_description_: rng.chance(0.3) ? null : rng.pick(TRICKY_TEXTS),
    [def.custom.name]: def.custom.value(rng),
  };
  const partCount = k === 0 ? o.maxPartsPerTicket : k === 2 ? 0 : rng.int(0, o.maxPartsPerTicket);
  const { parts, state } = genTicketParts(tg, { k, def, ticketType, contacts, attributes }, created, partCount);
  ws.ticketParts.set(id, parts);
  const open = state !== 'resolved';
  const linked = linkedObjects(rng, ws, def.category);
  ws.tickets.push({
    type: 'ticket',
    id,
    ticket_id: String(k + 1),
    category: def.category,
    ticket_attributes: attributes,
    ticket_state: { ...ws.ticketStates.find((s) => s.category === state)! },
    ticket_type: ticketType,
    contacts: { type: 'contact.list', contacts: contacts.map((c) => ({ type: 'contact', id: c.id, external_id: c.external_id ?? null })) },
    admin_assignee_id: ws.admins.length > 0 && rng.chance(0.6) ? rng.pick(ws.admins).id : null,
    team_assignee_id: ws.teams.length > 0 && rng.chance(0.4) ? rng.pick(ws.teams).id : null,
    created_at: created,
    updated_at: Math.max(created, ...parts.map((p) => p.updated_at)),
    open,
    snoozed_until: open && rng.chance(0.15) ? now + rng.int(3600, 7 * DAY) : null,
    linked_objects: { type: 'list', total_count: linked.length, has_more: false, data: linked },
    is_shared: def.category === 'Customer' && rng.chance(0.8),
  });
}

/** The ticket's parts, oldest first, and the state they leave it in (submitted when no part changed it). */
function genTicketParts(tg: TicketGen, draft: TicketDraft, created: number, partCount: number): { parts: TicketPart[]; state: TicketState['category'] } {
  const { rng } = tg;
  const parts: TicketPart[] = [];
  let state: TicketState['category'] = 'submitted';
  const gap = Math.max(1, Math.floor((tg.o.now - created) / (partCount + 1)));
  let t = created;
  for (let i = 0; i < partCount; i++) {
    t += rng.int(1, gap);
    const kind = ticketPartKind(draft.k, i, rng.next());
    const previous = state;
    if (kind === 'ticket_state_updated_by_admin') state = rng.pick(NEXT_TICKET_STATES[state]);
    parts.push(genTicketPart(tg, draft, kind, t, previous, state));
  }
  return { parts, state };
}

/** Ticket 0 runs through TICKET_VARIETY first; otherwise `roll` (always drawn) picks the kind. */
function ticketPartKind(k: number, i: number, roll: number): TicketPartKind {
  return k === 0 && i < TICKET_VARIETY.length
    ? TICKET_VARIETY[i]
    : roll < 0.4
      ? 'comment'
      : roll < 0.55
        ? 'note'
        : roll < 0.7
          ? 'assignment'
          : roll < 0.88
            ? 'ticket_state_updated_by_admin'
            : 'ticket_attribute_updated_by_admin';
}

function genTicketPart(tg: TicketGen, draft: TicketDraft, kind: TicketPartKind, t: number, previous: TicketState['category'], state: TicketState['category']): TicketPart {
  const { rng, ws } = tg;
  const { def, ticketType, attributes } = draft;
  const author = ticketAuthor(ws, rng, draft.contacts, kind);
  tg.partSeq += rng.int(1, 3);
  const partSeq = tg.partSeq;
  const attachments = kind === 'comment' && (draft.k === 0 || rng.chance(0.25)) ? Array.from({ length: rng.int(1, 2) }, (_, n) => attachment(rng, (partSeq + n) % 1000)) : [];
  const part: TicketPart = {
    type: 'ticket_part',
    id: String(partSeq),
    part_type: kind,
    body: kind === 'comment' || kind === 'note' ? htmlBody(rng, rng.pick(TRICKY_TEXTS)) : null,
    previous_ticket_state: previous,
    ticket_state: state,
    created_at: t,
    updated_at: Math.min(tg.o.now, t + (rng.chance(0.1) ? rng.int(1, 120) : 0)),
    assigned_to: kind === 'assignment' ? ticketAssignee(ws, rng) : null,
    author,
    attachments,
    external_id: rng.chance(0.1) ? `ext-${rng.hex(8)}` : null,
    redacted: false,
  };
  if (author.type === 'admin' && kind === 'comment' && rng.chance(0.3)) part.app_package_code = 'test-integration';
  if (kind === 'ticket_attribute_updated_by_admin') {
    const value = def.custom.value(rng);
    attributes[def.custom.name] = value;
    const attr = ticketType.ticket_type_attributes.data[2];
    part.updated_attribute_data = { attribute: { type: 'attribute', id: attr.id, label: attr.name }, value: { type: 'value', id: String(value), label: String(value) } };
  }
  return part;
}

/** Maybe a linked conversation; for a tracker ticket, an earlier customer ticket too. */
function linkedObjects(rng: Rng, ws: Workspace, category: TicketType['category']): LinkedObject[] {
  const linked: LinkedObject[] = [];
  if (ws.conversations.length > 0 && rng.chance(0.3)) linked.push({ type: 'conversation', id: rng.pick(ws.conversations).id, category: null });
  if (category === 'Tracker' && ws.tickets.length > 0) {
    const customer = ws.tickets.filter((x) => x.category === 'Customer');
    if (customer.length > 0) linked.push({ type: 'ticket', id: rng.pick(customer).id, category: 'Customer' });
  }
  return linked;
}

function ticketAssignee(ws: Workspace, rng: Rng): { type: string; id: string } | null {
  if (ws.teams.length > 0 && rng.chance(0.3)) return { type: 'team', id: rng.pick(ws.teams).id };
  return ws.admins.length > 0 ? { type: 'admin', id: rng.pick(ws.admins).id } : null;
}
