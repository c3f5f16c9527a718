/**
 * Manifests in the form each data-type mode reads, and the platform's rules they are checked against
 * (src/keboola/platform-rules.ts). The refused cases mirror keboola/output-mapping's own tests at 46314c1
 * (tests/Configuration/Table/BaseConfigurationTest.php, tests/Writer/StorageApiLocalTableWriterTest.php), so the
 * check is known to refuse what output-mapping refuses, not only to pass what this component writes.
 */
import { expect } from 'chai';
import { DELETE_VALUES_PER_FILTER, MANIFEST_MODES, manifestFor, type ColumnsManifest, type SchemaManifest, type TableSchema } from '../../src/keboola/manifest.js';
import { columnNameProblem, manifestProblems, outputProblems, RULES, webalizeColumnName, type ManifestContext, type RuleId } from '../../src/keboola/platform-rules.js';

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
const PLAIN = { mode: 'authoritative', sliced: false } as const;

describe('manifests', () => {
  it('under authoritative and hints: a schema with every column\'s base type, nullability, key flag and description, in column order, and the description once', () => {
    for (const mode of ['authoritative', 'hints'] as const) {
      const m = manifestFor(table, { mode: 'replace' }, { mode, sliced: false });
      expect(m).to.deep.equal({
        manifest_type: 'output',
        has_header: true,
        incremental: false,
        description: 'Things.',
        schema: [
          { name: 'id', data_type: { base: { type: 'STRING' } }, nullable: false, primary_key: true, description: 'The id.' },
          { name: 'count', data_type: { base: { type: 'INTEGER' } }, nullable: true, primary_key: false, description: 'How many (UNIX seconds are integers too).' },
          { name: 'spend', data_type: { base: { type: 'FLOAT' } }, nullable: true, primary_key: false, description: 'How much.' },
          { name: 'open', data_type: { base: { type: 'BOOLEAN' } }, nullable: true, primary_key: false, description: 'Whether open.' },
          { name: 'data', data_type: { base: { type: 'STRING' } }, nullable: true, primary_key: false, description: 'As JSON.' },
          { name: 'parent_pk', data_type: { base: { type: 'STRING' } }, nullable: false, primary_key: true, description: 'The parent row.' },
        ],
      });
      // The description once (output-mapping refuses it twice), and no column list beside the schema.
      expect(m).not.to.have.any.keys('table_metadata', 'primary_key', 'columns', 'column_metadata', 'destination');
    }
  });

  it('under none and without KBC_DATA_TYPE_SUPPORT: columns, primary_key and the descriptions as column metadata, no schema', () => {
    for (const mode of ['none', 'legacy'] as const) {
      const m = manifestFor(table, { mode: 'replace' }, { mode, sliced: true }) as ColumnsManifest;
      expect(m).to.deep.equal({
        manifest_type: 'output',
        has_header: false,
        incremental: false,
        description: 'Things.',
        columns: ['id', 'count', 'spend', 'open', 'data', 'parent_pk'],
        primary_key: ['id', 'parent_pk'],
        column_metadata: Object.fromEntries(Object.entries(table.columns).map(([c, { description }]) => [c, [{ key: 'KBC.description', value: description }]])),
      });
      expect(m).not.to.have.any.keys('schema', 'table_metadata');
    }
  });

  it('leave out an empty description, the table\'s and a column\'s', () => {
    const bare: TableSchema = { primary_key: ['id'], columns: { id: { type: 'string', description: '' }, x: { type: 'string', description: 'X.' } } };
    const schema = manifestFor(bare, { mode: 'replace' }, PLAIN) as SchemaManifest;
    expect(schema).not.to.have.property('description');
    expect(schema.schema[0]).not.to.have.property('description');
    const columns = manifestFor(bare, { mode: 'replace' }, { mode: 'none', sliced: false }) as ColumnsManifest;
    expect(columns.column_metadata).to.deep.equal({ x: [{ key: 'KBC.description', value: 'X.' }] });
  });

  it('merge a changed read into the table, deleting the written records\' rows first, in every mode', () => {
    for (const mode of MANIFEST_MODES) {
      const merge = manifestFor(table, { mode: 'merge', deleteBy: { column: 'parent_pk', values: ['a', 'b'] } }, { mode, sliced: false });
      expect(merge.incremental).to.equal(true);
      expect(merge.delete_where).to.deep.equal([{ where_filters: [{ column: 'parent_pk', operator: 'eq', values_from_set: ['a', 'b'] }] }]);
      const nothing = manifestFor(table, { mode: 'merge', deleteBy: { column: 'parent_pk', values: [] } }, { mode, sliced: false });
      expect(nothing.incremental).to.equal(true);
      expect(nothing, 'an empty values_from_set is refused').not.to.have.property('delete_where');
      expect(manifestFor(table, { mode: 'replace' }, { mode, sliced: false })).not.to.have.property('delete_where');
      expect(manifestProblems('things', merge, { mode, sliced: false })).to.deep.equal([]);
    }
  });

  it('splits a long delete list into deletes of DELETE_VALUES_PER_FILTER ids each, in order', () => {
    const values = Array.from({ length: 2 * DELETE_VALUES_PER_FILTER + 5 }, (_, i) => `id${String(i).padStart(6, '0')}`);
    const m = manifestFor(table, { mode: 'merge', deleteBy: { column: 'parent_pk', values } }, PLAIN);
    expect(m.delete_where!.map((d) => d.where_filters[0].values_from_set.length)).to.deep.equal([DELETE_VALUES_PER_FILTER, DELETE_VALUES_PER_FILTER, 5]);
    expect(m.delete_where!.flatMap((d) => d.where_filters.map((f) => f.column))).to.deep.equal(['parent_pk', 'parent_pk', 'parent_pk']);
    expect(m.delete_where!.flatMap((d) => d.where_filters[0].values_from_set)).to.deep.equal(values);
  });
});

describe('the platform\'s manifest rules', () => {
  const good = () => manifestFor(table, { mode: 'merge', deleteBy: { column: 'parent_pk', values: ['a'] } }, PLAIN) as unknown as Record<string, any>;
  const rulesOf = (manifest: unknown, ctx: ManifestContext = PLAIN): RuleId[] => [...new Set(manifestProblems('things', manifest, ctx).map((p) => p.rule))];

  it('cite a source for every rule', () => {
    for (const [id, r] of Object.entries(RULES)) {
      expect(r.rule, id).to.be.a('string').and.not.equal('');
      expect(r.source, id).to.match(/^(OM|DT|SAN|DD|SAPI) \S+\.(php|md|apib)/);
    }
  });

  it('pass every form this component writes: plain and sliced, replace and merge, in every mode', () => {
    for (const mode of MANIFEST_MODES) {
      for (const sliced of [false, true]) {
        for (const load of [{ mode: 'replace' as const }, { mode: 'merge' as const, deleteBy: { column: 'id', values: ['1'] }, alsoDelete: { column: 'parent_pk', values: ['p'] } }]) {
          expect(manifestProblems('things', manifestFor(table, load, { mode, sliced }), { mode, sliced, header: sliced ? undefined : Object.keys(table.columns) }), `${mode} ${sliced} ${load.mode}`).to.deep.equal([]);
        }
      }
    }
  });

  it('refuse description beside table_metadata."KBC.description" (testErrorDescriptionAndTableMetadataDescriptionSetTogether)', () => {
    expect(rulesOf({ ...good(), table_metadata: { 'KBC.description': 'Things.' } })).to.deep.equal(['description']);
    // What this component wrote before: refused in every job.
    expect(rulesOf({ ...good(), table_metadata: { 'KBC.description': '' }, description: '' })).to.include('description');
    expect(rulesOf({ ...good(), table_metadata: { 'KBC.other': 'fine' } })).to.deep.equal([]);
  });

  it('refuse a schema beside columns, metadata or column_metadata, and a key in both places (testErrorSchemaAnd*SetTogether, testErrorPKAndSchemaPKSetTogether)', () => {
    expect(rulesOf({ ...good(), columns: ['id'] })).to.include('schema_or_columns');
    expect(rulesOf({ ...good(), metadata: [{ key: 'a', value: 'b' }] })).to.include('schema_or_metadata');
    expect(rulesOf({ ...good(), column_metadata: { id: [{ key: 'a', value: 'b' }] } })).to.include('schema_or_column_metadata');
    expect(rulesOf({ ...good(), primary_key: ['id'] })).to.include('primary_key');
    const m = good();
    m.schema[0] = { ...m.schema[0], metadata: { 'KBC.description': 'twice' } };
    expect(rulesOf(m)).to.deep.equal(['column_description']);
  });

  it('refuse unknown keys at every level, wrong types, and bad data types (testErrorSchemaDataType*)', () => {
    expect(rulesOf({ ...good(), source: 'things.csv' }), 'source belongs to the job configuration, not a manifest').to.deep.equal(['keys']);
    expect(rulesOf({ ...good(), has_header: 'true' })).to.deep.equal(['types', 'has_header']);
    const m = good();
    m.schema[1] = { ...m.schema[1], data_type: { base: { type: 'INTEGER' }, synapse: { type: 'INT' } } };
    m.schema[2] = { ...m.schema[2], data_type: { snowflake: { type: 'FLOAT' } } };
    m.schema[3] = { ...m.schema[3], data_type: { base: { type: 'BOOL' } }, width: 3 };
    expect(rulesOf(m).sort()).to.deep.equal(['base_type', 'data_type', 'keys']);
  });

  it('refuse a column without data_type under authoritative only, and a missing schema under authoritative and hints (TableConfigurationValidator)', () => {
    const m = good();
    delete m.schema[1].data_type;
    expect(rulesOf(m)).to.deep.equal(['authoritative_types']);
    expect(rulesOf(m, { mode: 'hints', sliced: false })).to.deep.equal([]);
    const columns = manifestFor(table, { mode: 'replace' }, { mode: 'none', sliced: false });
    expect(rulesOf(columns, { mode: 'authoritative', sliced: false })).to.include('authoritative_types');
    expect(rulesOf(columns, { mode: 'hints', sliced: false })).to.include('hints_schema');
    expect(rulesOf(good(), { mode: 'legacy', sliced: false }), 'a schema manifest loads without its key where native types are off').to.include('columns_mode');
  });

  it('refuse delete_where without a condition, with another operator, with no or an empty value set, or by a column the table lacks (testInvalidDeleteWhereConfigurations)', () => {
    const filter = (f: Record<string, unknown>) => ({ ...good(), delete_where: [{ where_filters: [f] }] });
    expect(rulesOf({ ...good(), delete_where: [{}] })).to.deep.equal(['delete_where']);
    expect(rulesOf(filter({ column: 'id', operator: 'gt', values_from_set: ['1'] }))).to.deep.equal(['delete_where']);
    expect(rulesOf(filter({ column: 'id', operator: 'eq' }))).to.deep.equal(['delete_where']);
    expect(rulesOf(filter({ column: 'id', operator: 'eq', values_from_set: [] }))).to.deep.equal(['delete_where']);
    expect(rulesOf(filter({ column: 'id', operator: 'eq', values_from_set: ['1'], values_from_workspace: { table: 't' } }))).to.deep.equal(['delete_where']);
    expect(rulesOf(filter({ column: 'Id', operator: 'eq', values_from_set: ['1'] })), 'not renamed by output-mapping').to.deep.equal(['delete_column']);
    expect(rulesOf(filter({ column: 'id', operator: 'ne', values_from_set: ['1'] }))).to.deep.equal([]);
  });

  it('refuse a sliced table without its columns, and has_header that says otherwise than the file (TableConfigurationValidator, LoadTableTaskCreator)', () => {
    expect(rulesOf({ manifest_type: 'output', has_header: false, incremental: false }, { mode: 'hints', sliced: true })).to.include('sliced_columns');
    expect(rulesOf(good(), { mode: 'authoritative', sliced: true })).to.deep.equal(['has_header']);
    expect(rulesOf({ ...good(), has_header: false })).to.deep.equal(['has_header']);
    expect(rulesOf(good(), { mode: 'authoritative', sliced: false, header: ['id', 'count'] })).to.deep.equal(['header_columns']);
  });

  it('refuse a key that is not a column or is nullable', () => {
    const m = good();
    m.schema[0] = { ...m.schema[0], nullable: true };
    expect(rulesOf(m)).to.deep.equal(['key_columns']);
    expect(rulesOf({ ...manifestFor(table, { mode: 'replace' }, { mode: 'none', sliced: false }), primary_key: ['nope'] }, { mode: 'none', sliced: false })).to.deep.equal(['key_columns']);
  });

  it('refuse column names the platform would rename, _timestamp, names over 64 characters and names equal but for case', () => {
    const named = (names: string[]) => ({ ...manifestFor(table, { mode: 'replace' }, PLAIN), schema: names.map((name) => ({ name, data_type: { base: { type: 'STRING' } }, nullable: name !== 'id', primary_key: name === 'id' })) });
    expect(rulesOf(named(['id', '_valid_from']))).to.deep.equal(['column_name']);
    expect(rulesOf(named(['id', 'custom_Escalated_']))).to.deep.equal(['column_name']);
    expect(rulesOf(named(['id', '_timestamp']))).to.deep.equal(['timestamp']);
    expect(rulesOf(named(['id', 'x'.repeat(65)]))).to.deep.equal(['name_length']);
    expect(rulesOf(named(['id', 'Name', 'name']))).to.deep.equal(['unique_columns']);
    expect(rulesOf(named(['id', 'ctid']))).to.deep.equal(['column_name']);
    expect(rulesOf(named(['id', 'x'.repeat(64), 'valid_from', 'seen_at', 'custom_Escalated']))).to.deep.equal([]);
  });

  it('rename column names as output-mapping does (php-storage-names-sanitizer ColumnNameSanitizerTest)', () => {
    expect(webalizeColumnName('__test__')).to.equal('test');
    expect(webalizeColumnName('_')).to.equal('');
    expect(webalizeColumnName('123number_start')).to.equal('123number_start');
    expect(webalizeColumnName('test@domain.com')).to.equal('test_domain_com');
    expect(webalizeColumnName('custom_Escalated?')).to.equal('custom_Escalated');
    expect(webalizeColumnName('custom_ключ')).to.equal('custom');
    expect(webalizeColumnName('OID')).to.equal('OID_');
    expect(columnNameProblem('custom_Escalated')).to.equal(undefined);
  });

  it('refuse a manifest without its table, a file that is not a table, a 0-byte CSV, and a table name with a dot (LocalSourcesValidator, TableConfigurationResolver)', () => {
    const rules = (entries: Parameters<typeof outputProblems>[0]) => outputProblems(entries).map((p) => p.rule);
    expect(rules([{ name: 'a.csv.manifest', kind: 'file', bytes: 10 }])).to.deep.equal(['orphan_manifest']);
    expect(rules([{ name: 'a.csv.tmp', kind: 'file', bytes: 10 }])).to.deep.equal(['stray_files']);
    expect(rules([{ name: '.a.csv.123.tmp', kind: 'file', bytes: 10 }]), 'dotfiles are not loaded').to.deep.equal([]);
    expect(rules([{ name: 'a.csv', kind: 'file', bytes: 0 }, { name: 'a.csv.manifest', kind: 'file', bytes: 10 }])).to.deep.equal(['empty_file']);
    expect(rules([{ name: 'a.b.csv', kind: 'file', bytes: 10 }])).to.deep.equal(['table_name']);
    expect(rules([{ name: 'a.csv', kind: 'dir', files: [{ name: 'part-00000.csv.gz', kind: 'file' }, { name: 'x', kind: 'dir' }] }])).to.deep.equal(['stray_files']);
  });
});
