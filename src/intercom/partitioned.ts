/**
 * Every record of a searchable list (POST /contacts/search, /conversations/search), read as disjoint ranges of
 * its creation time that are paged at the same time.
 *
 * Why: an incremental run must learn the id of every contact to find the deleted ones. GET /contacts is one
 * cursor, strictly sequential: at 300 ms a page, 1M contacts (6,667 pages) take 33 minutes. A search can be cut
 * by `created_at`, which never changes for a record, so ranges cannot overlap or let a record slip between them
 * however long the read takes, and many ranges keep enough requests in flight for the client's pacer to run at
 * the rate limit.
 *
 * How:
 * 1. Two one-record probes, sorted ascending and descending, give total_count and the earliest and latest
 *    creation time.
 * 2. [earliest, latest + 1) is cut into equal time spans. The first is open below and the last open above, so a
 *    record created after the probe is still read.
 * 3. Each range is one search sorted ascending, asked `slack` wider on both sides (search compares dates coarsely)
 *    and cut exactly here. Being sorted, a range stops at its first record at or past its upper bound: the upper
 *    slack costs at most the rest of one page. The order is checked, since stopping early on an unsorted answer
 *    would silently lose records.
 * 4. Work stealing: a running range with many records left (its first page's total_count less what it has read)
 *    is split in two. Its upper bound moves down to about the middle of what it has left, which it honours by
 *    stopping early (point 3), and a new range reads the upper part, for about one extra request plus the new
 *    range's lower slack. When a slot frees, a range holding more than twice the average is split first, then
 *    the waiting ranges start, newest first, then any range with a few pages left is split, so no slot idles near
 *    the end. A growing workspace packs its recent spans: equal time spans are very uneven, and the densest,
 *    read alone long after the others, would set how long the whole read takes.
 * 5. Each range has at most one item asked for at a time, and the consumer asks for the next as it takes one: a
 *    range requests its next page only when the consumer has taken its page before.
 *
 * Nothing read is trusted: a probe without a count, a record without a numeric creation time or a range that goes
 * back in time is a failure (retried by the client where asking again may help, then reported), never "no data".
 */
import { AppError } from '../errors.js';
import type { Body, IntercomClient } from './client.js';
import { listProblem, searchCursor, type Item, type ListShape } from './paginate.js';

export interface PartitionOptions {
  /** The field every record is created at (UNIX seconds), e.g. 'created_at'. Never changes. */
  field: string;
  /**
   * The search compares dates coarsely: ask each range this many seconds wider on both sides, and cut exactly on
   * the client. Contacts search compares by whole day in the workspace timezone (`>` t matches from the start of
   * the day after t; `<` t before the start of t's day), so 2 days; conversations search compares by the second
   * with inclusive > and <, so 1.
   */
  slack: number;
  /** Records per page (150, the most). */
  perPage: number;
  /** How many ranges are paged at the same time at most (e.g. 32). */
  concurrency: number;
  /** Aim for about this many pages per range (e.g. 20), so ranges are many enough to keep requests in flight. */
  pagesPerRange?: number;
  cost?: string;
}

const DEFAULT_PAGES_PER_RANGE = 20;
/** More ranges than this add requests (each reads its lower slack) without adding speed. */
const MAX_RANGES = 256;
/**
 * A range reads up to `slack` below its lower bound for nothing: a range at least this many slacks long wastes
 * at most an eighth. Contacts' 2 days of slack make ranges at least 16 days long; work stealing still fills
 * every slot when that leaves fewer ranges than slots.
 */
const MIN_SPAN_IN_SLACKS = 8;
/** A running range is split only when it has this many pages left (so each part has about two). */
const MIN_SPLIT_PAGES = 4;

/** A span [lo, hi) of the field; -Infinity and Infinity stand for an open end. */
interface Range {
  lo: number;
  /** Moves down when the range is split: the range then stops at its first record at or past it. */
  hi: number;
  /** The field of the last record read (the answer is sorted by it): a split point must lie past it. */
  at: number;
  /** Records read, including those outside [lo, hi) that the slack brought. */
  read: number;
  /** Records its search matched (total_count of its first page), less what splits gave away; unknown before. */
  total?: number;
}

interface Probe {
  total: number;
  earliest: number;
  latest: number;
}

/**
 * One read's state, shared by the consumer loop and the readers' callbacks, and changed by both: the ranges waiting
 * and running, the items handed in, and whether the read stopped or failed.
 */
interface ReadState {
  client: IntercomClient;
  path: string;
  /** The list's shape, with every record's field checked. */
  s: ListShape;
  opts: PartitionOptions;
  /** The span the probe saw, [from, to). */
  from: number;
  to: number;
  /** What a range of the initial cut holds on average. */
  share: number;
  waiting: Range[];
  /**
   * Each running range with its reader, which has at most one next() pending: its range's page requests are one
   * at a time and only as fast as the consumer takes its items.
   */
  running: Map<Range, AsyncGenerator<Item>>;
  ready: Array<{ r: Range; res: IteratorResult<Item> }>;
  wake: (() => void) | undefined;
  failure: { error: unknown } | undefined;
  stopped: boolean;
}

/** Every record of a searchable list, each exactly once per range (ranges are disjoint on `field`), ranges read concurrently. Order across ranges is not defined. */
export async function* searchByCreation(client: IntercomClient, path: string, s: ListShape, opts: PartitionOptions): AsyncGenerator<Item> {
  const { field, slack, perPage } = opts;
  if (!(opts.concurrency >= 1 && perPage >= 1 && slack >= 0)) throw new Error(`searchByCreation needs concurrency and perPage of 1 or more and a slack of 0 or more`);
  const checked: ListShape = { ...s, item: (x) => fieldProblem(x, field) ?? s.item?.(x) };
  const found = await probe(client, path, checked, opts);
  if (!found) return;
  // Integers: search takes whole UNIX seconds, even if a record's field has a fraction.
  const [from, to] = [Math.floor(found.earliest), Math.floor(found.latest) + 1];

  const st: ReadState = {
    client,
    path,
    s: checked,
    opts,
    from,
    to,
    share: (opts.pagesPerRange ?? DEFAULT_PAGES_PER_RANGE) * perPage,
    waiting: initialRanges(found.total, from, to, opts),
    running: new Map(),
    ready: [],
    wake: undefined,
    failure: undefined,
    stopped: false,
  };

  try {
    fill(st);
    for (;;) {
      if (st.failure) throw st.failure.error;
      const next = st.ready.shift();
      if (!next) {
        if (st.running.size === 0) return;
        await new Promise<void>((resolve) => (st.wake = resolve));
      } else if (next.res.done) {
        st.running.delete(next.r);
        fill(st);
      } else {
        // Asked before the item is handed on: the range reads on while the consumer works on it (one item ahead).
        void pull(st, next.r, st.running.get(next.r)!);
        yield next.res.value;
      }
    }
  } finally {
    st.stopped = true;
    // A reader's return() waits for its pending next(), then closes it: it asks for no further page. A consumer
    // that stopped early gets its own return() once no request of ours is left running. A failure is thrown at
    // once instead: another range's request may be retrying for minutes, and the caller will want to halt the
    // client rather than wait for it; those readers close on their own when it settles, their failures caught.
    const closing = Promise.allSettled([...st.running.values()].map((reader) => reader.return(undefined)));
    if (!st.failure) await closing;
  }
}

/** Wakes the consumer loop if it is waiting for a reader. */
function signal(st: ReadState): void {
  st.wake?.();
  st.wake = undefined;
}

/** Asks a range's reader for its next item: the answer is queued for the consumer, a failure stops the read. */
function pull(st: ReadState, r: Range, reader: AsyncGenerator<Item>): Promise<void> {
  return reader.next().then(
    (res) => {
      st.ready.push({ r, res });
      signal(st);
    },
    (e: unknown) => {
      st.failure ??= { error: e };
      st.stopped = true;
      signal(st);
    },
  );
}

/**
 * Splits the running range with the most records left, if it has at least `minLeft`; returns its upper part.
 * What it has left, [a, b), is cut at mid; the upper part reads from mid - slack, so mid is put slack/2 past the
 * middle for both parts to take about as long. That gains only while b - a > slack, hence at least 3 slacks
 * (contacts: 6 days): the two then finish in 2/3 of the time, for a third more reading.
 */
function split(st: ReadState, minLeft: number): Range | undefined {
  const { from, to } = st;
  const { slack } = st.opts;
  let best: { r: Range; left: number; mid: number; part: number } | undefined;
  for (const r of st.running.keys()) {
    if (r.total === undefined) continue;
    const left = r.total - r.read;
    // Where it has got to and where it ends, within what the probe saw (an open end has no middle).
    const [a, b] = [Math.max(r.lo, r.at, from), Math.min(r.hi, to)];
    if (left < minLeft || b - a < Math.max(2, 3 * slack) || (best && left <= best.left)) continue;
    // b - a ≥ max(2, 3 slack) puts a < mid < b: the range has yielded nothing at or past mid, both parts have time.
    const mid = Math.floor((a + b + slack) / 2);
    best = { r, left, mid, part: (mid - a) / (b - a) };
  }
  if (!best) return undefined;
  const upper: Range = { lo: best.mid, hi: best.r.hi, at: -Infinity, read: 0 };
  best.r.hi = best.mid;
  best.r.total = best.r.read + Math.ceil(best.left * best.part);
  return upper;
}

/**
 * Starts ranges while there are free slots. First a part of a running range more than twice the average (a
 * growing workspace packs its recent spans: one of them would otherwise be read alone long after the others),
 * then the waiting ranges newest first (the densest, in a growing workspace, so they show their size early),
 * then parts of running ranges, so no slot idles near the end while the rate limit has room.
 */
function fill(st: ReadState): void {
  const { opts } = st;
  while (!st.stopped && st.running.size < opts.concurrency) {
    const r = split(st, 2 * st.share) ?? st.waiting.pop() ?? split(st, MIN_SPLIT_PAGES * opts.perPage);
    if (!r) return;
    const reader = readRange(st.client, st.path, st.s, opts, r, () => fill(st));
    st.running.set(r, reader);
    void pull(st, r, reader);
  }
}

/** total_count and the first and last creation times, or undefined for an empty list. */
async function probe(client: IntercomClient, path: string, s: ListShape, opts: PartitionOptions): Promise<Probe | undefined> {
  const { field } = opts;
  const ask = (order: 'ascending' | 'descending') =>
    client.post(path, { query: { field, operator: '>', value: 0 }, sort: { field, order }, pagination: { per_page: 1 } }, { cost: opts.cost, check: (b) => probeProblem(b, s) });
  // Both at once, and both settled before either failure is thrown: no request is left running unheard.
  const answers = await Promise.allSettled([ask('ascending'), ask('descending')]);
  for (const a of answers) if (a.status === 'rejected') throw a.reason;
  const [asc, desc] = answers.map((a) => (a as PromiseFulfilledResult<Body>).value);
  // A record created between the two probes may make one of them non-empty: either record then bounds both ends.
  const first = firstRecord(asc, s) ?? firstRecord(desc, s);
  const last = firstRecord(desc, s) ?? firstRecord(asc, s);
  if (!first || !last) return undefined;
  const [earliest, latest] = [first[field] as number, last[field] as number];
  if (earliest > latest) {
    throw new AppError(`Intercom's answers to POST ${path} sorted by ${field} disagree: the earliest record (${String(first[s.id])}, ${earliest}) is later than the latest (${String(last[s.id])}, ${latest})`);
  }
  return { total: Math.max(asc.total_count as number, desc.total_count as number), earliest, latest };
}

function probeProblem(b: Body, s: ListShape): string | undefined {
  const wrong = listProblem(b, s);
  if (wrong) return wrong;
  const total = b.total_count;
  if (total === undefined || total === null) return 'without total_count';
  if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) return `with total_count ${JSON.stringify(total)}, not a count of records`;
  const has = firstRecord(b, s) !== undefined;
  if (has !== total > 0) return `with total_count ${total} but ${has ? 'a' : 'no'} record`;
  return undefined;
}

/** The first record of a page that passed listProblem. */
function firstRecord(b: Body, s: ListShape): Item | undefined {
  const key = s.keys.find((k) => b[k] !== undefined && b[k] !== null)!;
  return (b[key] as Array<Item | null>).find((x): x is Item => x !== null);
}

function fieldProblem(item: Item, field: string): string | undefined {
  const v = item[field];
  if (typeof v === 'number' && Number.isFinite(v)) return undefined;
  return v === undefined ? `without "${field}"` : `with "${field}" ${JSON.stringify(v)}, not a UNIX time`;
}

/** About pagesPerRange pages each, but no shorter than MIN_SPAN_IN_SLACKS slacks. */
function initialRanges(total: number, from: number, to: number, opts: PartitionOptions): Range[] {
  const wanted = Math.ceil(total / opts.perPage / (opts.pagesPerRange ?? DEFAULT_PAGES_PER_RANGE));
  const n = Math.max(1, Math.min(MAX_RANGES, wanted, Math.floor((to - from) / Math.max(1, MIN_SPAN_IN_SLACKS * opts.slack))));
  const bound = (i: number) => (i === 0 ? -Infinity : i === n ? Infinity : Math.floor(from + (i * (to - from)) / n));
  return Array.from({ length: n }, (_, i) => ({ lo: bound(i), hi: bound(i + 1), at: -Infinity, read: 0 }));
}

/** The records of one range, in ascending order of the field, each once. */
async function* readRange(client: IntercomClient, path: string, s: ListShape, opts: PartitionOptions, r: Range, onTotal: () => void): AsyncGenerator<Item> {
  const { field, slack } = opts;
  const clauses: Body[] = [];
  if (r.lo > -Infinity) clauses.push({ field, operator: '>', value: Math.max(0, r.lo - slack) });
  if (r.hi < Infinity) clauses.push({ field, operator: '<', value: r.hi + slack });
  // Both ends open (one range for the whole list): the probe's own query.
  const query = clauses.length === 0 ? { field, operator: '>', value: 0 } : clauses.length === 1 ? clauses[0] : { operator: 'AND', value: clauses };
  const resume = {
    onTotal: (total: number) => {
      r.total = total;
      // A first page is when a range's size becomes known: the moment to split it if slots are free.
      onTotal();
    },
  };
  // Ids read at the current value of the field: a record the cursor repeats is yielded once.
  let tied = new Set<string>();
  for await (const item of searchCursor(client, path, s, { query, sort: { field, order: 'ascending' } }, opts.perPage, resume, { cost: opts.cost })) {
    const v = item[field] as number;
    const id = String(item[s.id]);
    if (v < r.at) throw new AppError(`Intercom's answer to POST ${path} sorted by ${field} ascending went back from ${r.at} to ${v} (record ${id}): a range read out of order could lose records`);
    if (v > r.at) tied = new Set();
    r.at = v;
    r.read++;
    // Sorted: everything after belongs to the next range (the upper slack, or the part a split gave away).
    if (v >= r.hi) return;
    if (v < r.lo || tied.has(id)) continue;
    tied.add(id);
    yield item;
  }
}
