/**
 * How an incremental run learns which records of a big list were deleted (or merged away) since the last run,
 * where Intercom keeps no list of deletions (contacts; conversations before API 2.16).
 *
 * Every id the list has is noted once per run: a full read notes the records it writes; a read of changes
 * also takes a census, a search of every record split by creation time (src/intercom/partitioned.ts). The
 * state keeps only a sketch of those ids (src/util/id-sketch.ts), a few hundred KB at most whatever the
 * list's size. The next run builds the same sketch of its own ids and subtracts: what is left decodes to the
 * ids that went, as long as they are not more than the sketch can tell apart.
 */
import { IdSet } from './util/id-set.js';
import { IdSketch, type TaggedId } from './util/id-sketch.js';
import type { SyncState } from './sync.js';

/**
 * Records created this long after the last sketch was made are left out of the comparison (they cannot be in
 * it); the margin covers a clock of Intercom's ahead of ours. Records created inside it count as new ids in the
 * difference, which decodes them and ignores them.
 */
export const SKETCH_MARGIN_SECONDS = 10 * 60;

export interface StoredSketch {
  sketch?: string;
  sketch_at?: number;
}

export class ListCensus {
  /** The ids noted that the last run's sketch may hold, in a sketch of its size. */
  private readonly compared?: IdSketch;
  private readonly previous?: IdSketch;
  private readonly cutoff: number;
  /** An id the sketch cannot hold (too long): this run makes no sketch, and finds no deletions. */
  private unencodable?: string;
  /** Ids noted but left out of the comparison, created after the last sketch was made: the last run cannot have had them. */
  private readonly fresh = new Set<string>();

  /** The census is the read itself (a full read from the start, which passes the set of records it writes), not a search beside it. */
  readonly ofTheRead: boolean;
  /**
   * Every id noted this run, tagged with the top-level table its record went to (1 + index; 0: none): for a
   * census that is the read, the read's own set, so a million ids are held once.
   */
  readonly seen: IdSet;

  constructor(stored: StoredSketch | undefined, written?: IdSet) {
    this.ofTheRead = written !== undefined;
    this.seen = written ?? new IdSet();
    this.previous = IdSketch.parse(stored?.sketch);
    this.cutoff = (stored?.sketch_at ?? 0) + SKETCH_MARGIN_SECONDS;
    if (this.previous && stored?.sketch_at !== undefined) this.compared = new IdSketch(this.previous.cells);
  }

  /** Whether the last run left a sketch to compare with. */
  get comparable(): boolean {
    return this.compared !== undefined;
  }

  /**
   * A record of the list; true when its id is new to this run. `written`: its rows went to the table `tag` says,
   * which overrides the tag a census item gave (a lead that became a user while the run read it).
   */
  note(id: string, tag: number, createdAt: unknown, written = false): boolean {
    const compare = this.compared && IdSketch.encodable(id) && !(Number(createdAt) > this.cutoff);
    if (!this.seen.add(id, tag)) {
      const was = this.seen.get(id)!;
      if (written && was !== tag) {
        this.seen.retag(id, tag);
        if (compare) {
          this.compared!.remove(id, was);
          this.compared!.add(id, tag);
        }
      }
      return false;
    }
    if (!IdSketch.encodable(id)) this.unencodable ??= id;
    // Without a creation time it may be an old record: compared (if it is new, it decodes as new).
    else if (compare) this.compared!.add(id, tag);
    else if (this.compared) this.fresh.add(id);
    return true;
  }

  /**
   * Whether the last run had this id (so storage holds its rows): true, false, or undefined where the census cannot
   * tell (no sketch to compare with, or more changed than it tells apart). An id this run noted is in both sketches
   * unless it decodes as added; one it did not note, only if it decodes as removed.
   */
  had(id: string): boolean | undefined {
    if (this.fresh.has(id)) return false;
    const d = this.difference();
    if (!d) return undefined;
    // An id the last run had under no table (a record no table takes, one that vanished while read) has no row.
    this.sides ??= { removed: new Map(d.removed.map((r) => [r.id, r.tag])), added: new Set(d.added.map((r) => r.id)) };
    if (this.sides.removed.has(id)) return this.sides.removed.get(id) !== 0;
    if (this.sides.added.has(id)) return false;
    return this.seen.has(id);
  }

  private sides?: { removed: Map<string, number>; added: Set<string> };

  /** An id noted under a table that has no row of it (it vanished while read): the sketch holds it under none. */
  untable(id: string): void {
    this.seen.retag(id, 0);
  }

  /** An id the census missed that still exists (search had not indexed it): the next run's sketch holds it too. */
  keep(id: string, tag: number): void {
    this.seen.add(id, tag);
  }

  /**
   * The ids the last run's sketch holds that this run did not note, with the table each was in; undefined when
   * the difference is more than the sketch can tell apart (or there is nothing to compare with).
   */
  gone(): TaggedId[] | undefined {
    return this.difference()?.removed.filter((r) => !this.seen.has(r.id));
  }

  /** Ids noted under another table than the last run's sketch has them (a lead that became a user). */
  moved(): string[] {
    return (this.difference()?.removed ?? []).filter((r) => this.seen.has(r.id)).map((r) => r.id);
  }

  private decoded?: { added: TaggedId[]; removed: TaggedId[] } | null;
  private difference(): { added: TaggedId[]; removed: TaggedId[] } | undefined {
    if (!this.compared || !this.previous || this.unencodable !== undefined) return undefined;
    if (this.decoded === undefined) this.decoded = this.compared.minus(this.previous).decode() ?? null;
    return this.decoded ?? undefined;
  }

  /** Why no sketch can be made of this list, if so. */
  get unsketchable(): string | undefined {
    return this.unencodable;
  }

  /** The sketch of every id noted, for the next run. */
  sketch(): string | undefined {
    if (this.unencodable !== undefined) return undefined;
    const next = new IdSketch(IdSketch.cellsFor(this.seen.size));
    for (const id of this.seen) next.add(id, this.seen.get(id) ?? 0);
    return next.toString();
  }
}

// ---------------------------------------------------------------------------------------------
// Lists read whole every run (tags, companies, segments; under flag every such list): the ids the last run
// knew, as a list or, past a few thousand, a sketch; a record gone from them since was deleted.

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
