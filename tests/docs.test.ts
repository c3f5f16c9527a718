import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { README, updatedReadme } from '../scripts/docs.js';

describe('README', () => {
  it('documents every table and column the templates write, and the platform rules the manifests are checked against (run `npm run docs` after an edit)', () => {
    const current = readFileSync(README, 'utf8');
    expect(current === updatedReadme(current), 'README.md table reference or platform rules are out of date: run npm run docs').to.equal(true);
  });

  it('gives the demo and test commands that CI runs', () => {
    const readme = readFileSync(README, 'utf8');
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(readme).to.include('npm ci && npm run demo');
    expect(readme).to.include('npm ci && npm test');
    expect(ci).to.match(/^npm ci && npm test$/m);
  });
});
