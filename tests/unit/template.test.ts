/**
 * The template loader: a template says where each table's rows come from as one of three kinds, and a wrong
 * combination fails before any request, naming the table.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { loadTemplate, TEMPLATES_DIR } from '../../src/flatten/template.js';

/**
 * The tests below write columns short ("id": "id", null for always empty); every column of a template declares
 * its type and description, so they are written out in full (string, or json with format json) before loading.
 */
function typed(value: unknown, inColumns = false): unknown {
  if (inColumns) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, spec]) => {
      const rule = spec === null ? {} : typeof spec === 'string' ? { path: spec } : (spec as Record<string, unknown>);
      return [name, { type: rule.format === 'json' ? 'json' : rule.format === 'iso_to_unix' ? 'integer' : 'string', description: `The ${name}.`, ...rule }];
    }));
  }
  if (Array.isArray(value)) return value.map((v) => typed(v));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typed(v, k === 'columns')]));
}

function load(tables: unknown[], shared: Record<string, unknown> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'template-'));
  writeFileSync(path.join(dir, 't.json'), JSON.stringify({ name: 't', title: 'T', tables: typed(tables) }));
  for (const [file, body] of Object.entries(shared)) writeFileSync(path.join(dir, file), JSON.stringify(typed(body)));
  return () => loadTemplate('t', dir);
}

const columns = { id: 'id', parent_pk: '$parent.id' };

describe('template loader', () => {
  it('loads the three kinds of source and compiles their checks', () => {
    const t = load([
      {
        table: 'parents', from: { kind: 'list', list: 'contacts' }, primary_key: ['id'], columns: { id: 'id' },
        children: [
          { table: 'tags', from: { kind: 'embedded', path: 'tags.data', nullable: true }, primary_key: ['parent_pk', 'id'], columns },
          { table: 'notes', from: { kind: 'fetch', reader: 'contact_notes' }, primary_key: ['id'], columns },
        ],
      },
    ])();
    expect(t.tables.map((x) => x.name)).to.deep.equal(['parents', 'tags', 'notes']);
    const parent = t.roots[0];
    expect(parent.check({ id: 'a', tags: null })).to.equal(undefined);
    expect(parent.check({ id: 'a', tags: { data: [{ id: 't1' }] } })).to.equal(undefined);
    expect(parent.check({ id: 'a', tags: { data: {} } })).to.match(/"tags\.data" is not a list/);
    expect(parent.check({ id: '', tags: null })).to.match(/no value for parents\.id/);
    expect(parent.check({ id: 'a', tags: { data: [{ id: '' }] } })).to.match(/in "tags\.data": no value for tags\.id/);
  });

  it('rejects a source of the wrong kind or reader, naming the table', () => {
    const child = (from: unknown) => load([{ table: 'parents', from: { kind: 'list', list: 'contacts' }, primary_key: ['id'], columns: { id: 'id' }, children: [{ table: 'kids', from, primary_key: ['id'], columns }] }]);
    expect(load([{ table: 'p', from: { kind: 'fetch', reader: 'contact_notes' }, primary_key: ['id'], columns: { id: 'id' } }])).to.throw(/table p: a top-level table reads a list/);
    expect(load([{ table: 'p', from: { kind: 'list', list: 'contact_notes' }, primary_key: ['id'], columns: { id: 'id' } }])).to.throw(/"contact_notes" is not a list reader/);
    expect(load([{ table: 'p', from: { kind: 'list', list: 'contacts', expand: 'contacts' }, primary_key: ['id'], columns: { id: 'id' } }])).to.throw(/"contacts" is not an expander/);
    expect(child({ kind: 'list', list: 'contacts' })).to.throw(/table kids: a child table reads from its parent/);
    expect(child({ kind: 'fetch', reader: 'contacts' })).to.throw(/table kids: "contacts" is not a detail reader/);
    expect(child({ kind: 'embedded', path: 'tags.data', complete_with: 'contact_tags' })).to.throw(/table kids: completing a list .* goes with saying when it is capped/);
    expect(child({ kind: 'embedded', path: 'tags.data', capped_at: 10 })).to.throw(/table kids: completing a list .* goes with saying when it is capped/);
    expect(child({ kind: 'embedded', path: 'tags.data', when: 'tags.has_more', capped_at: 10, complete_with: 'contact_tags' })).to.throw(/from.when and from.capped_at are alternatives/);
    expect(child({ kind: 'embedded', path: 'tags.data', capped_at: 10, complete_with: 'contact_tags', complete_by: { list: 'tags', members: 'tag_companies' } })).to.throw(/are alternatives/);
    expect(child({ kind: 'embedded', path: 'tags.data', capped_at: 10, complete_by: { list: 'contact_tags', members: 'tag_companies' } })).to.throw(/"contact_tags" is not a list reader/);
    expect(child({ kind: 'embedded', path: 'tags.data', capped_at: 10, complete_by: { list: 'tags', members: 'tags' } })).to.throw(/"tags" is not a detail reader/);
    expect(child({ kind: 'embedded', path: 'admin_ids', scalars: true, capped_at: 10, complete_with: 'contact_tags' })).to.throw(/a list of plain values cannot be completed/);
    expect(load([{ table: 'p', from: { kind: 'list', list: 'conversations', expand_skippable: 'conversation_parts' }, primary_key: ['id'], columns: { id: 'id' } }])).to.throw(/expand_skippable needs from.expand/);
    const grandchild = load([{ table: 'p', from: { kind: 'list', list: 'contacts' }, primary_key: ['id'], columns: { id: 'id' }, children: [
      { table: 'kids', from: { kind: 'fetch', reader: 'contact_notes' }, primary_key: ['id'], columns, children: [
        { table: 'grandkids', from: { kind: 'embedded', path: 'tags', capped_at: 10, complete_by: { list: 'tags', members: 'tag_companies' } }, primary_key: ['id'], columns: { id: 'id', p_pk: '$root.id' } }] }] }]);
    expect(grandchild).to.throw(/table grandkids: from.complete_by completes the lists of a top-level table only/);
    expect(child({ kind: 'nope' })).to.throw(/from.kind must be/);
  });

  it('includes one table tree under two names, with its own filter, overrides and leading columns', () => {
    const tree = {
      table: '{as}', from: { kind: 'list', list: 'contacts' }, primary_key: ['id'], columns: { type: 'role', id: 'id', name: 'name', email: 'email' },
      children: [{ table: '{as}_tags', from: { kind: 'embedded', path: 'tags.data', nullable: true }, primary_key: ['{as}_pk', 'id'], columns: { id: 'id', '{as}_pk': '$parent.id' } }],
    };
    const t = load(
      [
        { $ref: 'tree.json', as: 'users', where: { role: 'user' } },
        { $ref: 'tree.json', as: 'leads', where: { role: 'lead' }, columns: { type: 'type', extra: null }, column_order: ['id', 'email'], children: [{ $ref: 'kid.json' }] },
      ],
      { 'tree.json': tree, 'kid.json': { table: 'notes', from: { kind: 'fetch', reader: 'contact_notes' }, primary_key: ['id'], columns: { id: 'id', user_id: '$parent.id' } } },
    )();
    const byName = new Map(t.tables.map((x) => [x.name, x]));
    expect([...byName.keys()]).to.deep.equal(['users', 'users_tags', 'leads', 'leads_tags', 'notes']);
    expect(byName.get('users')!.columns).to.deep.equal(['type', 'id', 'name', 'email']);
    expect(byName.get('leads')!.columns).to.deep.equal(['id', 'email', 'type', 'name', 'extra']);
    expect(byName.get('leads')!.row({ id: 'a', role: 'lead', type: 'contact', name: 'N', email: 'e' }, {})).to.deep.equal(['a', 'e', 'contact', 'N', '']);
    expect(byName.get('leads_tags')!.columns).to.deep.equal(['id', 'leads_pk']);
    expect(byName.get('leads')!.node.from).to.deep.equal({ kind: 'list', list: 'contacts', where: { role: 'lead' } });
    expect(load([{ $ref: 'tree.json', as: 'x', column_order: ['nope'] }], { 'tree.json': tree })).to.throw(/column_order names nope, which is not a column/);
  });

  it('rejects an include without the `as` its file needs, an `as` that is not an identifier, and a conflicting filter', () => {
    const tree = { table: '{as}', from: { kind: 'list', list: 'contacts', where: { role: 'user' } }, primary_key: ['id'], columns: { id: 'id' } };
    expect(load([{ $ref: 'tree.json' }], { 'tree.json': tree })).to.throw(/uses \{as\}, so the include needs "as"/);
    expect(load([{ $ref: 'tree.json', as: 'Users "x"' }], { 'tree.json': tree })).to.throw(/"as" must be a lower-case identifier/);
    expect(load([{ $ref: 'tree.json', as: 'x', where: { role: 'lead' } }], { 'tree.json': tree })).to.throw(/"where" sets role, which the included table already filters on/);
  });

  it('ships templates that the template schema accepts', () => {
    const schema = JSON.parse(readFileSync(path.join(TEMPLATES_DIR, 'template.schema.json'), 'utf8'));
    const ajv = new (Ajv as any)({ strict: false, allErrors: true });
    const validateFile = ajv.compile(schema);
    const validateTable = ajv.compile({ ...schema, $ref: '#/definitions/table', required: undefined, properties: undefined, additionalProperties: undefined, type: undefined });
    const files = readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.json') && f !== 'template.schema.json');
    expect(files).to.include.members(['basic.json', 'conversations.json', 'users_and_events.json']);
    for (const f of files) expect(validateFile(JSON.parse(readFileSync(path.join(TEMPLATES_DIR, f), 'utf8'))), `${f}: ${JSON.stringify(validateFile.errors)}`).to.equal(true);
    for (const f of readdirSync(path.join(TEMPLATES_DIR, 'shared'))) {
      expect(validateTable(JSON.parse(readFileSync(path.join(TEMPLATES_DIR, 'shared', f), 'utf8'))), `shared/${f}: ${JSON.stringify(validateTable.errors)}`).to.equal(true);
    }
    expect(validateFile({ name: 't', title: 'T', tables: [{ $ref: 'x.json', colum_order: [] }] }), 'a misspelled include key').to.equal(false);
    expect(validateFile({ name: 't', title: 'T', tables: [{ table: 't', from: { kind: 'list', list: 'contacts', path: 'x' }, primary_key: [], columns: {} }] }), 'a list source with a path').to.equal(false);
    expect(validateTable({ table: 'x', from: { kind: 'fetch', reader: 'r' }, primary_key: ['id'], columns: {}, colums: {} }), 'a misspelled table key').to.equal(false);
  });
});

describe('column rules name what was meant', () => {
  const rules = (extra: Partial<{ excludeTables: string[]; excludeColumns: string[]; hashColumns: string[] }>) => ({
    excludeTables: new Set(extra.excludeTables ?? []), excludeColumns: new Set(extra.excludeColumns ?? []), hashColumns: new Set(extra.hashColumns ?? []), salt: undefined, strict: true, history: false,
  });
  const message = (r: ReturnType<typeof rules>) => {
    try {
      loadTemplate('basic', undefined, { rules: r });
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };
  it('suggests the table or column a misspelled name is near', () => {
    expect(message(rules({ excludeTables: ['note'] }))).to.match(/names note, which template basic does not write: .* Did you mean "notes"\?$/);
    expect(message(rules({ hashColumns: ['users.emial'] }))).to.match(/names users\.emial, but table users has no column emial .* Did you mean "users\.email"\?$/);
    expect(message(rules({ excludeColumns: ['user.phone'] }))).to.match(/has no table user: .* Did you mean "users"\?$/);
  });
});
