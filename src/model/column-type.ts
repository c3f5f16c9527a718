/** A column's type as templates declare it; the platform side maps it to storage's base types (src/keboola/manifest.ts). */
import type { ColumnSpec } from '../generated/template.js';

export type ColumnType = ColumnSpec['type'];

/**
 * Whether a template column holds an id or refers to one, by its name: `id`, `…_id`, or a child table's
 * `<parent>_pk` link. Lists of ids (`team_ids`) are JSON text and not covered.
 */
export function isIdColumn(name: string): boolean {
  return name === 'id' || name.endsWith('_id') || name.endsWith('_pk');
}

/**
 * The one type of every id column, in every template: a join key has the same type on both sides, so SQL joins
 * need no casts. Text, because API 2.x sends most ids as strings (admins, contacts, tags) and documents others as
 * integers in one place and strings in another (a contact's owner_id, a conversation's admin_assignee_id, an
 * article's author_id); a number's digits are the same text either way.
 */
export const ID_COLUMN_TYPE: ColumnType = 'string';
