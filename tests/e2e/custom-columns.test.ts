/**
 * Custom attributes as typed columns: one column per custom attribute of the model, typed, round-tripping the
 * custom_attributes JSON, with stable names and order from run to run.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import stableStringify from 'fast-json-stable-stringify';
import { generateWorkspace, startSimulator, updateContact, type Simulator, type Workspace } from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { columnNameFor } from '../../src/engine/custom-columns.js';
import { columnNameProblem } from '../../src/keboola/platform-rules.js';

const TOKEN = 'custom-token-0123456789';
const NO_DETAILS = { skip_contact_details: ['segments', 'notes', 'events_summary'] };

/** What a custom column must hold for a value of the JSON column: scalars as they are, lists and objects as JSON. */
function cellOf(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return stableStringify(v);
  return String(v);
}

function expectRoundTrip(run: RunResult, table: string, columns: Record<string, string>): number {
  let checked = 0;
  for (const row of run.table(table).rows) {
    const attrs = JSON.parse(row.custom_attributes || '{}');
    for (const [column, key] of Object.entries(columns)) {
      expect(row[column], `${table} ${row.id} ${column}`).to.equal(cellOf(attrs[key]));
      if (attrs[key] !== undefined && attrs[key] !== null) checked++;
    }
  }
  return checked;
}

describe('custom attributes as columns', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let sim: Simulator;
  before(async () => {
    ws = generateWorkspace({ seed: 81, users: 40, leads: 10, conversations: 30, bigConversations: 0 });
    sim = await startSimulator({
      workspace: ws,
      token: TOKEN,
      // A second attribute whose name sanitises to the same column as "Priority Level", and names the platform
      // would rename (a trailing "?") or empty (no Latin letter).
      rewrite: (req, body) => {
        if (req.route !== 'GET /data_attributes' || req.query.get('model') !== 'conversation') return body;
        const like = (name: string, id: number) => ({ ...body.data.find((d: any) => d.name === 'Priority Level'), id, name, full_name: `custom_attributes.${name}` });
        return { ...body, data: [...body.data, like('Priority-Level', 999), like('Escalated?', 998), like('ключ', 997), like('顧客', 996)] };
      },
    });
  });
  after(() => sim.close());

  it('adds a typed column per custom attribute, after the template columns, round-tripping the JSON column', async () => {
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', custom_attribute_columns: true, ...NO_DETAILS }));
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    const header = run.table('users').header;
    const custom = header.slice(header.indexOf('notes_total_count') + 1);
    const keys = [...new Set(ws.contacts.flatMap((c) => Object.keys(c.custom_attributes ?? {})))].sort();
    expect(custom).to.deep.equal(keys.map((k) => `custom_${k}`));
    expect(header).not.to.include('custom_name'); // standard attributes (custom: false) are not custom columns
    expect(run.table('leads').header.slice(-keys.length)).to.deep.equal(custom);
    const checked = expectRoundTrip(run, 'users', Object.fromEntries(keys.map((k) => [`custom_${k}`, k])));
    expect(checked).to.be.above(50);
    // Dates are UNIX seconds, lists and objects JSON.
    expect(run.table('users').rows.some((r) => /^\d{9,10}$/.test(r.custom_last_order_date))).to.equal(true);
    expect(run.table('users').rows.some((r) => r.custom_preferences.startsWith('{"langs":'))).to.equal(true);
    const companyKeys = [...new Set(ws.companies.flatMap((c) => Object.keys(c.custom_attributes ?? {})))].sort();
    expect(run.table('companies').header.slice(-companyKeys.length)).to.deep.equal(companyKeys.map((k) => `custom_${k}`));
    expect(run.stdout).to.match(/Custom attribute columns of users: custom_Alpha_Code \(Alpha_Code\)/);
  });

  it('makes names safe and unique: characters outside [A-Za-z0-9] become _, a collision gets _2', async () => {
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', custom_attribute_columns: true }));
    expect(run.code, run.stderr).to.equal(0);
    const header = run.table('conversations').header;
    expect(header).to.include.members(['custom_Priority_Level', 'custom_Priority_Level_2', 'custom_issue_type']);
    expect(header.indexOf('custom_Priority_Level')).to.be.below(header.indexOf('custom_Priority_Level_2'));
    expect(expectRoundTrip(run, 'conversations', { custom_Priority_Level: 'Priority Level', custom_issue_type: 'issue_type', custom_meta: 'meta' })).to.be.above(5);
    for (const r of run.table('conversations').rows) expect(r.custom_Priority_Level_2).to.equal('');
  });

  it('names every column one the platform keeps as written: transliterated to ASCII, trimmed, at most 64 characters, or by its hash', () => {
    const names: Record<string, string> = { 'Escalated?': 'custom_Escalated', ключ: 'custom_klyuch', Größe: 'custom_Grosse', 'Café crème': 'custom_Cafe_creme', 'ημέρα': 'custom_imera', '顧客ID': 'custom_ID', '__x__': 'custom_x', plan: 'custom_plan' };
    for (const [key, name] of Object.entries(names)) expect(columnNameFor(key), key).to.equal(name);
    expect(columnNameFor('顧客')).to.match(/^custom_[0-9a-f]{8}$/).and.equal(columnNameFor('顧客'));
    expect(columnNameFor('顧客')).not.to.equal(columnNameFor('客戶'));
    expect(columnNameFor('a'.repeat(100))).to.have.length(64);
    expect(columnNameFor(`${'x'.repeat(56)} y`), 'no _ left at the end where the cut falls').to.equal(`custom_${'x'.repeat(56)}`);
    for (const key of [...Object.keys(names), '顧客', '🐴', 'a'.repeat(100), 'oid', 'ctid', '_timestamp']) expect(columnNameProblem(columnNameFor(key)), key).to.equal(undefined);
  });

  it('writes names the platform keeps, and forms again a name an earlier version wrote that the platform would rename', async () => {
    const state = { custom_columns: { conversations: [{ column: 'custom_Escalated_', key: 'Escalated?', date: false, data_type: 'string' }] } };
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', custom_attribute_columns: true }), TEST_OVERRIDES, state);
    expect(run.code, run.stderr).to.equal(0);
    const header = run.table('conversations').header;
    expect(header).to.include.members(['custom_Escalated', 'custom_klyuch', columnNameFor('顧客')]);
    expect(header).not.to.include('custom_Escalated_');
    expect((await run.state()).custom_columns.conversations.map((c: any) => c.column)).to.include('custom_Escalated');
  });

  it('keeps names and order from run to run: a new attribute is appended, a removed one keeps its column, empty', async () => {
    const first = await runExtractor(config(sim.url, TOKEN, { template: 'basic', custom_attribute_columns: true, ...NO_DETAILS }));
    const state = JSON.parse(await readFile(path.join(first.dataDir, 'out', 'state.json'), 'utf8'));
    const before = first.table('users').header;
    expect(state.custom_columns.users.map((c: any) => c.column)).to.deep.equal(before.slice(before.indexOf('notes_total_count') + 1));
    // "bio" disappears from every contact (and so from the definitions); "aaa_new" appears on one.
    for (const c of ws.contacts) if (c.custom_attributes && 'bio' in c.custom_attributes) updateContact(ws, c.id, { custom_attributes: Object.fromEntries(Object.entries(c.custom_attributes).filter(([k]) => k !== 'bio')) }, c.updated_at);
    updateContact(ws, ws.contacts[0].id, { custom_attributes: { ...ws.contacts[0].custom_attributes, aaa_new: 'fresh' } }, ws.contacts[0].updated_at);
    const second = await runExtractor(config(sim.url, TOKEN, { template: 'basic', custom_attribute_columns: true, ...NO_DETAILS }), TEST_OVERRIDES, state);
    expect(second.code, second.stderr).to.equal(0);
    const after = second.table('users').header;
    expect(after).to.deep.equal([...before, 'custom_aaa_new']);
    for (const r of second.table('users').rows) expect(r.custom_bio).to.equal('');
    const withNew = [...second.table('users').rows, ...second.table('leads').rows].find((r) => r.id === ws.contacts[0].id)!;
    expect(withNew.custom_aaa_new).to.equal('fresh');
  });

  it('is off by default', async () => {
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', ...NO_DETAILS }));
    expect(run.table('users').header.filter((h) => h.startsWith('custom_'))).to.deep.equal(['custom_attributes']);
  });
});
