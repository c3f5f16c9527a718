import { expect } from 'chai';
import { compileColumn, compileRow, getPath, stableJson, type ColumnType } from '../../src/flatten/mapping.js';
import type { ColumnSpec } from '../../src/generated/template.js';

/** A column rule with its type (string unless said) and a description. */
const col = (rule: Partial<ColumnSpec> = {}, type: ColumnType = 'string'): ColumnSpec => ({ type, description: 'A column.', ...rule });

describe('mapping engine', () => {
  const contact = {
    id: 'c1',
    role: 'user',
    location: { city: 'Praha', country: null },
    tags: { data: [{ id: 't1' }, { id: 't2' }] },
    custom_attributes: { z: 1, a: { y: 'ž🙂', b: [2, 1] }, m: null },
    admin_assignee_id: null,
    team_assignee_id: 77,
    first: '2024-01-02T03:04:05.000Z',
  };

  it('reads dotted paths, array indexes and the parent', () => {
    expect(getPath(contact, undefined, 'location.city')).to.equal('Praha');
    expect(getPath(contact, undefined, 'tags.data.1.id')).to.equal('t2');
    expect(getPath(contact, undefined, 'location.nowhere.deeper')).to.equal(undefined);
    expect(getPath({}, { parent: contact }, '$parent.id')).to.equal('c1');
    expect(getPath({}, { parent: {}, root: contact }, '$root.location.city')).to.equal('Praha');
  });

  it('writes null, missing and false distinctly from values', () => {
    const row = compileRow('t', { a: col({ path: 'location.country' }), b: col({ path: 'missing' }), c: col(), d: col({ path: 'role' }) });
    expect(row(contact, {})).to.deep.equal(['', '', '', 'user']);
    expect(compileColumn(col({ path: 'x' }, 'boolean'))({ x: false }, {})).to.equal('false');
    expect(compileColumn(col({ path: 'x' }, 'integer'))({ x: 0 }, {})).to.equal('0');
  });

  it('serialises JSON columns with sorted keys and unicode kept as is', () => {
    const text = compileColumn(col({ path: 'custom_attributes', format: 'json' }, 'json'))(contact, {});
    expect(text).to.equal('{"a":{"b":[2,1],"y":"ž🙂"},"m":null,"z":1}');
    expect(JSON.parse(text)).to.deep.equal(contact.custom_attributes);
    expect(stableJson({ b: 1, a: 2 })).to.equal(stableJson({ a: 2, b: 1 }));
  });

  it('coalesces with labels (assignee_type) and values (assignee_id)', () => {
    const rule = col({ coalesce: ['admin_assignee_id', 'team_assignee_id'] }, 'integer');
    expect(compileColumn({ ...rule, type: 'string', labels: ['admin', 'team'] })(contact, {})).to.equal('team');
    expect(compileColumn(rule)(contact, {})).to.equal('77');
    expect(compileColumn(rule)({}, {})).to.equal('');
    expect(compileColumn({ ...rule, type: 'string', labels: ['admin', 'team'] })({ admin_assignee_id: 5 }, {})).to.equal('admin');
  });

  it('maps values and converts ISO times to UNIX seconds', () => {
    const anonymous = col({ path: 'role', map: { user: false, lead: true } }, 'boolean');
    expect(compileColumn(anonymous)(contact, {})).to.equal('false');
    expect(compileColumn(anonymous)({ role: 'lead' }, {})).to.equal('true');
    const firstAt = col({ path: 'first', format: 'iso_to_unix' }, 'integer');
    expect(compileColumn(firstAt)(contact, {})).to.equal(String(Date.UTC(2024, 0, 2, 3, 4, 5) / 1000));
    expect(compileColumn(firstAt)({ first: 'not a date' }, {})).to.equal('');
  });

  it('writes an always-empty column for a rule with neither path nor coalesce, and rejects one with more', () => {
    expect(compileColumn(col({}, 'integer'))(contact, {})).to.equal('');
    expect(() => compileColumn(col({ format: 'json' }, 'json'), 't.c')).to.throw(/Template column t\.c: format without "path" or "coalesce"/);
  });
});
