/**
 * Intercom's OpenAPI specs (../shared/reference/intercom-openapi, not part of this repository) as JSON Schemas ajv
 * validates answers with, for workspace-objects.test.ts: an operation's 200 answer schema, the properties its
 * records' schema lists, and the records of the spec's own examples. OpenAPI 3.0's `nullable` becomes a `null`
 * type, `#/components/schemas/…` references point into `definitions`; the formats the specs use are checked on strings.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { load as loadYaml } from 'js-yaml';

export const SPECS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/reference/intercom-openapi');

type Json = Record<string, any>;

interface Spec {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

/** OpenAPI 3.0 → JSON Schema (draft-07) as ajv takes it: nullable as a null type, refs into `definitions`. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace('#/components/schemas/', '#/definitions/');
    else if (k === 'properties' && v && typeof v === 'object') out.properties = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, toJsonSchema(s)]));
    // Some of the specs' enums list a value twice, which JSON Schema does not allow.
    else if (k === 'enum' && Array.isArray(v)) out.enum = [...new Set(v)];
    else if (k !== 'nullable' && k !== 'example' && k !== 'examples') out[k] = toJsonSchema(v);
  }
  if ((node as Json).nullable !== true) return out;
  if (typeof out.type === 'string' && !out.$ref && !out.oneOf && !out.anyOf && !out.allOf) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [{ type: 'null' }, out] };
}

const FORMATS = {
  'date-time': (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)),
  uri: (s: string) => URL.canParse(s),
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  date: /^\d{4}-\d\d-\d\d$/,
  timestamp: true,
  int64: true,
  int32: true,
};

export class SpecSchemas {
  private readonly specs = new Map<string, Spec>();
  private readonly ajv = new (Ajv as any)({ strict: false, allErrors: true, logger: false, formats: FORMATS });
  private readonly compiled = new Map<string, (body: unknown) => boolean>();

  /** Undefined when the specs are not there. */
  static load(versions: string[]): SpecSchemas | undefined {
    if (!existsSync(SPECS_DIR)) return undefined;
    const s = new SpecSchemas();
    for (const v of versions) s.specs.set(v, loadYaml(readFileSync(path.join(SPECS_DIR, `api.intercom.io.${v}.yaml`), 'utf8')) as Spec);
    for (const [v, spec] of s.specs) s.ajv.addSchema({ $id: `intercom-${v}`, definitions: toJsonSchema(spec.components.schemas) }, `intercom-${v}`);
    return s;
  }

  private spec(version: string): Spec {
    const spec = this.specs.get(version);
    if (!spec) throw new Error(`no spec ${version} loaded`);
    return spec;
  }

  /** GET `specPath` of `version`: undefined when the version has no such operation. */
  operation(version: string, specPath: string): Json | undefined {
    return this.spec(version).paths[specPath]?.get;
  }

  private answerSchema(version: string, specPath: string, status: string): Json {
    const schema = this.operation(version, specPath)?.responses?.[status]?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${version}: GET ${specPath} has no ${status} answer schema`);
    return schema;
  }

  /** ajv's complaints about `body` as the 200 answer of GET `specPath` in `version` (none: it validates). */
  errors(version: string, specPath: string, body: unknown, status = '200'): string[] {
    const key = `${version} ${specPath} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const schema = toJsonSchema(this.answerSchema(version, specPath, status)) as Json;
      const rooted = JSON.parse(JSON.stringify(schema).replaceAll('"#/definitions/', `"intercom-${version}#/definitions/`));
      validate = this.ajv.compile(rooted) as (body: unknown) => boolean;
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return ((validate as any).errors as Array<{ instancePath: string; message: string; params: unknown }>).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }

  /** A schema with its $ref followed and allOf merged. */
  private resolve(version: string, s: Json | undefined, depth = 0): Json {
    if (!s || depth > 20) return {};
    if (s.$ref) return this.resolve(version, this.spec(version).components.schemas[s.$ref.replace('#/components/schemas/', '')], depth + 1);
    const properties: Json = { ...s.properties };
    for (const p of s.allOf ?? []) Object.assign(properties, this.resolve(version, p, depth + 1).properties);
    return { ...s, properties };
  }

  /** The property names the schema of the answer's `key` records lists (`nested`: of the lists in those records). */
  recordProperties(version: string, specPath: string, key: string, nested?: string): string[] {
    const answer = this.resolve(version, this.answerSchema(version, specPath, '200'));
    let record = this.resolve(version, this.resolve(version, answer.properties[key]).items);
    if (nested) record = this.resolve(version, this.resolve(version, record.properties[nested]).items);
    return Object.keys(record.properties ?? {});
  }

  /** The records under `key` of every example of the operation's 200 answer. */
  exampleRecords(version: string, specPath: string, key: string): Json[] {
    const examples = this.operation(version, specPath)?.responses?.['200']?.content?.['application/json']?.examples ?? {};
    return Object.values(examples as Record<string, { value?: Json }>).flatMap((e) => (Array.isArray(e.value?.[key]) ? (e.value![key] as Json[]) : []));
  }

  /** The message of the spec's own intercom_version_invalid example (the first one found). */
  versionInvalidMessage(version: string): string | undefined {
    const found: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const n = node as Json;
        if (n.code === 'intercom_version_invalid' && typeof n.message === 'string') found.push(n.message);
        Object.values(n).forEach(walk);
      }
    };
    walk(this.spec(version).paths);
    return found[0];
  }
}
