import type { RunResult } from './run.js';

interface Filter {
  column: string;
  operator: string;
  values_from_set: string[];
}

/**
 * Loads a run's tables the way the platform applies manifests: `incremental: false` replaces the table;
 * `incremental: true` first deletes the rows matched by `delete_where`, then upserts by primary key.
 */
export class Storage {
  readonly tables = new Map<string, Map<string, Record<string, string>>>();

  async load(run: RunResult): Promise<void> {
    for (const name of await run.tables()) {
      const manifest = (await run.manifest(name)) as { primary_key: string[]; incremental: boolean; delete_where?: Array<{ where_filters: Filter[] }> };
      let table = this.tables.get(name) ?? new Map();
      if (!manifest.incremental) table = new Map();
      for (const clause of manifest.delete_where ?? []) {
        for (const f of clause.where_filters) {
          if (f.operator !== 'eq') throw new Error(`unsupported operator ${f.operator}`);
          const set = new Set(f.values_from_set);
          for (const [k, row] of table) if (set.has(row[f.column])) table.delete(k);
        }
      }
      for (const row of run.table(name).rows) table.set(manifest.primary_key.map((c) => row[c]).join('\u0000'), row);
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
