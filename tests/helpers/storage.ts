import type { RunResult } from './run.js';
import { manifestColumns, manifestFor, manifestPrimaryKey, type Manifest } from '../../src/keboola/manifest.js';
import type { TableSpec } from '../../src/keboola/tables.js';

interface Filter {
  column: string;
  operator: string;
  values_from_set: string[];
}

/** The part of a manifest that says how storage loads the table (either form: schema, or columns). */
export interface LoadManifest {
  incremental: boolean;
  schema?: Array<{ name: string; primary_key?: boolean }>;
  columns?: string[];
  primary_key?: string[];
  delete_where?: Array<{ where_filters: Filter[] }>;
}

/** A replacing manifest, in the native-types form, for a table of string columns, for tests of the writers. */
export function manifestOf(spec: TableSpec, sliced = false): Manifest {
  const columns = Object.fromEntries(spec.columns.map((c) => [c, { type: 'string' as const, description: `Column ${c}.` }]));
  return manifestFor({ description: `Table ${spec.name}.`, primary_key: spec.primaryKey, columns }, { mode: 'replace' }, { mode: 'authoritative', sliced });
}

/** The primary key, in column order, as the manifest declares it (either form). */
export function primaryKeyOf(manifest: Record<string, unknown>): string[] {
  if (!Array.isArray(manifest.schema) && !Array.isArray(manifest.columns)) throw new Error(`a manifest without columns: ${JSON.stringify(manifest)}`);
  return manifestPrimaryKey(manifest as unknown as Manifest);
}

/**
 * Loads a run's tables the way the platform applies manifests: `incremental: false` replaces the table;
 * `incremental: true` first deletes the rows matched by `delete_where`, then upserts by primary key (the
 * schema's `primary_key` columns).
 */
export class Storage {
  readonly tables = new Map<string, Map<string, Record<string, string>>>();

  async load(run: RunResult): Promise<void> {
    for (const name of await run.tables()) {
      const manifest = (await run.manifest(name)) as unknown as LoadManifest;
      const key = primaryKeyOf(manifest as unknown as Record<string, unknown>);
      // The columns are the CSV's header (has_header: true), or a sliced table's manifest's (its slices have no
      // header; readTable takes the manifest's names); the manifest names them in the same order.
      const header = run.table(name).header;
      if (JSON.stringify(manifestColumns(manifest as unknown as Manifest)) !== JSON.stringify(header)) throw new Error(`${name}: the manifest does not name the CSV's columns`);
      let table = this.tables.get(name) ?? new Map();
      if (!manifest.incremental) table = new Map();
      for (const clause of manifest.delete_where ?? []) {
        for (const f of clause.where_filters) {
          if (f.operator !== 'eq') throw new Error(`unsupported operator ${f.operator}`);
          const set = new Set(f.values_from_set);
          for (const [k, row] of table) if (set.has(row[f.column])) table.delete(k);
        }
      }
      // Storage would keep one of two rows with the same key, whichever it met last: a run must never write both.
      const written = new Set<string>();
      for (const row of run.table(name).rows) {
        const k = key.map((c) => row[c]).join('\u0000');
        if (written.has(k)) throw new Error(`${name}: two rows with the primary key ${JSON.stringify(key.map((c) => row[c]))} in one run`);
        written.add(k);
        table.set(k, row);
      }
      this.tables.set(name, table);
    }
  }

  rows(name: string): string[] {
    return [...(this.tables.get(name)?.values() ?? [])].map((r) => JSON.stringify(r)).sort();
  }
}

export function rowsOf(run: RunResult, name: string): string[] {
  return run.table(name).rows.map((r) => JSON.stringify(r)).sort();
}

/**
 * How storage differs from a fresh full run's tables: per table, the rows the full run has that storage lacks
 * and the reverse. `ignore`: columns left out of the comparison; `only`: storage rows to compare (the others,
 * such as flagged rows of deleted records, are checked apart).
 */
export function differences(storage: Storage, full: RunResult, tables: string[], opts: { ignore?: RegExp; only?: (row: Record<string, string>) => boolean } = {}) {
  const strip = (rows: string[]) => (opts.ignore ? rows.map((j) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(j)).filter(([k]) => !opts.ignore!.test(k))))).sort() : rows);
  return tables.map((table) => {
    const got = strip(storage.rows(table).filter((j) => !opts.only || opts.only(JSON.parse(j))));
    const want = strip(rowsOf(full, table));
    const missing = want.filter((r) => !got.includes(r));
    const extra = got.filter((r) => !want.includes(r));
    return { table, missing: missing.length, extra: extra.length, firstMissing: missing[0], firstExtra: extra[0] };
  });
}

/** No differences, in the form `differences` reports them. */
export const same = (tables: string[]) => tables.map((table) => ({ table, missing: 0, extra: 0, firstMissing: undefined, firstExtra: undefined }));
