/**
 * The mapping engine: turns one Intercom object (and its parent, for child tables) into one CSV row,
 * following a table's column specs from the template. It knows nothing about any one resource.
 */
import stableStringify from 'fast-json-stable-stringify';
import type { ColumnSpec } from '../generated/template.js';

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

export function compileColumn(spec: ColumnSpec): (obj: Json, scope: Scope) => string {
  if (spec === null) return () => '';
  if (typeof spec === 'string') return (o, p) => cell(getPath(o, p, spec));

  const { path, coalesce, labels, map, format, unset, omit, key } = spec;
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
  } else if (path !== undefined) {
    read = (o, p) => {
      let v = getPath(o, p, path);
      if (key !== undefined) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json)[key] : undefined;
      return isSet(v) ? v : undefined;
    };
  } else {
    throw new Error('a column rule needs "path" or "coalesce"');
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

/** A copy of `value` without the dotted paths (copied only along the paths; the rest is shared). */
function without(value: unknown, paths: string[]): unknown {
  let out = value;
  for (const p of paths) out = drop(out, p.split('.'));
  return out;
}

function drop(value: unknown, steps: string[]): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !(steps[0] in value)) return value;
  const [head, ...rest] = steps;
  const copy: Json = { ...(value as Json) };
  if (rest.length === 0) delete copy[head];
  else copy[head] = drop(copy[head], rest);
  return copy;
}

export function compileRow(columns: Record<string, ColumnSpec>): RowFn {
  const fns = Object.values(columns).map(compileColumn);
  return (obj, scope) => fns.map((f) => f(obj, scope));
}
