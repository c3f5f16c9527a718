/**
 * Ids agree: every id column of every template has one type, and a column that joins another table's key has the
 * key's type, so SQL joins need no casts (src/model/column-type.ts). Checked on the manifests' base types, which is
 * what storage creates, over every table a template can write (history tables, flags and raw payload included).
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTemplate, type CompiledTable, type Template } from '../../src/flatten/template.js';
import { manifestFor, type SchemaManifest } from '../../src/keboola/manifest.js';
import { TEMPLATES } from '../../src/keboola/config.js';
import { isIdColumn } from '../../src/model/column-type.js';
import { LEGACY_INTEGER_IDS } from '../../src/flatten/legacy-id-types.js';
import { readers } from '../../src/resources/index.js';

const everyTable = (name: string, legacyIdTypes = false): Template =>
  loadTemplate(name, undefined, { history: { seenAt: 0 }, flagDeletes: true, rawPayload: true, legacyIdTypes });

/** `template/table.column` → the base type storage creates the column with. */
function baseTypes(legacyIdTypes = false): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of TEMPLATES) {
    for (const t of everyTable(name, legacyIdTypes).tables) {
      const m = manifestFor(t.node, { mode: 'replace' }, { mode: 'authoritative', sliced: false }) as SchemaManifest;
      for (const c of m.schema) out.set(`${name}/${t.name}.${c.name}`, c.data_type.base.type);
    }
  }
  return out;
}

/**
 * Columns that name a record of another table, by template/table.column. A join across templates is listed too:
 * a project may load `conversations` and `basic` side by side and join a conversation's assignee to `admins`.
 */
const JOINS: Array<[string, string]> = [
  ['basic/users.owner_id', 'basic/admins.id'],
  ['basic/leads.owner_id', 'basic/admins.id'],
  ['basic/notes.author_id', 'basic/admins.id'],
  ['basic/notes.user_id', 'basic/users.id'],
  ['basic/users_tags.id', 'basic/tags.id'],
  ['basic/users_segments.id', 'basic/segments.id'],
  ['basic/users_companies.id', 'basic/companies.id'],
  ['users_and_events/users.owner_id', 'basic/admins.id'],
  ['conversations/conversations.assignee_id', 'basic/admins.id'],
  ['conversations/conversations.admin_assignee_id', 'basic/admins.id'],
  ['conversations/conversations.team_assignee_id', 'basic/admins.id'],
  ['conversations/conversation_parts.author_id', 'basic/admins.id'],
  ['conversations/conversations_tags.id', 'basic/tags.id'],
  ['conversations/conversations.user_id', 'basic/users.id'],
  ['workspace/contacts.owner_id', 'workspace/admins.id'],
  ['workspace/notes.author_id', 'workspace/admins.id'],
  ['workspace/contacts_tags.id', 'workspace/tags.id'],
  ['workspace/contacts_companies.id', 'workspace/companies.id'],
  ['workspace/conversations.admin_assignee_id', 'workspace/admins.id'],
  ['workspace/conversations.team_assignee_id', 'workspace/teams.id'],
  ['workspace/conversations.statistics_last_closed_by_id', 'workspace/admins.id'],
  ['workspace/conversation_parts.author_id', 'workspace/admins.id'],
  ['workspace/conversation_handling_events.teammate_id', 'workspace/admins.id'],
  ['workspace/tickets.admin_assignee_id', 'workspace/admins.id'],
  ['workspace/tickets.team_assignee_id', 'workspace/teams.id'],
  ['workspace/tickets.ticket_type_id', 'workspace/ticket_types.id'],
  ['workspace/tickets.ticket_state_id', 'workspace/ticket_states.id'],
  ['workspace/teams_admins.admin_id', 'workspace/admins.id'],
  ['workspace/articles.author_id', 'workspace/admins.id'],
  ['workspace/articles.parent_id', 'workspace/collections.id'],
  ['workspace/collections.help_center_id', 'workspace/help_centers.id'],
  ['workspace/collections.parent_id', 'workspace/collections.id'],
  ['workspace/admins.away_status_reason_id', 'workspace/away_status_reasons.id'],
  ['workspace/companies_notes.author_away_status_reason_id', 'workspace/away_status_reasons.id'],
  ['workspace/companies_notes.author_id', 'workspace/admins.id'],
  ['workspace/ticket_type_attributes.ticket_type_id', 'workspace/ticket_types.id'],
  ['workspace/internal_articles.owner_id', 'workspace/admins.id'],
  ['workspace/internal_articles.author_id', 'workspace/admins.id'],
  ['workspace/news_items.sender_id', 'workspace/admins.id'],
  ['workspace/ai_external_pages.source_id', 'workspace/ai_content_import_sources.id'],
  ['workspace/calls.admin_id', 'workspace/admins.id'],
  ['workspace/calls.contact_id', 'workspace/contacts.id'],
  ['workspace/calls.conversation_id', 'workspace/conversations.id'],
];

/** Every link a template declares itself: `<parent>_pk` and other `$parent.`/`$root.` copies, `refers_to`, and a column's `joins`. */
function declaredJoins(name: string): Array<[string, string]> {
  const t = loadTemplate(name);
  const out: Array<[string, string]> = [];
  const listTable = (n: string, list: string) => loadTemplate(n).roots.find((r) => r.node.from.kind === 'list' && [r.node.from.list].flat().includes(list));
  const walk = (table: CompiledTable, parent: CompiledTable | undefined, root: CompiledTable) => {
    for (const [c, spec] of Object.entries(table.node.columns)) {
      const m = /^\$(parent|root)\.(.+)$/.exec(spec.path ?? '');
      // A copy of the parent's role (notes.user_type) is no link.
      if (!m || !isIdColumn(c)) continue;
      const target = m[1] === 'parent' ? parent! : root;
      const plain = (s: object) => Object.keys(s).every((k) => ['path', 'type', 'description'].includes(k));
      const key = Object.entries(target.node.columns).find(([, s]) => s.path === m[2] && plain(s))?.[0];
      expect(key, `${name}/${table.name}.${c}: no column of ${target.name} holds ${m[2]}`).to.be.a('string');
      out.push([`${name}/${table.name}.${c}`, `${name}/${target.name}.${key}`]);
    }
    // A column that says which table.column it names (`joins`): in this template, or the first template that has it.
    for (const [c, spec] of Object.entries(table.node.columns)) {
      if (!spec.joins) continue;
      const [tbl, col] = spec.joins.split('.');
      const home = [name, ...TEMPLATES].find((n) => loadTemplate(n).tables.some((x) => x.name === tbl));
      expect(home, `${name}/${table.name}.${c} joins ${spec.joins}, a table no template has`).to.be.a('string');
      out.push([`${name}/${table.name}.${c}`, `${home}/${tbl}.${col}`]);
    }
    const refers = table.node.refers_to;
    if (refers) {
      // A list the template reads no table of (a conversation's tags in `conversations`): the first template that does.
      const home = [name, ...TEMPLATES].find((n) => listTable(n, refers.list));
      if (home) out.push([`${name}/${table.name}.${refers.column}`, `${home}/${listTable(home, refers.list)!.name}.${readers[refers.list].id}`]);
    }
    table.children.forEach((c) => walk(c, table, root));
  };
  t.roots.forEach((r) => walk(r, undefined, r));
  return out;
}

describe('id columns', () => {
  const types = baseTypes();

  it('every id column (id, …_id, …_pk) of every table of every template is STRING', () => {
    const ids = [...types].filter(([col]) => isIdColumn(col.split('.').pop()!));
    expect(ids.length, 'id columns found').to.be.above(200);
    expect(ids.filter(([, type]) => type !== 'STRING').map(([col, type]) => `${col}: ${type}`)).to.deep.equal([]);
  });

  it('a column that joins another table’s key has the key’s type: the listed joins, across templates too', () => {
    const wrong: string[] = [];
    for (const [from, to] of JOINS) {
      expect(types.has(from), `${from} is a column`).to.equal(true);
      expect(types.has(to), `${to} is a column`).to.equal(true);
      if (types.get(from) !== types.get(to)) wrong.push(`${from} ${types.get(from)} ↔ ${to} ${types.get(to)}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('so do the links templates declare: <parent>_pk and the other copies of a parent’s or root’s field, and refers_to', () => {
    const joins = TEMPLATES.flatMap(declaredJoins);
    expect(joins.length, 'declared links found').to.be.above(50);
    const wrong = joins.filter(([from, to]) => types.get(from) !== types.get(to)).map(([from, to]) => `${from} ${types.get(from)} ↔ ${to} ${types.get(to)}`);
    expect(wrong).to.deep.equal([]);
  });

  it('every listed join is one the templates declare (so the README\'s diagrams draw it, and a new id column gets a decision)', () => {
    const declared = new Set(TEMPLATES.flatMap(declaredJoins).map(([from, to]) => `${from} ${to}`));
    expect(JOINS.filter(([from, to]) => !declared.has(`${from} ${to}`)).map(([from, to]) => `${from} → ${to}`)).to.deep.equal([]);
  });

  it('a template that types an id column otherwise does not load, naming the column and the type', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'template-'));
    const table = {
      table: 'people', from: { kind: 'list', list: 'contacts' }, primary_key: ['id'],
      columns: { id: { path: 'id', type: 'string', description: 'The id.' }, owner_id: { path: 'owner_id', type: 'integer', description: 'The owner.' } },
    };
    writeFileSync(path.join(dir, 't.json'), JSON.stringify({ name: 't', title: 'T', tables: [table] }));
    expect(() => loadTemplate('t', dir)).to.throw('Template t: column people.owner_id holds an id: its type is "string", as every id column\'s (joins need no casts), not "integer".');
    // A list of ids is JSON text, not an id column.
    table.columns = { ...table.columns, owner_id: { path: 'owner_id', type: 'string', description: 'The owner.' }, team_ids: { path: 'team_ids', type: 'json', format: 'json', description: 'The teams.' } } as typeof table.columns;
    writeFileSync(path.join(dir, 't.json'), JSON.stringify({ name: 't', title: 'T', tables: [table] }));
    expect(() => loadTemplate('t', dir)).not.to.throw();
  });

  it('legacy id types: exactly the listed columns (and their history copies) are INTEGER again, each an id column of its template', () => {
    const legacy = baseTypes(true);
    const integer = [...legacy].filter(([col, type]) => type === 'INTEGER' && isIdColumn(col.split('.').pop()!)).map(([col]) => col).sort();
    const listed = Object.entries(LEGACY_INTEGER_IDS).flatMap(([template, cols]) => cols.flatMap((c) => {
      const [table, column] = c.split('.');
      const history = `${template}/${table}_history.${column}`;
      return [`${template}/${c}`, ...(legacy.has(history) ? [history] : [])];
    })).sort();
    expect(listed.length).to.be.above(21);
    for (const c of listed) expect(types.get(c), `${c} exists and is STRING now`).to.equal('STRING');
    expect(integer).to.deep.equal(listed);
    // Nothing else changes: every other column keeps its type.
    expect([...legacy].filter(([col, type]) => !listed.includes(col) && types.get(col) !== type)).to.deep.equal([]);
  });
});
