// What every part of the generator shares: the options with their defaults, the state one generation run threads
// through its helpers (Gen: the main random stream, the options, the workspace being built and the id sequences),
// and the draws several record kinds make (past times, attachments, custom attributes), plus the separate random
// streams (streamRng) that later additions draw from so they never change an earlier record.
import { createHash } from 'node:crypto';
import type { PartAttachment } from '../../src/generated/intercom.js';
import { DAY, DEFAULT_NOW, type Workspace } from './model.js';
import { createRng, type Rng } from './random.js';
import { TRICKY_TEXTS } from './generator-text.js';

export const DEFAULTS = {
  seed: 1,
  now: DEFAULT_NOW,
  timezone: 'Europe/Dublin',
  users: 40,
  leads: 15,
  companies: 12,
  admins: 4,
  teams: 2,
  tags: 15,
  segments: 5,
  conversations: 25,
  maxPartsPerConversation: 12,
  tickets: 12,
  maxPartsPerTicket: 8,
  articles: 30,
  collections: 23,
  subscriptionTypes: 3,
  richConversations: false,
};

export type Options = typeof DEFAULTS & { bigConversations: number; emptyTeams: number };

export interface Gen {
  rng: Rng;
  o: Options;
  ws: Workspace;
  noteSeq: number;
  partSeq: number;
}

export function pastTime(g: Gen, maxDaysAgo: number, minDaysAgo = 0): number {
  return g.o.now - g.rng.int(Math.round(minDaysAgo * DAY), Math.round(maxDaysAgo * DAY));
}

export function streamRng(seed: number, name: string): Rng {
  return createRng(createHash('sha256').update(`simulator-stream:${seed}:${name}`).digest().readUInt32LE(0));
}

export function attachment(rng: Rng, n: number): PartAttachment {
  const image = rng.chance(0.5);
  return {
    type: 'upload',
    name: image ? `screenshot ${n} 📷.png` : `invoice, "final" v${n}.pdf`,
    url: `https://downloads.intercomcdn.com/i/o/${n}/${rng.hex(12)}/${image ? 'screenshot.png' : 'invoice.pdf'}`,
    content_type: image ? 'image/png' : 'application/pdf',
    filesize: rng.int(1_000, 5_000_000),
    width: image ? rng.int(100, 2000) : null,
    height: image ? rng.int(100, 2000) : null,
  };
}

/**
 * Mixed-type attributes in deliberately non-alphabetical key order; `full` forces every type
 * (string, number, boolean, null, nested object/array, tricky text) onto one record.
 */
export function customAttributes(g: Gen, full: boolean): Record<string, unknown> {
  const { rng } = g;
  if (!full && rng.chance(0.15)) return {};
  const attrs: Record<string, unknown> = {};
  attrs.zeta_score = rng.int(0, 1000) / 10;
  attrs.plan = rng.pick(['free', 'pro', 'enterprise', 'Pro "Plus", annual']);
  if (full || rng.chance(0.5)) attrs.is_beta = rng.chance(0.5);
  if (full || rng.chance(0.5)) attrs.Alpha_Code = full || rng.chance(0.4) ? null : `A-${rng.int(1, 999)}`;
  if (full || rng.chance(0.4)) {
    attrs.preferences = { theme: rng.pick(['dark', 'light']), langs: rng.sample(['en', 'cs', 'ja', 'ga'], rng.int(0, 3)), nested: { deep: rng.chance(0.5), level: 2 } };
  }
  if (full || rng.chance(0.4)) attrs.bio = full ? TRICKY_TEXTS.slice(0, 7).join(' | ') : rng.pick(TRICKY_TEXTS);
  if (full || rng.chance(0.3)) attrs.seats = rng.int(1, 500);
  if (full || rng.chance(0.2)) attrs.last_order_date = pastTime(g, 200);
  return attrs;
}
