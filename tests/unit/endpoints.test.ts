/**
 * What testConnection asks, decided without a request: the endpoints of a configuration (src/engine/endpoints.ts)
 * follow its options as the run does; every reader has a scope or is declared to have none documented
 * (src/resources/access.ts); the smallest request of each reader (src/resources/probe.ts); the lines of a refusal
 * (src/actions/refusals.ts); and the region /me names (src/hosts.ts).
 */
import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readConfig, REGIONS } from '../../src/keboola/config.js';
import { baseTemplate } from '../../src/engine/setup.js';
import { endpointsOf, type Endpoint } from '../../src/engine/endpoints.js';
import { readers, type ReaderContext } from '../../src/resources/index.js';
import { NO_DOCUMENTED_SCOPE, SCOPES } from '../../src/resources/access.js';
import { probeRequest } from '../../src/resources/probe.js';
import { refusalLines } from '../../src/actions/refusals.js';
import { AccessError, type IntercomClient } from '../../src/intercom/client.js';
import { hostOf, regionNamed, unreachableHint } from '../../src/hosts.js';
import { systemClock } from '../../src/util/clock.js';

async function plan(parameters: Record<string, unknown>): Promise<{ endpoints: Endpoint[]; template: ReturnType<typeof baseTemplate> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'intercom-endpoints-'));
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ parameters: { '#access_token': 'unit-token-1234', ...parameters } }));
  const cfg = await readConfig(dir, {});
  const template = baseTemplate(cfg, Date.now());
  return { endpoints: endpointsOf(template, cfg), template };
}

const named = (es: Endpoint[]) => es.map((e) => `${e.reader}${e.search ? ' (search)' : ''}${e.parent ? ` of ${e.parent}` : ''}${e.when ? ` [${e.when}]` : ''}`).sort();
const find = (es: Endpoint[], reader: string, search = false) => es.find((e) => e.reader === reader && (e.search ?? false) === search);

describe('endpoints a configuration reads', () => {
  it('basic: its lists, the contacts search of the catch-up, the per-record readers, the other ways, each table it feeds', async () => {
    const { endpoints } = await plan({ template: 'basic' });
    expect(named(endpoints)).to.deep.equal([
      'admins', 'companies', 'contact_companies of contacts [capped]', 'contact_events_summary of contacts', 'contact_notes of contacts',
      'contact_segments of contacts [cheaper]', 'contact_tags of contacts [capped]', 'contacts', 'contacts (search)', 'segment_contacts of segments [cheaper]',
      'segments', 'tags', 'teams',
    ]);
    expect(find(endpoints, 'contacts')!.tables).to.include.members(['users', 'users_tags', 'events_summary', 'leads', 'leads_segments', 'notes']);
    // The segments list feeds its own table, and the members way to users_segments and leads_segments.
    expect(find(endpoints, 'segments')).to.deep.equal({ reader: 'segments', tables: ['users_segments', 'leads_segments', 'segments'] });
  });

  it('follows skip_contact_details, exclude_tables, include_details, custom_attribute_columns and the API version', async () => {
    const skipped = (await plan({ template: 'basic', skip_contact_details: ['notes', 'events_summary'], exclude_tables: ['users_tags', 'leads_tags'] })).endpoints;
    expect(skipped.map((e) => e.reader)).to.not.include.members(['contact_notes', 'contact_events_summary', 'contact_tags']);
    const custom = (await plan({ template: 'basic', custom_attribute_columns: true })).endpoints;
    expect(find(custom, 'contact_attributes')).to.deep.equal({ reader: 'contact_attributes', tables: ['users', 'leads'] });
    expect(find(custom, 'company_attributes')).to.deep.equal({ reader: 'company_attributes', tables: ['companies'] });
    const included = ['company_notes', 'contact_merge_history', 'contact_subscriptions'];
    const v14 = (await plan({ template: 'workspace', include_details: included })).endpoints;
    expect(v14.map((e) => e.reader), 'served from 2.16 only').to.not.include.members(['company_notes', 'contact_merge_history', 'macros', 'brands']);
    expect(v14.map((e) => e.reader)).to.include('contact_subscriptions');
    const v16 = (await plan({ template: 'workspace', include_details: included, api_version: '2.16' })).endpoints;
    expect(v16.map((e) => e.reader)).to.include.members(['company_notes', 'contact_merge_history', 'macros', 'brands']);
    // 2.16 lists conversation attributes elsewhere: the reader is the same, its request is not (probeRequest).
    expect(v16.map((e) => e.reader)).to.include('conversation_attributes');
    const parts = (await plan({ template: 'workspace', skip_contact_details: ['conversation_parts'] })).endpoints;
    expect(parts.map((e) => e.reader), 'the expander a skipped detail makes unnecessary').to.not.include('conversation');
  });

  it('the lists only relation rows name, and what only incremental runs ask', async () => {
    const full = (await plan({ template: 'conversations' })).endpoints;
    expect(find(full, 'tags'), 'read only for the ids: the run goes on without it').to.deep.equal({ reader: 'tags', tables: ['conversations_tags'], optional: true });
    expect(named(full), 'newest first: its catch-up reads the list again, not the search').to.not.include('conversations (search)');
    const incremental = (await plan({ template: 'conversations', incremental: true, api_version: '2.16' })).endpoints;
    expect(named(incremental)).to.include.members(['conversations (search) [incremental]', 'deleted_conversations [incremental]', 'tag of tags [incremental]']);
    // 2.16 lists the deleted conversations: no census and no check of each missing one, unless deletes are flagged.
    expect(named(incremental)).to.not.include('conversation_exists of conversations [incremental]');
    expect(named((await plan({ template: 'conversations', incremental: true })).endpoints)).to.include('conversation_exists of conversations [incremental]');
  });

  it('every reader has the scope Intercom documents for its family, or is declared to have none', () => {
    const undecided = Object.keys(readers).filter((r) => !(r in SCOPES) && !NO_DOCUMENTED_SCOPE.includes(r));
    expect(undecided).to.deep.equal([]);
    expect(Object.keys(SCOPES).filter((r) => !(r in readers) || NO_DOCUMENTED_SCOPE.includes(r)), 'no stale or double entries').to.deep.equal([]);
  });
});

describe('the smallest request of a reader', () => {
  const ctx = { client: { clock: systemClock } as unknown as IntercomClient, apiVersion: '2.14', scroll: { busyRetryMs: 1, busyMaxWaitMs: 1, stallMs: 1 }, windowDays: { activity_logs_days: 7 } } satisfies ReaderContext;

  it('one record of a paged list, a list with no paging as it is, a search with pagination.per_page 1', () => {
    expect(probeRequest(ctx, 'contacts', false)).to.include({ method: 'GET', path: '/contacts', route: 'GET /contacts' }).and.to.have.deep.property('query', { per_page: 1 });
    expect(probeRequest(ctx, 'segments', false).query, 'no per_page to lower').to.deep.equal({ include_count: true });
    const search = probeRequest(ctx, 'contacts', true);
    expect(search).to.include({ method: 'POST', path: '/contacts/search' });
    expect(search.body).to.have.deep.property('pagination', { per_page: 1 });
    expect(probeRequest(ctx, 'tickets', false).body).to.have.deep.property('pagination', { per_page: 1 });
  });

  it('never opens the companies scroll: GET /companies?per_page=1 instead', () => {
    expect(probeRequest(ctx, 'companies', false)).to.deep.include({ method: 'GET', path: '/companies', query: { per_page: 1 }, route: 'GET /companies' });
  });

  it('a per-record reader with its parent record: the id in the path, the template in the route', () => {
    const req = probeRequest(ctx, 'contact_notes', false, { id: 'c 1' });
    expect(req).to.deep.include({ path: '/contacts/c%201/notes', query: { per_page: 1 }, route: 'GET /contacts/{id}/notes' });
    expect(probeRequest(ctx, 'segment_contacts', false, { id: 's1' }).body).to.deep.include({ query: { field: 'segment_id', operator: '=', value: 's1' }, pagination: { per_page: 1 } });
    expect(probeRequest({ ...ctx, apiVersion: '2.16' }, 'conversation_attributes', false).path).to.equal('/conversations/attributes');
  });
});

describe('the answer to a refusal', () => {
  const refusal = (reader: string, tables: string[], route: string, code: string, detail: string) => ({ reader, tables, route, error: new AccessError('refused', 403, route, code, detail) });

  it("names the plan, a scope of the Developer Hub, or Intercom's own words where it documents none", async () => {
    const { template } = await plan({ template: 'workspace' });
    const out = refusalLines(template, 'workspace', [
      refusal('conversations', ['conversations', 'conversation_parts'], 'GET /conversations', 'api_plan_restricted', 'Active subscription needed.'),
      refusal('calls', ['calls'], 'GET /calls', 'forbidden', 'You do not have the required scope (read_calls) to access this resource'),
      refusal('teams', ['teams', 'teams_admins'], 'GET /teams', 'forbidden', 'Forbidden request'),
    ]);
    expect(out[0]).to.match(/^The token cannot read 5 of the \d+ tables of template workspace: /);
    expect(out.slice(1)).to.deep.equal([
      'conversations: GET /conversations answered 403 api_plan_restricted — the workspace\'s Intercom plan does not include it (Intercom: "Active subscription needed.").',
      'conversation_parts: GET /conversations answered 403 api_plan_restricted — the workspace\'s Intercom plan does not include it (Intercom: "Active subscription needed.").',
      'teams: GET /teams answered 403 forbidden — Intercom documents no scope for it; its answer: "Forbidden request".',
      'teams_admins: GET /teams answered 403 forbidden — Intercom documents no scope for it; its answer: "Forbidden request".',
      "calls: GET /calls answered 403 forbidden — add the scope Intercom asks for, read_calls, in Intercom's Developer Hub.",
    ]);
  });
});

describe('regions and hosts', () => {
  it("reads /me's region words as region keys", () => {
    expect(['US', 'Europe', 'Australia', 'EU', ' europe ', 'Mars', undefined, 3].map(regionNamed)).to.deep.equal(['us', 'eu', 'au', 'eu', 'eu', undefined, undefined, undefined]);
  });

  it("the region's own host (which tests may stand in for) or api_base_url, and what to check when it cannot be reached", () => {
    const hosts = { us: 'http://127.0.0.1:1', eu: 'http://127.0.0.1:2', au: 'http://127.0.0.1:3' };
    expect(hostOf({ region: 'eu', baseUrl: REGIONS.eu }, hosts)).to.deep.equal({ baseUrl: 'http://127.0.0.1:2', regional: true });
    expect(hostOf({ region: 'eu', baseUrl: 'https://proxy.example.com' }, hosts)).to.deep.equal({ baseUrl: 'https://proxy.example.com', regional: false });
    expect(unreachableHint({ region: 'au' }, true)).to.match(/parameters\.region "au".*network.*proxy or firewall/);
    expect(unreachableHint({ region: 'au' }, false)).to.match(/^check parameters\.api_base_url/);
  });
});
