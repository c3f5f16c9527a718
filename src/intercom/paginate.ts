/**
 * The pagination styles of Intercom's API 2.x, each an async iterator over the items of every page.
 * A page is requested only when the consumer has taken the previous one, so a slow writer slows the reader.
 */
import { AppError, UserError } from '../errors.js';
import { log } from '../log.js';
import { HttpError, RetriesExhaustedError, sleep, type IntercomClient } from './client.js';
import type { CursorPages } from '../generated/intercom.js';

type Query = Record<string, string | number | boolean | undefined>;
type Page = Record<string, unknown>;

function itemsOf<T>(page: Page, key: string, route: string): T[] {
  const items = page[key];
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) throw new AppError(`Intercom's answer to ${route} has "${key}" that is not a list: the API may have changed; report it with the request id.`);
  return items as T[];
}

/** One request, one list: /admins, /teams, /tags, /segments, /contacts/{id}/tags. */
export async function* single<T>(client: IntercomClient, path: string, key: string, query?: Query): AsyncGenerator<T> {
  const page = await client.get<Page>(path, query);
  yield* itemsOf<T>(page, key, path);
}

/** Where a cursor-paged read starts, and who hears of each page's cursor (to resume a read in a later run). */
export interface Resume {
  startingAfter?: string;
  /** Called with the cursor of each page just before it is requested; reading again from it repeats that page only. */
  onPage?: (startingAfter: string | undefined) => void;
}

/** `starting_after` cursors: GET /contacts, GET /conversations. */
export function cursor<T>(client: IntercomClient, path: string, key: string, query: Query = {}, resume: Resume = {}): AsyncGenerator<T> {
  return cursorPages((startingAfter) => client.get(path, { ...query, starting_after: startingAfter }), key, path, resume);
}

/** POST search with `pagination.starting_after`: /contacts/search, /conversations/search. */
export function searchCursor<T>(client: IntercomClient, path: string, key: string, body: Record<string, unknown>, perPage: number): AsyncGenerator<T> {
  return cursorPages((startingAfter) => client.post(path, { ...body, pagination: startingAfter ? { per_page: perPage, starting_after: startingAfter } : { per_page: perPage } }), key, path);
}

async function* cursorPages<T>(fetchPage: (startingAfter: string | undefined) => Promise<Page & { pages?: CursorPages | null }>, key: string, route: string, resume: Resume = {}): AsyncGenerator<T> {
  let startingAfter = resume.startingAfter;
  for (let first = true; ; first = false) {
    resume.onPage?.(startingAfter);
    let page: Page & { pages?: CursorPages | null };
    try {
      page = await fetchPage(startingAfter);
    } catch (e) {
      // A cursor saved by an earlier run may have expired: start the list over (rows already loaded are upserted).
      if (!(first && startingAfter && e instanceof HttpError && (e.status === 400 || e.status === 404))) throw e;
      log.warn(`The saved position in ${route} is no longer valid (${e.message}); reading it again from the start.`);
      startingAfter = undefined;
      resume.onPage?.(startingAfter);
      page = await fetchPage(startingAfter);
    }
    yield* itemsOf<T>(page, key, route);
    const next = page.pages?.next?.starting_after;
    if (!next || next === startingAfter) return;
    startingAfter = next;
  }
}

/** `page` numbers: /contacts/{id}/companies, /contacts/{id}/notes. */
export async function* pageNumbers<T>(client: IntercomClient, path: string, key: string, query: Query = {}): AsyncGenerator<T> {
  for (let page = 1; ; page++) {
    const res = await client.get<Page & { pages?: { total_pages?: number; next?: unknown } | null }>(path, { ...query, page });
    const items = itemsOf<T>(res, key, path);
    yield* items;
    const total = res.pages?.total_pages;
    if (items.length === 0 || (typeof total === 'number' ? page >= total : !res.pages?.next)) return;
  }
}

/** A `pages.next` URL to follow: /events. */
export async function* nextUrl<T>(client: IntercomClient, path: string, key: string, query: Query = {}): AsyncGenerator<T> {
  let res = await client.get<Page & { pages?: { next?: string | null } | null }>(path, query);
  const seen = new Set<string>();
  for (;;) {
    yield* itemsOf<T>(res, key, path);
    const next = res.pages?.next;
    if (!next || seen.has(next)) return;
    seen.add(next);
    res = await client.get(next);
  }
}

export interface ScrollOptions {
  /** How long to wait between tries while another client holds the app's one scroll. */
  busyRetryMs: number;
  /** How long to keep trying before failing: an idle scroll expires after a minute. */
  busyMaxWaitMs: number;
  /** How many times a broken scroll is restarted from the beginning. */
  maxRestarts: number;
}

/**
 * /companies/scroll. Only one scroll may be open per app, it expires after a minute idle, and a network
 * error on Intercom's side breaks it ("Please restart the scroll operation"): then it starts over, and
 * companies already yielded are skipped by id.
 */
export async function* scroll<T extends { id: string }>(client: IntercomClient, path: string, key: string, opts: ScrollOptions): AsyncGenerator<T> {
  const seen = new Set<string>();
  for (let restart = 0; ; restart++) {
    try {
      let param: string | undefined = undefined;
      let waitedMs = 0;
      for (;;) {
        let page: Page & { scroll_param?: string };
        try {
          page = await client.get(path, param ? { scroll_param: param } : undefined, param ? { maxRetries: 1 } : undefined);
        } catch (e) {
          if (!param && isScrollBusy(e)) {
            if (waitedMs >= opts.busyMaxWaitMs) {
              throw new UserError(`Another client holds this Intercom app's companies scroll (only one may be open per app) and kept it for ${Math.round(waitedMs / 1000)} s: stop the other integration using this token, or run again later.`);
            }
            log.info(`Another client holds the companies scroll; trying again in ${Math.round(opts.busyRetryMs / 1000)} s.`);
            await sleep(opts.busyRetryMs);
            waitedMs += opts.busyRetryMs;
            continue;
          }
          throw e;
        }
        const items = itemsOf<T>(page, key, path);
        if (items.length === 0) return;
        for (const item of items) {
          if (seen.has(item.id)) continue;
          seen.add(item.id);
          yield item;
        }
        param = page.scroll_param;
        if (!param) return;
      }
    } catch (e) {
      if (!isScrollBroken(e) || restart >= opts.maxRestarts) throw e;
      log.warn(`The companies scroll broke (${(e as Error).message}); restarting it (${restart + 1} of ${opts.maxRestarts}), skipping the ${seen.size} companies already written.`);
    }
  }
}

function isScrollBusy(e: unknown): boolean {
  return e instanceof HttpError && e.status === 400 && /scroll.*exist|exist.*scroll/i.test(`${e.code} ${e.message}`);
}

/** An expired or unknown scroll_param, or Intercom's documented 500 that asks for a restart. */
function isScrollBroken(e: unknown): boolean {
  if (e instanceof HttpError) return e.status === 404 || e.status === 400 || e.status >= 500;
  return e instanceof RetriesExhaustedError;
}
