// Small record builders that both the generator and the mutation helpers use, so a record a test adds looks like
// a generated one: ObjectId-like ids, part and note authors (admin, contact, the Fin bot), the short tag form and the
// admins who wrote a conversation's parts (its `teammates.teammates`). Only objectIdAt draws, and only from the
// stream it is handed, so the generator's order of draws is the same as when these lived inside it.
import type { Admin, Contact, ConversationPart, PartAuthor, Tag } from '../../src/generated/intercom.js';
import type { Rng } from './random.js';

export const BOT: PartAuthor = { type: 'bot', id: '991267999', name: 'Fin', email: 'operator+fin@intercom.io' };

export function objectIdAt(rng: Rng, at: number): string {
  // Like a Mongo ObjectId: creation time first, so hex ids sort roughly by creation.
  return at.toString(16).padStart(8, '0') + rng.hex(16);
}

export function adminAuthor(admin: Admin): PartAuthor {
  return { type: 'admin', id: admin.id, name: admin.name ?? null, email: admin.email ?? null };
}

export function contactAuthor(contact: Contact): PartAuthor {
  return { type: contact.role, id: contact.id, name: contact.name ?? null, email: contact.email ?? null };
}

export function noteAuthor(admin: Admin): Admin {
  return {
    type: 'admin',
    id: admin.id,
    name: admin.name,
    email: admin.email,
    away_mode_enabled: admin.away_mode_enabled,
    away_mode_reassign: admin.away_mode_reassign,
  };
}

export function tagBasic(tag: Tag): Tag {
  return { type: 'tag', id: tag.id, name: tag.name };
}

export const byContact = (p: ConversationPart) => p.author?.type === 'user' || p.author?.type === 'lead';
export const byAdmin = (p: ConversationPart) => p.author?.type === 'admin';

/** The admins who wrote parts, in order of their first part: the spec's `teammates.teammates`. */
export function partAdmins(parts: ConversationPart[]): Array<{ type: 'admin'; id: string }> {
  const ids = [...new Set(parts.filter(byAdmin).map((p) => p.author!.id!))];
  return ids.map((id) => ({ type: 'admin', id }));
}
