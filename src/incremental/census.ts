/**
 * How an incremental run learns which records of a big list were deleted (or merged away) since the last run,
 * where Intercom keeps no list of deletions (contacts; conversations before API 2.16).
 *
 * Every id the list has is noted once per run: a full read notes the records it writes; a read of changes
 * also takes a census, a search of every record split by creation time (src/intercom/partitioned.ts). The
 * state keeps only a sketch of those ids (src/incremental/id-sketch.ts), a few hundred KB at most whatever the
 * list's size. The next run builds the same sketch of its own ids and subtracts: what is left decodes to the
 * ids that went, as long as they are not more than the sketch can tell apart.
 */
import { IdSet } from '../util/id-set.js';
import { IdSketch, type TaggedId } from './id-sketch.js';

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

  /**
   * `margin` (the reader's Reader.census.margin, seconds): records created this long after the last sketch was made
   * are left out of the comparison (they cannot be in it); it covers a clock of Intercom's ahead of ours. Records
   * created inside it count as new ids in the difference, which decodes them and ignores them.
   */
  constructor(stored: StoredSketch | undefined, margin: number, written?: IdSet) {
    this.ofTheRead = written !== undefined;
    this.seen = written ?? new IdSet();
    this.previous = IdSketch.parse(stored?.sketch);
    this.cutoff = (stored?.sketch_at ?? 0) + margin;
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
