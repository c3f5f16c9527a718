/**
 * The one reader and writer of the state (out/state.json, the next run's in/state.json), whose shape is
 * schemas/state.schema.json (types in src/generated/state.ts; every field documented in docs/state.md).
 *
 * Reading is lenient where the platform may hand over anything: a state that is not an object, or whose `sync` is
 * not one this version wrote, is read as none, and the run says so (src/incremental/plan.ts previousSync). States
 * of older versions are migrated as they are read: a split full read's cursor was kept as `starting_after` (the
 * name of Intercom's query parameter) before it became the reader's own `cursor`; and a state without `id_columns`
 * is one of a version that typed some id columns INTEGER (src/engine/setup.ts idColumnsOf).
 */
import type { ColumnOptions, CustomColumn, LastRun, ListState, State, SyncState } from '../generated/state.js';

export type { CustomColumn, LastRun, ListState, State, SyncState };
/** How a run typed the id columns (State.id_columns). */
export type IdColumns = NonNullable<State['id_columns']>;
export type CustomColumns = Record<string, CustomColumn[]>;

/** The state as a run uses it. `sync`: undefined when there is none; 'unreadable' when it is not one this version wrote. */
export interface StoredState {
  sync: SyncState | 'unreadable' | undefined;
  /**
   * The column options the stored sync was written with, read from any sync that has lists, whatever its version: a
   * state this version cannot use still says whether the columns changed (the history tables then start again).
   */
  written?: { columns?: ColumnOptions };
  customColumns: CustomColumns;
  lastRun?: Partial<LastRun>;
  /**
   * How the last run typed the id columns; `earlier` for a state of a version that typed some INTEGER and did not
   * say so (it has a sync or a last run, but no id_columns); undefined without a state.
   */
  idColumns?: IdColumns | 'earlier';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function decodeState(raw: unknown): StoredState {
  const state = isObject(raw) ? raw : {};
  const custom = state.custom_columns;
  const last = state.last_run;
  const sync = state.sync;
  const written = isObject(sync) && typeof sync.lists === 'object' ? { written: { columns: sync.columns as ColumnOptions | undefined } } : {};
  const ids = state.id_columns === 'string' || state.id_columns === 'legacy' ? state.id_columns : sync !== undefined || last !== undefined ? 'earlier' : undefined;
  return {
    sync: decodeSync(sync),
    ...written,
    customColumns: isObject(custom) ? (custom as CustomColumns) : {},
    ...(isObject(last) ? { lastRun: last as Partial<LastRun> } : {}),
    ...(ids ? { idColumns: ids } : {}),
  };
}

function decodeSync(sync: unknown): StoredState['sync'] {
  if (sync === undefined) return undefined;
  // Lists as an array or any other object pass, as they always did: an entry that is not a list's state is none.
  if (!isObject(sync) || sync.version !== 1 || typeof sync.lists !== 'object' || sync.lists === null) return 'unreadable';
  const lists: Record<string, ListState> = {};
  for (const [name, list] of Object.entries(sync.lists)) lists[name] = migrateList(list as OldListState);
  return { ...(sync as unknown as SyncState), lists };
}

/** A list's state as earlier versions may have written it. */
type OldListState = Omit<ListState, 'backfill'> & { backfill?: { cursor?: string; starting_after?: string; started_at: number } };

/** `backfill.starting_after` (states before the cursor was the reader's own) is `backfill.cursor`; anything else as it is. */
function migrateList(list: OldListState): ListState {
  const backfill = isObject(list) ? list.backfill : undefined;
  if (!isObject(backfill) || !('starting_after' in backfill)) return list as ListState;
  const { starting_after, ...rest } = backfill;
  return { ...list, backfill: { ...rest, ...(starting_after !== undefined && rest.cursor === undefined ? { cursor: starting_after } : {}) } };
}

/** What out/state.json holds after a successful run. */
export function encodeState(s: { sync: SyncState; customColumns?: CustomColumns; lastRun: LastRun; idColumns: IdColumns }): State {
  return { sync: s.sync, ...(s.customColumns ? { custom_columns: s.customColumns } : {}), last_run: s.lastRun, id_columns: s.idColumns };
}
