/**
 * Every template in every data-type mode (KBC_DATA_TYPE_SUPPORT authoritative, hints, none, and unset), through
 * the options that change what a manifest says: sliced tables, history, flagged deletes, raw payload, custom
 * attribute columns, a full load that replaces and an incremental one that merges with delete_where. The run helper
 * checks every manifest against the platform's rules (tests/helpers/platform.ts); here each mode must also write the
 * form that mode reads, and a platform-like load of both runs must hold every key once.
 */
import { expect } from 'chai';
import { deleteContact, deleteConversation, generateWorkspace, startSimulator, updateContact, type Simulator, type Workspace } from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES } from '../helpers/run.js';
import { Storage } from '../helpers/storage.js';
import { MANIFEST_MODES } from '../../src/keboola/manifest.js';
import { API_VERSIONS, TEMPLATES } from '../../src/keboola/config.js';

const TOKEN = 'platform-token-0123456789';
const DAY = 86_400;

describe('manifests the platform loads, in every data-type mode', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let sim: Simulator;
  beforeEach(async () => {
    ws = generateWorkspace({ seed: 97, users: 20, leads: 6, conversations: 12, bigConversations: 0 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
  });
  afterEach(() => sim.close());

  for (const template of TEMPLATES) {
    it(`${template}: a sliced full load and a merging incremental one, with history, flags, raw payload and custom columns, in each mode (on each API version in turn)`, async () => {
      const params = { template, incremental: true, history: true, deletes: 'flag', raw_payload: true, custom_attribute_columns: true, skip_contact_details: ['notes', 'events_summary', 'segments'] };
      // Small slices, so the bigger tables are written as headerless slices.
      const overrides = { ...TEST_OVERRIDES, extract: { ...TEST_OVERRIDES.extract, sliceBytes: 4_000 } };
      for (const [i, mode] of MANIFEST_MODES.entries()) {
        // Each mode on another API version in turn, so every version meets these options too.
        const versioned = { ...params, api_version: API_VERSIONS[(i + TEMPLATES.indexOf(template)) % API_VERSIONS.length] };
        const storage = new Storage();
        const first = await runExtractor(config(sim.url, TOKEN, versioned), overrides, undefined, { mode });
        expect(first.code, first.stderr).to.equal(0);
        for (const name of await first.tables()) {
          const m = await first.manifest(name);
          expect(Object.keys(m), `${mode} ${name}`).to.include.members(mode === 'authoritative' || mode === 'hints' ? ['schema'] : ['columns', 'primary_key']);
          expect(m, `${mode} ${name}`).not.to.have.any.keys(mode === 'authoritative' || mode === 'hints' ? ['columns', 'primary_key', 'table_metadata'] : ['schema', 'table_metadata']);
        }
        expect((await first.outFiles()).some((f) => f.endsWith('part-00000.csv.gz')), `${mode}: some table is sliced`).to.equal(true);
        await storage.load(first);

        const mark = ws.now;
        const user = ws.contacts.find((c) => c.role === 'user')!;
        updateContact(ws, user.id, { name: `Renamed in ${mode}` }, mark + DAY);
        const gone = ws.contacts.filter((c) => c.id !== user.id)[0];
        deleteContact(ws, gone.id, mark + DAY);
        const conversation = ws.conversations[0];
        if (conversation) deleteConversation(ws, conversation.id, mark + DAY);
        ws.now = mark + DAY + 600;
        const second = await runExtractor(config(sim.url, TOKEN, versioned), overrides, await first.state(), { mode });
        expect(second.code, second.stderr).to.equal(0);
        const merged = [];
        for (const name of await second.tables()) if ((await second.manifest(name)).incremental === true) merged.push(name);
        expect(merged.length, `${mode}: some tables merge`).to.be.above(0);
        await storage.load(second);
      }
    });
  }

  it('takes the mode from storage.output.data_type_support where the configuration overrides the component\'s', async () => {
    const run = await runExtractor({ ...config(sim.url, TOKEN, { template: 'conversations' }), storage: { output: { data_type_support: 'none' } } }, TEST_OVERRIDES, undefined, { mode: 'authoritative' });
    expect(run.code, run.stderr).to.equal(0);
    expect(await run.manifest('conversations')).to.have.property('columns');
    expect(await run.manifest('conversations')).not.to.have.property('schema');
  });
});
