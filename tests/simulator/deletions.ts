// Deletion helpers for tests: each takes the record out of the workspace's lists and maps, so every read endpoint
// stops showing it where Intercom does, records the removal in ws.deleted* (with its list position, so the
// server's cursors neither skip nor repeat a record), and leaves every other record's updated_at alone (only a merge
// touches the user it merges into). Records that merely refer to the removed one (conversations' and tickets'
// contacts, tickets' linked conversations, companies' user_count) are left as they were.
import type { Contact, Note, Tag } from '../../src/generated/intercom.js';
import { findContact } from './mutations.js';
import type { DeletedContact, DeletedConversation, DeletedRecord, Workspace } from './model.js';
import { listPositions } from './views.js';

/** Takes the record out of `list`; its position counts the records removed before (see listPositions). */
function takeOut<T extends { id: string }>(list: T[], removed: ReadonlyArray<{ position: number }>, id: string, what: string): { record: T; position: number } {
  const index = list.findIndex((r) => r.id === id);
  if (index === -1) throw new Error(`no ${what} ${id}`);
  const position = listPositions(list.length, removed)[index];
  const [record] = list.splice(index, 1);
  return { record, position };
}

function removeContact(ws: Workspace, id: string, at: number, mergedInto: string | null): DeletedContact {
  const { record: contact, position } = takeOut(ws.contacts, ws.deletedContacts, id, 'contact');
  const deleted: DeletedContact = { id, deleted_at: at, position, role: contact.role, merged_into: mergedInto, note_ids: (ws.notes.get(id) ?? []).map((n) => n.id) };
  for (const links of [ws.contactTags, ws.contactCompanies, ws.contactSegments, ws.notes, ws.events]) links.delete(id);
  ws.deletedContacts.push(deleted);
  return deleted;
}

/**
 * DELETE /contacts/{id}: the contact leaves GET /contacts, contact search (segment_id and tag_id too) and
 * GET /contacts/{id} with its sub-resources (404 not_found, as for any unknown id); its tags, companies, segments,
 * notes and events go with it. Conversations, tickets and companies that refer to it keep doing so.
 */
export function deleteContact(ws: Workspace, id: string, at: number): DeletedContact {
  return removeContact(ws, id, at, null);
}

/**
 * POST /contacts/merge {from, into}: the lead goes as with deleteContact (from lists, search and GET /contacts/{id},
 * as the spec's warning says); the user gains the lead's tags and companies (appended after its own, without
 * repeats) and its notes (now referring to the user, all newest first), and its updated_at becomes `at`.
 * The user's merge history (2.16: GET /contacts/{id}/merge_history, include_merge_history) then lists the lead.
 * Returns the user, as the endpoint does.
 */
export function mergeContact(ws: Workspace, fromLeadId: string, intoUserId: string, at: number): Contact {
  const lead = findContact(ws, fromLeadId);
  const user = findContact(ws, intoUserId);
  if (lead.role !== 'lead') throw new Error(`contact ${fromLeadId} is a ${lead.role}: only a lead can be merged from`);
  if (user.role !== 'user') throw new Error(`contact ${intoUserId} is a ${user.role}: a lead can only be merged into a user`);
  const union = (own: string[], more: string[]) => [...own, ...more.filter((x, i) => !own.includes(x) && more.indexOf(x) === i)];
  ws.contactTags.set(user.id, union(ws.contactTags.get(user.id) ?? [], ws.contactTags.get(lead.id) ?? []));
  ws.contactCompanies.set(user.id, union(ws.contactCompanies.get(user.id) ?? [], ws.contactCompanies.get(lead.id) ?? []));
  const own = ws.notes.get(user.id) ?? [];
  const moved = (ws.notes.get(lead.id) ?? []).filter((n) => !own.some((o) => o.id === n.id)).map((n): Note => ({ ...n, contact: { type: 'contact', id: user.id } }));
  // A stable sort: the user's notes keep their order, and come before the lead's from the same second.
  ws.notes.set(user.id, [...own, ...moved].sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0)));
  ws.notes.set(lead.id, []);
  user.updated_at = at;
  removeContact(ws, lead.id, at, user.id);
  return user;
}

/**
 * DELETE /companies/{id}: the company leaves the scroll, GET /companies (tag_id and segment_id listings too),
 * GET /companies/{id} (404 company_not_found), and every contact's companies (embedded and
 * /contacts/{id}/companies), with no contact's updated_at changing.
 */
export function deleteCompany(ws: Workspace, id: string, at: number): DeletedRecord {
  const { position } = takeOut(ws.companies, ws.deletedCompanies, id, 'company');
  ws.companyTags.delete(id);
  ws.companySegments.delete(id);
  for (const [contactId, ids] of ws.contactCompanies) if (ids.includes(id)) ws.contactCompanies.set(contactId, ids.filter((x) => x !== id));
  const deleted: DeletedRecord = { id, deleted_at: at, position };
  ws.deletedCompanies.push(deleted);
  return deleted;
}

/**
 * DELETE /tags/{id}: the tag leaves GET /tags and every contact's, company's, conversation's (and its parts'), and
 * article's tags, with no updated_at changing.
 */
export function deleteTag(ws: Workspace, id: string, at: number): DeletedRecord {
  const { position } = takeOut(ws.tags, ws.deletedTags, id, 'tag');
  const without = <T extends { id?: string | null }>(tags: T[]) => tags.filter((t) => t.id !== id);
  for (const links of [ws.contactTags, ws.companyTags]) for (const [owner, ids] of links) if (ids.includes(id)) links.set(owner, ids.filter((x) => x !== id));
  for (const holder of [...ws.companies, ...ws.conversations, ...ws.articles] as Array<{ tags?: { tags?: Tag[] } | null }>) {
    if (holder.tags?.tags?.some((t) => t.id === id)) holder.tags = { ...holder.tags, tags: without(holder.tags.tags) };
  }
  for (const part of [...ws.parts.values()].flat()) if (Array.isArray(part.tags) && part.tags.some((t: Tag) => t.id === id)) part.tags = without(part.tags as Tag[]);
  const deleted: DeletedRecord = { id, deleted_at: at, position };
  ws.deletedTags.push(deleted);
  return deleted;
}

/**
 * A segment deleted in Intercom's UI (the API has no DELETE for segments): it leaves GET /segments, GET
 * /segments/{id} (404) and every contact's and company's segments, with no updated_at changing.
 */
export function deleteSegment(ws: Workspace, id: string): void {
  const at = ws.segments.findIndex((s) => s.id === id);
  if (at < 0) throw new Error(`no segment ${id}`);
  ws.segments.splice(at, 1);
  for (const links of [ws.contactSegments, ws.companySegments]) for (const [owner, ids] of links) if (ids.includes(id)) links.set(owner, ids.filter((x) => x !== id));
}

/**
 * DELETE /conversations/{id}[?retain_metrics=false]: the conversation and its parts leave GET /conversations,
 * conversation search and GET /conversations/{id} (404 not_found); GET /conversations/deleted (2.16) lists it with
 * deleted_at `at` and metrics_retained (true unless retainMetrics is false, as the endpoint's default).
 */
export function deleteConversation(ws: Workspace, id: string, at: number, options: { retainMetrics?: boolean } = {}): DeletedConversation {
  const { position } = takeOut(ws.conversations, ws.deletedConversations, id, 'conversation');
  const deleted: DeletedConversation = { id, deleted_at: at, position, metrics_retained: options.retainMetrics ?? true, part_ids: (ws.parts.get(id) ?? []).map((p) => p.id) };
  ws.parts.delete(id);
  ws.deletedConversations.push(deleted);
  return deleted;
}
