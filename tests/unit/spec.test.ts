/**
 * The readers and templates against Intercom's own OpenAPI spec of each version the component reads (2.14 and
 * 2.16 are in ../shared/reference/intercom-openapi; no 2.15 spec is published there, and the 2.16 spec dates no
 * change the component reads to 2.15). For every version:
 * - each reader the version serves is an operation of its spec, and a list reader's records key is a property of
 *   the operation's answer;
 * - each list a template reads inside a record is declared `required` exactly where the spec requires every step
 *   of its path: otherwise a record without it is no record to fail (src/flatten/template.ts), and every step of
 *   the path is a property of the record's schema.
 * The specs are not part of this repository: without ../shared the test is skipped, saying so.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readerOf, readers, served as servedOn } from '../../src/resources/index.js';
import { loadTemplate, type CompiledTable } from '../../src/flatten/template.js';
import { TEMPLATES } from '../../src/keboola/config.js';
import { loadSpecs, SPEC_VERSIONS, SPECS } from '../../scripts/coverage.js';

const VERSIONS = SPEC_VERSIONS;

type Schema = { $ref?: string; type?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema; allOf?: Schema[]; oneOf?: Schema[]; anyOf?: Schema[]; nullable?: boolean };
type Spec = { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>; components: { schemas: Record<string, Schema> } };

/** A schema with its $ref followed and allOf merged; oneOf/anyOf alternatives merged, a field required only where every alternative requires it. */
function resolve(spec: Spec, s: Schema | undefined, depth = 0): Schema {
  if (!s || depth > 20) return {};
  if (s.$ref) return resolve(spec, spec.components.schemas[s.$ref.replace('#/components/schemas/', '')], depth + 1);
  const parts = s.allOf?.map((p) => resolve(spec, p, depth + 1)) ?? [];
  const alternatives = (s.oneOf ?? s.anyOf)?.map((p) => resolve(spec, p, depth + 1)) ?? [];
  const properties: Record<string, Schema> = { ...s.properties };
  let required = [...(s.required ?? [])];
  for (const p of parts) {
    Object.assign(properties, p.properties);
    required.push(...(p.required ?? []));
  }
  if (alternatives.length > 0) {
    for (const a of alternatives) for (const [k, v] of Object.entries(a.properties ?? {})) properties[k] ??= v;
    required.push(...alternatives.map((a) => a.required ?? []).reduce((x, y) => x.filter((k) => y.includes(k))));
  }
  required = [...new Set(required)];
  return { ...s, properties, required, items: s.items, allOf: undefined, oneOf: undefined, anyOf: undefined };
}

const pattern = (p: string) => p.replace(/\{\w+\}/g, '{}');

function operation(spec: Spec, method: 'get' | 'post', readerPath: string) {
  const key = Object.keys(spec.paths).find((p) => pattern(p) === pattern(readerPath));
  return key ? spec.paths[key][method] : undefined;
}

function answer(spec: Spec, method: 'get' | 'post', readerPath: string): Schema | undefined {
  const op = operation(spec, method, readerPath);
  const schema = op?.responses?.['200']?.content?.['application/json']?.schema;
  return schema ? resolve(spec, schema) : undefined;
}

/** The schema of one record a reader gives, as this version has the reader. */
function recordSchema(spec: Spec, version: string, name: string): Schema | undefined {
  const r = readerOf({ apiVersion: version }, name);
  const method = r.paging === 'search' || r.search?.path === r.path ? 'post' : 'get';
  const body = answer(spec, method, r.path);
  if (!body) return undefined;
  if (r.paging === 'object') return body;
  const key = [r.records ?? []].flat().find((k) => body.properties?.[k]);
  return key ? resolve(spec, body.properties![key].items) : undefined;
}

/** Whether the version serves the reader at all (Reader.from_version), checked against the spec below. */
const served = (version: string, name: string): boolean => servedOn(name, version);

describe("Intercom's spec of each version read", function () {
  this.timeout(60_000);
  const specs = new Map<string, Spec>();
  before(function () {
    if (!existsSync(SPECS)) {
      console.log(`      (skipped: no specs at ${SPECS})`);
      this.skip();
    }
    for (const [v, spec] of loadSpecs()) specs.set(v, spec as unknown as Spec);
  });

  for (const version of VERSIONS) {
    it(`${version}: every reader is an operation of the spec, and a list's records key is in its answer`, () => {
      const spec = specs.get(version)!;
      const problems: string[] = [];
      for (const name of Object.keys(readers)) {
        if (!served(version, name)) {
          expect(operation(spec, 'get', readers[name].path), `${name} is not served by ${version}`).to.equal(undefined);
          continue;
        }
        const r = readerOf({ apiVersion: version }, name);
        const method = r.paging === 'search' ? 'post' : 'get';
        const body = answer(spec, method, r.path);
        if (!body) {
          problems.push(`${name}: no ${method.toUpperCase()} ${r.path} with a 200 answer`);
          continue;
        }
        if (r.paging !== 'object' && ![r.records ?? []].flat().some((k) => body.properties?.[k])) problems.push(`${name}: ${method.toUpperCase()} ${r.path} answers no ${JSON.stringify(r.records)}`);
      }
      expect(problems).to.deep.equal([]);
    });

    it(`${version}: an embedded list is required by the template exactly where the spec requires it, along a path the spec has`, () => {
      const spec = specs.get(version)!;
      const problems: string[] = [];
      let checked = 0;
      const walk = (table: CompiledTable, record: Schema | undefined, where: string) => {
        for (const child of table.children) {
          const from = child.node.from;
          if (from.kind === 'fetch') {
            walk(child, recordSchema(spec, version, from.reader), `${where} → ${child.name}`);
            continue;
          }
          if (from.kind !== 'embedded' || !record) continue;
          let schema: Schema | undefined = record;
          let everyStepRequired = true;
          for (const step of from.path.split('.')) {
            const s: Schema = resolve(spec, schema);
            if (!s.properties?.[step]) {
              problems.push(`${where} → ${child.name}: "${from.path}" has no "${step}" in ${version}`);
              schema = undefined;
              break;
            }
            everyStepRequired &&= (s.required ?? []).includes(step);
            schema = s.properties[step];
          }
          if (!schema) continue;
          checked++;
          if (everyStepRequired !== (from.required === true)) problems.push(`${where} → ${child.name}: "${from.path}" is ${everyStepRequired ? '' : 'not '}required by the ${version} spec, but the template says ${from.required === true ? '' : 'not '}required`);
          walk(child, resolve(spec, resolve(spec, schema).items), `${where} → ${child.name}`);
        }
      };
      for (const template of TEMPLATES) {
        for (const root of loadTemplate(template).roots) {
          const from = root.node.from;
          if (from.kind !== 'list') continue;
          for (const list of [from.list].flat()) {
            if (!served(version, list)) continue;
            // Its rows (and the lists inside) come from the expanded record where the template expands it.
            const record = from.expand ? recordSchema(spec, version, from.expand) : recordSchema(spec, version, list);
            if (!record) problems.push(`${template} ${root.name}: no record schema for ${from.expand ?? list} in ${version}`);
            walk(root, record, `${template} ${root.name}`);
          }
        }
      }
      expect(problems).to.deep.equal([]);
      expect(checked, 'the embedded lists checked').to.be.at.least(20);
    });
  }
});
