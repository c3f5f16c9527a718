/**
 * The options that change the tables' columns. Rows merged under other ones would lack or keep columns, so after a
 * change the tables are read whole and replaced (src/incremental/plan.ts previousSync).
 */
import type { ColumnOptions, SyncState } from '../generated/state.js';
import { hasher } from '../flatten/rules.js';
import type { SyncOptions } from '../model/sync-options.js';

export function columnOptions(cfg: SyncOptions): ColumnOptions {
  return {
    raw_payload: cfg.rawPayload,
    custom_attribute_columns: cfg.customAttributeColumns,
    exclude_tables: [...cfg.excludeTables].sort(),
    exclude_columns: [...cfg.excludeColumns].sort(),
    hash_columns: [...cfg.hashColumns].sort(),
    hash_salt_check: cfg.hashSalt ? hasher(cfg.hashSalt)('intercom-extractor: which #hash_salt') : '',
    deletes: cfg.deletes,
    include_details: [...cfg.includeDetails].sort(),
  };
}

/** The column options (by parameter name) that differ from those the stored state was written with. */
export function changedColumnOptions(cfg: SyncOptions, sync: Pick<SyncState, 'columns'> | undefined): string[] {
  if (!sync) return [];
  const was: ColumnOptions = { raw_payload: false, custom_attribute_columns: false, exclude_tables: [], exclude_columns: [], hash_columns: [], hash_salt_check: '', deletes: 'remove', include_details: [], ...(sync.columns ?? {}) };
  const now = columnOptions(cfg);
  return (Object.keys(now) as Array<keyof ColumnOptions>).filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k])).map((k) => (k === 'hash_salt_check' ? '#hash_salt' : k));
}
