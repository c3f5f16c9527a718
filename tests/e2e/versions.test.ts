/**
 * Every template on every API version the component accepts (src/keboola/config.ts API_VERSIONS), against a
 * simulator that answers each version as its spec says: 2.16 refuses GET /data_attributes?model=conversation with
 * a 422 and lists conversation attributes at GET /conversations/attributes in another shape, renders unassigned
 * ids as 0, drops an article's parent_id, and so on. The same workspace must give the same rows on each version,
 * but for what a version does not serve.
 */
import { expect } from 'chai';
import { generateWorkspace, startSimulator, updateContact, type Simulator, type Workspace } from '../simulator/index.js';
import { config, runExtractor, TEST_OVERRIDES, type RunResult } from '../helpers/run.js';
import { primaryKeyOf, Storage } from '../helpers/storage.js';
import { API_VERSIONS, TEMPLATES } from '../../src/keboola/config.js';
import { loadTemplate, type CompiledTable } from '../../src/flatten/template.js';
import { readers, versionAtLeast } from '../../src/resources/index.js';

/** The tables (with every table under them) whose lists all come from a later version than the first accepted: by table, that version. */
function gatedTables(template: string): Map<string, string> {
  const gated = new Map<string, string>();
  const under = (t: CompiledTable, from: string) => (gated.set(t.name, from), t.children.forEach((c) => under(c, from)));
  for (const root of loadTemplate(template).roots) {
    const from = root.node.from;
    const versions = from.kind === 'list' ? [from.list].flat().map((l) => readers[l].from_version) : [];
    if (versions.length > 0 && versions.every((v) => v !== undefined)) under(root, versions[0]!);
  }
  return gated;
}

const TOKEN = 'versions-token-0123456789';
const DAY = 86_400;

async function keysOf(run: RunResult): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const t of await run.tables()) {
    const key = primaryKeyOf(await run.manifest(t));
    out.set(t, run.table(t).rows.map((r) => key.map((k) => r[k]).join('|')).sort());
  }
  return out;
}

describe('every template on every accepted API version', function () {
  this.timeout(180_000);
  let ws: Workspace;
  let sim: Simulator;
  before(async () => {
    ws = generateWorkspace({ seed: 31, users: 25, leads: 8, conversations: 15, bigConversations: 1 });
    sim = await startSimulator({ workspace: ws, token: TOKEN });
  });
  after(() => sim.close());

  for (const template of TEMPLATES) {
    it(`${template}: a full run and an incremental one succeed on ${API_VERSIONS.join(', ')}, with the same rows, custom attribute columns included`, async () => {
      const params = { template, custom_attribute_columns: true, raw_payload: true, incremental: true };
      const byVersion = new Map<string, Map<string, string[]>>();
      const runs = new Map<string, RunResult>();
      for (const version of API_VERSIONS) {
        const run = await runExtractor(config(sim.url, TOKEN, { ...params, api_version: version }));
        expect(run.code, `${version}: ${run.stderr}`).to.equal(0);
        expect(run.stderr).to.equal('');
        expect(run.stdout).to.include(`API ${version}`);
        byVersion.set(version, await keysOf(run));
        runs.set(version, run);
        if (template === 'conversations' || template === 'workspace') {
          const header = run.table('conversations').header;
          expect(header.filter((h) => h.startsWith('custom_') && h !== 'custom_attributes').length, `${version}: conversations' custom columns`).to.be.above(2);
          for (const r of run.table('conversations').rows) {
            const attrs = JSON.parse(r.custom_attributes || '{}') as Record<string, unknown>;
            if (typeof attrs.issue_type === 'string') expect(r.custom_issue_type, version).to.equal(attrs.issue_type);
          }
        }
        if (template === 'workspace') {
          const conversationAttributes = run.table('data_attributes').rows.filter((r) => r.model === 'conversation' && r.custom === 'true');
          expect(conversationAttributes.length, `${version}: data_attributes keeps the conversation model`).to.be.above(2);
          // From 2.16 their own list has no full_name: it is their name (2.14's full_name is custom_attributes.<name>).
          for (const r of conversationAttributes) expect(r.full_name, version).to.equal(version === '2.16' ? r.name : `custom_attributes.${r.name}`);
          if (version === '2.16') expect(conversationAttributes.some((r) => r.data_type === 'list' && JSON.parse(r.options)[0].label), 'a list attribute with its options').to.equal(true);
        }
      }
      // Then an incremental run on each version after a change, from that version's full run.
      for (const version of API_VERSIONS) {
        const user = ws.contacts.find((c) => c.role === 'user')!;
        updateContact(ws, user.id, { name: `Renamed on ${version}` }, ws.now + DAY);
        ws.now += DAY + 60;
        const run = runs.get(version)!;
        const next = await runExtractor(config(sim.url, TOKEN, { ...params, api_version: version }), TEST_OVERRIDES, await run.state());
        expect(next.code, `${version}: ${next.stderr}`).to.equal(0);
        if (template !== 'conversations') expect(next.table(template === 'workspace' ? 'contacts' : 'users').rows.find((r) => r.id === user.id)?.name, version).to.equal(`Renamed on ${version}`);
        const storage = new Storage();
        await storage.load(run);
        await storage.load(next);
      }
      const base = byVersion.get(API_VERSIONS[0])!;
      // Tables of lists a later version added are written empty before it, and hold rows from it on.
      const gated = gatedTables(template);
      for (const [table, from] of gated) {
        for (const version of API_VERSIONS) {
          const n = byVersion.get(version)!.get(table)!.length;
          if (versionAtLeast(version, from)) expect(n, `${version} ${table}: served from ${from}`).to.be.greaterThan(0);
          else expect(n, `${version} ${table}: not served before ${from}`).to.equal(0);
        }
      }
      for (const version of API_VERSIONS.slice(1)) {
        const keys = byVersion.get(version)!;
        expect([...keys.keys()], version).to.deep.equal([...base.keys()]);
        for (const [table, rows] of base) {
          if (gated.has(table)) continue;
          // 2.16 lists conversation attributes without the standard ones (name, email, created_at) GET /data_attributes had.
          if (table === 'data_attributes') {
            // The same custom attributes, named by full_name as each version has it (see above).
            const named = (k: string) => (version === '2.16' && k.startsWith('conversation|') ? k.replace('conversation|', 'conversation|custom_attributes.') : k);
            const custom = (list: string[]) => list.filter((k) => !k.startsWith('conversation|') || k.startsWith('conversation|custom_attributes.')).sort();
            expect(custom(keys.get(table)!.map(named)), `${version} ${table}`).to.deep.equal(custom(rows));
            continue;
          }
          expect(keys.get(table), `${version} ${table}`).to.deep.equal(rows);
        }
      }
    });
  }

  it('asks 2.16 for conversation attributes at GET /conversations/attributes, never at the endpoint that refuses them', async () => {
    sim.resetStats();
    const run = await runExtractor(config(sim.url, TOKEN, { template: 'workspace', api_version: '2.16', skip_contact_details: ['notes', 'segments', 'events_summary', 'conversation_parts', 'ticket_parts'] }));
    expect(run.code, run.stderr).to.equal(0);
    expect(sim.stats.byRoute['GET /conversations/attributes']).to.equal(1);
    expect(sim.stats.byRoute['GET /data_attributes'], 'contact and company only').to.equal(2);
  });
});
