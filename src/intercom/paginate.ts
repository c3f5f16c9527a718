/**
 * The pagination styles of Intercom's API 2.x, each an async iterator over the items of every page.
 * A page is requested only when the consumer has taken the previous one, so a slow writer slows the reader.
 *
 * Nothing read from the API is trusted: a page without its list, a list that is not an array, an item without
 * an id, a cursor that comes back, a page that repeats earlier ids or a page past the last one is a failure
 * (retried by the client, then reported), never "no data" and never an endless loop.
 */
import { log, warnOnce } from '../log.js';
import { HttpError, Persistent, type Body, type IntercomClient } from './client.js';
import type { CursorPages } from '../generated/intercom.js';
import { IdSet } from '../util/id-set.js';

type Query = Record<string, string | number | boolean | undefined>;
export type Item = Record<string, unknown>;

/** What a list answer must look like. */
export interface ListShape {
  /** The key holding the list; more than one where the API documents alternatives (the first present is used). */
  keys: string[];
  /** The field every item is keyed by. */
  id: string;
  /** Items the spec marks nullable are skipped with one warning; any other null item is a failure. */
  nullableItems?: boolean;
  /** More checks on each item (from the template: child lists it reads, primary-key columns). */
  item?: (item: Item) => string | undefined;
  /** Fills in what an item lacks, before any check (a reader's declared `fill`). */
  fill?: (item: Item) => void;
}

export const shape = (key: string | string[], extra: Partial<ListShape> = {}): ListShape => ({ keys: [key].flat(), id: 'id', ...extra });

/** What is wrong with a page's list, or undefined. */
export function listProblem(body: Body, s: ListShape): string | undefined {
  const key = s.keys.find((k) => body[k] !== undefined && body[k] !== null);
  if (key === undefined) return `without the ${s.keys.map((k) => `"${k}"`).join(' or ')} list`;
  const list = body[key];
  if (!Array.isArray(list)) return `with "${key}" that is not a list`;
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as unknown;
    if (item === null && s.nullableItems) continue;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return `with item ${i} of "${key}" not an object`;
    s.fill?.(item as Item);
    const id = (item as Item)[s.id];
    if (!isKey(id)) return `with item ${i} of "${key}" without "${s.id}"`;
    const wrong = s.item?.(item as Item);
    if (wrong) return `with ${key} item ${String(id)}: ${wrong}`;
  }
  return undefined;
}

/** The items of a page that passed listProblem; nulls the spec allows are dropped with one warning per route. */
export function itemsOf(body: Body, s: ListShape, route: string): Item[] {
  const { key, list, items } = records(body, s);
  if (items.length < list.length) warnOnce(`null:${route}`, `Intercom's answer to ${route} held null items in "${key}" (the API allows it); they are skipped.`);
  return items;
}

function records(body: Body, s: ListShape): { key: string; list: Array<Item | null>; items: Item[] } {
  const key = s.keys.find((k) => body[k] !== undefined && body[k] !== null)!;
  const list = body[key] as Array<Item | null>;
  return { key, list, items: list.filter((x): x is Item => x !== null) };
}

function isKey(v: unknown): boolean {
  return (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v));
}

/** A checked page's record ids (no warning here: that is for the page's reader, once it takes the page). */
export const idsOf = (body: Body, s: ListShape) => records(body, s).items.map((x) => String(x[s.id]));

/**
 * Remembers the ids of a read so far, to tell a pagination going round in a circle from one moving forward.
 * - `small` (a contact's notes, companies, events: lists that do not shift while read): a page equal to the one
 *   before, or holding only records already read, is a loop.
 * - `scroll` (its scroll_param stays the same from page to page): a page equal to the one before is a loop.
 * - `cursor` (the big lists, where a new cursor already proves progress): a page may legitimately repeat records
 *   already read, even a whole page of them, when a burst of updates pushes them down; only a long run of pages
 *   with nothing new is a loop.
 */
export class LoopGuard {
  private readonly seen = new IdSet();
  private previous = '';
  private staleRun = 0;

  constructor(private readonly kind: 'small' | 'scroll' | 'cursor') {}

  problem(ids: string[]): Persistent | undefined {
    if (ids.length === 0) return undefined;
    const stale = ids.every((id) => this.seen.has(id));
    if (this.kind === 'cursor') {
      return stale && this.staleRun + 1 >= STALE_PAGES ? new Persistent(`that is the ${STALE_PAGES}th page in a row with no record not read before (the pagination is going round in a circle)`) : undefined;
    }
    if (ids.join(',') === this.previous) return new Persistent('that repeats the previous page');
    if (this.kind === 'small' && stale) return new Persistent('whose records were all on earlier pages (the pagination is going round in a circle)');
    return undefined;
  }

  accept(ids: string[]): void {
    this.previous = ids.join(',');
    this.staleRun = ids.length > 0 && ids.every((id) => this.seen.has(id)) ? this.staleRun + 1 : 0;
    for (const id of ids) this.seen.add(id);
  }
}

/** Pages in a row that bring nothing new before a cursor-paged list counts as looping (3,000 records at 150 a page). */
const STALE_PAGES = 20;

/** What every request of a read is counted under in the run's summary, and who hears the list's size. */
export interface ReadHooks {
  cost?: string;
  /** Told the list's size from its first page, where paging by numbers says it (see sizeOf). */
  onTotal?: (total: number, approximate?: boolean) => void;
}

/**
 * A list's size as its first page says it: its total_count; else, from its number of pages, the first page's count
 * times that (approximate: the last page may hold fewer), or the first page's count where it is the only one.
 */
export function sizeOf(b: Body, firstPage: number): { total: number; approximate: boolean } | undefined {
  const count = b.total_count;
  if (typeof count === 'number' && Number.isInteger(count) && count >= 0) return { total: count, approximate: false };
  const pages = totalPages(b as NumberedPage);
  if (typeof pages !== 'number' || !Number.isInteger(pages) || pages < 1) return undefined;
  return pages === 1 ? { total: firstPage, approximate: false } : { total: pages * firstPage, approximate: true };
}

/** One request, one list: /admins, /teams, /tags, /segments, /contacts/{id}/tags. */
export async function* single(client: IntercomClient, path: string, s: ListShape, query?: Query, c: ReadHooks = {}): AsyncGenerator<Item> {
  const page = await client.get(path, query, { cost: c.cost, check: (b) => listProblem(b, s) });
  yield* itemsOf(page, s, path);
}

/** Where a cursor-paged read starts, and who hears of each page's cursor (to resume a read in a later run). */
export interface Resume {
  /** The cursor of the page to start at (its `starting_after`). */
  cursor?: string;
  /** Called with the cursor of each page just before it is requested; reading again from it repeats that page only. */
  onPage?: (cursor: string | undefined) => void;
  /** Told the list's total_count from its first page, where the answer has one: before any of its records. */
  onTotal?: (total: number, approximate?: boolean) => void;
}

/**
 * The items of a read that `keep` accepts. A read asked from early (a search's slack) answers more than is kept:
 * the size `resume.onTotal` hears goes down by each item left out, so a progress line counts toward what is kept.
 */
export async function* keptOf(read: (resume: Resume) => AsyncIterable<Item>, keep: (item: Item) => boolean, resume: Resume = {}): AsyncGenerator<Item> {
  let size: { total: number; approximate?: boolean } | undefined;
  let cut = 0;
  const onTotal = (total: number, approximate?: boolean) => resume.onTotal?.((size = { total, approximate }).total - cut, approximate);
  for await (const item of read({ ...resume, onTotal })) {
    if (keep(item)) yield item;
    else if (size) resume.onTotal?.(size.total - ++cut, size.approximate);
  }
}

type CursorPage = Body & { pages?: CursorPages | null };

/** `starting_after` cursors: GET /contacts, GET /conversations. */
export function cursor(client: IntercomClient, path: string, s: ListShape, query: Query = {}, resume: Resume = {}, c: ReadHooks = {}): AsyncGenerator<Item> {
  return cursorPages((startingAfter, check) => client.get(path, { ...query, starting_after: startingAfter }, { cost: c.cost, check }), s, path, resume);
}

/** POST search with `pagination.starting_after`: /contacts/search, /conversations/search, /tickets/search. */
export function searchCursor(client: IntercomClient, path: string, s: ListShape, body: Record<string, unknown>, perPage: number, resume: Resume = {}, c: ReadHooks = {}): AsyncGenerator<Item> {
  return cursorPages(
    (startingAfter, check) => client.post(path, { ...body, pagination: startingAfter ? { per_page: perPage, starting_after: startingAfter } : { per_page: perPage } }, { cost: c.cost, check }),
    s,
    path,
    resume,
  );
}

async function* cursorPages(
  fetchPage: (startingAfter: string | undefined, check: (b: Body) => string | Persistent | undefined) => Promise<CursorPage>,
  s: ListShape,
  route: string,
  resume: Resume = {},
): AsyncGenerator<Item> {
  let startingAfter = resume.cursor;
  const cursors = new Set<string>(startingAfter ? [startingAfter] : []);
  const guard = new LoopGuard('cursor');
  const check = (b: Body) => {
    const wrong = listProblem(b, s);
    if (wrong) return wrong;
    const next = nextCursor(b as CursorPage);
    if (next !== undefined && typeof next !== 'string') return 'with a pages.next.starting_after that is not a string';
    if (next && cursors.has(next)) return new Persistent('with a next-page cursor it gave before (the pagination is going round in a circle)');
    return guard.problem(idsOf(b, s));
  };
  for (let first = true; ; first = false) {
    resume.onPage?.(startingAfter);
    let page: CursorPage;
    try {
      page = await fetchPage(startingAfter, check);
    } catch (e) {
      // A cursor saved by an earlier run may have expired: start the list over (rows already loaded are upserted).
      if (!(first && startingAfter && e instanceof HttpError && (e.status === 400 || e.status === 404))) throw e;
      log.warn(`The saved position in ${route} is no longer valid (${e.message}); reading it again from the start.`);
      startingAfter = undefined;
      cursors.clear();
      resume.onPage?.(startingAfter);
      page = await fetchPage(startingAfter, check);
    }
    guard.accept(idsOf(page, s));
    if (first && typeof page.total_count === 'number') resume.onTotal?.(page.total_count);
    yield* itemsOf(page, s, route);
    const next = nextCursor(page) as string | undefined;
    if (!next) return;
    cursors.add(next);
    startingAfter = next;
  }
}

function nextCursor(page: CursorPage): unknown {
  const pages = page.pages;
  if (pages === null || pages === undefined || typeof pages !== 'object') return undefined;
  const next = (pages as { next?: unknown }).next;
  if (next === null || next === undefined || typeof next !== 'object') return undefined;
  return (next as { starting_after?: unknown }).starting_after ?? undefined;
}

type NumberedPage = Body & { pages?: { page?: unknown; total_pages?: unknown; next?: unknown } | null; total_pages?: unknown };

/** How many pages the answer says there are: in its `pages` object, or at its top level (/content_snippets, /audiences). */
const totalPages = (b: NumberedPage): unknown => b.pages?.total_pages ?? b.total_pages;

/** `page` numbers: /contacts/{id}/companies, /contacts/{id}/notes, /calls; /content_snippets with the numbers at the top level. */
export async function* pageNumbers(client: IntercomClient, path: string, s: ListShape, query: Query = {}, c: ReadHooks = {}): AsyncGenerator<Item> {
  const guard = new LoopGuard('small');
  for (let page = 1; ; page++) {
    const check = (b: Body) => {
      const wrong = listProblem(b, s);
      if (wrong) return wrong;
      const total = totalPages(b as NumberedPage);
      if (typeof total === 'number' && page > Math.max(total, 1)) return new Persistent(`for page ${page} while ${(b as NumberedPage).pages?.total_pages !== undefined ? 'pages.' : ''}total_pages is ${total}`);
      return guard.problem(idsOf(b, s));
    };
    const res = await client.get<NumberedPage>(path, { ...query, page }, { cost: c.cost, check, urgent: page > 1 });
    const ids = idsOf(res, s);
    guard.accept(ids);
    const size = page === 1 ? sizeOf(res, ids.length) : undefined;
    if (size) c.onTotal?.(size.total, size.approximate);
    yield* itemsOf(res, s, path);
    const total = totalPages(res);
    if (ids.length === 0 || (typeof total === 'number' ? page >= total : !res.pages?.next)) return;
  }
}

/** `next_cursor` with `has_more` at the top level, passed back as the `cursor` query parameter: /contacts/{id}/merge_history. */
export async function* nextCursorPages(client: IntercomClient, path: string, s: ListShape, query: Query = {}, c: ReadHooks = {}): AsyncGenerator<Item> {
  const cursors = new Set<string>();
  const guard = new LoopGuard('small');
  const check = (b: Body) => {
    const wrong = listProblem(b, s);
    if (wrong) return wrong;
    const next = b.next_cursor;
    if (next !== undefined && next !== null && typeof next !== 'string') return 'with a next_cursor that is not a string';
    if (typeof next === 'string' && b.has_more === true && cursors.has(next)) return new Persistent('with a next_cursor it gave before (the pagination is going round in a circle)');
    return guard.problem(idsOf(b, s));
  };
  let cursor: string | undefined;
  for (;;) {
    const res = await client.get(path, cursor === undefined ? query : { ...query, cursor }, { cost: c.cost, check, urgent: cursor !== undefined });
    guard.accept(idsOf(res, s));
    yield* itemsOf(res, s, path);
    const next = res.next_cursor;
    if (res.has_more !== true || typeof next !== 'string' || next === '') return;
    cursors.add(next);
    cursor = next;
  }
}

/** A `pages.next` URL to follow: /events. */
export async function* nextUrl(client: IntercomClient, path: string, s: ListShape, query: Query = {}, c: ReadHooks = {}): AsyncGenerator<Item> {
  const urls = new Set<string>();
  const guard = new LoopGuard('small');
  const check = (b: Body) => {
    const wrong = listProblem(b, s);
    if (wrong) return wrong;
    const next = nextLink(b);
    if (next !== undefined && typeof next !== 'string') return 'with a pages.next that is not a URL';
    if (next && urls.has(next)) return new Persistent('with a next-page link it gave before (the pagination is going round in a circle)');
    return guard.problem(idsOf(b, s));
  };
  let res = await client.get(path, query, { cost: c.cost, check });
  for (;;) {
    guard.accept(idsOf(res, s));
    yield* itemsOf(res, s, path);
    const next = nextLink(res) as string | undefined;
    if (!next) return;
    urls.add(next);
    res = await client.get(next, undefined, { cost: c.cost, check, urgent: true });
  }
}

function nextLink(b: Body): unknown {
  const pages = b.pages as { next?: unknown } | null | undefined;
  return pages && typeof pages === 'object' ? (pages.next ?? undefined) : undefined;
}


