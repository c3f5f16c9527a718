/**
 * Typed, described tables: every column of every template declares a type and a one-line description and every
 * table a description, in the template; the manifests pass them on; a value that does not fit its column's type
 * is written empty, with one warning per column and run.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTemplate, TEMPLATES_DIR, type Template } from '../../src/flatten/template.js';
import { compileRow, COLUMN_TYPES } from '../../src/flatten/mapping.js';
import { columnSpecs } from '../../src/engine/custom-columns.js';
import { resetWarnings } from '../../src/log.js';
import { generateWorkspace, startSimulator, type Simulator } from '../simulator/index.js';
import { config, runExtractor } from '../helpers/run.js';
import { TEMPLATES } from '../../src/keboola/config.js';

const ONE_LINE = /^[^\n\r]*\.$/;
const BASE_TYPES: Record<string, string> = { string: 'STRING', json: 'STRING', integer: 'INTEGER', number: 'FLOAT', boolean: 'BOOLEAN' };

/** Every template shipped in templates/, including any added later. */
const templateNames = () => readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.json') && f !== 'template.schema.json').map((f) => f.slice(0, -5));

/** Every `columns` object in a template file as written, wherever it is (tables, includes, children). */
function columnsIn(value: unknown, where: string, out: Array<[string, Record<string, unknown>]> = []): Array<[string, Record<string, unknown>]> {
  if (Array.isArray(value)) value.forEach((v, i) => columnsIn(v, `${where}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const name = typeof node.table === 'string' ? node.table : where;
    if (node.columns !== undefined) out.push([name, node.columns as Record<string, unknown>]);
    for (const [k, v] of Object.entries(node)) if (k !== 'columns') columnsIn(v, name, out);
  }
  return out;
}

function captureStdout(fn: () => void): string {
  let text = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => ((text += String(chunk)), true)) as typeof process.stdout.write;
  try {
    fn();
  } finally {
    process.stdout.write = write;
  }
  return text;
}

function writeTemplate(columns: Record<string, unknown>): () => Template {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'types-'));
  writeFileSync(path.join(dir, 't.json'), JSON.stringify({ name: 't', title: 'T', tables: [{ table: 'things', description: 'Things.', from: { kind: 'list', list: 'contacts' }, primary_key: ['id'], columns: { id: { path: 'id', type: 'string', description: 'The id.' }, ...columns } }] }));
  return () => loadTemplate('t', dir);
}

describe('typed, described templates', () => {
  it('declare every column, in every template file, as an object with a type and a one-line description', () => {
    const files = [...templateNames().map((n) => `${n}.json`), ...readdirSync(path.join(TEMPLATES_DIR, 'shared')).map((f) => `shared/${f}`)];
    expect(files).to.include.members(['basic.json', 'conversations.json', 'users_and_events.json', 'shared/contacts.json', 'shared/notes.json']);
    let count = 0;
    for (const file of files) {
      for (const [table, columns] of columnsIn(JSON.parse(readFileSync(path.join(TEMPLATES_DIR, file), 'utf8')), file)) {
        for (const [name, spec] of Object.entries(columns)) {
          const where = `${file}: ${table}.${name}`;
          expect(spec, where).to.be.an('object');
          const { type, description, format } = spec as Record<string, unknown>;
          expect(COLUMN_TYPES, `${where}: type`).to.include(type);
          expect(description, `${where}: description`).to.be.a('string').and.match(ONE_LINE);
          expect(format === 'json', `${where}: format json and type json go together`).to.equal(type === 'json');
          count++;
        }
      }
    }
    expect(count).to.be.above(200);
  });

  it('describe every table of every template, and every column as loaded (with the raw data column too)', () => {
    for (const name of templateNames()) {
      for (const t of loadTemplate(name, undefined, { rawPayload: true }).tables) {
        expect(t.node.description, `${name}: table ${t.name}`).to.be.a('string').and.match(ONE_LINE);
        for (const [col, spec] of Object.entries(t.node.columns)) {
          expect(COLUMN_TYPES, `${name}: ${t.name}.${col}`).to.include(spec.type);
          expect(spec.description, `${name}: ${t.name}.${col}`).to.match(ONE_LINE);
        }
        if (Object.hasOwn(t.node.columns, 'data') && t.node.columns.data.path === '$') expect(t.node.columns.data.type).to.equal('json');
      }
    }
  });

  it('type UNIX-second times as integers, and say so', () => {
    for (const name of templateNames()) {
      for (const t of loadTemplate(name).tables) {
        for (const [col, spec] of Object.entries(t.node.columns)) {
          if (/UNIX seconds/.test(spec.description)) expect(spec.type, `${name}: ${t.name}.${col}`).to.equal('integer');
          if (col.endsWith('_at') && (spec.path !== undefined || spec.coalesce !== undefined)) expect(spec.description, `${name}: ${t.name}.${col}`).to.match(/UNIX seconds/);
        }
      }
    }
    const users = loadTemplate('basic').tables.find((t) => t.name === 'users')!.node.columns;
    expect(users.created_at).to.include({ type: 'integer', description: 'When the contact was created (UNIX seconds).' });
  });

  it('refuse a column without a valid type or one-line description, or a json format of another type, naming table and column', () => {
    expect(writeTemplate({ name: 'name' })).to.throw(/Template column things\.name: a column is an object with "type" and "description"/);
    expect(writeTemplate({ name: null })).to.throw(/things\.name: a column is an object/);
    expect(writeTemplate({ name: { path: 'name', description: 'The name.' } })).to.throw(/things\.name: "type" must be one of string, integer, number, boolean, json/);
    expect(writeTemplate({ name: { path: 'name', type: 'text', description: 'The name.' } })).to.throw(/things\.name: "type" must be one of/);
    expect(writeTemplate({ name: { path: 'name', type: 'string' } })).to.throw(/things\.name: "description" must be one line ending with a period/);
    expect(writeTemplate({ name: { path: 'name', type: 'string', description: 'Two\nlines.' } })).to.throw(/things\.name: "description" must be one line/);
    expect(writeTemplate({ attrs: { path: 'custom_attributes', format: 'json', type: 'string', description: 'As JSON.' } })).to.throw(/things\.attrs: format "json" and type "json" go together/);
    expect(writeTemplate({ attrs: { path: 'custom_attributes', type: 'json', description: 'As JSON.' } })).to.throw(/things\.attrs: format "json" and type "json" go together/);
    expect(writeTemplate({ first_at: { path: 'first', format: 'iso_to_unix', type: 'string', description: 'When.' } })).to.throw(/things\.first_at: format "iso_to_unix" writes UNIX seconds/);
    expect(writeTemplate({ gone: { type: 'string', description: 'Always empty.' } })().tables[0].row({ id: 'a' }, {})).to.deep.equal(['a', '']);
  });
});

describe('values checked against their column type', () => {
  beforeEach(() => resetWarnings());
  after(() => resetWarnings());

  it('writes a value that does not fit empty, and warns once per column and run', () => {
    const row = compileRow('users', {
      session_count: { path: 'n', type: 'integer', description: 'A count.' },
      spend: { path: 'x', type: 'number', description: 'An amount.' },
      ok: { path: 'b', type: 'boolean', description: 'A flag.' },
      text: { path: 'n', type: 'string', description: 'Anything.' },
      json: { path: 'n', format: 'json', type: 'json', description: 'Anything as JSON.' },
    });
    let rows: string[][] = [];
    const out = captureStdout(() => {
      rows = [
        row({ n: 'abc', x: '1.5e3', b: 'yes' }, {}),
        row({ n: 'def', x: 'NaN', b: true }, {}),
        row({ n: 12, x: -0.25, b: false }, {}),
        row({ n: 1.5, x: 7, b: null }, {}),
        row({}, {}),
      ];
    });
    expect(rows).to.deep.equal([
      ['', '1.5e3', '', 'abc', '"abc"'],
      ['', '', 'true', 'def', '"def"'],
      ['12', '-0.25', 'false', '12', '12'],
      ['', '7', '', '1.5', '1.5'],
      ['', '', '', '', ''],
    ]);
    const warnings = out.trim().split('\n');
    expect(warnings).to.deep.equal([
      'WARNING: users.session_count: Intercom sent "abc", not an integer; written empty (parameters.raw_payload keeps the original).',
      'WARNING: users.ok: Intercom sent "yes", not a boolean; written empty (parameters.raw_payload keeps the original).',
      'WARNING: users.spend: Intercom sent "NaN", not a number; written empty (parameters.raw_payload keeps the original).',
    ]);
  });

  it('keeps an integer beyond 2^53 as read, warning that parsing may have cost it digits', () => {
    const row = compileRow('users', { big: { path: 'n', type: 'integer', description: 'A big number.' } });
    let rows: string[][] = [];
    const out = captureStdout(() => {
      rows = [row({ n: 2 ** 60 }, {}), row({ n: Number.MAX_SAFE_INTEGER }, {}), row({ n: -(2 ** 54) }, {})];
    });
    expect(rows).to.deep.equal([[String(2 ** 60)], [String(Number.MAX_SAFE_INTEGER)], [String(-(2 ** 54))]]);
    expect(out.trim().split('\n')).to.deep.equal([`WARNING: users.big: Intercom sent ${String(2 ** 60)}, an integer beyond 2^53, which may have lost its last digits when the answer was parsed; written as read.`]);
  });

  it('types custom attribute columns from their definitions, and describes them on one line', () => {
    const template = loadTemplate('basic');
    const specs = columnSpecs(template, {
      users: [
        { column: 'custom_orders', key: 'orders', date: false, data_type: 'integer', description: 'Orders\n placed' },
        { column: 'custom_score', key: 'score', date: false, data_type: 'float' },
        { column: 'custom_vip', key: 'vip', date: false, data_type: 'boolean', description: '' },
        { column: 'custom_last_order_date', key: 'last_order_date', date: true, data_type: 'date' },
        { column: 'custom_tags', key: 'tags', date: false, data_type: 'string' },
        { column: 'custom_old', key: 'old', date: false },
      ],
    }).get('users')!;
    const types = Object.fromEntries(Object.entries(specs).map(([c, s]) => [c, [s.type, s.description]]));
    expect(types).to.deep.equal({
      custom_orders: ['integer', 'Custom attribute "orders" (integer): Orders placed.'],
      custom_score: ['number', 'Custom attribute "score" (float).'],
      custom_vip: ['boolean', 'Custom attribute "vip" (boolean).'],
      custom_last_order_date: ['integer', 'Custom attribute "last_order_date" (date, as UNIX seconds).'],
      custom_tags: ['string', 'Custom attribute "tags" (string).'],
      custom_old: ['string', 'Custom attribute "old" (unknown type).'],
    });
    expect(specs.custom_last_order_date.format).to.equal('iso_to_unix');
    // The template loader accepts them as columns of the table.
    expect(loadTemplate('basic', undefined, { extraColumns: new Map([['users', specs]]) }).tables.find((t) => t.name === 'users')!.columns.slice(-6)).to.deep.equal(Object.keys(specs));
  });
});

describe('manifests of a run', function () {
  this.timeout(120_000);
  const TOKEN = 'types-token-0123456789abcdef';
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator({ workspace: generateWorkspace({ seed: 23, users: 30, leads: 8, conversations: 20, bigConversations: 0 }), token: TOKEN });
  });
  after(() => sim.close());

  for (const template of TEMPLATES) {
    it(`${template}: every manifest declares the table's description and every column's type and description`, async () => {
      const run = await runExtractor(config(sim.url, TOKEN, { template, raw_payload: true, custom_attribute_columns: true }), undefined, undefined, { mode: 'authoritative' });
      expect(run.code, run.stderr).to.equal(0);
      // The simulated workspace follows the spec, so every value fits its declared type.
      expect(run.stdout).not.to.match(/Intercom sent .*, not an? (integer|number|boolean)/);
      const loaded = loadTemplate(template);
      for (const name of await run.tables()) {
        const m = (await run.manifest(name)) as Record<string, any>;
        const node = loaded.tables.find((t) => t.name === name)!.node;
        expect(m).to.include({ manifest_type: 'output', has_header: true, incremental: false, description: node.description });
        // The description once: output-mapping refuses it also in table_metadata."KBC.description".
        expect(m).not.to.have.any.keys('table_metadata', 'primary_key', 'columns');
        expect(m.schema.map((c: any) => c.name), `${name}: the schema names the CSV's columns, in order`).to.deep.equal(run.table(name).header);
        for (const c of m.schema) {
          expect(Object.values(BASE_TYPES), `${name}.${c.name}`).to.include(c.data_type.base.type);
          expect(c.description, `${name}.${c.name}`).to.be.a('string').and.match(ONE_LINE);
          expect(c.nullable, `${name}.${c.name}`).to.equal(!c.primary_key);
          const spec = node.columns[c.name];
          if (spec) expect([c.data_type.base.type, c.description], `${name}.${c.name}`).to.deep.equal([BASE_TYPES[spec.type], spec.description]);
        }
        expect(m.schema.filter((c: any) => c.primary_key).map((c: any) => c.name), name).to.have.members(node.primary_key);
        if (m.schema.some((c: any) => c.name === 'data')) expect(m.schema.find((c: any) => c.name === 'data').data_type.base.type).to.equal('STRING');
      }
      if (template === 'basic') {
        const users = (await run.manifest('users')) as Record<string, any>;
        const type = (col: string) => users.schema.find((c: any) => c.name === col)?.data_type.base.type;
        expect([type('id'), type('created_at'), type('anonymous'), type('custom_attributes'), type('location_data_latitude')]).to.deep.equal(['STRING', 'INTEGER', 'BOOLEAN', 'STRING', 'FLOAT']);
        expect(type('custom_last_order_date'), 'a date attribute: UNIX seconds').to.equal('INTEGER');
        const companies = (await run.manifest('companies')) as Record<string, any>;
        expect(companies.schema.find((c: any) => c.name === 'monthly_spend').data_type.base.type).to.equal('FLOAT');
      }
    });
  }
});
