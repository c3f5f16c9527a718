/**
 * The demo's last step: every template's output loaded into one DuckDB file as the platform's output mapping would
 * load it (the manifests' types and primary keys, tests/helpers/warehouse.ts), one schema per template, and the
 * first two queries a data engineer writes against it. tests/e2e/demo.test.ts checks these queries' answers
 * against the simulated workspace.
 */
import { Warehouse } from '../tests/helpers/warehouse.js';
import { outputTables } from '../tests/helpers/run.js';
import { alignedTable } from './text-table.js';
import { plural } from '../src/util/plural.js';

export interface DemoQuery {
  title: string;
  sql: string;
}

/** Every user who has tags, with their tag names: the users, the relation table and the tags, joined by id. */
export const USERS_WITH_TAGS: DemoQuery = {
  title: 'Users with their tags',
  sql: `SELECT u.id, u.email, count(*) AS tag_count, list(t.name ORDER BY t.name) AS tags
FROM basic.users AS u
JOIN basic.users_tags AS ut ON ut.users_pk = u.id
JOIN basic.tags AS t ON t.id = ut.id
GROUP BY u.id, u.email
ORDER BY tag_count DESC, u.id`,
};

/**
 * Every conversation with its number of parts and its first admin reply: the first comment an admin wrote (a note,
 * an assignment or a close is no reply), as Intercom's own statistics count it (first_admin_reply_at).
 */
export const CONVERSATIONS_WITH_PARTS: DemoQuery = {
  title: 'Conversations with their part counts and first admin reply',
  sql: `-- Intercom gives at most a conversation's 500 most recent parts (c.conversation_parts_total_count counts all).
SELECT c.id, to_timestamp(c.created_at) AS created, count(p.id) AS parts,
  to_timestamp(min(p.created_at) FILTER (WHERE p.author_type = 'admin' AND p.part_type = 'comment')) AS first_admin_reply,
  first_admin_reply - created AS time_to_reply
FROM conversations.conversations AS c
LEFT JOIN conversations.conversation_parts AS p ON p.conversations_pk = c.id
GROUP BY c.id, c.created_at
ORDER BY c.created_at DESC, c.id`,
};

export const DEMO_QUERIES = [USERS_WITH_TAGS, CONVERSATIONS_WITH_PARTS];

/**
 * Opens `file` (':memory:' for none) and loads each data dir's out/tables into the schema named after its
 * template. Times are shown in UTC, so the demo prints the same wherever it runs.
 */
export async function loadOutputs(file: string, outputs: Array<{ schema: string; dataDir: string }>): Promise<Warehouse> {
  const warehouse = await Warehouse.open(file);
  try {
    await warehouse.queryJson(`SET TimeZone = 'UTC'`);
    for (const { schema, dataDir } of outputs) await warehouse.load(outputTables(dataDir), schema);
    return warehouse;
  } catch (e) {
    warehouse.close();
    throw e;
  }
}

/** A query's text and its first `shown` rows, aligned (long values cut), and how many rows it has in all. */
export async function queryReport(warehouse: Warehouse, query: DemoQuery, shown = 5): Promise<string[]> {
  const result = await warehouse.queryText(query.sql);
  const columns = result.columns.map((title, i) => ({ title, right: result.numeric[i] }));
  const rows = result.rows.slice(0, shown).map((row) => row.map((v) => v ?? 'NULL'));
  return [
    `${query.title}:`,
    '',
    ...query.sql.split('\n').map((l) => `  ${l}`),
    '',
    ...alignedTable(columns, rows, 60).map((l) => `  ${l}`),
    `  (${shown < result.rows.length ? `first ${shown} of ` : ''}${plural(result.rows.length, 'row')})`,
  ];
}
