// Mutation helpers for incremental-run tests: add and update contacts, notes, conversations, parts and tickets.
// Each keeps the workspace's maps consistent and sets `updated_at` to `at` where Intercom would. New ids are
// derived from `at` and the current sizes (never from the generator's streams), so the same sequence of mutations
// yields the same ids. The deletions are in deletions.ts.
import { createHash } from 'node:crypto';
import type { Contact, Conversation, ConversationPart, Note } from '../../src/generated/intercom.js';
import { adminAuthor, BOT, contactAuthor, noteAuthor, objectIdAt, partAdmins } from './builders.js';
import { TICKET_ID_BASE, TICKET_PART_ID_BASE, type Ticket, type TicketPart, type Workspace } from './model.js';
import { createRng, type Rng } from './random.js';

export function findContact(ws: Workspace, id: string): Contact {
  const contact = ws.contacts.find((c) => c.id === id);
  if (!contact) throw new Error(`no contact ${id}`);
  return contact;
}

function findConversation(ws: Workspace, id: string): Conversation {
  const conversation = ws.conversations.find((c) => c.id === id);
  if (!conversation) throw new Error(`no conversation ${id}`);
  return conversation;
}

function mutationRng(ws: Workspace, salt: string): Rng {
  // Deletions shrink the lists, so they join the salt (only when there are some: earlier ids stay as they were),
  // else an addContact after a deleteContact at the same `at` would bring back the deleted contact's id.
  const removed = ws.deletedContacts.length + ws.deletedConversations.length;
  const digest = createHash('sha256').update(`${salt}:${ws.contacts.length}:${ws.conversations.length}:${ws.notes.size}${removed > 0 ? `:${removed}` : ''}`).digest();
  return createRng(digest.readUInt32LE(0));
}

function maxNumericId(ids: Iterable<string>): number {
  let max = 0;
  for (const id of ids) max = Math.max(max, Number(id));
  return max;
}

export function updateContact(ws: Workspace, id: string, patch: Partial<Contact>, at: number): Contact {
  return Object.assign(findContact(ws, id), patch, { updated_at: at });
}

/** Appends a contact (the newest, so it lists last); fields not given are null/empty. */
export function addContact(ws: Workspace, init: Partial<Contact>, at: number): Contact {
  const rng = mutationRng(ws, `contact:${at}`);
  const id = init.id ?? objectIdAt(rng, at);
  const contact: Contact = {
    type: 'contact',
    id,
    workspace_id: ws.appId,
    external_id: null,
    role: 'user',
    email: null,
    phone: null,
    name: null,
    avatar: null,
    owner_id: null,
    social_profiles: { type: 'list', data: [] },
    has_hard_bounced: false,
    marked_email_as_spam: false,
    unsubscribed_from_emails: false,
    created_at: at,
    updated_at: at,
    signed_up_at: null,
    last_seen_at: null,
    location: { type: 'location', country: null, region: null, city: null, country_code: null, continent_code: null },
    custom_attributes: {},
    ...init,
  };
  ws.contacts.push(contact);
  ws.contactTags.set(id, []);
  ws.contactCompanies.set(id, []);
  ws.contactSegments.set(id, []);
  ws.notes.set(id, []);
  if (contact.role === 'user') ws.events.set(id, []);
  return contact;
}

export function setContactTags(ws: Workspace, id: string, tagIds: string[], at: number): Contact {
  ws.contactTags.set(id, [...tagIds]);
  return Object.assign(findContact(ws, id), { updated_at: at });
}

/**
 * Adds a note, newest first. Deliberately leaves the contact's `updated_at` alone: neither the
 * spec nor the docs say a note touches the contact, and in practice it does not, so an
 * incremental extractor cannot find new notes through `updated_at` (the pessimistic model).
 */
export function addNote(ws: Workspace, contactId: string, at: number, body = '<p>New note &amp; follow-up, "soon" ✅</p>'): Note {
  const contact = findContact(ws, contactId);
  const admin = ws.admins[0];
  const note: Note = {
    type: 'note',
    id: String(maxNumericId([...[...ws.notes.values()].flat().map((n) => n.id), ...ws.deletedContacts.flatMap((d) => d.note_ids)]) + 1),
    created_at: at,
    contact: { type: 'contact', id: contact.id },
    author: admin ? noteAuthor(admin) : null,
    body,
  };
  ws.notes.set(contactId, [note, ...(ws.notes.get(contactId) ?? [])]);
  return note;
}

export function updateConversation(ws: Workspace, id: string, patch: Partial<Conversation>, at: number): Conversation {
  return Object.assign(findConversation(ws, id), patch, { updated_at: at });
}

/** Appends an admin comment and bumps the conversation's `updated_at`. */
export function addPart(ws: Workspace, conversationId: string, at: number, body = '<p>Follow-up reply, "thanks" 👍</p>'): ConversationPart {
  const conversation = findConversation(ws, conversationId);
  const admin = ws.admins[0];
  const part: ConversationPart = {
    type: 'conversation_part',
    id: String(maxNumericId([...[...ws.parts.values()].flat().map((p) => p.id), ...ws.deletedConversations.flatMap((d) => d.part_ids)]) + 1),
    part_type: 'comment',
    body,
    created_at: at,
    updated_at: at,
    notified_at: at,
    assigned_to: null,
    author: admin ? adminAuthor(admin) : BOT,
    attachments: [],
    external_id: null,
    redacted: false,
    email_message_metadata: null,
    state: conversation.state ?? 'open',
    tags: [],
    event_details: null,
    app_package_code: null,
  };
  ws.parts.set(conversationId, [...(ws.parts.get(conversationId) ?? []), part]);
  conversation.updated_at = at;
  const teammates = conversation.teammates as { teammates?: unknown } | null | undefined;
  if (teammates && typeof teammates === 'object') teammates.teammates = partAdmins(ws.parts.get(conversationId)!);
  return part;
}

/** Appends an open, unassigned conversation started by the first contact, with no parts. */
export function addConversation(ws: Workspace, at: number): Conversation {
  const starter = ws.contacts[0];
  if (!starter) throw new Error('workspace has no contacts');
  const id = String(maxNumericId([...ws.conversations, ...ws.deletedConversations].map((c) => c.id)) + 1);
  const conversation: Conversation = {
    type: 'conversation',
    id,
    title: null,
    created_at: at,
    updated_at: at,
    waiting_since: at,
    snoozed_until: null,
    source: {
      type: 'conversation',
      id: String(403_918_000 + Number(id)),
      delivered_as: 'customer_initiated',
      subject: '',
      body: '<p>Hi, I need help with my account</p>',
      author: contactAuthor(starter),
      attachments: [],
      url: null,
      redacted: false,
    },
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: starter.id, external_id: starter.external_id ?? null }] },
    admin_assignee_id: null,
    team_assignee_id: null,
    open: true,
    state: 'open',
    read: false,
    tags: { type: 'tag.list', tags: [] },
    priority: 'not_priority',
    statistics: null,
    custom_attributes: {},
    // The spec's fields the original helper left out.
    first_contact_reply: { created_at: at, type: 'conversation', url: null },
    sla_applied: null,
    conversation_rating: null,
    teammates: { type: 'admin.list', admins: [], teammates: [] },
    topics: {},
    ticket: null,
    linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
    ai_agent: null,
    ai_agent_participated: false,
  };
  ws.conversations.push(conversation);
  ws.parts.set(id, []);
  return conversation;
}

// Tickets ---------------------------------------------------------------------------------------------

function findTicket(ws: Workspace, id: string): Ticket {
  const ticket = ws.tickets.find((t) => t.id === id);
  if (!ticket) throw new Error(`no ticket ${id}`);
  return ticket;
}

export function updateTicket(ws: Workspace, id: string, patch: Partial<Ticket>, at: number): Ticket {
  return Object.assign(findTicket(ws, id), patch, { updated_at: at });
}

/** Appends an admin comment (the next part id in the workspace) and bumps the ticket's `updated_at`. */
export function addTicketPart(ws: Workspace, ticketId: string, at: number, body = '<p>We are on it, "soon" 🛠</p>'): TicketPart {
  const ticket = findTicket(ws, ticketId);
  const admin = ws.admins[0];
  const part: TicketPart = {
    type: 'ticket_part',
    id: String(maxNumericId([String(TICKET_PART_ID_BASE), ...[...ws.ticketParts.values()].flat().map((p) => p.id)]) + 1),
    part_type: 'comment',
    body,
    previous_ticket_state: ticket.ticket_state.category,
    ticket_state: ticket.ticket_state.category,
    created_at: at,
    updated_at: at,
    assigned_to: null,
    author: admin ? { type: 'admin', id: admin.id, name: admin.name ?? null, email: admin.email ?? null } : { type: 'bot', id: BOT.id!, name: BOT.name ?? null, email: BOT.email ?? null },
    attachments: [],
    external_id: null,
    redacted: false,
  };
  ws.ticketParts.set(ticketId, [...(ws.ticketParts.get(ticketId) ?? []), part]);
  ticket.updated_at = at;
  return part;
}

/** Appends a submitted, unassigned ticket of the first ticket type for the first contact, with no parts (the highest id, so it lists last). */
export function addTicket(ws: Workspace, at: number): Ticket {
  const type = ws.ticketTypes[0];
  const state = ws.ticketStates.find((s) => s.category === 'submitted');
  if (!type || !state) throw new Error('workspace has no ticket types');
  const contact = ws.contacts[0];
  const id = String(maxNumericId([String(TICKET_ID_BASE), ...ws.tickets.map((t) => t.id)]) + 1);
  const ticket: Ticket = {
    type: 'ticket',
    id,
    ticket_id: String(maxNumericId(ws.tickets.map((t) => t.ticket_id)) + 1),
    category: type.category,
    ticket_attributes: { _default_title_: 'New ticket, "fresh" 🎫', _default_description_: null },
    ticket_state: { ...state },
    ticket_type: type,
    contacts: { type: 'contact.list', contacts: contact ? [{ type: 'contact', id: contact.id, external_id: contact.external_id ?? null }] : [] },
    admin_assignee_id: null,
    team_assignee_id: null,
    created_at: at,
    updated_at: at,
    open: true,
    snoozed_until: null,
    linked_objects: { type: 'list', total_count: 0, has_more: false, data: [] },
    is_shared: true,
  };
  ws.tickets.push(ticket);
  ws.ticketParts.set(id, []);
  return ticket;
}
