import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { generated, README, templateNames } from '../../scripts/docs.js';
import { renderDiagram } from '../../scripts/docs-tables.js';
import { renderScopes, scopesOf } from '../../scripts/docs-scopes.js';
import { loadTemplate } from '../../src/flatten/template.js';

const ROOT = path.dirname(README);
import { coverage, COVERAGE_DOC, loadSpecs, renderCoverage, SPECS } from '../../scripts/coverage.js';
import { NOT_READ } from '../../src/resources/not-read.js';

describe('Documentation', () => {
  it('is generated where it can be: the README\'s diagrams, docs/tables/ (one page per template), docs/state.md, docs/coverage.md and the platform\'s rules in docs/output.md are what `npm run docs` writes now', () => {
    const files = generated();
    expect(files.map((g) => path.relative(ROOT, g.file))).to.include.members(['README.md', 'docs/output.md', 'docs/state.md', ...templateNames().map((n) => `docs/tables/${n}.md`)]);
    for (const { file, render } of files) {
      const current = readFileSync(file, 'utf8');
      expect(current === render(current), `${path.relative(ROOT, file)} is out of date: run npm run docs`).to.equal(true);
    }
  });

  it('diagrams every table of every template in the README, with a solid arrow from each table to the tables under it', () => {
    const readme = readFileSync(README, 'utf8');
    for (const name of templateNames()) {
      const diagram = renderDiagram(name);
      expect(readme).to.include(diagram);
      for (const t of loadTemplate(name).tables) expect(diagram, `${name}: ${t.name}`).to.match(new RegExp(`[ &|]${t.name}( |$)`, 'm'));
    }
    expect(renderDiagram('basic')).to.include('users -->|users_pk| users_tags & users_segments & users_companies & users_social_profiles');
    expect(renderDiagram('basic')).to.match(/tags -\.->\|id\| users_tags & leads_tags/);
    expect(renderDiagram('conversations')).to.include('conversations -->|conversations_pk|');
  });

  it('lists in the README the scopes each template needs, from what a run of it may ask (workspace: tickets, articles, admins\' activity logs; basic: no tickets)', () => {
    const { scopes } = scopesOf('workspace');
    for (const scope of ['Read tickets', 'Read and List articles', 'Read admin activity logs', 'Read conversations', 'Read and list users and companies', 'Read tags']) expect(scopes.has(scope), scope).to.equal(true);
    expect(scopes.get('Read tickets')).to.include('tickets');
    expect(scopesOf('basic').scopes.has('Read tickets')).to.equal(false);
    expect(scopesOf('conversations').scopes.get('Read conversations')).to.include('conversation_parts');
    expect(readFileSync(README, 'utf8')).to.include(renderScopes(templateNames()));
  });

  it('lists every parameter of the form, one line each, in the README and in docs/configuration.md', () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'component_config/configSchema.json'), 'utf8')) as { properties: Record<string, { type?: string }> };
    const params = Object.entries(schema.properties).filter(([, p]) => p.type !== 'button').map(([k]) => k);
    const rows = (text: string) => new Set([...text.matchAll(/^\| `([#a-z_]+)` \|/gm)].map((m) => m[1]));
    const readmeRows = rows(readFileSync(README, 'utf8'));
    const docRows = rows(readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8'));
    for (const p of params) {
      expect(readmeRows.has(p), `README.md's configuration table lacks ${p}`).to.equal(true);
      expect(docRows.has(p), `docs/configuration.md lacks ${p}`).to.equal(true);
    }
  });

  it('links only to files and headings that exist (README.md and docs/)', () => {
    const docs = [README, ...readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => path.join(ROOT, 'docs', f))];
    const slug = (h: string) => h.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
    const anchors = (file: string) => new Set([...readFileSync(file, 'utf8').matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1])));
    const broken: string[] = [];
    for (const file of docs) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // a web address
        const [rel, anchor] = target.split('#');
        const to = rel ? path.resolve(path.dirname(file), rel) : file;
        if (!existsSync(to)) broken.push(`${path.relative(ROOT, file)}: ${target}`);
        else if (anchor && (statSync(to).isDirectory() || !anchors(to).has(anchor))) broken.push(`${path.relative(ROOT, file)}: ${target}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("describes the form in component_config/ by the titles the form shows (configuration_description.md names each in bold)", () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'component_config/configSchema.json'), 'utf8')) as { properties: Record<string, { title?: string; options?: { async?: { label?: string } } }> };
    const titles = new Set(Object.values(schema.properties).flatMap((p) => [p.title, p.options?.async?.label]).filter((t): t is string => !!t).map((t) => t.toLowerCase()));
    const named = [...readFileSync(path.join(ROOT, 'component_config/configuration_description.md'), 'utf8').matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1]);
    expect(named.length).to.be.above(3);
    for (const title of named) expect(titles.has(title.toLowerCase()), `"${title}" is not a title or button of the form`).to.equal(true);
  });

  it('keeps the README the front door: about 250 lines', () => {
    const lines = readFileSync(README, 'utf8').split('\n').length;
    expect(lines).to.be.within(150, 300);
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
