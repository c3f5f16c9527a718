import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { README, renderState, STATE_DOC, updatedReadme } from '../../scripts/docs.js';

describe('README', () => {
  it('documents every table and column the templates write, and the platform rules the manifests are checked against (run `npm run docs` after an edit)', () => {
    const current = readFileSync(README, 'utf8');
    expect(current === updatedReadme(current), 'README.md table reference or platform rules are out of date: run npm run docs').to.equal(true);
  });

  it('documents every field of the state, generated from its schema (run `npm run docs` after an edit)', () => {
    const doc = readFileSync(STATE_DOC, 'utf8');
    expect(doc === renderState(), 'docs/state.md is out of date: run npm run docs').to.equal(true);
    // One line a field, each with its description: the schema documents every field it declares.
    for (const field of ['sync.lists.<name>.mark', 'sync.lists.<name>.backfill.cursor', 'sync.known_sketch.<name>.size', 'custom_columns.<name>[].column', 'last_run.rows']) {
      expect(doc, field).to.match(new RegExp(`^- \`${field.replace(/[.*+?^${}()|[\]\\<>]/g, '\\$&')}\` \\([^)]*\\): \\S`, 'm'));
    }
  });

  it('gives the demo and test commands that CI runs', () => {
    const readme = readFileSync(README, 'utf8');
    const ci = readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8');
    expect(readme).to.include('npm ci && npm run demo');
    expect(readme).to.include('npm ci && npm test');
    expect(ci).to.match(/^npm ci && npm test$/m);
  });
});
