/**
 * The smallest request a reader allows, for testConnection: one record where it pages (per_page 1 where its request
 * has a per_page, which the spec documents for each such list; a search's pagination.per_page 1), its one request
 * otherwise. It answers the first record, whose fields fill the `{field}` of the readers asked per record.
 */
import { PROBE_INSTEAD } from './access.js';
import { fillAll, readerOf, request, searchBody, windowed, type Json, type Reader, type ReaderContext } from './index.js';

export interface ProbeRequest {
  method: 'GET' | 'POST';
  /** The path asked, `{field}` filled. */
  path: string;
  query: Record<string, string | number | boolean>;
  body?: Record<string, unknown>;
  /** Where the records are (none: the answer is the record). */
  records?: string[];
  /** The request as a line names it: the reader's path with its `{field}`, not a record's id. */
  route: string;
}

/** The request that checks a reader (its search, with `search`); `parent` fills its `{field}`. */
export function probeRequest(ctx: ReaderContext, name: string, search: boolean, parent?: Json): ProbeRequest {
  const declared = windowed(ctx, readerOf(ctx, name));
  const r: Reader = PROBE_INSTEAD[name] && !search ? { ...declared, ...PROBE_INSTEAD[name], paging: 'page_numbers' } : declared;
  if (search) {
    const s = r.search!;
    return { method: 'POST', path: s.path, query: {}, body: onePage(searchBody(r, 0)), records: [s.records], route: `POST ${s.path}` };
  }
  const { path, query } = request(r, parent);
  const records = r.records === undefined ? undefined : [r.records].flat();
  if (r.paging === 'search') return { method: 'POST', path, query: {}, body: onePage(r.body ? fillAll(r.body, parent) : searchBody(r, 0)), records, route: `POST ${r.path}` };
  const one = Object.hasOwn(query, 'per_page') ? { ...query, per_page: 1 } : query;
  return { method: 'GET', path, query: one, records, route: `GET ${r.path}` };
}

const onePage = (body: Record<string, unknown>) => ({ ...body, pagination: { per_page: 1 } });

/** Makes the request: the first record it answers (the answer itself for a record reader), if any. */
export async function probe(ctx: ReaderContext, req: ProbeRequest): Promise<Json | undefined> {
  const body = req.method === 'POST' ? await ctx.client.post<Json>(req.path, req.body) : await ctx.client.get<Json>(req.path, req.query);
  if (!req.records) return body;
  const key = req.records.find((k) => Array.isArray(body[k]));
  const first = key === undefined ? undefined : (body[key] as unknown[]).find((x) => typeof x === 'object' && x !== null);
  return first as Json | undefined;
}
