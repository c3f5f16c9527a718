/**
 * The mapping engine: turns one Intercom object (and its parent, for child tables) into one CSV row,
 * following a table's column specs from the template. It knows nothing about any one resource. Every column
 * declares its type; a value that does not fit is written empty (see typed()), so typed storage can load it.
 */
import stableStringify from 'fast-json-stable-stringify';
import { AppError } from '../errors.js';
import { warnOnce } from '../log.js';
import type { ColumnSpec } from '../generated/template.js';

import type { ColumnType } from '../model/column-type.js';

export type { ColumnType };
export const COLUMN_TYPES: readonly ColumnType[] = ['string', 'integer', 'number', 'boolean', 'json'];

export type Json = Record<string, unknown>;
/** Where a row's values come from: the object itself, its parent, and the top-level object it hangs under. */
export interface Scope {
  parent?: Json;
  root?: Json;
}
export type RowFn = (obj: Json, scope: Scope) => string[];

/** Reads a dotted path; numeric segments index arrays; "$parent." and "$root." read from the parent and the top-level object. */
export function getPath(obj: Json, scope: Scope | undefined, path: string): unknown {
  if (path === '$') return obj;
  let cur: unknown = obj;
  let segments = path.split('.');
  if (segments[0] === '$parent' || segments[0] === '$root') {
    cur = segments[0] === '$parent' ? scope?.parent : scope?.root;
    segments = segments.slice(1);
  }
  for (const seg of segments) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Intercom's own JSON for custom_attributes and metadata, with keys sorted so equal data gives equal text. */
export function stableJson(value: unknown): string {
  if (value === null || value === undefined) return '';
  return stableStringify(value);
}

export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // An object where a scalar was expected: keep the data rather than "[object Object]".
  return stableJson(value);
}

function isoToUnix(value: unknown): string {
  if (typeof value === 'number') return String(value);
  // Intercom's own examples carry ISO strings with a trailing space.
  if (typeof value !== 'string' || value.trim() === '') return '';
  const ms = Date.parse(value.trim());
  return Number.isFinite(ms) ? String(Math.floor(ms / 1000)) : '';
}

/**
 * A column's cell function. `name` ("users.session_count") names the column in the template errors and in the
 * warning for a value that does not fit the declared type.
 */
export function compileColumn(spec: ColumnSpec, name = 'column', secret = false): (obj: Json, scope: Scope) => string {
  checkSpec(spec, name);
  return typed(spec.type, name, readCell(spec), secret);
}

/** What a template author can get wrong in one column, said before any request. */
function checkSpec(spec: ColumnSpec, name: string): void {
  const fail = (msg: string) => {
    throw new AppError(`Template column ${name}: ${msg}`);
  };
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) fail('a column is an object with "type" and "description" (the string and null shorthands are gone)');
  if (!COLUMN_TYPES.includes(spec.type)) fail(`"type" must be one of ${COLUMN_TYPES.join(', ')}, not ${JSON.stringify(spec.type)}`);
  if (typeof spec.description !== 'string' || !/^[^\n\r]*\.$/.test(spec.description)) fail('"description" must be one line ending with a period');
  // JSON text is typed json so that storage and the README say it is to be parsed; and only JSON text is.
  if ((spec.format === 'json') !== (spec.type === 'json')) fail(`format "json" and type "json" go together (type is ${spec.type}${spec.format ? `, format ${spec.format}` : ''})`);
  if (spec.format === 'iso_to_unix' && spec.type !== 'integer') fail(`format "iso_to_unix" writes UNIX seconds: type "integer", not ${spec.type}`);
  const rule = Object.keys(spec).filter((k) => k !== 'type' && k !== 'description');
  if (spec.path === undefined && spec.coalesce === undefined && rule.length > 0) fail(`${rule.join(', ')} without "path" or "coalesce": an always-empty column has only a type and a description`);
}

/** The value as text, before the type check. */
function readCell(spec: ColumnSpec): (obj: Json, scope: Scope) => string {
  const { path, coalesce, labels, map, format, unset, omit, key } = spec;
  // Neither path nor coalesce: a column the API no longer has, kept (empty) so that transformations keep working.
  if (path === undefined && coalesce === undefined) return () => '';
  // Values that mean "not set" (an assignee id of 0) count as missing.
  const unsetCells = new Set((unset ?? []).map(cell));
  const isSet = (v: unknown) => v !== null && v !== undefined && v !== '' && !unsetCells.has(cell(v));
  let read: (o: Json, p: Scope) => unknown;
  if (coalesce) {
    read = (o, p) => {
      for (let i = 0; i < coalesce.length; i++) {
        const v = getPath(o, p, coalesce[i]);
        if (isSet(v)) return labels ? labels[i] : v;
      }
      return undefined;
    };
  } else {
    read = (o, p) => {
      let v = getPath(o, p, path!);
      if (key !== undefined) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json)[key] : undefined;
      return isSet(v) ? v : undefined;
    };
  }
  if (map) {
    const inner = read;
    read = (o, p) => {
      const v = inner(o, p);
      const key = cell(v);
      return Object.hasOwn(map, key) ? map[key] : v;
    };
  }
  if (format === 'json') return omit?.length ? (o, p) => stableJson(without(read(o, p), omit)) : (o, p) => stableJson(read(o, p));
  if (format === 'iso_to_unix') return (o, p) => isoToUnix(read(o, p));
  return (o, p) => cell(read(o, p));
}

/** What each type accepts as text (empty is null, and always fits). string and json take anything. */
const FITS: Partial<Record<ColumnType, { re: RegExp; what: string }>> = {
  integer: { re: /^-?\d+$/, what: 'an integer' },
  number: { re: /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, what: 'a number' },
  boolean: { re: /^(true|false)$/, what: 'a boolean' },
};

/**
 * A value that does not fit the declared type is written empty, so a typed storage load never fails on one
 * odd record; the first per column and run is reported.
 */
function typed(type: ColumnType, name: string, read: (obj: Json, scope: Scope) => string, secret: boolean): (obj: Json, scope: Scope) => string {
  // A hashed column's value must not reach the log either: its warnings name the column only.
  const shown = (v: string) => (secret ? 'a value' : JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v));
  const fits = FITS[type];
  if (!fits) return read;
  return (o, p) => {
    const v = read(o, p);
    if (v === '') return v;
    if (fits.re.test(v)) {
      // JSON numbers are doubles: an integer beyond 2^53 has already lost digits when the answer was parsed.
      if (type === 'integer' && !Number.isSafeInteger(Number(v))) warnOnce(`unsafe:${name}`, `${name}: Intercom sent ${secret ? 'an integer' : v}${secret ? '' : ', an integer'} beyond 2^53, which may have lost its last digits when the answer was parsed; written as read.`);
      return v;
    }
    warnOnce(`type:${name}`, `${name}: Intercom sent ${shown(v)}, not ${fits.what}; written empty${secret ? '' : ' (parameters.raw_payload keeps the original)'}.`);
    return '';
  };
}

/** A copy of `value` without the dotted paths (copied only along the paths; the rest is shared). */
function without(value: unknown, paths: string[]): unknown {
  let out = value;
  for (const p of paths) out = drop(out, p.split('.'));
  return out;
}

function drop(value: unknown, steps: string[]): unknown {
  const [head, ...rest] = steps;
  if (Array.isArray(value)) {
    // A numeric step indexes a list (contacts.contacts.0.id), as getPath reads it.
    const i = Number(head);
    if (!/^\d+$/.test(head) || i >= value.length) return value;
    const copy = [...value];
    if (rest.length === 0) copy.splice(i, 1);
    else copy[i] = drop(copy[i], rest);
    return copy;
  }
  if (value === null || typeof value !== 'object' || !(head in value)) return value;
  const copy: Json = { ...(value as Json) };
  if (rest.length === 0) delete copy[head];
  else copy[head] = drop(copy[head], rest);
  return copy;
}

/** A table's row function; `table` names its columns in errors and warnings. */
export function compileRow(table: string, columns: Record<string, ColumnSpec>, hashing?: { columns: ReadonlySet<string>; hash: (v: string) => string }): RowFn {
  const fns = Object.entries(columns).map(([name, spec]) => {
    const hash = hashing?.columns.has(name) ? hashing.hash : undefined;
    const f = compileColumn(spec, `${table}.${name}`, hash !== undefined);
    return hash ? (o: Json, p: Scope) => hash(f(o, p)) : f;
  });
  return (obj, scope) => fns.map((f) => f(obj, scope));
}
