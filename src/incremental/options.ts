/**
 * The parameters incremental planning reads: a RunConfig (src/keboola/config.ts) has them all, but planning names
 * only these, so it needs nothing of the platform side.
 */
export interface SyncOptions {
  template: string;
  apiVersion: string;
  incremental: boolean;
  resync: boolean;
  fullRefreshDays: number;
  /** Milliseconds; undefined means no budget. */
  maxRunMs: number | undefined;
  deletes: 'remove' | 'flag';
  rawPayload: boolean;
  customAttributeColumns: boolean;
  excludeTables: ReadonlySet<string>;
  excludeColumns: ReadonlySet<string>;
  hashColumns: ReadonlySet<string>;
  hashSalt: string | undefined;
}
