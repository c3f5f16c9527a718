/**
 * The configuration form (component_config/configSchema.json) as Keboola's UI reads it: JSON Schema draft-04,
 * plus Keboola's `button` type for the test-connection action, and pickers whose items.enum the UI fills from a sync
 * action (options.async).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv04 from 'ajv-draft-04';
import { ACTIONS, parseConfig, TEMPLATES } from '../../src/keboola/config.js';
import { loadTemplate } from '../../src/flatten/template.js';
import { columnChoices, tableChoices, type Choice } from '../../src/actions/pickers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));

/** Keboola's renderer takes `type: "button"` for a sync-action button: the only extension of draft-04 the form uses. */
function withoutButtons(schema: any): any {
  const copy = structuredClone(schema);
  for (const [key, prop] of Object.entries<any>(copy.properties)) if (prop.type === 'button') delete copy.properties[key];
  return copy;
}

/** The form's fields filled by a sync action (options.async): pickers and the test-connection button. */
function asyncFields(schema: any): Array<[string, any]> {
  return Object.entries<any>(schema.properties).filter(([, p]) => p.options?.async !== undefined);
}

/**
 * The form as the UI shows it once each picker's sync action has answered: its items.enum holds the answer's values
 * (an empty enum, as Keboola's documentation writes a picker, is not valid draft-04 on its own).
 */
function rendered(schema: any, answers: Record<string, Choice[]>): any {
  const copy = withoutButtons(schema);
  for (const [key, prop] of asyncFields(copy)) {
    prop.items.enum = answers[prop.options.async.action].map((c) => c.value);
    expect(prop.items.enum, key).not.to.deep.equal([]);
  }
  return copy;
}

/** What the pickers answer for a template, with no custom attribute columns and the options off (what a UI loads first). */
function answersFor(template: string): Record<string, Choice[]> {
  const t = loadTemplate(template);
  const off = { history: false, rawPayload: false, excludeTables: new Set<string>() };
  return { listTables: tableChoices(t), listExcludableColumns: columnChoices(t, 'exclude_columns', off), listHashableColumns: columnChoices(t, 'hash_columns', off) };
}

/**
 * The `format`s Keboola's form renderer knows: widgets (a masked input, a checkbox, a select, a table picker, a
 * sync-action button), not formats a value must match. ajv is told to accept any value under them; one it did not
 * know it would ignore, with a warning on stderr.
 */
const UI_FORMATS = ['password', 'checkbox', 'select', 'table', 'sync-action'];

/** Every `format` named anywhere in a schema. */
function formatsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(formatsIn);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([k, v]) => (k === 'format' && typeof v === 'string' ? [v] : formatsIn(v)));
}

describe('configuration form', () => {
  const schema = read('component_config/configSchema.json');
  const ajv = new (Ajv04 as any)({ strict: false, allErrors: true });
  for (const format of UI_FORMATS) ajv.addFormat(format, true);
  let validate: any;
  before(() => {
    validate = ajv.compile(rendered(schema, answersFor('basic')));
  });

  it('is a valid draft-04 schema once its pickers are filled, with buttons the only non-standard type', () => {
    expect(schema.$schema).to.equal('http://json-schema.org/draft-04/schema#');
    for (const template of TEMPLATES) expect(ajv.validateSchema(rendered(schema, answersFor(template))), `${template}: ${JSON.stringify(ajv.errors)}`).to.equal(true);
    const types = Object.values<any>(schema.properties).map((p) => p.type);
    expect(types.filter((t) => !['string', 'integer', 'number', 'boolean', 'array', 'object'].includes(t))).to.deep.equal(['button']);
  });

  it("uses only the formats of Keboola's form renderer", () => {
    expect([...new Set(formatsIn(schema))].filter((f) => !UI_FORMATS.includes(f))).to.deep.equal([]);
  });

  it('accepts the sample configuration and one authorized through OAuth, which has no token parameter', () => {
    expect(validate(read('component_config/sample-config/config.json').parameters), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ template: 'conversations', region: 'eu' }), JSON.stringify(validate.errors)).to.equal(true);
  });

  it('rejects what the component rejects: a time budget of 0, an unknown template, too much concurrency', () => {
    expect(validate({ template: 'basic', max_run_minutes: 0 })).to.equal(false);
    expect(validate({ template: 'all' })).to.equal(false);
    expect(validate({ template: 'basic', max_concurrency: 1001 })).to.equal(false);
    expect(validate({ template: 'basic', rate_limit_share: 101 })).to.equal(false);
    expect(validate({ template: 'basic', rate_limit_share: 50 })).to.equal(true);
    expect(validate({ template: 'basic', max_run_minutes: 0.5 })).to.equal(true);
  });

  it('orders every field once (propertyOrder unique), the connection first, the knobs for experts last', () => {
    const orders = Object.entries<any>(schema.properties).map(([k, p]) => [k, p.propertyOrder] as const);
    const seen = new Map<number, string>();
    for (const [k, o] of orders) {
      expect(o, `${k} has a propertyOrder`).to.be.a('number');
      expect(seen.get(o), `${k} and ${seen.get(o)} share propertyOrder ${o}`).to.equal(undefined);
      seen.set(o, k);
    }
    const byOrder = [...seen].sort((a, b) => a[0] - b[0]).map(([, k]) => k);
    expect(byOrder.slice(0, 3)).to.deep.equal(['#access_token', 'region', 'template']);
    expect(byOrder.indexOf('incremental')).to.be.below(byOrder.indexOf('full_refresh_days'));
    expect(byOrder.at(-1)).to.equal('test_connection');
  });

  it('shows the options of incremental runs only when incremental is on', () => {
    // Keboola's generic form is json-editor (keboola/developers-docs extend/component/ui-options/ui-examples/
    // configuration-schema-examples.md points to its "dependencies"): options.dependencies shows a field only while
    // the fields it names hold those values.
    for (const k of ['full_refresh_days', 'resync', 'max_run_minutes', 'deletes']) expect(schema.properties[k].options?.dependencies, k).to.deep.equal({ incremental: true });
    for (const k of ['template', 'region', 'history']) expect(schema.properties[k].options?.dependencies, k).to.equal(undefined);
  });

  it('names the parameter a misspelled key most likely meant, also in the error it causes', () => {
    let message = '';
    try {
      parseConfig({ parameters: { '#acess_token': 'tok-123456' } }, '/data');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.equal('No access token: set parameters.#access_token or authorize the configuration with Intercom (OAuth). Note: parameters.#acess_token is not a parameter of this component and is ignored: did you mean #access_token?');
  });

  it('says so of every misspelled key', () => {
    const cfg = parseConfig({ parameters: { '#access_token': 'tok-123456', templat: 'basic', incremantal: true, max_concurency: 4, something_else: 1 } }, '/data');
    expect(cfg.warnings).to.deep.equal([
      'parameters.templat is not a parameter of this component and is ignored: did you mean template?',
      'parameters.incremantal is not a parameter of this component and is ignored: did you mean incremental?',
      'parameters.max_concurency is not a parameter of this component and is ignored: did you mean max_concurrency?',
      'parameters.something_else is not a parameter of this component and is ignored.',
    ]);
    expect(parseConfig({ parameters: { '#access_token': 'tok-123456', template: 'basic', region: 'eu' } }, '/data').warnings).to.deep.equal([]);
  });
  it('has a picker for the tables and columns to leave out and hash, each filled by a sync action as Keboola documents it', () => {
    // keboola/developers-docs extend/component/ui-options/ui-examples/sync-action-examples.md: a dynamically loaded
    // multi-select; autoload re-runs the action when a watched field changes.
    const pickers = Object.fromEntries(asyncFields(schema).filter(([, p]) => p.type === 'array'));
    expect(Object.keys(pickers).sort()).to.deep.equal(['exclude_columns', 'exclude_tables', 'hash_columns']);
    for (const [key, p] of Object.entries<any>(pickers)) {
      expect({ format: p.format, uniqueItems: p.uniqueItems, items: p.items }, key).to.deep.equal({ format: 'select', uniqueItems: true, items: { type: 'string', enum: [] } });
      expect(p.options.async.label, key).to.be.a('string');
      expect(p.options.async.autoload, key).to.include('parameters.template');
    }
    // The columns a rule may name depend on these too: a change of any reloads the list.
    for (const key of ['exclude_columns', 'hash_columns']) expect(pickers[key].options.async.autoload, key).to.include.members(['parameters.custom_attribute_columns', 'parameters.exclude_tables', 'parameters.history', 'parameters.raw_payload']);
  });

  it('names only actions the component handles, each listed in component_config/actions.json, and every such action is on the form', () => {
    const listed = read('component_config/actions.json').actions as Array<{ name: string; field: string }>;
    const onForm = asyncFields(schema).map(([key, p]) => ({ name: p.options.async.action, field: key }));
    const handled = ACTIONS.filter((a) => a !== 'run');
    expect(onForm.map((a) => a.name).sort()).to.deep.equal([...handled].sort());
    expect(listed.map((a) => ({ name: a.name, field: a.field })).sort((a, b) => a.name.localeCompare(b.name))).to.deep.equal(onForm.sort((a, b) => a.name.localeCompare(b.name)));
  });

  it("accepts what the pickers offer and nothing else, as the UI validates a picker's choice", () => {
    expect(validate({ template: 'basic', exclude_tables: ['notes'], exclude_columns: ['users.phone'], hash_columns: ['users.email'] }), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ template: 'basic', exclude_tables: ['tickets'] }), 'a table of another template').to.equal(false);
    expect(validate({ template: 'basic', exclude_columns: ['users.id'] }), 'a key column').to.equal(false);
    expect(validate({ template: 'basic', hash_columns: ['users_pk'] }), 'not table.column').to.equal(false);
  });
});
