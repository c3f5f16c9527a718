import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { README, renderState, STATE_DOC, updatedReadme } from '../../scripts/docs.js';
import { coverage, COVERAGE_DOC, loadSpecs, renderCoverage, SPECS } from '../../scripts/coverage.js';
import { NOT_READ } from '../../src/resources/not-read.js';

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

  it('marks every list endpoint of Intercom\'s specs read (by a reader, into tables) or not read (with a reason), in docs/coverage.md (run `npm run docs` after an edit)', function () {
    if (!existsSync(SPECS)) {
      console.log(`      (skipped: no specs at ${SPECS})`);
      this.skip();
    }
    const rows = coverage(loadSpecs());
    const unexplained = rows.filter((r) => r.readers.length === 0 && !r.reason).map((r) => r.path);
    expect(unexplained, 'list endpoints neither read nor explained in src/resources/not-read.ts').to.deep.equal([]);
    // A reason for an endpoint that is read, or that no spec lists, is stale.
    const listed = new Map(rows.map((r) => [r.path, r]));
    const stale = Object.keys(NOT_READ).filter((p) => !listed.has(p) || listed.get(p)!.readers.length > 0);
    expect(stale, 'reasons in src/resources/not-read.ts for endpoints read or not listed').to.deep.equal([]);
    expect(readFileSync(COVERAGE_DOC, 'utf8') === renderCoverage(rows), 'docs/coverage.md is out of date: run npm run docs').to.equal(true);
  });

  it('gives the demo and test commands that CI runs', () => {
    const readme = readFileSync(README, 'utf8');
    const ci = readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8');
    expect(readme).to.include('npm ci && npm run demo');
    expect(readme).to.include('npm ci && npm test');
    expect(ci).to.match(/^npm ci && npm test$/m);
  });
});
