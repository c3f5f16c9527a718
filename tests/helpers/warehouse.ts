/**
 * Storage as a real database: DuckDB, loaded the way Keboola's output mapping applies a run's manifests, for the
 * schedule tests (tests/e2e/schedule.test.ts) and the demo's database file (scripts/demo-sql.ts). Unlike the in-memory Storage (storage.ts), a value that does not cast
 * to its column's type, an empty key, or a key written twice fails the load here as it fails a warehouse's.
 *
 * The platform's semantics, from its own code:
 * - `incremental: false` replaces the table's rows; `incremental: true` first runs each `delete_where` as a delete
 *   of the rows whose column holds one of the values (keboola/output-mapping TableDataModifier.php, one delete per
 *   entry), then loads the file with an upsert by the primary key (Storage API "incremental load": rows with a key
 *   already in the table are updated, others inserted).
 * - In a typed table (native types, `schema` with base types) every column has its base type (keboola/php-datatypes
 *   BaseType: STRING, INTEGER, FLOAT, BOOLEAN), an empty value is NULL (treatValuesAsNull, whose default is the
 *   empty string), and a key column is NOT NULL (storage-api-php-client apiary.apib: primaryKeysNames are "not
 *   nullable"). A table without native types (the columns form) has string columns that keep '' as written.
 * - A column the table lacks is added; one the file lacks is left empty. A column's type never changes, and
 *   neither does a table's primary key: storage refuses such a load.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { manifestColumns, manifestPrimaryKey, type Manifest, type SchemaManifest } from '../../src/keboola/manifest.js';
import type { RunResult } from './run.js';

/** What a load reads: a run's tables, as a finished run (run.ts) or a data dir (outputTables) gives them. */
export type TableSource = Pick<RunResult, 'tables' | 'table' | 'manifest'>;

const SQL_TYPES = { STRING: 'VARCHAR', INTEGER: 'BIGINT', FLOAT: 'DOUBLE', BOOLEAN: 'BOOLEAN' } as const;

interface TableDef {
  /** The table as SQL names it (quoted, with its schema if any). */
  sql: string;
  columns: Map<string, string>;
  key: string[];
  typed: boolean;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const lit = (value: string) => `'${value.replaceAll("'", "''")}'`;

export class Warehouse {
  private readonly defs = new Map<string, TableDef>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
  ) {}

  /** `file`: a DuckDB database file, created if missing; by default the database lives in memory. */
  static async open(file = ':memory:'): Promise<Warehouse> {
    // Many small tables. One thread runs their statements with less overhead than a pool (the demo's load: a
    // fifth less CPU). In DuckDB's default 256 KiB blocks the demo's 82 tables take 38 MiB on disk, in 16 KiB
    // blocks 7 MiB (ATTACH's BLOCK_SIZE; DuckDB 1.2 and later read such a file).
    const instance = await DuckDBInstance.create(file, { threads: '1', ...(file === ':memory:' ? {} : { default_block_size: '16384' }) });
    return new Warehouse(instance, await instance.connect());
  }

  close(): void {
    this.db.closeSync();
    this.instance.closeSync();
  }

  tables(): string[] {
    return [...this.defs.keys()].sort();
  }

  /**
   * Loads every table of a successful run, each as its manifest says; throws what storage would refuse. With
   * `schema` the tables go into that schema (created if missing) and are named `schema.table` here, as a bucket
   * holds one configuration's tables.
   */
  async load(run: TableSource, schema?: string): Promise<void> {
    if (schema !== undefined) await this.db.run(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
    for (const table of await run.tables()) {
      const name = schema === undefined ? table : `${schema}.${table}`;
      const sql = schema === undefined ? q(table) : `${q(schema)}.${q(table)}`;
      await this.loadTable({ name, sql, file: table }, (await run.manifest(table)) as unknown as Manifest, run);
    }
  }

  /** A query's rows as JSON values (a list as an array, a BIGINT or a time as text, NULL as null). */
  async queryJson(sql: string): Promise<Array<Record<string, unknown>>> {
    return (await this.db.runAndReadAll(sql)).getRowObjectsJson();
  }

  /** A query's columns and rows, each value as DuckDB writes it (NULL as null), and which columns hold numbers. */
  async queryText(sql: string): Promise<{ columns: string[]; numeric: boolean[]; rows: Array<Array<string | null>> }> {
    const result = await this.db.runAndReadAll(sql);
    const numeric = result.columnTypes().map((t) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|DECIMAL)/.test(String(t)));
    const rows = result.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
    return { columns: result.columnNames(), numeric, rows };
  }

  /** `name`: the table's name here (`schema.table` in a schema); `sql`: as SQL writes it; `file`: the run's table. */
  private async loadTable({ name, sql, file }: { name: string; sql: string; file: string }, manifest: Manifest, run: TableSource): Promise<void> {
    const columns = manifestColumns(manifest);
    const key = manifestPrimaryKey(manifest);
    const typed = 'schema' in manifest;
    const types = new Map(columns.map((c) => [c, typed ? SQL_TYPES[(manifest as SchemaManifest).schema.find((s) => s.name === c)!.data_type.base.type] : 'VARCHAR']));
    const table = run.table(file);
    if (JSON.stringify(table.header) !== JSON.stringify(columns)) throw new Error(`${name}: the manifest names ${JSON.stringify(columns)}, the file ${JSON.stringify(table.header)}`);
    if (key.length === 0) throw new Error(`${name}: no primary key`);

    const def = this.defs.get(name);
    if (!def) {
      const cols = columns.map((c) => `${q(c)} ${types.get(c)}${key.includes(c) ? ' NOT NULL' : ''}`);
      await this.db.run(`CREATE TABLE ${sql} (${cols.join(', ')}, PRIMARY KEY (${key.map(q).join(', ')}))`);
      this.defs.set(name, { sql, columns: types, key, typed });
    } else {
      if (JSON.stringify(def.key) !== JSON.stringify(key)) throw new Error(`${name}: the primary key changed from ${JSON.stringify(def.key)} to ${JSON.stringify(key)}`);
      if (def.typed !== typed) throw new Error(`${name}: a typed table loaded with an untyped manifest, or the reverse`);
      for (const [c, t] of types) {
        const had = def.columns.get(c);
        if (had === undefined) {
          await this.db.run(`ALTER TABLE ${sql} ADD COLUMN ${q(c)} ${t}`);
          def.columns.set(c, t);
        } else if (had !== t) throw new Error(`${name}.${c}: the type changed from ${had} to ${t}`);
      }
    }

    // The file goes to a staging table of text first, as the platform stages a load.
    await this.db.run(`CREATE OR REPLACE TEMP TABLE stage (${columns.map((c) => `${q(c)} VARCHAR`).join(', ')})`);
    const appender = await this.db.createAppender('stage');
    for (const row of table.rows) {
      for (const c of columns) {
        const v = row[c] ?? '';
        if (typed && v === '') appender.appendNull();
        else appender.appendVarchar(v);
      }
      appender.endRow();
    }
    appender.closeSync();
    const twice = (await this.db.runAndReadAll(`SELECT ${key.map(q).join(', ')}, count(*) AS n FROM stage GROUP BY ALL HAVING n > 1 LIMIT 1`)).getRowObjectsJson();
    if (twice.length > 0) throw new Error(`${name}: the key ${JSON.stringify(twice[0])} written twice in one load`);

    if (!manifest.incremental) await this.db.run(`DELETE FROM ${sql}`);
    for (const clause of manifest.delete_where ?? []) {
      // Several filters in one clause are ANDed by the platform; the component writes one per clause.
      if (clause.where_filters.length !== 1) throw new Error(`${name}: a delete_where clause with ${clause.where_filters.length} filters (the loader here takes one)`);
      for (const f of clause.where_filters) {
        if (f.operator !== 'eq') throw new Error(`${name}: unsupported delete_where operator ${f.operator}`);
        if (f.values_from_set.length === 0) throw new Error(`${name}: delete_where with no values`);
        await this.db.run(`DELETE FROM ${sql} WHERE CAST(${q(f.column)} AS VARCHAR) IN (${f.values_from_set.map(lit).join(', ')})`);
      }
    }
    // The upsert by primary key: a failing cast (a typed column given a value of another type) throws here. A full
    // load inserts into the emptied table, its keys checked unique above: the same rows, without DuckDB's upsert,
    // which checks each row's key and takes most of a load's time.
    const cast = columns.map((c) => `CAST(${q(c)} AS ${types.get(c)})`);
    const insert = manifest.incremental ? 'INSERT OR REPLACE' : 'INSERT';
    await this.db.run(`${insert} INTO ${sql} (${columns.map(q).join(', ')}) SELECT ${cast.join(', ')} FROM stage`);
  }

  /** A table's rows, each as its columns' text (NULL as ''), sorted; `ignore`: columns left out. */
  async rows(name: string, ignore?: RegExp): Promise<Array<Record<string, string>>> {
    const def = this.defs.get(name);
    if (!def) return [];
    const cols = [...def.columns.keys()].filter((c) => !ignore?.test(c)).sort();
    const text = cols.map((c) => `coalesce(CAST(${q(c)} AS VARCHAR), '') AS ${q(c)}`);
    const rows = (await this.db.runAndReadAll(`SELECT ${text.join(', ')} FROM ${def.sql}`)).getRowObjectsJson() as Array<Record<string, string>>;
    return rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
}

/**
 * How two warehouses' tables differ, row by row (both loaded the same way, so types compare alike): per table,
 * the rows `want` has that `got` lacks and the reverse. `only` picks the rows of `got` to compare (the others, such
 * as flagged rows of deleted records, are checked apart).
 */
export async function warehouseDifferences(got: Warehouse, want: Warehouse, tables: string[], opts: { ignore?: RegExp; only?: (row: Record<string, string>) => boolean } = {}) {
  const out: Array<{ table: string; missing: string[]; extra: string[] }> = [];
  for (const table of tables) {
    const g = (await got.rows(table, opts.ignore)).filter((r) => !opts.only || opts.only(r)).map((r) => JSON.stringify(r));
    const w = (await want.rows(table, opts.ignore)).map((r) => JSON.stringify(r));
    const count = (list: string[]) => list.reduce((m, r) => m.set(r, (m.get(r) ?? 0) + 1), new Map<string, number>());
    const [gc, wc] = [count(g), count(w)];
    const missing = [...wc].flatMap(([r, n]) => Array(Math.max(0, n - (gc.get(r) ?? 0))).fill(r));
    const extra = [...gc].flatMap(([r, n]) => Array(Math.max(0, n - (wc.get(r) ?? 0))).fill(r));
    if (missing.length > 0 || extra.length > 0) out.push({ table, missing, extra });
  }
  return out;
}
