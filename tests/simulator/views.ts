// Views: functions that read a workspace (or a record in it) and render it the way Intercom's API serves it, with
// no side effects and no random draws: HTML bodies as plaintext, event descriptions, companies with their capped
// tags and segments, a ticket's previous state id, the data attribute and conversation attribute definitions, and
// the list positions the server keys its cursors on. The server and tests share them, so what a test expects is
// computed exactly as what the server serves.
import type { Company } from '../../src/generated/intercom.js';
import { tagBasic } from './builders.js';
import { COMPANY_EMBEDDED_LIMIT, DAY, type DataAttribute, type Workspace } from './model.js';

const EVENT_DESCRIPTIONS: Record<string, string | null> = {
  'viewed-pricing': 'Looked at the pricing page',
  'placed-order': 'A user placed an order, "paid"',
  'invited-friend': null,
  'exported-report': 'Export, CSV or XLSX',
  'changed-plan': null,
  'opened-app 📱': 'Mobile app opened 📱',
  'übermittelt-formular': 'Formular übermittelt',
};
/** The description Intercom keeps per event name (shown in event summaries). */
export function eventDescription(name: string): string | null {
  return EVENT_DESCRIPTIONS[name] ?? null;
}

const HTML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * What `display_as=plaintext` does to an HTML body: line breaks for <br> and block ends,
 * tags dropped, entities decoded (after stripping, so an escaped "&lt;b&gt;" survives as text).
 */
export function toPlaintext(html: string): string {
  const text = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(text).replace(/\n+$/, '');
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] !== '#') return HTML_ENTITIES[name.toLowerCase()] ?? whole;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

/** Which companies (by index) are forced to > 10 tags, exactly 10 tags and > 10 segments (when there are enough). */
export function companyEdgeCases(ws: Workspace): { manyTags?: Company; tenTags?: Company; manySegments?: Company } {
  const n = ws.companies.length;
  return { manyTags: ws.companies[n > 1 ? 1 : 0], tenTags: n > 2 ? ws.companies[2] : undefined, manySegments: ws.companies[n > 3 ? 3 : n - 1] };
}

/** ALL the company's tag ids (the served `tags.tags` shows the first 10). */
export function companyTagIds(ws: Workspace, companyId: string): string[] {
  return ws.companyTags.get(companyId) ?? [];
}

/** ALL the company's segment ids (the served `segments.segments` shows the first 10). */
export function companySegmentIds(ws: Workspace, companyId: string): string[] {
  return ws.companySegments.get(companyId) ?? [];
}

/** A company exactly as every endpoint serves it: tags and segments built from the full maps, capped at 10. */
export function companyView(ws: Workspace, company: Company): Company {
  const tags = companyTagIds(ws, company.id)
    .slice(0, COMPANY_EMBEDDED_LIMIT)
    .map((id) => ws.tags.find((t) => t.id === id))
    .filter((t) => t !== undefined);
  const segments = companySegmentIds(ws, company.id)
    .slice(0, COMPANY_EMBEDDED_LIMIT)
    .map((id) => ws.segments.find((s) => s.id === id))
    .filter((s) => s !== undefined);
  return { ...company, tags: { type: 'tag.list', tags: tags.map(tagBasic) }, segments: { type: 'segment.list', segments: segments.map((s) => ({ ...s })) } };
}

/** 2.16's previous_ticket_state_id: the state before the most recent state change, null without one. */
export function previousTicketStateId(ws: Workspace, ticketId: string): string | null {
  const change = [...(ws.ticketParts.get(ticketId) ?? [])].reverse().find((p) => p.part_type === 'ticket_state_updated_by_admin');
  return change ? (ws.ticketStates.find((s) => s.category === change.previous_ticket_state)?.id ?? null) : null;
}

export const DATA_ATTRIBUTE_MODELS = ['contact', 'company', 'conversation'] as const;

/**
 * What GET /data_attributes?model=… serves in `data`: a few standard attributes (custom: false) and one custom
 * attribute for every key the model's records use, typed from its values: numbers as integer or float, booleans,
 * `*_date` keys as date, anything else (lists and objects too, as Intercom allows) as string. The company model
 * repeats the spec's quirk of two attributes named `name` (full_name `name` and `plan.name`); the conversation model
 * has one archived custom attribute, listed only with include_archived.
 */
export function dataAttributeDefinitions(ws: Workspace, model: string, includeArchived = false): DataAttribute[] {
  const records: Array<{ custom_attributes?: Record<string, unknown> | null }> =
    model === 'contact' ? ws.contacts : model === 'company' ? ws.companies : model === 'conversation' ? ws.conversations : [];
  if (!(DATA_ATTRIBUTE_MODELS as readonly string[]).includes(model)) throw new Error(`model must be contact, company or conversation, not ${model}`);
  const seen = new Map<string, Set<string>>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r.custom_attributes ?? {})) {
      const t = k.endsWith('_date') ? 'date' : typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'float') : v === null ? '' : 'string';
      seen.set(k, (seen.get(k) ?? new Set()).add(t));
    }
  }
  const types = new Map<string, string>();
  for (const [k, ts] of seen) {
    ts.delete('');
    types.set(k, ts.size === 1 ? [...ts][0] : [...ts].every((t) => t === 'integer' || t === 'float') && ts.size > 0 ? 'float' : 'string');
  }
  const attribute = (name: string, dataType: string, custom: boolean, i: number): DataAttribute => ({
    type: 'data_attribute', id: 100 + i, model, name, full_name: custom ? `custom_attributes.${name}` : name, label: name, description: '', data_type: dataType,
    api_writable: true, ui_writable: true, messenger_writable: false, custom, archived: false, created_at: ws.generatedAt - 400 * DAY, updated_at: ws.generatedAt - 100 * DAY, admin_id: null,
  });
  const standard = ['name', 'email', 'created_at'].map((n, i) => attribute(n, n === 'created_at' ? 'date' : 'string', false, i));
  if (model === 'company') {
    // Standard attributes have no id in the spec's example; this one also shares its name with `name`.
    standard.push({ ...attribute('name', 'string', false, 0), id: null, full_name: 'plan.name', label: 'Plan', description: 'A specific plan or level within your product that companies have signed up to', api_writable: false, ui_writable: false, messenger_writable: true });
  }
  const custom = [...types.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, t], i) => attribute(n, t, true, 10 + i));
  if (model === 'conversation' && includeArchived) {
    custom.push({ ...attribute('legacy_sla_tier', 'string', true, 10 + custom.length), archived: true, description: 'Replaced by SLA rules, "2024"', admin_id: ws.admins[0]?.id ?? null });
  }
  return [...standard, ...custom];
}

/**
 * What GET /conversations/attributes (API 2.16) serves in `data`: the conversation model's custom attributes of
 * dataAttributeDefinitions in the spec's conversation_attribute shape. Types by 2.16's names (float → decimal,
 * date → datetime); a string attribute with a few distinct values becomes a `list` with options
 * ({id, label, archived}), as the inbox's dropdown attributes are; `multiline` on string ones.
 */
export function conversationAttributeDefinitions(ws: Workspace, includeArchived = false): Array<Record<string, unknown>> {
  const TYPES: Record<string, string> = { float: 'decimal', date: 'datetime' };
  return dataAttributeDefinitions(ws, 'conversation', includeArchived)
    .filter((d) => d.custom)
    .map((d) => {
      const values = [...new Set(ws.conversations.map((c) => c.custom_attributes?.[d.name]).filter((v) => v !== undefined && v !== null))];
      const list = d.data_type === 'string' && values.length > 0 && values.length <= 5 && values.every((v) => typeof v === 'string');
      const dataType = list ? 'list' : (TYPES[d.data_type as string] ?? d.data_type);
      return {
        type: 'conversation_attribute',
        id: d.id,
        name: d.name,
        description: d.description ?? '',
        data_type: dataType,
        required: false,
        visible_to_team_ids: [],
        archived: d.archived,
        created_at: d.created_at,
        updated_at: d.updated_at,
        admin_id: d.admin_id === null ? null : String(d.admin_id),
        ...(dataType === 'string' ? { multiline: false } : {}),
        ...(list ? { options: (values as string[]).sort().map((label, i) => ({ id: `00000000-0000-4000-8000-${String(Number(d.id) * 10 + i).padStart(12, '0')}`, label, archived: false })) } : {}),
      };
    });
}


/**
 * Each record's position in a list counting every record ever added to it, removed ones included (they leave gaps):
 * `count` records now, `removed` taken out. Equal to the index while nothing was removed. The lists only ever grow
 * at the end, so these positions never change while a record stays; the server keys its cursors on them.
 */
export function listPositions(count: number, removed: ReadonlyArray<{ position: number }>): number[] {
  const gaps = removed.map((r) => r.position).sort((a, b) => a - b);
  const positions: number[] = [];
  let skipped = 0;
  for (let i = 0; i < count; i++) {
    while (skipped < gaps.length && gaps[skipped] <= i + skipped) skipped++;
    positions.push(i + skipped);
  }
  return positions;
}
