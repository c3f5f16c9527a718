// Generation of per-record details, each kind from a stream of its own: the subscription types contacts opted into or
// out of, companies' notes, and conversations' handling (pause/resume) events and side conversations. The first
// company and the first conversation get enough notes and side conversations for several pages; records added
// later by the mutation helpers have none.
import { BOT, tagBasic } from './builders.js';
import { streamRng, type Options } from './generator-context.js';
import { htmlBody, TRICKY_TEXTS } from './generator-text.js';
import { DAY, type Workspace } from './model.js';
import type { CompanyNote, HandlingEvent, NoteAuthor, SideConversation, SideConversationPart } from './model-workspace.js';
import type { Rng } from './random.js';
import type { Admin, Conversation } from '../../src/generated/intercom.js';

/** Company note ids start above this: far from the contacts' note ids (from 1000, and addNote's max + 1). */
const COMPANY_NOTE_ID_BASE = 60_000_000;
const SIDE_PART_ID_BASE = 9_500_000_000;

// Contacts' subscriptions ---------------------------------------------------------------------------------------

/** About a third of the contacts chose for some subscription types; the first contact for all of them. */
export function genContactSubscriptions(o: Options, ws: Workspace): void {
  const rng = streamRng(o.seed, 'contact-subscriptions');
  ws.contacts.forEach((c, i) => {
    const chosen = i === 0 ? ws.subscriptionTypes : rng.chance(0.35) ? rng.sample(ws.subscriptionTypes, rng.int(1, ws.subscriptionTypes.length)) : [];
    if (chosen.length === 0) return;
    ws.contactSubscriptions.set(
      c.id,
      ws.subscriptionTypes.filter((s) => chosen.includes(s)).map((s) => s.id),
    );
  });
}

// Company notes ------------------------------------------------------------------------------------------------

/** The spec's admin as a note's author: the admin's fields, and those the workspace's admins do not carry drawn. */
function noteAuthorOf(rng: Rng, ws: Workspace, admin: Admin): NoteAuthor {
  const teams = admin.team_ids ?? [];
  const away = admin.away_mode_enabled === true;
  const reason = away && ws.awayStatusReasons.length > 0 ? Number(rng.pick(ws.awayStatusReasons).id) : null;
  return {
    type: 'admin',
    id: admin.id,
    name: admin.name ?? 'Admin',
    email: admin.email ?? `admin${admin.id}@example.com`,
    ...(admin.job_title ? { job_title: admin.job_title } : {}),
    away_mode_enabled: away,
    away_mode_reassign: admin.away_mode_reassign === true,
    away_status_reason_id: reason,
    has_inbox_seat: admin.has_inbox_seat !== false,
    team_ids: [...teams],
    avatar: rng.chance(0.5) ? `https://static.intercomassets.com/avatars/${admin.id}/square_128/avatar.png` : null,
    team_priority_level: teams.length > 0 ? { primary_team_ids: teams.slice(0, 1), secondary_team_ids: teams.length > 1 ? teams.slice(1) : null } : {},
    role: rng.chance(0.5) ? { type: 'role', id: String(rng.int(1, 9)), name: rng.pick(['Admin', 'Support agent', 'Read-only, "viewer"']) } : null,
  };
}

/** `first` notes for the first company, 0–3 for the others; newest first. None without admins (an admin writes them). */
export function genCompanyNotes(o: Options, ws: Workspace, first: number): void {
  const rng = streamRng(o.seed, 'company-notes');
  if (ws.admins.length === 0) return;
  const authors = new Map(ws.admins.map((a) => [a.id, noteAuthorOf(rng, ws, a)]));
  let id = COMPANY_NOTE_ID_BASE + rng.int(0, 999);
  ws.companies.forEach((company, i) => {
    const count = i === 0 ? first : rng.chance(0.5) ? rng.int(1, 3) : 0;
    const since = company.created_at ?? o.now - 365 * DAY;
    const notes: CompanyNote[] = [];
    for (let k = 0; k < count; k++) {
      notes.push({
        type: 'note',
        id: String((id += rng.int(1, 5))),
        created_at: since + rng.int(0, Math.max(0, o.now - since)),
        contact: null,
        company: { type: 'company', id: company.id },
        author: authors.get(rng.pick(ws.admins).id)!,
        body: htmlBody(rng, k === 0 ? 'Renewal call booked, "annual" plan & 20 seats' : rng.pick(TRICKY_TEXTS)),
      });
    }
    if (notes.length > 0) ws.companyNotes.set(company.id, notes.sort((a, b) => b.created_at - a.created_at || Number(b.id) - Number(a.id)));
  });
}

// Handling events ------------------------------------------------------------------------------------------------

const PAUSE_REASONS = ['Paused', 'Lunch break 🍔', 'Waiting on "engineering"', null];
const isoSeconds = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

function teammateOf(rng: Rng, ws: Workspace): HandlingEvent['teammate'] {
  if (ws.teams.length > 0 && rng.chance(0.1)) {
    const team = rng.pick(ws.teams);
    return { type: 'team', id: Number(team.id), name: team.name, email: null };
  }
  if (ws.admins.length === 0 || rng.chance(0.1)) return { type: 'bot', id: Number(BOT.id), name: BOT.name ?? 'Fin', email: BOT.email ?? null };
  const admin = rng.pick(ws.admins);
  return { type: 'admin', id: Number(admin.id), name: admin.name ?? 'Admin', email: admin.email ?? null };
}

/** The first conversation and about 40% of the others: 1–3 pauses, each resumed but maybe the last; oldest first. */
export function genHandlingEvents(o: Options, ws: Workspace): void {
  const rng = streamRng(o.seed, 'handling-events');
  ws.conversations.forEach((c, i) => {
    if (i !== 0 && !rng.chance(0.4)) return;
    const cycles = i === 0 ? 3 : rng.int(1, 3);
    const span = Math.max(cycles * 2, o.now - c.created_at);
    const times = Array.from({ length: cycles * 2 }, () => c.created_at + rng.int(1, span)).sort((a, b) => a - b);
    const events: HandlingEvent[] = [];
    for (let k = 0; k < cycles; k++) {
      const teammate = teammateOf(rng, ws);
      events.push({ teammate, type: 'paused', timestamp: isoSeconds(times[2 * k]), reason: rng.pick(PAUSE_REASONS) });
      const stillPaused = k === cycles - 1 && i !== 0 && rng.chance(0.3);
      if (!stillPaused) events.push({ teammate, type: 'resumed', timestamp: isoSeconds(times[2 * k + 1]) });
    }
    ws.handlingEvents.set(c.id, events);
  });
}

// Side conversations -----------------------------------------------------------------------------------------------

interface SideGen {
  rng: Rng;
  ws: Workspace;
  partSeq: number;
  sideSeq: number;
}

/** `first` side conversations on the first conversation, 1–2 on about a third of the others; oldest first. */
export function genSideConversations(o: Options, ws: Workspace, first: number): void {
  const rng = streamRng(o.seed, 'side-conversations');
  const sg: SideGen = { rng, ws, partSeq: SIDE_PART_ID_BASE + rng.int(0, 999), sideSeq: 400 + rng.int(0, 99) };
  ws.conversations.forEach((c, i) => {
    const count = i === 0 ? first : rng.chance(0.3) ? rng.int(1, 2) : 0;
    if (count === 0) return;
    const sides = Array.from({ length: count }, (_, k) => sideConversation(sg, o, c, i === 0 && k === 0));
    ws.sideConversations.set(c.id, sides);
  });
}

function sideConversation(sg: SideGen, o: Options, c: Conversation, everyShape: boolean): SideConversation {
  const { rng } = sg;
  sg.sideSeq += rng.int(1, 9);
  const id = String(sg.sideSeq);
  const count = everyShape ? 4 : rng.int(1, 4);
  let t = c.created_at + rng.int(60, Math.max(60, Math.floor((o.now - c.created_at) / 2)));
  const subject = everyShape ? rng.pick(TRICKY_TEXTS) : `Question about conversation ${c.id}`;
  const parts: SideConversationPart[] = [];
  for (let k = 0; k < count; k++) {
    t = Math.min(o.now, t + rng.int(60, DAY));
    parts.push(sidePart(sg, t, subject, id, everyShape ? k : -1));
  }
  return { side_conversation_id: id, conversation_parts: parts, total_count: parts.length };
}

const VENDOR = { email: 'escalations@vendor.example.net', name: 'Vendor "L2" desk' };

/** `shape` ≥ 0 forces one of: an admin's comment with attachments, the vendor's reply, a tagged note, a redacted part. */
function sidePart(sg: SideGen, at: number, subject: string, sideId: string, shape: number): SideConversationPart {
  const { rng, ws } = sg;
  sg.partSeq += rng.int(1, 3);
  const admin = ws.admins.length > 0 ? rng.pick(ws.admins) : undefined;
  const fromVendor = shape === 1 || (shape < 0 && (!admin || rng.chance(0.4)));
  const author = fromVendor || !admin
    ? { type: 'user', id: `vendor-${sideId}`, name: VENDOR.name, email: VENDOR.email, from_ai_agent: false, is_ai_answer: false }
    : { type: 'admin', id: admin.id, name: admin.name ?? null, email: admin.email ?? `admin${admin.id}@example.com`, from_ai_agent: false, is_ai_answer: false };
  const note = shape === 2 || (shape < 0 && !fromVendor && rng.chance(0.2));
  const redacted = shape === 3;
  const attachments = shape === 0 || (shape < 0 && rng.chance(0.15)) ? [sideAttachment(rng, sg.partSeq)] : [];
  return {
    type: 'conversation_part',
    id: String(sg.partSeq),
    part_type: note ? 'note' : 'comment',
    body: redacted ? null : htmlBody(rng, rng.pick(TRICKY_TEXTS)),
    created_at: at,
    updated_at: at + (rng.chance(0.1) ? rng.int(1, 300) : 0),
    notified_at: at,
    assigned_to: { type: 'nobody_admin', id: null },
    author,
    attachments,
    external_id: rng.chance(0.2) ? `side-${rng.hex(8)}` : null,
    redacted,
    email_message_metadata: {
      subject: fromVendor ? `Re: ${subject}` : subject,
      email_address_headers: [
        { type: 'from', email_address: author.email, name: author.name },
        { type: 'to', email_address: fromVendor ? 'support@example.com' : VENDOR.email, name: fromVendor ? null : VENDOR.name },
      ],
      message_id: rng.chance(0.8) ? `<${sg.partSeq}.${sideId}@mail.example.com>` : null,
    },
    metadata: {},
    state: rng.chance(0.7) ? 'open' : 'closed',
    tags: note && ws.tags.length > 0 ? rng.sample(ws.tags, rng.int(1, 2)).map((t) => ({ ...tagBasic(t), type: 'tag' as const })) : null,
    event_details: {},
    app_package_code: null,
  };
}

function sideAttachment(rng: Rng, n: number): SideConversationPart['attachments'][number] {
  return {
    type: 'upload',
    name: `screenshot ${n % 1000} "side" 📷.png`,
    url: `https://downloads.intercomcdn.com/i/o/${n % 100000}/${rng.hex(12)}/screenshot.png`,
    content_type: 'image/png',
    filesize: rng.int(1_000, 5_000_000),
    width: rng.int(100, 2000),
    height: rng.int(100, 2000),
  };
}
