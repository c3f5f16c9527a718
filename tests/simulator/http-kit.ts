// What the simulator's route modules share (server.ts and routes-workspace.ts): the error an answer is made of, the
// version gate of the resources a version does not have, and the page-number paging of the spec's cursor_pages.
// Kept apart from server.ts so route modules can import it without importing the server.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'parameter_invalid') => new ApiError(400, code, message);

/** The spec's answer (GET /conversations/deleted) for a resource the requested version does not have. */
export function requireVersion(ctx: { version: number }, min: number): void {
  if (ctx.version < min) throw new ApiError(400, 'intercom_version_invalid', 'Requested resource is not available in current API version.');
}

export function intParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw badRequest(`${name} must be a positive integer`);
  if (value > max) throw badRequest(`${name} must be at most ${max}`);
  return value;
}

function pageToken(page: number): string {
  return Buffer.from(JSON.stringify(['page', page])).toString('base64url');
}

function pageOfToken(raw: string): number {
  try {
    const [tag, page] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (tag === 'page' && typeof page === 'number' && Number.isInteger(page) && page >= 1) return page;
  } catch {
    // fall through to the error below
  }
  throw badRequest('starting_after is not a valid cursor');
}

/**
 * Page numbers (`page=` from 1, `per_page=`) with the spec's cursor_pages object: `next` is
 * `{page, per_page, starting_after}` (the starting_after_paging schema, plus the page number), and
 * `starting_after=` is accepted instead of `page=`. On the last page `next` is absent, or null
 * when `nullNext` (as in the GET /companies example).
 */
export function numberedCursorPage<T>(ctx: { query: URLSearchParams }, all: T[], fallback: number, max: number, nullNext: boolean) {
  const perPage = intParam(ctx.query, 'per_page', fallback, max);
  const after = ctx.query.get('starting_after');
  const page = after ? pageOfToken(after) + 1 : intParam(ctx.query, 'page', 1, Number.MAX_SAFE_INTEGER);
  const totalPages = Math.ceil(all.length / perPage);
  const pages: Record<string, unknown> = { type: 'pages' };
  if (page < totalPages) pages.next = { page: page + 1, per_page: perPage, starting_after: pageToken(page) };
  else if (nullNext) pages.next = null;
  Object.assign(pages, { page, per_page: perPage, total_pages: totalPages });
  return { data: all.slice((page - 1) * perPage, page * perPage), total_count: all.length, pages };
}
