/**
 * The demo's two queries (scripts/demo-sql.ts), run on a small simulated workspace's basic and conversations
 * output loaded as the demo loads it, answer what the workspace holds: each user's tag names, and each
 * conversation's part count and first admin reply, as far as the API serves the parts (the 500 most recent).
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CONVERSATIONS_WITH_PARTS, loadOutputs, queryReport, USERS_WITH_TAGS } from '../../scripts/demo-sql.js';
import { Warehouse } from '../helpers/warehouse.js';
import { config, runExtractor, type RunResult } from '../helpers/run.js';
import type { SchemaManifest } from '../../src/keboola/manifest.js';
import { generateWorkspace, startSimulator, type Workspace } from '../simulator/index.js';

const TOKEN = 'demo-test-token';
const API_PARTS_LIMIT = 500;

/** What DuckDB prints for a TIMESTAMP WITH TIME ZONE in UTC. */
const utc = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')}+00`;

describe("the demo's queries", function () {
  this.timeout(120_000);
  let ws: Workspace;
  let runs: Record<string, RunResult>;
  let warehouse: Warehouse;
  let dir: string;

  before(async () => {
    // One conversation over the API's 500 parts (the generator's first), and one without parts (its third).
    ws = generateWorkspace({ seed: 19, users: 25, leads: 5, companies: 4, conversations: 10, bigConversations: 1 });
    const sim = await startSimulator({ workspace: ws, token: TOKEN });
    try {
      runs = {};
      for (const template of ['basic', 'conversations']) {
        runs[template] = await runExtractor(config(sim.url, TOKEN, { template }), undefined, undefined, { mode: 'authoritative' });
        expect(runs[template].code, runs[template].stderr).to.equal(0);
      }
    } finally {
      await sim.close();
    }
    // Loaded into a file as the demo does, and read back from it as whoever opens the file next does.
    dir = await mkdtemp(path.join(os.tmpdir(), 'demo-db-'));
    const file = path.join(dir, 'demo.duckdb');
    (await loadOutputs(file, Object.entries(runs).map(([schema, run]) => ({ schema, dataDir: run.dataDir })))).close();
    warehouse = await Warehouse.open(file);
    await warehouse.queryJson(`SET TimeZone = 'UTC'`);
  });
  after(async () => {
    warehouse?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("holds every table in its template's schema, with the manifest's column types and primary key", async () => {
    const SQL_TYPES: Record<string, string> = { STRING: 'VARCHAR', INTEGER: 'BIGINT', FLOAT: 'DOUBLE', BOOLEAN: 'BOOLEAN' };
    const columns = await warehouse.queryJson(`SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns ORDER BY ALL`);
    const keys = await warehouse.queryJson(`SELECT schema_name, table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'`);
    let tables = 0;
    for (const [schema, run] of Object.entries(runs)) {
      for (const table of await run.tables()) {
        const manifest = (await run.manifest(table)) as unknown as SchemaManifest;
        const got = columns.filter((c) => c.table_schema === schema && c.table_name === table).map((c) => [c.column_name, c.data_type]);
        expect(got, `${schema}.${table}`).to.have.deep.members(manifest.schema.map((c) => [c.name, SQL_TYPES[c.data_type.base.type]]));
        const key = keys.find((k) => k.schema_name === schema && k.table_name === table)?.constraint_column_names;
        expect(key, `${schema}.${table}`).to.deep.equal(manifest.schema.filter((c) => c.primary_key).map((c) => c.name));
        tables++;
      }
    }
    expect(tables).to.equal(16 + 6);
    expect(new Set(columns.map((c) => `${c.table_schema}.${c.table_name}`)).size, 'no other table').to.equal(tables);
  });

  it("lists every user who has tags with the names of the workspace's tags for them, most tags first", async () => {
    const tagName = new Map(ws.tags.map((t) => [t.id, t.name]));
    const want = ws.contacts
      .filter((c) => c.role === 'user' && (ws.contactTags.get(c.id) ?? []).length > 0)
      .map((c) => ({ id: c.id, email: c.email, tags: (ws.contactTags.get(c.id) ?? []).map((id) => tagName.get(id)!).sort() }))
      .sort((a, b) => b.tags.length - a.tags.length || (a.id < b.id ? -1 : 1));
    expect(want.length, 'some users have tags, some have none').to.be.within(1, ws.contacts.filter((c) => c.role === 'user').length - 1);
    expect(want.some((u) => u.tags.length > 10), 'a user has more tags than a contact embeds (10)').to.equal(true);

    const got = (await warehouse.queryJson(USERS_WITH_TAGS.sql)).map((r) => ({ id: r.id, email: r.email, tags: (r.tags as string[]).slice().sort(), count: Number(r.tag_count) }));
    expect(got.map((r) => r.count)).to.deep.equal(want.map((u) => u.tags.length));
    expect(got.map(({ id, email, tags }) => ({ id, email, tags }))).to.deep.equal(want);
  });

  it('gives every conversation its part count and first admin comment, from the 500 most recent parts the API serves', async () => {
    const want = ws.conversations
      .map((c) => {
        const served = (ws.parts.get(c.id) ?? []).slice(-API_PARTS_LIMIT);
        const replies = served.filter((p) => p.part_type === 'comment' && p.author?.type === 'admin').map((p) => p.created_at);
        const first = replies.length > 0 ? Math.min(...replies) : null;
        return { id: c.id, created: utc(c.created_at), parts: served.length, first_admin_reply: first === null ? null : utc(first), waited: first === null ? null : first - c.created_at, at: c.created_at };
      })
      .sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1))
      .map(({ at: _, ...row }) => row);
    // The cases the query must get right are in the workspace: capped, without parts, without an admin reply, and
    // with admin parts that are no reply (notes, assignments) before the first admin comment.
    expect(ws.parts.get(ws.conversations[0].id)!.length).to.be.above(API_PARTS_LIMIT);
    expect(want.some((c) => c.parts === 0)).to.equal(true);
    expect(want.some((c) => c.parts > 0 && c.first_admin_reply === null)).to.equal(true);
    const noteFirst = ws.conversations.some((c) => {
      const admin = (ws.parts.get(c.id) ?? []).slice(-API_PARTS_LIMIT).filter((p) => p.author?.type === 'admin');
      return admin.length > 0 && admin[0].part_type !== 'comment';
    });
    expect(noteFirst, 'a conversation whose first admin part is not a comment').to.equal(true);

    const rows = await warehouse.queryJson(CONVERSATIONS_WITH_PARTS.sql);
    const got = rows.map((r) => {
      const interval = r.time_to_reply as { months: number; days: number; micros: string } | null;
      const waited = interval === null ? null : interval.months * 30 * 86_400 + interval.days * 86_400 + Number(interval.micros) / 1e6;
      return { id: r.id, created: r.created, parts: Number(r.parts), first_admin_reply: r.first_admin_reply, waited };
    });
    expect(got).to.deep.equal(want);
  });

  it('prints the query, its first rows aligned under their titles, and how many rows it has', async () => {
    const lines = await queryReport(warehouse, CONVERSATIONS_WITH_PARTS, 3);
    const sql = CONVERSATIONS_WITH_PARTS.sql.split('\n').map((l) => `  ${l}`);
    expect(lines.slice(0, 2 + sql.length)).to.deep.equal([`${CONVERSATIONS_WITH_PARTS.title}:`, '', ...sql]);
    const table = lines.slice(3 + sql.length);
    expect(table[0].trim().split(/\s+/)).to.deep.equal(['id', 'created', 'parts', 'first_admin_reply', 'time_to_reply']);
    expect(table).to.have.length(2 + 3 + 1);
    expect(table[5]).to.equal(`  (first 3 of ${ws.conversations.length} rows)`);
    // parts is a number: aligned right, its last digit under the title's last letter.
    const end = table[0].indexOf('parts') + 'parts'.length;
    for (const line of table.slice(2, 5)) expect(line.slice(0, end)).to.match(/\d$/);
  });
});
