/**
 * The demo's two queries (scripts/demo-sql.ts), run on a small simulated workspace's basic and conversations
 * output loaded as the demo loads it, answer what the workspace holds: each user's tag names, and each
 * conversation's part count and first admin reply, as far as the API serves the parts (the 500 most recent).
 */
import { expect } from 'chai';
import { CONVERSATIONS_WITH_PARTS, loadOutputs, queryReport, USERS_WITH_TAGS } from '../../scripts/demo-sql.js';
import type { Warehouse } from '../helpers/warehouse.js';
import { config, runExtractor } from '../helpers/run.js';
import { generateWorkspace, startSimulator, type Workspace } from '../simulator/index.js';

const TOKEN = 'demo-test-token';
const API_PARTS_LIMIT = 500;

/** What DuckDB prints for a TIMESTAMP WITH TIME ZONE in UTC. */
const utc = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')}+00`;

describe("the demo's queries", function () {
  this.timeout(120_000);
  let ws: Workspace;
  let warehouse: Warehouse;

  before(async () => {
    // One conversation over the API's 500 parts (the generator's first), and one without parts (its third).
    ws = generateWorkspace({ seed: 19, users: 25, leads: 5, companies: 4, conversations: 10, bigConversations: 1 });
    const sim = await startSimulator({ workspace: ws, token: TOKEN });
    try {
      const outputs = [];
      for (const template of ['basic', 'conversations']) {
        const run = await runExtractor(config(sim.url, TOKEN, { template }), undefined, undefined, { mode: 'authoritative' });
        expect(run.code, run.stderr).to.equal(0);
        outputs.push({ schema: template, dataDir: run.dataDir });
      }
      warehouse = await loadOutputs(':memory:', outputs);
    } finally {
      await sim.close();
    }
  });
  after(() => warehouse?.close());

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
