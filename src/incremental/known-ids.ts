/**
 * Lists read whole every run (tags, companies, segments; under flag every such list): the ids the last run knew,
 * as a list or, past a few thousand, a sketch; a record gone from them since was deleted.
 */
import { IdSketch } from './id-sketch.js';
import type { SyncState } from '../generated/state.js';

/** Beyond this many ids (54 KB of them; their sketch takes 49 KB up to 24,576), a list's known ids are kept as a sketch. */
export const KNOWN_IDS_AT_MOST = 2_000;

/**
 * A sketch of ids, where every one of them fits in one (else none: they are kept as a list). Four times the
 * usual size: what a list read whole gained since the last run counts against it too (a contact census leaves
 * out what was created since; a list of tags or companies cannot).
 */
function sketchOf(ids: string[], cells = Math.min(IdSketch.cellsFor(ids.length) * 4, IdSketch.cellsFor(Number.MAX_SAFE_INTEGER))): string | undefined {
  const sketch = new IdSketch(cells);
  for (const id of ids) if (!sketch.add(id)) return undefined;
  return sketch.toString();
}

/**
 * What the last run knew of a list: its size, and the ids it had that `now` lacks (undefined: more changed than
 * its sketch tells apart). Undefined when the last run kept none.
 */
export function knownBefore(prev: SyncState | undefined, list: string, now: string[] | undefined): { size: number; gone?: string[] } | undefined {
  if (!now) return undefined;
  const ids = prev?.known?.[list];
  if (ids) {
    const present = new Set(now);
    return { size: ids.length, gone: ids.filter((id) => !present.has(id)) };
  }
  const kept = prev?.known_sketch?.[list];
  const before = IdSketch.parse(kept?.sketch);
  if (!kept || !before) return undefined;
  const current = new IdSketch(before.cells);
  for (const id of now) current.add(id);
  return { size: kept.size, gone: current.minus(before).decode()?.removed.map((r) => r.id) };
}

/** What the state keeps of a tracked list for the next run (see SyncState: known, known_sketch, unlisted). */
export interface KnownIds {
  known?: string[];
  known_sketch?: { sketch: string; size: number };
  unlisted?: string[];
}

/**
 * The next run's reference for a tracked list. `current`: the ids this run's read showed, or undefined to keep the
 * last run's (a distrusted answer, a list not read). `unlisted`: ids missing from the read that still exist, or
 * carried from the last run; `named`: ids that rows written this run name.
 */
export function knownForNext(prev: SyncState | undefined, list: string, run: { current?: string[]; unlisted?: string[]; named?: ReadonlySet<string>; atMost: number }): KnownIds {
  const named = [...(run.named ?? [])].filter((id) => id !== '');
  if (!run.current) {
    const out: KnownIds = { known: prev?.known?.[list], known_sketch: prev?.known_sketch?.[list] };
    // Without the last run's ids (none yet, or only a sketch, which cannot say which ids it holds), every id the rows
    // name is kept: the next run asks for each its list lacks, so one deleted in between takes its rows along.
    const kept = prev?.known?.[list] ? new Set([...prev.known[list], ...(prev.unlisted?.[list] ?? [])]) : undefined;
    const unlisted = [...new Set([...(prev?.unlisted?.[list] ?? []), ...(kept ? named.filter((id) => !kept.has(id)) : named)])].sort();
    return unlisted.length > 0 ? { ...out, unlisted } : out;
  }
  const ids = run.current;
  // Known are the ids the list showed. Ids it left out are asked for again next run: those that still exist
  // (a company without users), and those a row written this run names (one deleted after the row's record was
  // read, or a company only leads have): each that is gone then takes the rows naming it along.
  const have = new Set(ids);
  const unlisted = [...new Set([...(run.unlisted ?? []), ...named])].filter((id) => !have.has(id)).sort();
  const sketch = ids.length > run.atMost ? sketchOf(ids) : undefined;
  return { ...(sketch ? { known_sketch: { sketch, size: ids.length } } : { known: ids }), ...(unlisted.length > 0 ? { unlisted } : {}) };
}
