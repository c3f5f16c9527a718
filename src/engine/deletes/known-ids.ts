/**
 * Delete capture, third way: lists read whole every run (tags, companies, segments; under deletes "flag" every such
 * list) keep their ids in the state (src/incremental/known-ids.ts); an id gone since the last run was deleted, once
 * a request for it answers 404. Rows naming it (users_tags, users_companies) go, and under flag its row is flagged.
 */
import { emitEvent } from '../../events.js';
import { log } from '../../log.js';
import { StoppedError, UserError } from '../../errors.js';
import type { CompiledTable } from '../../flatten/template.js';
import { changesMargin, describeReader, expand, readAll, readers, vanished } from '../../resources/index.js';
import { knownBefore, knownForNext, KNOWN_IDS_AT_MOST } from '../../incremental/known-ids.js';
import type { ListRead } from '../../incremental/read.js';
import type { SyncState } from '../../incremental/state.js';
import { forEachConcurrent } from '../../util/concurrent.js';
import { fmt } from '../progress.js';
import type { RunContext } from '../context.js';
import { listsOf } from '../tables.js';
import { writeFlags } from './flags.js';

/** Ids of a whole-read list asked for at once when checking which of them were deleted. */
const CONFIRM_AT_ONCE = 16;
/** Tags or companies gone since the last run beyond which (and beyond a tenth of them, or beyond half) the answer is distrusted. */
const MAX_GONE_AT_ONCE = 20;
/** More ids gone than this are not asked for one by one (a request each): so many at once is distrusted instead. */
const CONFIRM_GONE_AT_MOST = 1_000;

export class KnownIds {
  /** The lists whose ids are kept: those tables refer to (`refers_to`), and under flag every list read whole. */
  readonly tracked: ReadonlySet<string>;
  /** Lists tables refer to (tags for conversations_tags, companies for users_companies). */
  readonly referred: ReadonlySet<string>;
  /** The ids each tracked list has now (after a complete read this run). */
  private readonly current = new Map<string, string[]>();
  /** The ids of each referred list that rows written this run name. */
  private readonly named = new Map<string, Set<string>>();
  /** The ids of each tracked list missing from this run's read though they exist (asked for one by one). */
  private readonly unlisted = new Map<string, string[]>();
  /** Ids gone since the last run, by list. */
  private readonly goneOf = new Map<string, string[]>();
  /** Lists whose answer lost so many that it is likelier short than a purge: rows naming them wait for a full read. */
  private readonly distrusted = new Set<string>();
  /** Lists whose answer was short (many missing ids still exist): their deletions apply, but it is not the reference. */
  private readonly shortAnswers = new Set<string>();
  /** Distrusted lists whose rows were merged (kept): the last good answer stays the reference. */
  private readonly mergedDistrusted = new Set<string>();

  constructor(
    private readonly run: RunContext,
    /** Beyond this many, a list's known ids are kept as a sketch (KNOWN_IDS_AT_MOST; tests lower it). */
    private readonly atMost = KNOWN_IDS_AT_MOST,
  ) {
    const { template, cfg } = run;
    this.referred = new Set(template.tables.flatMap((t) => (t.node.refers_to ? [t.node.refers_to.list] : [])));
    // Under parameters.deletes "flag", a list read whole every run keeps its ids too: one gone since is flagged.
    // (Tables whose flagged row could not hold their key, such as basic's admins keyed by type and id, are not
    // flagged: src/flatten/template.ts withFlags. They are replaced, as under remove.)
    const flaggedWhole = run.flagDeletes && cfg.incremental ? template.roots.filter((r) => r.flagged).flatMap(listsOf).filter((l) => changesMargin(l) === undefined) : [];
    this.tracked = new Set([...this.referred, ...flaggedWhole]);
  }

  /** A tracked list read to the end this run: its ids. */
  noteRead(list: string, ids: Iterable<string>): void {
    if (this.tracked.has(list)) this.current.set(list, [...ids].sort());
  }

  noteNamed(list: string, id: string): void {
    const named = this.named.get(list) ?? new Set<string>();
    named.add(id);
    this.named.set(list, named);
  }

  /**
   * A list that tables name but no table of this template holds (tags for conversations_tags, companies for
   * users_companies): its ids only, beside the other reads, so the rows naming one deleted since go. Like a census it
   * is read to the end whatever the time budget: a part of the ids proves nothing gone.
   */
  async readIdsOnly(list: string): Promise<void> {
    try {
      const ids: string[] = [];
      for await (const item of readAll(this.run.api, list)) ids.push(String(item[readers[list].id]));
      this.current.set(list, ids.sort());
    } catch (e) {
      // Only the ids, for the relation rows naming a deleted one: a token allowed this template's own tables only (a
      // 403 on GET /tags), a scroll another client holds, or Intercom failing for them does not fail the run. Without
      // them the last run's ids stay the reference, and the next run compares.
      if (e instanceof StoppedError) throw e;
      const why = e instanceof UserError && /\b403\b|not allowed|refused|plan/i.test(e.message) ? 'Intercom refused it to this token' : `it failed: ${e instanceof Error ? e.message : String(e)}`;
      log.warn(`${describeReader(list)} was not read to the end (${why}), so relation rows naming one of ${list} deleted since the last run stay until a run reads it.`);
    }
  }

  /** Compares each tracked list read this run with the last run's ids; `reads`: this run's reads, by list. */
  async findGone(reads: ReadonlyMap<string, ListRead>): Promise<void> {
    for (const list of this.tracked) await this.findGoneOf(list, reads.get(list));
  }

  private async findGoneOf(list: string, read: ListRead | undefined): Promise<void> {
    const prev = this.run.previous;
    const now = this.current.get(list);
    if (!now) return;
    const present = new Set(now);
    // Those the last run found left out are asked for again whatever the rest shows (below); until then, kept.
    const again = (prev?.unlisted?.[list] ?? []).filter((id) => !present.has(id));
    // Without the last run's ids (it did not read this list to the end) only the ids its rows named are known: each
    // this list lacks is asked for, so one deleted since takes the rows naming it along.
    const known = knownBefore(prev, list, now);
    if (!known && again.length === 0) return;
    this.unlisted.set(list, again);
    const { gone, size } = known ?? { size: 0, gone: [] as string[] };
    if (gone === undefined && now.length >= size) {
      // New ones count against a sketch as deleted ones do: a list that grew this much becomes the reference, or
      // every later run would fail the same way.
      log.info(`${list}: more were added or deleted since the last run than its state tells apart (${fmt(size)} then, ${fmt(now.length)} now); rows naming any deleted since wait for the next full read, and this run's ${list} become the reference.`);
      emitEvent({ kind: 'known_ids_reset', list });
      return;
    }
    // Where each one can be asked for, up to CONFIRM_GONE_AT_MOST of them are: a 404 each is proof no short answer
    // gives, and a purge of most of a small list (three of four segments) then leaves at this run, not never.
    const many = gone !== undefined && gone.length > 1 && (gone.length > size / 2 || gone.length > Math.max(MAX_GONE_AT_ONCE, size / 10));
    if (gone === undefined || (many && (!readers[list].confirm_gone || gone.length > CONFIRM_GONE_AT_MOST))) {
      this.distrusted.add(list);
      emitEvent({ kind: 'known_ids_distrusted', list });
      if (gone === undefined) log.warn(`Fewer ${list} than the last run's ${fmt(size)} (${fmt(now.length)}), and more changed than its state tells apart: likelier a short answer than a purge, so the rows naming them are kept until the next full read.`);
      else log.warn(`${fmt(gone.length)} of the ${fmt(size)} ${list} of the last run are missing from this run's ${describeReader(list)}: more than a deletion usually removes, so the rows naming them are kept until the next full read.`);
      this.goneOf.set(list, gone ?? []);
      return;
    }
    const { deleted, unlisted } = await this.confirm(list, [...new Set([...gone, ...again])]);
    if (unlisted.length > 0) log.info(`${fmt(unlisted.length)} ${list} missing from ${describeReader(list)} still exist (${unlisted.slice(0, 5).join(', ')}${unlisted.length > 5 ? ', …' : ''}): the rows naming them stay, and the next run asks for them again.`);
    this.unlisted.set(list, unlisted);
    if (many && unlisted.length > 0) this.shortAnswers.add(list);
    this.goneOf.set(list, deleted);
    // Whatever went since the last run is known (where its ids were there to compare with): a table read whole may
    // keep storage's flagged rows. One the list no longer shows, though it exists, leaves that table unflagged, as a
    // full read would leave it.
    if (read && known) Object.assign(read.found, { deletionsKnown: true, moved: unlisted });
    // Flagged: those the table held (the list showed them last run), not those only rows named.
    const held = new Set(gone);
    if (this.run.flagDeletes) {
      const tables = this.run.template.roots.filter((r) => listsOf(r).includes(list));
      await writeFlags(this.run, deleted.filter((id) => held.has(id)).map((id) => ({ id, tables, at: this.run.nowSec() })));
    }
  }

  /**
   * A list that may leave out records that still exist: each one gone is asked for; only a 404 is a deletion. So is
   * each the last run found left out though it existed.
   */
  private async confirm(list: string, candidates: string[]): Promise<{ deleted: string[]; unlisted: string[] }> {
    const confirm = readers[list].confirm_gone;
    const deleted: string[] = [];
    const unlisted: string[] = [];
    const ids = (async function* () {
      yield* candidates;
    })();
    await forEachConcurrent(ids, CONFIRM_AT_ONCE, () => false, async (id) => {
      if (!confirm) return void deleted.push(id);
      try {
        await expand(this.run.api, confirm, { [readers[list].id]: id });
        unlisted.push(id);
      } catch (e) {
        if (!vanished(confirm, e)) throw e;
        deleted.push(id);
      }
    });
    return { deleted: deleted.sort(), unlisted: unlisted.sort() };
  }

  /**
   * The ids of a referred list gone since the last run, for the rows naming them (`table`'s), or undefined: none
   * known, or the answer is distrusted (then the rows are kept, and the last good answer stays the reference).
   */
  goneFor(table: CompiledTable): string[] | undefined {
    const refers = table.node.refers_to;
    const gone = refers ? this.goneOf.get(refers.list) : undefined;
    if (!refers || !gone) return undefined;
    if (this.distrusted.has(refers.list)) {
      this.mergedDistrusted.add(refers.list);
      return undefined;
    }
    return gone;
  }

  /** What the next run's state keeps of each tracked list (SyncState known, known_sketch, unlisted). */
  addTo(sync: SyncState): void {
    for (const list of this.tracked) {
      // A distrusted answer does not become the reference (kept as it was), so the next run compares with the last good one.
      const keep = this.mergedDistrusted.has(list) || this.shortAnswers.has(list) || !this.current.has(list);
      const next = knownForNext(this.run.previous, list, { current: keep ? undefined : this.current.get(list), unlisted: this.unlisted.get(list), named: this.named.get(list), atMost: this.atMost });
      if (next.known) (sync.known ??= {})[list] = next.known;
      if (next.known_sketch) (sync.known_sketch ??= {})[list] = next.known_sketch;
      if (next.unlisted) (sync.unlisted ??= {})[list] = next.unlisted;
    }
  }
}
