/**
 * Manifests in Keboola's native-types form: the table's description, every column's type, nullability,
 * primary-key flag and description in CSV order, and how storage loads the table.
 */
import { expect } from 'chai';
import { DELETE_VALUES_PER_FILTER, manifestFor, type TableSchema } from '../src/keboola/manifest.js';

const table: TableSchema = {
  description: 'Things.',
  primary_key: ['parent_pk', 'id'],
  columns: {
    id: { type: 'string', description: 'The id.' },
    count: { type: 'integer', description: 'How many (UNIX seconds are integers too).' },
    spend: { type: 'number', description: 'How much.' },
    open: { type: 'boolean', description: 'Whether open.' },
    data: { type: 'json', description: 'As JSON.' },
    parent_pk: { type: 'string', description: 'The parent row.' },
  },
};

describe('manifests', () => {
  it('declare every column with its base type, nullability, key flag and description, in column order', () => {
    const m = manifestFor(table, { mode: 'replace' });
    expect(m).to.deep.equal({
      manifest_type: 'output',
      has_header: true,
      incremental: false,
      description: 'Things.',
      table_metadata: { 'KBC.description': 'Things.' },
      schema: [
        { name: 'id', data_type: { base: { type: 'STRING' } }, nullable: false, primary_key: true, description: 'The id.' },
        { name: 'count', data_type: { base: { type: 'INTEGER' } }, nullable: true, primary_key: false, description: 'How many (UNIX seconds are integers too).' },
        { name: 'spend', data_type: { base: { type: 'FLOAT' } }, nullable: true, primary_key: false, description: 'How much.' },
        { name: 'open', data_type: { base: { type: 'BOOLEAN' } }, nullable: true, primary_key: false, description: 'Whether open.' },
        { name: 'data', data_type: { base: { type: 'STRING' } }, nullable: true, primary_key: false, description: 'As JSON.' },
        { name: 'parent_pk', data_type: { base: { type: 'STRING' } }, nullable: false, primary_key: true, description: 'The parent row.' },
      ],
    });
    // The native-types form only: no legacy top-level key or column list next to the schema.
    expect(m).not.to.have.any.keys('primary_key', 'columns', 'destination');
  });

  it('merge a changed read into the table, deleting the written records\' rows first', () => {
    const merge = manifestFor(table, { mode: 'merge', deleteBy: { column: 'parent_pk', values: ['a', 'b'] } });
    expect(merge.incremental).to.equal(true);
    expect(merge.delete_where).to.deep.equal([{ where_filters: [{ column: 'parent_pk', operator: 'eq', values_from_set: ['a', 'b'] }] }]);
    expect(merge.schema).to.deep.equal(manifestFor(table, { mode: 'replace' }).schema);
    const nothing = manifestFor(table, { mode: 'merge' });
    expect(nothing.incremental).to.equal(true);
    expect(nothing).not.to.have.property('delete_where');
    expect(manifestFor(table, { mode: 'replace' })).not.to.have.property('delete_where');
  });

  it('splits a long delete list into deletes of DELETE_VALUES_PER_FILTER ids each, in order', () => {
    const values = Array.from({ length: 2 * DELETE_VALUES_PER_FILTER + 5 }, (_, i) => `id${String(i).padStart(6, '0')}`);
    const m = manifestFor(table, { mode: 'merge', deleteBy: { column: 'parent_pk', values } });
    expect(m.delete_where!.map((d) => d.where_filters[0].values_from_set.length)).to.deep.equal([DELETE_VALUES_PER_FILTER, DELETE_VALUES_PER_FILTER, 5]);
    expect(m.delete_where!.flatMap((d) => d.where_filters.map((f) => f.column))).to.deep.equal(['parent_pk', 'parent_pk', 'parent_pk']);
    expect(m.delete_where!.flatMap((d) => d.where_filters[0].values_from_set)).to.deep.equal(values);
  });
});
