/**
 * A table's manifest in the platform's form: its primary key, and whether storage replaces the table or
 * merges the rows into it (deleting the listed records' rows first).
 */
import type { Load } from '../sync.js';

export interface Manifest {
  primary_key: string[];
  incremental: boolean;
  delete_where?: Array<{ where_filters: Array<{ column: string; operator: 'eq'; values_from_set: string[] }> }>;
}

export function manifestFor(primaryKey: string[], load: Load): Manifest {
  if (load.mode === 'replace') return { primary_key: primaryKey, incremental: false };
  if (!load.deleteBy) return { primary_key: primaryKey, incremental: true };
  const { column, values } = load.deleteBy;
  return { primary_key: primaryKey, incremental: true, delete_where: [{ where_filters: [{ column, operator: 'eq', values_from_set: values }] }] };
}
