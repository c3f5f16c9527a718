/**
 * The form's pickers, without a component run: what each offers is exactly what the run accepts. The run's own
 * check (applyRules, which loadTemplate runs) is asked about every column of every template, one at a time, under
 * each option a rule depends on; the picker must offer the columns it accepts and no other.
 */
import { expect } from 'chai';
import { UserError } from '../../src/errors.js';
import { parseConfig, PICKER_ACTIONS, TEMPLATES } from '../../src/keboola/config.js';
import { loadTemplate, RAW_COLUMN, type Template } from '../../src/flatten/template.js';
import { applyRules, type ColumnField } from '../../src/flatten/rules.js';
import { columnSpecs, type CustomColumns } from '../../src/engine/custom-columns.js';
import { columnChoices, tableChoices } from '../../src/actions/pickers.js';

interface Options {
  history: boolean;
  rawPayload: boolean;
}

/** Whether a run with only this column in parameters.<field> gets past the rules. */
function runAccepts(template: Template, field: ColumnField, name: string, opts: Options): boolean {
  const one = new Set([name]);
  const none = new Set<string>();
  const rules = { excludeTables: none, excludeColumns: field === 'exclude_columns' ? one : none, hashColumns: field === 'hash_columns' ? one : none, strict: true, history: opts.history };
  try {
    applyRules(template.roots.map((r) => r.node), rules, template.name, opts.rawPayload ? RAW_COLUMN : undefined);
    return true;
  } catch (e) {
    if (e instanceof UserError) return false;
    throw e;
  }
}

/** Every `table.column` of a loaded template, as its tables are written. */
const everyColumn = (t: Template) => t.tables.flatMap((table) => table.columns.map((c) => `${table.name}.${c}`));

const offered = (t: Template, field: ColumnField, opts: Options, excludeTables: string[] = []) => columnChoices(t, field, { ...opts, excludeTables: new Set(excludeTables) }).map((c) => c.value);

describe('form pickers', () => {
  describe('columns', () => {
    for (const name of TEMPLATES) {
      for (const history of [false, true]) {
        for (const rawPayload of [false, true]) {
          // Hashing with raw_payload is refused whatever the column (by the configuration and by the picker).
          const fields: ColumnField[] = rawPayload ? ['exclude_columns'] : ['exclude_columns', 'hash_columns'];
          it(`${name}, history ${history ? 'on' : 'off'}, raw_payload ${rawPayload ? 'on' : 'off'}: offers exactly the columns the run accepts`, () => {
            const t = loadTemplate(name, undefined, { rawPayload });
            for (const field of fields) {
              const accepted = everyColumn(t).filter((c) => runAccepts(t, field, c, { history, rawPayload }));
              const got = offered(t, field, { history, rawPayload });
              expect(got.length, `${field}: each once`).to.equal(new Set(got).size);
              expect([...got].sort(), field).to.deep.equal([...new Set(accepted)].sort());
              expect(got.length, `${field}: the key columns are refused`).to.be.below(new Set(everyColumn(t)).size);
            }
          });
        }
      }
    }

    it('refuses key columns, the change field that keys history, and what the raw payload keeps', () => {
      const t = loadTemplate('basic');
      const off = offered(t, 'exclude_columns', { history: false, rawPayload: false });
      expect(off).to.include.members(['users.email', 'users.updated_at', 'users_tags.type', 'companies.name']);
      expect(off.filter((c) => ['users.id', 'users_tags.id', 'users_tags.users_pk', 'notes.id'].includes(c))).to.deep.equal([]);
      expect(offered(t, 'hash_columns', { history: true, rawPayload: false })).not.to.include('users.updated_at');
      const raw = loadTemplate('basic', undefined, { rawPayload: true });
      const withRaw = offered(raw, 'exclude_columns', { history: false, rawPayload: true });
      expect(withRaw).to.include('users.email').and.not.to.include('users_tags.type');
      expect(withRaw.filter((c) => c.endsWith(`.${RAW_COLUMN}`))).to.deep.equal([]);
    });

    it('leaves out the columns of the tables parameters.exclude_tables leaves out', () => {
      const t = loadTemplate('basic');
      const got = offered(t, 'exclude_columns', { history: false, rawPayload: false }, ['notes', 'events_summary']);
      expect(got.filter((c) => c.startsWith('notes.') || c.startsWith('events_summary.'))).to.deep.equal([]);
      expect(got).to.include('users.email');
    });

    it('offers the custom attribute columns the run may name: not one whose key holds a dot', () => {
      const plain = loadTemplate('basic');
      const custom: CustomColumns = {
        users: [
          { column: 'custom_plan', key: 'plan', date: false, data_type: 'string', description: 'The plan.' },
          { column: 'custom_a_b', key: 'a.b', date: false, data_type: 'string' },
        ],
      };
      const t = loadTemplate('basic', undefined, { extraColumns: columnSpecs(plain, custom) });
      for (const field of ['exclude_columns', 'hash_columns'] as const) {
        const got = offered(t, field, { history: false, rawPayload: false });
        expect(got, field).to.include('users.custom_plan').and.not.to.include('users.custom_a_b');
        expect(runAccepts(t, field, 'users.custom_a_b', { history: false, rawPayload: false }), field).to.equal(false);
      }
      const label = columnChoices(t, 'exclude_columns', { history: false, rawPayload: false, excludeTables: new Set() }).find((c) => c.value === 'users.custom_plan')!.label;
      expect(label).to.equal('users.custom_plan: Custom attribute "plan" (string): The plan.');
    });
  });

  describe('tables', () => {
    for (const name of TEMPLATES) {
      it(`${name}: every table the run writes, each once, each one exclude_tables accepts`, () => {
        const t = loadTemplate(name);
        const choices = tableChoices(t);
        expect(choices.map((c) => c.value)).to.deep.equal(t.tables.map((table) => table.name));
        for (const { value } of choices) {
          const alone = { excludeTables: new Set([value]), excludeColumns: new Set<string>(), hashColumns: new Set<string>(), strict: true };
          // A table with tables under it is refused alone (they must go too): with them, it is accepted.
          const under = t.tables.find((table) => table.name === value)!;
          const subtree = (c: typeof under): string[] => [c.name, ...c.children.flatMap(subtree)];
          expect(() => applyRules(t.roots.map((r) => r.node), { ...alone, excludeTables: new Set(subtree(under)) }, name, undefined), value).not.to.throw();
          if (under.children.length > 0) expect(() => applyRules(t.roots.map((r) => r.node), alone, name, undefined), value).to.throw(UserError, /which hang under it/);
        }
      });
    }

    it('labels each table with what it holds on one short line, and what a table read per record costs', () => {
      const choices = tableChoices(loadTemplate('basic'));
      for (const c of choices) {
        expect(c.label.startsWith(`${c.value}`), c.label).to.equal(true);
        expect(c.label.length, c.label).to.be.at.most(120);
        expect(c.label).not.to.match(/\n/);
      }
      const label = (v: string) => choices.find((c) => c.value === v)!.label;
      expect(label('notes')).to.match(/^notes \(one request per row of users and leads\): GET \/contacts\/\{id\}\/notes/);
      expect(label('events_summary')).to.match(/^events_summary \(one request per row of users\): /);
      expect(label('users')).to.equal('users: Contacts whose role is user (GET /contacts, split by role).');
      expect(label('users_companies')).to.match(/…$/);
    });
  });

  it('reads a picker configuration without a token; every other action still needs one', () => {
    for (const action of PICKER_ACTIONS) expect(parseConfig({ parameters: { template: 'workspace' }, action }, '/data')).to.include({ action, token: '', template: 'workspace' });
    for (const action of ['run', 'testConnection']) expect(() => parseConfig({ parameters: { template: 'workspace' }, action }, '/data')).to.throw(UserError, /^No access token: set parameters\.#access_token/);
    expect(() => parseConfig({ parameters: {}, action: 'listColumns' }, '/data')).to.throw(UserError, 'Unknown action "listColumns": use one of run, testConnection, listTables, listExcludableColumns, listHashableColumns.');
  });
});
