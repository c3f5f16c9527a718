/**
 * The id columns that versions before every id was text declared INTEGER, by template (a column of a table that
 * an include names twice, users and leads, is listed for each). Storage keeps a typed table's column types and
 * refuses a load that declares another (keboola/output-mapping TypedTableStructureValidator.php), so a
 * configuration whose tables were created then keeps these INTEGER (src/engine/setup.ts says when); no new one
 * gets them. A history table (`<table>_history`) copies its table's columns, and with them these types.
 */
import type { TableNode } from '../generated/template.js';

export const LEGACY_INTEGER_IDS: Readonly<Record<string, readonly string[]>> = {
  basic: ['users.owner_id', 'leads.owner_id'],
  conversations: ['conversations.assignee_id', 'conversations.admin_assignee_id', 'conversations.team_assignee_id'],
  users_and_events: ['users.owner_id'],
  workspace: [
    'contacts.owner_id',
    'companies_notes.author_away_status_reason_id',
    'conversation_handling_events.teammate_id',
    'articles.author_id',
    'articles.parent_id',
    'collections.help_center_id',
    'admins.away_status_reason_id',
    'data_attributes.id',
    'ticket_type_attributes.ticket_type_id',
    'internal_articles.owner_id',
    'internal_articles.author_id',
    'news_items.sender_id',
    'ai_content_import_sources.id',
    'ai_external_pages.source_id',
    'activity_logs.metadata_consent_id',
  ],
};

/** The table tree with the legacy INTEGER id columns of its template typed `integer` again. */
export function withLegacyIdTypes(node: TableNode, template: string): TableNode {
  const legacy = new Set(LEGACY_INTEGER_IDS[template] ?? []);
  const columns = Object.fromEntries(Object.entries(node.columns).map(([c, spec]) => [c, legacy.has(`${node.table}.${c}`) ? { ...spec, type: 'integer' as const } : spec]));
  return { ...node, columns, children: (node.children as TableNode[] | undefined)?.map((c) => withLegacyIdTypes(c, template)) };
}
