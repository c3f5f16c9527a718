/**
 * A table's manifest in the platform's native-types form: the table's description, every column with its type,
 * nullability, primary-key flag and description (in CSV order), and whether storage replaces the table or merges
 * the rows into it (deleting the listed records' rows first).
 */
import type { Load } from '../sync.js';
import type { ColumnType } from '../flatten/mapping.js';

/** Keboola's base types: JSON text is a string to storage, and a number a float. */
const BASE_TYPES: Record<ColumnType, BaseType> = { string: 'STRING', json: 'STRING', integer: 'INTEGER', number: 'FLOAT', boolean: 'BOOLEAN' };

type BaseType = 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN';

export interface ManifestColumn {
  name: string;
  data_type: { base: { type: BaseType } };
  nullable: boolean;
  primary_key: boolean;
  description: string;
}

export interface Manifest {
  manifest_type: 'output';
  /** False for a sliced table (headerless gzipped slices: the schema names the columns); see src/keboola/tables.ts. */
  has_header: boolean;
  incremental: boolean;
  description: string;
  table_metadata: { 'KBC.description': string };
  schema: ManifestColumn[];
  delete_where?: Array<{ where_filters: Array<{ column: string; operator: 'eq'; values_from_set: string[] }> }>;
}

/** What a manifest says about a table: a template table node has this shape (columns in CSV order). */
export interface TableSchema {
  description?: string;
  primary_key: string[];
  columns: Record<string, { type: ColumnType; description: string }>;
}

export function manifestFor(table: TableSchema, load: Load): Manifest {
  const description = table.description ?? '';
  const manifest: Manifest = {
    manifest_type: 'output',
    // A plain CSV starts with a header row; the writers turn this off for a table they wrote as slices (src/keboola/tables.ts).
    has_header: true,
    incremental: load.mode !== 'replace',
    description,
    // The same text as table metadata: where the UI and older storage read a table's description.
    table_metadata: { 'KBC.description': description },
    schema: Object.entries(table.columns).map(([name, c]) => schemaColumn(name, c, table.primary_key.includes(name))),
  };
  if (load.mode === 'replace') return manifest;
  // One delete per slice of ids (storage runs them in turn): an SQL IN list of tens of thousands of values is
  // where warehouses draw the line (Snowflake's is 16,384 expressions).
  const delete_where = [];
  for (const { column, values } of [load.deleteBy, load.alsoDelete].flatMap((d) => (d && d.values.length > 0 ? [d] : []))) {
    for (let i = 0; i < values.length; i += DELETE_VALUES_PER_FILTER) {
      delete_where.push({ where_filters: [{ column, operator: 'eq' as const, values_from_set: values.slice(i, i + DELETE_VALUES_PER_FILTER) }] });
    }
  }
  return delete_where.length > 0 ? { ...manifest, delete_where } : manifest;
}

export const DELETE_VALUES_PER_FILTER = 10_000;

function schemaColumn(name: string, c: { type: ColumnType; description: string }, primaryKey: boolean): ManifestColumn {
  // A key column is never empty (the template check refuses a record without its key); every other may be.
  return { name, data_type: { base: { type: BASE_TYPES[c.type] } }, nullable: !primaryKey, primary_key: primaryKey, description: c.description };
}
