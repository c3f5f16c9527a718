/**
 * The template loader: a template says where each table's rows come from as one of three kinds, and a wrong
 * combination fails before any request, naming the table.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTemplate } from '../src/flatten/template.js';

function load(tables: unknown[], shared: Record<string, unknown> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'template-'));
  writeFileSync(path.join(dir, 't.json'), JSON.stringify({ name: 't', title: 'T', tables }));
  for (const [file, body] of Object.entries(shared)) writeFileSync(path.join(dir, file), JSON.stringify(body));
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
    expect(child({ kind: 'embedded', path: 'tags.data', complete_with: 'contact_tags' })).to.throw(/complete_with and from.when go together/);
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
});
