/**
 * The reader declarations of src/resources/index.ts: each reader's declared `kind` must agree with its shape, the
 * margins the incremental reads rely on must be there, the version gates must say what the API serves, and the
 * templates must name each reader only where its kind fits. The engine trusts `kind` (src/flatten/template.ts
 * checks templates by it), so a declaration that contradicts the request it describes would be read wrongly.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deletionsListed, readerOf, readers, served, type Reader } from '../../src/resources/index.js';
import { API_VERSIONS } from '../../src/keboola/config.js';
import { loadTemplate, TEMPLATES_DIR } from '../../src/flatten/template.js';

/** "2.16" → 2016, so versions compare as numbers (minor versions stay below 1000). */
const numeric = (v: string) => Number(v.split('.')[0]) * 1000 + Number(v.split('.')[1]);

const PLACEHOLDER = /\{\w+\}/;

/** Whether a `{field}` of a parent record appears in the reader's path, query values or search body. */
function namesParentField(r: Pick<Reader, 'path' | 'query' | 'body'>): boolean {
  const texts = [r.path, ...Object.values(r.query ?? {}).map(String), JSON.stringify(r.body ?? {})];
  return texts.some((t) => PLACEHOLDER.test(t));
}

/** The kind a reader's shape implies: one record, a list per parent record, or a list of the workspace. */
function kindOfShape(r: Reader): Reader['kind'] {
  if (r.paging === 'object') return 'record';
  return namesParentField(r) ? 'detail' : 'list';
}

describe('reader declarations', () => {
  const names = Object.keys(readers);

  it('every reader declares the kind its shape implies: record ⇔ paging object, detail ⇔ a {field} in path, query or body, list otherwise', () => {
    const wrong: string[] = [];
    for (const name of names) {
      // A reader that asks elsewhere from some version on (`since`) must keep its kind on every version.
      for (const version of API_VERSIONS) {
        const r = readerOf({ apiVersion: version }, name);
        if (r.kind !== kindOfShape(r)) wrong.push(`${name} on ${version}: declared ${r.kind}, its shape is a ${kindOfShape(r)}`);
      }
    }
    expect(wrong).to.deep.equal([]);
    // Each kind is present, so the equivalences above are not vacuous.
    const kinds = new Set(names.map((n) => readers[n].kind));
    expect([...kinds].sort()).to.deep.equal(['detail', 'list', 'record']);
  });

  it('every record reader names the record it reads by a {field} of its path', () => {
    // An expander or a deletion check reads one record by its id: without a placeholder it would read the same one for all.
    const record = names.filter((n) => readers[n].kind === 'record');
    expect(record.filter((n) => !PLACEHOLDER.test(readers[n].path))).to.deep.equal([]);
  });

  it('every search declares a positive margin; every census a positive margin, a search and a confirm_gone record reader', () => {
    const problems: string[] = [];
    for (const name of names) {
      const r = readers[name];
      // The margin is how far back a read of changes starts: 0 or absent would miss changes that reach the index late.
      if (r.search && !(Number.isFinite(r.search.margin) && r.search.margin > 0)) problems.push(`${name}: search margin ${r.search.margin}`);
      if (r.census) {
        if (!(Number.isFinite(r.census.margin) && r.census.margin > 0)) problems.push(`${name}: census margin ${r.census.margin}`);
        // A census is the search split by creation time; each id it misses is asked for before its rows go.
        if (!r.search) problems.push(`${name}: a census without a search`);
        if (!r.confirm_gone) problems.push(`${name}: a census without confirm_gone`);
      }
      // What confirm_gone names is asked for one record by id: it must be a record reader.
      if (r.confirm_gone && readers[r.confirm_gone]?.kind !== 'record') problems.push(`${name}: confirm_gone ${r.confirm_gone} is not a record reader`);
      // The list of deleted records is read like any list, page after page, keyed like the list.
      if (r.deleted && readers[r.deleted.reader]?.kind !== 'list') problems.push(`${name}: deleted.reader ${r.deleted.reader} is not a list reader`);
    }
    expect(problems).to.deep.equal([]);
    expect(names.filter((n) => readers[n].census).length, 'lists with a census').to.be.at.least(2);
    expect(names.filter((n) => readers[n].search).length, 'lists with a search').to.be.at.least(3);
  });

  it('served(): a reader without from_version is served on every accepted API version; one with it from that version on', () => {
    expect([...API_VERSIONS]).to.deep.equal(['2.14', '2.15', '2.16']);
    for (const name of names) {
      const from = readers[name].from_version;
      for (const version of API_VERSIONS) {
        const expected = from === undefined || numeric(version) >= numeric(from);
        expect(served(name, version), `${name} on ${version} (from_version ${from ?? 'none'})`).to.equal(expected);
      }
    }
    // No reader declares from_version today, so the contract is also checked on one declared for this test (removed after).
    const probe = '__served_probe';
    readers[probe] = { kind: 'list', from_version: '2.15', path: '/probe', paging: 'single', records: 'data', id: 'id' };
    try {
      expect(API_VERSIONS.map((v) => served(probe, v))).to.deep.equal([false, true, true]);
    } finally {
      delete readers[probe];
    }
  });

  it("deletionsListed(): conversations' deletions are listed from API 2.16 on, contacts' on no version", () => {
    expect(API_VERSIONS.map((v) => deletionsListed('conversations', v))).to.deep.equal([false, false, true]);
    expect(API_VERSIONS.map((v) => deletionsListed('contacts', v))).to.deep.equal([false, false, false]);
    // And on a later version than any accepted one: "from 2.16 on", not "on 2.16".
    expect(deletionsListed('conversations', '2.17')).to.equal(true);
  });

  describe('templates name each reader where its kind fits', () => {
    interface Ref {
      where: string;
      place: string;
      name: string;
      wants: Reader['kind'];
    }

    /** Every reader a template file names, with the kind its place asks for, found by walking the raw JSON. */
    function references(file: string): Ref[] {
      const found: Ref[] = [];
      // `where`: the table's place in the file; `place`: the key naming the reader.
      const add = (where: string, place: string, name: unknown, wants: Reader['kind']) => {
        for (const n of [name].flat()) found.push({ where: `${where}.${place}`, place, name: String(n), wants });
      };
      const walk = (node: unknown, where: string): void => {
        if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
        if (typeof node !== 'object' || node === null) return;
        const o = node as Record<string, any>;
        const from = o.from;
        if (from && typeof from === 'object') {
          if (from.kind === 'list') add(where, 'from.list', from.list, 'list');
          if (from.expand !== undefined) add(where, 'from.expand', from.expand, 'record');
          if (from.kind === 'fetch') add(where, 'from.reader', from.reader, 'detail');
          if (from.complete_with !== undefined) add(where, 'from.complete_with', from.complete_with, 'detail');
          if (from.complete_by) add(where, 'from.complete_by.list', from.complete_by.list, 'list'), add(where, 'from.complete_by.members', from.complete_by.members, 'detail');
          if (from.members) add(where, 'from.members.list', from.members.list, 'list'), add(where, 'from.members.reader', from.members.reader, 'detail');
        }
        if (o.refers_to) add(where, 'refers_to.list', o.refers_to.list, 'list');
        if (o.custom_columns) add(where, 'custom_columns.reader', o.custom_columns.reader, 'list');
        for (const [k, v] of Object.entries(o)) if (k !== 'from') walk(v, `${where}.${k}`);
      };
      walk(JSON.parse(readFileSync(file, 'utf8')), path.relative(TEMPLATES_DIR, file));
      return found;
    }

    const files = [
      ...readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.json') && f !== 'template.schema.json'),
      ...readdirSync(path.join(TEMPLATES_DIR, 'shared')).map((f) => path.join('shared', f)),
    ].map((f) => path.join(TEMPLATES_DIR, f));

    it('from.list names list readers, from.reader and complete_with detail readers, expand record readers (every template file, includes too)', () => {
      const refs = files.flatMap(references);
      const wrong = refs.filter((r) => readers[r.name]?.kind !== r.wants).map((r) => `${r.where}: "${r.name}" is ${readers[r.name] ? `a ${readers[r.name].kind}` : 'no'} reader, wants a ${r.wants}`);
      expect(wrong).to.deep.equal([]);
      // Every kind of place is met, so a template that named a wrong kind would be caught, not skipped.
      const places = new Set(refs.map((r) => r.place));
      for (const p of ['from.list', 'from.expand', 'from.reader', 'from.complete_with']) expect([...places], `some template names a reader at ${p}`).to.include(p);
      expect(refs.length).to.be.at.least(20);
    });

    it('every shipped template loads (loadTemplate checks the same kinds), and a template naming a list as an expander is refused', () => {
      for (const f of readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.json') && f !== 'template.schema.json')) expect(() => loadTemplate(f.slice(0, -5)), f).not.to.throw();
      // The loader's own check, on a template it must refuse: `expand` naming a list (contacts), `from.reader` naming a record.
      const dir = mkdtempSync(path.join(os.tmpdir(), 'readers-template-'));
      const table = (from: unknown, children: unknown[] = []) => ({ name: 't', title: 'T', tables: [{ table: 't', from, primary_key: ['id'], columns: { id: { path: 'id', type: 'string', description: 'Id.' } }, children }] });
      writeFileSync(path.join(dir, 'expand_list.json'), JSON.stringify(table({ kind: 'list', list: 'conversations', expand: 'contacts' })));
      const child = { table: 'c', from: { kind: 'fetch', reader: 'contact' }, primary_key: ['id'], columns: { id: { path: 'id', type: 'string', description: 'Id.' } } };
      writeFileSync(path.join(dir, 'fetch_record.json'), JSON.stringify(table({ kind: 'list', list: 'contacts' }, [child])));
      try {
        expect(() => loadTemplate('expand_list', dir)).to.throw(/"contacts" is not an expander/);
        expect(() => loadTemplate('fetch_record', dir)).to.throw(/"contact" is not a detail reader/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
