import { expect } from 'chai';
import { parseConfig } from '../../src/keboola/config.js';
import { UserError } from '../../src/errors.js';

const ok = { parameters: { '#access_token': 'tok-123456' } };

function fails(raw: unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    parseConfig(raw, '/data');
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a UserError').to.be.instanceOf(UserError);
  expect((err as Error).message).to.match(pattern);
  expect((err as Error).message).not.to.include('\n');
}

describe('config', () => {
  it('applies the defaults', () => {
    const cfg = parseConfig(ok, '/data');
    expect(cfg).to.include({ action: 'run', template: 'basic', region: 'us', baseUrl: 'https://api.intercom.io', apiVersion: '2.14', maxConcurrency: 200, rateLimitShare: 1, token: 'tok-123456' });
    expect([...cfg.skipDetails]).to.deep.equal([]);
    expect(cfg).to.include({ incremental: false, resync: false, fullRefreshDays: 7, maxRunMs: undefined });
    expect(parseConfig({ parameters: { ...ok.parameters, incremental: true, max_run_minutes: 1.5 } }, '/d')).to.include({ incremental: true, maxRunMs: 90_000 });
  });

  it('maps regions to hosts and lets api_base_url override them', () => {
    expect(parseConfig({ parameters: { ...ok.parameters, region: 'eu' } }, '/d').baseUrl).to.equal('https://api.eu.intercom.io');
    expect(parseConfig({ parameters: { ...ok.parameters, region: 'au' } }, '/d').baseUrl).to.equal('https://api.au.intercom.io');
    expect(parseConfig({ parameters: { ...ok.parameters, api_base_url: 'http://127.0.0.1:9/' } }, '/d').baseUrl).to.equal('http://127.0.0.1:9');
  });

  it('takes the token from Keboola OAuth when the form has none', () => {
    const cfg = parseConfig({ parameters: [], authorization: { oauth_api: { credentials: { '#data': JSON.stringify({ access_token: 'oauth-tok' }) } } } }, '/d');
    expect(cfg.token).to.equal('oauth-tok');
  });

  it('tolerates unknown keys and an empty parameters array', () => {
    expect(parseConfig({ parameters: { ...ok.parameters, something_new: 1 }, storage: {}, image_parameters: {} }, '/d').template).to.equal('basic');
    fails({ parameters: [] }, /access token.*#access_token/);
  });

  it('accepts the API versions it reads, the number a hand-written JSON may hold, and empty as the default', () => {
    for (const v of ['2.14', '2.15', '2.16']) expect(parseConfig({ parameters: { ...ok.parameters, api_version: v } }, '/d').apiVersion).to.equal(v);
    expect(parseConfig({ parameters: { ...ok.parameters, api_version: 2.16 } }, '/d').apiVersion).to.equal('2.16');
    expect(parseConfig({ parameters: { ...ok.parameters, api_version: '' } }, '/d').apiVersion, 'a cleared form field').to.equal('2.14');
    expect(parseConfig({ parameters: { ...ok.parameters, api_version: null } }, '/d').apiVersion).to.equal('2.14');
  });

  it('writes manifests for the job\'s data-type mode: KBC_DATA_TYPE_SUPPORT, overridden by storage.output.data_type_support, legacy without the variable', () => {
    const mode = (env: Record<string, string>, storage?: unknown) => parseConfig({ ...ok, ...(storage ? { storage } : {}) }, '/d', env).manifestMode;
    expect(mode({})).to.equal('legacy');
    expect(mode({}, { output: { data_type_support: 'authoritative' } }), 'no native types in the project: the override cannot turn them on').to.equal('legacy');
    for (const m of ['authoritative', 'hints', 'none']) expect(mode({ KBC_DATA_TYPE_SUPPORT: m })).to.equal(m);
    expect(mode({ KBC_DATA_TYPE_SUPPORT: 'authoritative' }, { output: { data_type_support: 'none' } })).to.equal('none');
    expect(mode({ KBC_DATA_TYPE_SUPPORT: 'none' }, { output: { data_type_support: 'hints' } })).to.equal('hints');
    expect(mode({ KBC_DATA_TYPE_SUPPORT: 'hints' }, { output: {} })).to.equal('hints');
    expect(() => parseConfig({ ...ok, storage: { output: { data_type_support: 'strict' } } }, '/d', { KBC_DATA_TYPE_SUPPORT: 'hints' })).to.throw(UserError, /^storage\.output\.data_type_support "strict" is unknown: use one of authoritative, hints, none/);
    expect(() => parseConfig(ok, '/d', { KBC_DATA_TYPE_SUPPORT: 'strict' })).to.throw(/KBC_DATA_TYPE_SUPPORT to "strict", which this version does not know/);
  });

  it('suggests the name meant, case-insensitively, for every named value; names the entry that is wrong', () => {
    fails({ parameters: { ...ok.parameters, region: 'EU' } }, /parameters\.region "EU" is unknown: use one of us, eu, au\. Did you mean "eu"\?$/);
    fails({ parameters: { ...ok.parameters, template: 'Basic' } }, /parameters\.template "Basic" is unknown: .* Did you mean "basic"\?$/);
    fails({ parameters: { ...ok.parameters, skip_contact_details: ['parts'] } }, /parameters\.skip_contact_details has "parts", but it must be a list of .* Did you mean "notes"\?|parameters\.skip_contact_details has "parts"/);
    fails({ parameters: { ...ok.parameters, skip_contact_details: ['Notes'] } }, /has "Notes", .* Did you mean "notes"\?$/);
    fails({ parameters: { ...ok.parameters, include_details: ['company_note'] } }, /has "company_note", .* Did you mean "company_notes"\?$/);
    // Nothing near: no suggestion rather than a wrong one.
    fails({ parameters: { ...ok.parameters, region: 'mars' } }, /use one of us, eu, au\.$/);
  });

  it('says when parameters were written at the top level of config.json, naming them and never their values', () => {
    let err: unknown;
    try {
      parseConfig({ '#access_token': 'secret-token-value-123', template: 'basic' }, '/data');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(UserError);
    expect((err as Error).message).to.match(/^config\.json has #access_token, template at its top level: parameters belong inside "parameters"/);
    expect((err as Error).message).not.to.include('secret-token-value-123');
  });

  it('names the field and the fix for each bad value', () => {
    fails({ parameters: {} }, /No access token: set parameters\.#access_token/);
    fails({ parameters: { ...ok.parameters, template: 'everything' } }, /parameters\.template "everything".*basic, conversations, users_and_events/);
    fails({ parameters: { ...ok.parameters, region: 'mars' } }, /parameters\.region "mars".*us, eu, au/);
    fails({ parameters: { ...ok.parameters, api_version: '2.99' } }, /^parameters\.api_version "2\.99" is not a version this component reads: use one of "2\.14", "2\.15", "2\.16" \(or leave it empty for "2\.14"\)\.$/);
    fails({ parameters: { ...ok.parameters, api_version: '1.0' } }, /parameters\.api_version "1\.0" is not a version this component reads: use one of "2\.14", "2\.15", "2\.16"/);
    fails({ parameters: { ...ok.parameters, api_version: 'Unstable' } }, /parameters\.api_version "Unstable"/);
    fails({ parameters: { ...ok.parameters, api_version: 2.1 } }, /parameters\.api_version 2\.1 is not a version/);
    fails({ parameters: { ...ok.parameters, api_version: ['2.14'] } }, /parameters\.api_version \["2\.14"\] is not a version/);
    fails({ parameters: { ...ok.parameters, skip_contact_details: ['tags'] } }, /parameters\.skip_contact_details/);
    fails({ parameters: { ...ok.parameters, max_concurrency: 0 } }, /parameters\.max_concurrency/);
    fails({ parameters: { ...ok.parameters, max_concurrency: 1001 } }, /parameters\.max_concurrency must be a whole number from 1 to 1000/);
    fails({ parameters: { ...ok.parameters, rate_limit_share: 0 } }, /parameters\.rate_limit_share must be a whole percentage from 1 to 100/);
    fails({ parameters: { ...ok.parameters, rate_limit_share: 50.5 } }, /parameters\.rate_limit_share/);
    fails({ parameters: { ...ok.parameters, api_base_url: 'ftp://x' } }, /parameters\.api_base_url/);
    fails({ ...ok, action: 'sync' }, /Unknown action "sync"/);
    fails({ parameters: [], authorization: { oauth_api: { credentials: { '#data': '{oops' } } } }, /#data is not valid JSON/);
    fails('nope', /JSON object/);
    fails({ parameters: { ...ok.parameters, incremental: 'yes' } }, /parameters\.incremental must be true or false/);
    fails({ parameters: { ...ok.parameters, max_run_minutes: 0 } }, /parameters\.max_run_minutes/);
    fails({ parameters: { ...ok.parameters, full_refresh_days: -1 } }, /parameters\.full_refresh_days/);
  });
});
