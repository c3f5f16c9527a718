/**
 * Data blocking and column hashing (parameters.exclude_tables, exclude_columns, hash_columns, #hash_salt): what
 * is left out is nowhere in the output, what is hashed is the SHA-256/HMAC of the truth, and no request is made
 * for a table left out.
 */
import { expect } from 'chai';
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { generateWorkspace, startSimulator, type Simulator, type Workspace } from '../simulator/index.js';
import { TEMPLATE_TABLES } from '../contract.js';
import { config, runExtractor, type RunResult } from '../helpers/run.js';
import { manifestColumns, type Manifest } from '../../src/keboola/manifest.js';

const TOKEN = 'rules-token-0123456789abcdef';
const SALT = 'pepper-0f9e8d7c6b5a';

/** Everything the run wrote under out/, and what it printed. */
async function everything(run: RunResult): Promise<string> {
  const files = await run.outFiles();
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  return [...texts, run.stdout, run.stderr].join('\n');
}

const sha256 = (v: string) => createHash('sha256').update(v, 'utf8').digest('hex');
const hmac = (v: string) => createHmac('sha256', SALT).update(v, 'utf8').digest('hex');

describe('leaving out and hashing', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let sim: Simulator;
  before(async () => {
    ws = generateWorkspace({ seed: 31, users: 60, leads: 20, conversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
  });
  after(() => sim.close());

  it('a skipped detail the template does not read per record is named in a warning, with what it can skip', async () => {
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'conversations', skip_contact_details: ['notes', 'segments'] }));
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/WARNING: parameters\.skip_contact_details has "notes", "segments", which template conversations does not read per record: they change nothing\./);
    const used = await runExtractor(config(sim.url, TOKEN, { template: 'basic', skip_contact_details: ['notes'] }));
    expect(used.code, used.stderr).to.equal(0);
    expect(used.stdout, 'a skip that applies is not warned about').not.to.match(/skip_contact_details has/);
  });

  it('a table left out is not written and its requests are not made; the run says what it saved', async () => {
    sim.resetStats();
    const normal = await runExtractor(config(sim.url, TOKEN, { template: 'basic' }));
    expect(normal.code, normal.stderr).to.equal(0);
    const notesAsked = sim.stats.byRoute['GET /contacts/:id/notes'];
    expect(notesAsked).to.be.above(10);
    sim.resetStats();
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', exclude_tables: ['notes'] }));
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    expect(await run.tables()).to.deep.equal(TEMPLATE_TABLES.basic.filter((t) => t !== 'notes').sort());
    expect(sim.stats.byRoute['GET /contacts/:id/notes'] ?? 0).to.equal(0);
    expect(run.stdout).to.match(new RegExp(`notes ${notesAsked} \\(its table left out by parameters\\.exclude_tables\\)`));
    expect(run.table('users').rows.length).to.equal(ws.contacts.filter((c) => c.role === 'user').length);
  });

  it('a column left out is absent from the CSV, the manifest and the data column, and its values appear nowhere', async () => {
    const phones = ws.contacts.map((c) => c.phone).filter((p): p is string => typeof p === 'string' && p.length > 5);
    expect(phones.length, 'the workspace has phones to leave out').to.be.above(5);
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', exclude_columns: ['users.phone', 'leads.phone'], raw_payload: true }));
    expect(run.code, run.stderr).to.equal(0);
    for (const t of ['users', 'leads']) {
      expect(run.table(t).header).not.to.include('phone');
      expect(manifestColumns((await run.manifest(t)) as unknown as Manifest)).not.to.include('phone');
      expect(run.table(t).header).to.include('data');
      for (const r of run.table(t).rows) expect(JSON.parse(r.data)).not.to.have.property('phone');
    }
    const all = await everything(run);
    for (const p of phones) expect(all.includes(p), `phone ${p} left out`).to.equal(false);
    // The rest of the record is still in data.
    expect(JSON.parse(run.table('users').rows[0].data)).to.have.property('email');
  });

  it('hashed columns hold the HMAC-SHA256 (with a salt) or SHA-256 of the truth; the clear values and the salt appear nowhere', async () => {
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', hash_columns: ['users.email', 'leads.email', 'users.name'], '#hash_salt': SALT }), undefined, undefined, { mode: 'authoritative' });
    expect(run.code, run.stderr).to.equal(0);
    const byId = new Map(ws.contacts.map((c) => [c.id, c]));
    let compared = 0;
    for (const t of ['users', 'leads']) {
      for (const r of run.table(t).rows) {
        const email = byId.get(r.id)!.email;
        expect(r.email).to.equal(email ? hmac(email) : '');
        if (email) compared++;
      }
      const manifest = (await run.manifest(t)) as { schema: Array<{ name: string; data_type: { base: { type: string } }; description: string }> };
      const col = manifest.schema.find((c) => c.name === 'email')!;
      expect(col.data_type.base.type).to.equal('STRING');
      expect(col.description).to.match(/HMAC-SHA256/);
    }
    expect(compared).to.be.above(10);
    const all = await everything(run);
    for (const c of ws.contacts) if (c.email) expect(all.includes(c.email), `email ${c.email} hashed`).to.equal(false);
    for (const c of ws.contacts.filter((x) => x.role === 'user')) if (c.name && c.name.length > 3) expect(run.table('users').rows.some((r) => r.name === c.name)).to.equal(false);
    expect(all.includes(SALT), 'the salt is a secret').to.equal(false);
    expect(run.stdout).to.match(/hashed with HMAC-SHA256/);

    const plain = await runExtractor(config(sim.url, TOKEN, { template: 'basic', hash_columns: ['users.email'] }));
    expect(plain.code, plain.stderr).to.equal(0);
    const u = plain.table('users').rows.find((r) => byId.get(r.id)!.email)!;
    expect(u.email).to.equal(sha256(byId.get(u.id)!.email!));
    // Equal values hash alike from run to run: joins on hashed columns keep working.
    const again = await runExtractor(config(sim.url, TOKEN, { template: 'basic', hash_columns: ['users.email'] }));
    expect(again.table('users').rows.find((r) => r.id === u.id)!.email).to.equal(u.email);
  });

  it('a hashed or left-out custom attribute is also cut out of the custom_attributes JSON', async () => {
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', custom_attribute_columns: true, hash_columns: ['users.custom_Alpha_Code'], exclude_columns: ['users.custom_plan'] }));
    expect(run.code, run.stderr).to.equal(0);
    const users = run.table('users');
    expect(users.header).to.include('custom_Alpha_Code');
    expect(users.header).not.to.include('custom_plan');
    const clear = ws.contacts.flatMap((c) => (c.role === 'user' ? [c.custom_attributes?.['Alpha Code'], c.custom_attributes?.plan] : [])).filter((v): v is string => typeof v === 'string' && v !== '');
    expect(clear.length).to.be.above(5);
    for (const r of users.rows) {
      const attrs = r.custom_attributes ? JSON.parse(r.custom_attributes) : {};
      expect(attrs).not.to.have.property('Alpha Code');
      expect(attrs).not.to.have.property('plan');
      expect(r.custom_Alpha_Code === '' || /^[0-9a-f]{64}$/.test(r.custom_Alpha_Code)).to.equal(true);
    }
    const text = users.rows.map((r) => JSON.stringify(r)).join('\n');
    for (const v of clear) expect(text.includes(JSON.stringify(v).slice(1, -1)), `${v} is in no users cell`).to.equal(false);
  });

  it('a left-out column read from inside a list is cut out of data too', async () => {
    const convs = generateWorkspace({ seed: 32, users: 10, leads: 2, conversations: 12 });
    const s2 = await startSimulator({ workspace: convs, token: TOKEN });
    try {
      const run = await runExtractor(config(s2.url, TOKEN, { template: 'conversations', raw_payload: true, exclude_columns: ['conversations.user_id'] }));
      expect(run.code, run.stderr).to.equal(0);
      expect(run.table('conversations').header).not.to.include('user_id');
      for (const r of run.table('conversations').rows) {
        const first = JSON.parse(r.data).contacts?.contacts?.[0];
        if (first) expect(first).not.to.have.property('id');
      }
    } finally {
      await s2.close();
    }
  });

  it('a hashed column\'s value does not reach the log when it does not fit the column\'s type', async () => {
    const { compileRow } = await import('../../src/flatten/mapping.js');
    const { resetWarnings } = await import('../../src/log.js');
    const { hasher } = await import('../../src/flatten/rules.js');
    resetWarnings();
    const row = compileRow('t', { n: { path: 'n', type: 'integer', description: 'A number.' } }, { columns: new Set(['n']), hash: hasher(undefined) });
    const out = process.stdout.write.bind(process.stdout);
    let printed = '';
    process.stdout.write = ((chunk: string | Uint8Array) => ((printed += String(chunk)), true)) as typeof process.stdout.write;
    try {
      expect(row({ n: 'SECRET-CLEAR-VALUE' }, {})).to.deep.equal(['']);
      expect(row({ n: 42 }, {})).to.deep.equal([sha256('42')]);
    } finally {
      process.stdout.write = out;
    }
    expect(printed).to.match(/t\.n: Intercom sent a value, not an integer; written empty\./);
    expect(printed).not.to.include('SECRET-CLEAR-VALUE');
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown table', { exclude_tables: ['tickets'] }, /parameters\.exclude_tables names tickets, which template basic does not write/],
    ['an unknown column', { exclude_columns: ['users.fax'] }, /parameters\.exclude_columns names users\.fax, but table users has no column fax/],
    ['a column of an unknown table', { hash_columns: ['people.email'] }, /parameters\.hash_columns names people\.email, but template basic has no table people/],
    ['a primary-key column', { exclude_columns: ['users.id'] }, /users\.id, a key column/],
    ['a link to the parent', { exclude_columns: ['users_tags.users_pk'] }, /users_tags\.users_pk, a key column/],
    ['the field history keys versions by', { history: true, hash_columns: ['users.updated_at'] }, /users\.updated_at, which keys the versions of users_history/],
    ['a child column inside data', { raw_payload: true, exclude_columns: ['users_tags.type'] }, /users_tags\.type, whose values parameters\.raw_payload would keep in users\.data/],
    ['a table whose children stay', { exclude_tables: ['users'] }, /leaves out users, but not users_tags, .*which hang under it/],
    ['hashing with raw_payload', { hash_columns: ['users.email'], raw_payload: true }, /hash_columns cannot be used with parameters\.raw_payload/],
    ['not a list', { exclude_tables: 'notes' }, /parameters\.exclude_tables must be a list/],
    ['not table.column', { hash_columns: ['email'] }, /parameters\.hash_columns holds "email"/],
  ];
  for (const [what, params, message] of bad) {
    it(`exits 1 with one line naming the field for ${what}`, async () => {
      const run = await runExtractor(config(sim.url, TOKEN, { template: 'basic', ...params }));
      expect(run.code).to.equal(1);
      expect(run.stderr.trim().split('\n').filter((l) => !/nodedir/.test(l))).to.have.length(1);
      expect(run.stderr).to.match(message);
    });
  }
});
