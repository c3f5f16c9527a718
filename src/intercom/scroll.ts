/**
 * GET /companies/scroll, read to the end however many of its answers are lost.
 *
 * The scroll cannot be re-asked safely: its scroll_param names the scroll, not a page, so a continuation whose
 * answer was lost may already have moved the scroll on, and asking again gets the page after (the lost page is
 * skipped, silently). Intercom's documented 500 ("Please restart the scroll operation") and an expired
 * scroll_param end the scroll altogether. Restarting from the beginning after each failure cannot finish a big
 * workspace (100,000 companies are 2,000 pages: at 0.5% of answers lost, a pass without a loss is a 1-in-25,000
 * event), and Intercom has no other list of every company (GET /companies and POST /companies/list leave out
 * companies without users and stop at 10,000).
 *
 * So the scroll is read in passes, with a ledger of where each pass may have missed companies:
 *
 * - Every company read gets a rank, its place in the scroll's order; the ranks only ever grow along a pass.
 * - Where an answer may have been lost (a failure retried, or the scroll ended), the stretch between the last
 *   company read before and the first after is a *gap*: companies there may have been missed. The first pass
 *   starts with one gap, the whole scroll.
 * - A failure is retried as every request is (bounded by the client's retry window), so a pass goes on past
 *   lost answers. Each retry may have moved the scroll on, so a gap is a page wide or, after several retries in a
 *   row, a few. Only a scroll Intercom no longer knows (its scroll_param not found, as after the documented
 *   restart 500 when the scroll is really gone) ends the pass, leaving a gap to the end.
 * - The next pass scrolls from the beginning again, writing only companies not written yet (each id once). A gap
 *   is closed when the pass reads, without a lost answer in between, from at or before the gap's start to at or
 *   after its end (or to the scroll's end). Companies it reads inside a gap get ranks between the gap's ends, so a
 *   loss in this pass narrows the gap instead of reopening it.
 * - Every pass reads to the end, and the read ends after the first pass that leaves no gap open: at 0.5% or 0.05%
 *   of answers lost, 100,000 companies cost two passes.
 *
 * This relies on one thing Intercom does not document: a new scroll lists the companies in the same order as the
 * one before. Every pass checks it for every company it has ranked: one met before a company ranked ahead of it
 * means the order changed, and the ledger starts over from the next pass (nothing already written is written
 * again). A missed company, never ranked, cannot be checked: one that moved elsewhere is still read by a pass
 * (each reads to the end), unless it moved into a page that pass lost too.
 *
 * The read is bounded by time: it fails (exit 2) once passes have found nothing missed and closed no gap for
 * `stallMs` or three times the longest pass, whichever is longer. Companies created since the read began and a
 * pass that met another order are not progress, so an order that never holds, or a page lost in every pass, ends
 * in that failure, not in a loop.
 *
 * Companies the scroll still never lists (Intercom leaves some out) are what the run's other checks handle: ids
 * rows name but the scroll did not list are asked for one by one.
 */
import { AppError, UserError } from '../errors.js';
import { log } from '../log.js';
import { HttpError, RetriesExhaustedError, type Body, type IntercomClient, type RequestOptions } from './client.js';
import { IdSet } from '../util/id-set.js';
import { plural } from '../util/plural.js';
import { itemsOf, idsOf, listProblem, LoopGuard, type Item, type ListShape } from './paginate.js';

export interface ScrollOptions {
  /** How long to wait between tries while another client (or this run's own ended scroll) holds the app's one scroll. */
  busyRetryMs: number;
  /** How long to keep trying before failing: an idle scroll expires after a minute. */
  busyMaxWaitMs: number;
  /** How long passes may go on without closing or narrowing a gap or finding a company, before the read fails. */
  stallMs: number;
}

/** A stretch of the scroll's order, between two ranks, where companies may have been missed. */
interface Gap {
  lo: number;
  hi: number;
}

/** One read of the scroll, across its passes: what it reads, and what the passes share. */
interface ScrollRead {
  client: IntercomClient;
  path: string;
  s: ListShape;
  opts: ScrollOptions;
  /** The ids of the companies written so far: each is written once. */
  written: IdSet;
  ledger: Ledger;
  lastProgress: number;
  longestPass: number;
  /** What the last pass that met trouble met first, for the message if the passes stall. */
  trouble: string;
}

/** One pass of the scroll: where it has got to, and what it met. */
interface Pass {
  started: number;
  /** What this pass met first (a lost answer, or what ended it), kept for the message should the passes stall. */
  met: string | undefined;
  broken: boolean;
  param: string | undefined;
  waitedMs: number;
  guard: LoopGuard;
  check: NonNullable<RequestOptions['check']>;
  /** The current page's request was retried: its answer may follow a lost one. */
  lost: boolean;
}

// The awaits (each page, each wait) stay in this generator, the helpers it calls are synchronous: the scroll's
// requests then interleave with the run's other reads exactly as when this was one function.
export async function* scroll(client: IntercomClient, path: string, s: ListShape, opts: ScrollOptions): AsyncGenerator<Item> {
  const r: ScrollRead = { client, path, s, opts, written: new IdSet(), ledger: new Ledger(), lastProgress: client.clock.now(), longestPass: 0, trouble: '' };
  const { written, ledger } = r;

  for (let pass = 1; ; pass++) {
    if (pass > 1) log.info(`The companies scroll may have missed companies in ${plural(ledger.gaps.length, 'stretch', 'stretches')} (answers lost on the way): scrolling again (pass ${pass}) to read ${ledger.gaps.length === 1 ? 'it' : 'them'}, each company still written once.`);
    ledger.startPass();
    const p = newPass(r);
    for (;;) {
      let page: Body;
      p.lost = false;
      try {
        page = await client.get(path, p.param ? { scroll_param: p.param } : undefined, pageOptions(p));
      } catch (e) {
        if (failedPage(r, p, e) === 'ended') break;
        await client.sleep(opts.busyRetryMs);
        p.waitedMs += opts.busyRetryMs;
        continue;
      }
      const items = pageItems(r, p, page);
      if (!items) break;
      for (const item of items) {
        const id = String(item[s.id]);
        const isNew = !written.has(id);
        ledger.read(id, isNew);
        if (isNew) {
          written.add(id);
          yield item;
        }
      }
      if (!continueFrom(r, p, page)) break;
    }
    const end = finishPass(r, p, pass);
    if (end === 'read whole') return;
    // A pass that found nothing waits before the next, as a retry would: the stall bound is time, not passes.
    if (end === 'found nothing') await client.sleep(opts.busyRetryMs);
  }
}

/** A new pass, from the scroll's beginning. */
function newPass(r: ScrollRead): Pass {
  const started = r.client.clock.now();
  const guard = new LoopGuard('scroll');
  const check = (b: Body) => listProblem(b, r.s) ?? guard.problem(idsOf(b, r.s));
  return { started, met: undefined, broken: false, param: undefined, waitedMs: 0, guard, check, lost: false };
}

/** The options of a page's request: its check, and what a retry means for the pass. */
function pageOptions(p: Pass): RequestOptions {
  return {
    check: p.check,
    // Another try may get the page after the one lost: the stretch is broken. Even after Intercom's "Please
    // restart the scroll operation" the scroll is asked once more: where it still answers, the pass goes on
    // past a gap; where it is gone, its scroll_param is not found and the pass ends there.
    onRetry: (failure) => {
      if (p.param) (p.lost = true), (p.met ??= failure);
    },
  };
}

/**
 * A page's request failed: 'busy' while another client holds the scroll (the caller waits and asks again; past
 * busyMaxWaitMs this throws), 'ended' where a scroll that was answering broke; any other failure is thrown.
 */
function failedPage(r: ScrollRead, p: Pass, e: unknown): 'busy' | 'ended' {
  const { opts } = r;
  if (!p.param && isScrollBusy(e)) {
    if (p.waitedMs >= opts.busyMaxWaitMs) {
      throw new UserError(`Another client holds this Intercom app's companies scroll (only one may be open per app) and kept it for ${Math.round(p.waitedMs / 1000)} s: stop the other integration using this token, or run again later.`);
    }
    log.info(`Another client holds the companies scroll; trying again in ${Math.round(opts.busyRetryMs / 1000)} s.`);
    return 'busy';
  }
  // A first page that kept failing for the whole retry window: Intercom is not answering.
  if (!p.param || !isScrollBroken(e)) throw e;
  endEarly(p, (e as Error).message);
  return 'ended';
}

/** A page's companies, told to the ledger with any loss before it; undefined at the scroll's end. */
function pageItems(r: ScrollRead, p: Pass, page: Body): Item[] | undefined {
  const { s, path, ledger } = r;
  if (p.lost) ledger.lose();
  const items = itemsOf(page, s, path);
  p.guard.accept(idsOf(page, s));
  if (items.length === 0) {
    ledger.end();
    return undefined;
  }
  return items;
}

/** Takes the page's scroll_param for the next request; false (the pass ended early) when it has none. */
function continueFrom(r: ScrollRead, p: Pass, page: Body): boolean {
  // Asking again would meet our own open scroll ("scroll already exists"): the pass ends instead.
  if (typeof page.scroll_param !== 'string' || page.scroll_param === '') {
    endEarly(p, `Intercom's answer to GET ${r.path} had companies but no scroll_param to continue from`);
    return false;
  }
  // Every pass reads to the end, even once no gap is open: so the order is checked over the whole scroll, and
  // a missed company that has moved since (an update may move it in the scroll's order) is still read.
  p.param = page.scroll_param;
  return true;
}

/** Ends the pass before the scroll's end, saying why. */
function endEarly(p: Pass, why: string): void {
  p.met ??= why;
  log.info(`The companies scroll ended early (${why}).`);
  p.broken = true;
}

/**
 * Books the pass in the ledger: 'read whole' once no gap is left, else whether it found something. Throws once
 * passes have found nothing for too long.
 */
function finishPass(r: ScrollRead, p: Pass, pass: number): 'read whole' | 'found something' | 'found nothing' {
  const { client, path, opts, ledger } = r;
  if (p.broken) ledger.lose();
  if (p.met !== undefined) r.trouble = p.met;
  if (ledger.reordered) log.info('The companies scroll listed companies in another order than the pass before: where it may have missed companies is worked out again from the next pass.');
  if (ledger.endPass()) {
    if (pass > 1) log.info(`The companies scroll was read whole in ${plural(pass, 'pass', 'passes')} (${plural(r.written.size, 'company', 'companies')}).`);
    return 'read whole';
  }
  const now = client.clock.now();
  r.longestPass = Math.max(r.longestPass, now - p.started);
  // The bound is time: stallMs, or three times the longest pass, for a scroll so big that a pass takes longer (a
  // change of order costs two passes that count as none: the one that met it, and the first of the new ledger).
  if (ledger.progress) {
    r.lastProgress = now;
    return 'found something';
  }
  if (now - r.lastProgress >= Math.max(opts.stallMs, 3 * r.longestPass)) {
    throw new AppError(`GET ${path}: ${plural(pass, 'pass', 'passes')} of the companies scroll over ${Math.round((now - r.lastProgress) / 60_000)} min found no company they had missed (the last pass first met: ${r.trouble}); giving up. Run again later; if it persists, check Intercom's status page.`);
  }
  return 'found nothing';
}

/**
 * Where passes of the scroll may have missed companies. Ranks place companies in the scroll's order; a gap is an
 * open stretch of that order (lo, hi) between two ranks. A pass reads stretches of answers without a loss: a
 * stretch that reads from a gap's start past its end closes it.
 */
class Ledger {
  private ranks = new Map<string, number>();
  gaps: Gap[] = [{ lo: -Infinity, hi: Infinity }];
  /** The unbroken stretch being read: from which rank, and the rank of the last company placed in it. */
  private stretch: { from: number; last: number } | undefined;
  /** The last rank this pass met: ranks grow along a pass while the order holds. */
  private lastRank = -Infinity;
  /** This pass met a company before one ranked ahead of it: the order changed since the pass before. */
  reordered = false;
  /**
   * This pass found a missed company (one not written before, read inside an open gap), or closed or narrowed a gap
   * of a ledger an earlier pass began. Not: a company created since, outside every gap; the first pass of a ledger
   * narrowing the whole scroll; anything in a pass that met another order.
   */
  progress = false;
  /** This pass is the first of its ledger (the run's first, or the first after the order changed). */
  private fresh = true;

  startPass(): void {
    this.stretch = { from: -Infinity, last: -Infinity };
    this.lastRank = -Infinity;
    this.reordered = false;
    this.progress = false;
  }

  /** A company read in this pass, in order; `isNew`: not written before. */
  read(id: string, isNew: boolean): void {
    if (this.reordered) return;
    const at = this.stretch ? this.stretch.last : this.lastRank;
    if (isNew && this.gaps.some((g) => g.lo <= at && at < g.hi)) this.progress = true;
    this.place(id);
  }

  private place(id: string): void {
    let rank = this.ranks.get(id);
    if (rank !== undefined && rank <= this.lastRank) {
      this.reordered = true;
      return;
    }
    if (rank === undefined) {
      const at = this.stretch ? this.stretch.last : this.lastRank;
      const gap = this.gaps.find((g) => g.lo <= at && at < g.hi);
      // Placed inside the gap it was read in. After a loss only a gap to the scroll's end is sure to hold it: a
      // company read then might lie past a gap's end, had the lost answers reached that far.
      if (!gap || (!this.stretch && Number.isFinite(gap.hi))) return;
      rank = between(at, gap.hi);
      // Ranks are doubles: past some 19,000 companies placed one after another in one gap there is no room left
      // between two of them. Such a company stays unranked (written, but no stretch is judged by it).
      if (!(rank > at && rank < gap.hi)) return;
      this.ranks.set(id, rank);
    }
    this.lastRank = rank;
    if (!this.stretch) {
      // A new stretch begins here: a gap it starts inside is split there, so the stretch covers the part after.
      const inside = this.gaps.findIndex((g) => g.lo < rank! && rank! < g.hi);
      if (inside >= 0) {
        const g = this.gaps[inside];
        this.gaps.splice(inside, 1, { lo: g.lo, hi: rank }, { lo: rank, hi: g.hi });
      }
      this.stretch = { from: rank, last: rank };
      return;
    }
    this.stretch.last = rank;
    this.close((g) => this.stretch!.from <= g.lo && g.hi <= rank!);
  }

  /** An answer may have been lost: the gaps the stretch entered narrow to what it read; the stretch ends. */
  lose(): void {
    const s = this.stretch;
    if (!s) return;
    for (const g of this.gaps) {
      if (s.from <= g.lo && g.lo < s.last && s.last < g.hi) {
        g.lo = s.last;
        if (!this.fresh) this.progress = true;
      }
    }
    this.stretch = undefined;
  }

  /** The scroll's end, reached without a loss since the stretch began: every gap after its start is closed. */
  end(): void {
    const s = this.stretch;
    if (s) this.close((g) => g.lo >= s.from);
  }

  /** Whether every gap is closed; a pass that met another order starts the ledger over. */
  endPass(): boolean {
    if (this.reordered) {
      // What this pass closed or found before it met the other order proves nothing.
      this.progress = false;
      this.ranks = new Map();
      this.gaps = [{ lo: -Infinity, hi: Infinity }];
      this.fresh = true;
      return false;
    }
    this.fresh = false;
    return this.gaps.length === 0;
  }

  private close(closes: (g: Gap) => boolean): void {
    const before = this.gaps.length;
    this.gaps = this.gaps.filter((g) => !closes(g));
    if (this.gaps.length < before && !this.fresh && !this.reordered) this.progress = true;
  }
}

/** A rank strictly between two (either may be infinite), leaving room for more between it and `hi`. */
function between(lo: number, hi: number): number {
  if (!Number.isFinite(lo)) return Number.isFinite(hi) ? hi - 1 : 0;
  return Number.isFinite(hi) ? lo + (hi - lo) / 1024 : lo + 1;
}

function isScrollBusy(e: unknown): boolean {
  return e instanceof HttpError && e.status === 400 && /scroll.*exist|exist.*scroll/i.test(`${e.code} ${e.message}`);
}

/** An expired or unknown scroll_param, Intercom's documented 500 that asks for a restart, or retries run out. */
function isScrollBroken(e: unknown): boolean {
  if (e instanceof HttpError) return e.status === 404 || e.status === 400 || e.status >= 500;
  return e instanceof RetriesExhaustedError;
}
