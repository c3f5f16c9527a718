/**
 * The parameters incremental planning reads (src/incremental/): RunConfig (src/keboola/config.ts) extends them, so
 * planning names nothing of the platform side and no field is declared twice.
 */
export interface SyncOptions {
  template: string;
  apiVersion: string;
  incremental: boolean;
  resync: boolean;
  fullRefreshDays: number;
  /** Milliseconds; undefined means no budget. */
  maxRunMs: number | undefined;
  /** What an incremental run does with deleted records: their rows go, or their top-level rows stay flagged. */
  deletes: 'remove' | 'flag';
  /** Every top-level table gains a `data` column with the record's JSON as read. */
  rawPayload: boolean;
  /** Custom attributes as typed columns. */
  customAttributeColumns: boolean;
  /** Tables not written (parameters.exclude_tables), and "table.column" names not written or hashed. */
  excludeTables: ReadonlySet<string>;
  excludeColumns: ReadonlySet<string>;
  hashColumns: ReadonlySet<string>;
  /** The HMAC key of the hashed columns; a secret. */
  hashSalt: string | undefined;
  /** The per-record details read (parameters.include_details): a table's rows depend on them like on its columns. */
  includeDetails: ReadonlySet<string>;
}
