// Generation of contacts (users and leads) and what hangs on them: tags, companies, segments, notes and events.
// The first contacts of each role get a fixed profile (rich, bare, chatty) so every seed has a contact with more
// than 10 tags, companies and notes, one with every optional field null, and one with more events than a page
// holds, on both sides of GET /events' 90-day window. All draws come from the main stream (Gen.rng), in order.
import type { Contact, DataEvent, Note } from '../../src/generated/intercom.js';
import { noteAuthor, objectIdAt } from './builders.js';
import { customAttributes, pastTime, type Gen } from './generator-context.js';
import { EVENT_NAMES, FIRST_NAMES, htmlBody, LAST_NAMES, LOCATIONS, TRICKY_NAMES, TRICKY_TEXTS } from './generator-text.js';
import { DAY, EVENT_LIST_WINDOW } from './model.js';

function emptyCappedList(url: string) {
  return { type: 'list', data: [], url, total_count: 0, has_more: false };
}

// Contact profiles: the first users/leads are shaped to guarantee the edge cases.
type Profile =
  | 'rich' // > 10 tags, companies and notes; every custom attribute type; events on both sides of 90 days
  | 'bare' // nothing attached, every optional field null
  | 'chatty' // more events than fit one page even at per_page=100
  | 'normal';

function profileOf(role: 'user' | 'lead', index: number): Profile {
  if (index === 0) return 'rich';
  if (index === 1) return 'bare';
  if (index === 2 && role === 'user') return 'chatty';
  return 'normal';
}

export function genContacts(g: Gen): void {
  let n = 0;
  for (const [role, count] of [['user', g.o.users], ['lead', g.o.leads]] as const) {
    for (let i = 0; i < count; i++, n++) {
      const profile = profileOf(role, i);
      const contact = genContact(g, role, n, profile);
      g.ws.contacts.push(contact);
      genContactLinks(g, contact, profile);
      if (role === 'user') g.ws.events.set(contact.id, genEvents(g, contact, profile));
    }
  }
  g.ws.contacts.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  const members = new Map<string, number>();
  for (const ids of g.ws.contactCompanies.values()) for (const id of ids) members.set(id, (members.get(id) ?? 0) + 1);
  for (const company of g.ws.companies) company.user_count = members.get(company.id) ?? 0;
}

function genContact(g: Gen, role: 'user' | 'lead', n: number, profile: Profile): Contact {
  const { rng } = g;
  const bare = profile === 'bare';
  // Profiles with events need to be old enough to have 120 days of history.
  const created = profile === 'normal' ? pastTime(g, 730, 0.01) : pastTime(g, 730, 150);
  // About a third were touched in the last week, so incremental runs have something to find.
  const updated = rng.chance(0.35) ? Math.max(created, pastTime(g, 7)) : created + rng.int(0, g.o.now - created);
  const name = bare ? null : n < TRICKY_NAMES.length ? TRICKY_NAMES[n] : `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
  const domain = rng.pick(['example.com', 'example.org', 'acme.test']);
  const email = bare && role === 'lead' ? null : `${role}${n + 1}@${domain}`;
  const id = objectIdAt(rng, created);
  const hasLocation = !bare && rng.chance(0.8);
  const location = hasLocation ? rng.pick(LOCATIONS) : { country: null, region: null, city: null, country_code: null, continent_code: null };
  return {
    type: 'contact',
    id,
    workspace_id: g.ws.appId,
    external_id: role === 'user' && !bare && rng.chance(0.85) ? `ext-${n + 1}-${rng.hex(6)}` : null,
    role,
    email,
    email_domain: email ? domain : null,
    phone: !bare && rng.chance(0.5) ? `+353 87 ${rng.int(100, 999)} ${rng.int(1000, 9999)}` : null,
    name,
    avatar: !bare && rng.chance(0.4) ? { type: 'avatar', image_url: `https://static.intercomassets.com/avatars/${rng.hex(8)}/square_128/photo.jpg` } : null,
    owner_id: !bare && g.ws.admins.length > 0 && rng.chance(0.5) ? Number(rng.pick(g.ws.admins).id) : null,
    social_profiles: {
      type: 'list',
      data: !bare && rng.chance(0.3) ? [{ type: 'social_profile', name: 'Twitter', url: `http://twitter.com/user${n + 1}` }] : [],
    },
    has_hard_bounced: rng.chance(0.05),
    marked_email_as_spam: rng.chance(0.05),
    unsubscribed_from_emails: rng.chance(0.2),
    created_at: created,
    updated_at: updated,
    signed_up_at: role === 'user' ? created : null,
    last_seen_at: bare ? null : Math.max(created, pastTime(g, 60)),
    last_replied_at: !bare && rng.chance(0.4) ? Math.max(created, pastTime(g, 90)) : null,
    last_contacted_at: !bare && rng.chance(0.4) ? Math.max(created, pastTime(g, 90)) : null,
    last_email_opened_at: !bare && rng.chance(0.3) ? Math.max(created, pastTime(g, 90)) : null,
    last_email_clicked_at: !bare && rng.chance(0.2) ? Math.max(created, pastTime(g, 90)) : null,
    language_override: !bare && rng.chance(0.2) ? rng.pick(['cs', 'ja', 'pt-BR']) : null,
    browser: bare ? null : rng.pick(['chrome', 'firefox', 'safari']),
    browser_version: bare ? null : `${rng.int(90, 130)}.0.${rng.int(0, 9999)}`,
    browser_language: bare ? null : rng.pick(['en', 'cs', 'ja', 'pt-BR']),
    os: bare ? null : rng.pick(['OS X 14.1', 'Windows 11', 'Android 14', 'iOS 17.2']),
    location: { type: 'location', ...location },
    android_app_name: null,
    android_app_version: null,
    android_device: null,
    android_os_version: null,
    android_sdk_version: null,
    android_last_seen_at: null,
    ios_app_name: null,
    ios_app_version: null,
    ios_device: null,
    ios_os_version: null,
    ios_sdk_version: null,
    ios_last_seen_at: null,
    custom_attributes: bare ? {} : customAttributes(g, profile === 'rich'),
    opted_out_subscription_types: emptyCappedList(`/contacts/${id}/subscriptions`),
    opted_in_subscription_types: emptyCappedList(`/contacts/${id}/subscriptions`),
    utm_campaign: null,
    utm_content: null,
    utm_medium: null,
    utm_source: !bare && rng.chance(0.3) ? 'newsletter, "weekly"' : null,
    utm_term: null,
    referrer: !bare && rng.chance(0.3) ? 'https://www.google.com/search?q=intercom&hl=en' : null,
    enabled_push_messaging: null,
  };
}

function genContactLinks(g: Gen, contact: Contact, profile: Profile): void {
  const { rng, ws } = g;
  const rich = profile === 'rich';
  const none = profile === 'bare';
  const tagCount = none ? 0 : rich ? 12 : rng.chance(0.3) ? 0 : rng.int(1, 4);
  const companyCount = none ? 0 : rich ? 12 : rng.chance(0.3) ? 0 : rng.int(1, 3);
  const noteCount = none ? 0 : rich ? 10 + rng.int(1, 5) : rng.chance(0.4) ? 0 : rng.int(1, 3);
  ws.contactTags.set(contact.id, rng.sample(ws.tags, tagCount).map((t) => t.id));
  ws.contactCompanies.set(contact.id, rng.sample(ws.companies, companyCount).map((c) => c.id));
  ws.contactSegments.set(contact.id, none ? [] : rng.sample(ws.segments, rng.int(0, 3)).map((s) => s.id));
  const notes: Note[] = [];
  for (let i = 0; i < noteCount; i++) notes.push(genNote(g, contact, contact.created_at + rng.int(0, ws.now - contact.created_at)));
  ws.notes.set(contact.id, notes.sort((a, b) => b.created_at! - a.created_at! || Number(b.id) - Number(a.id)));
}

function genNote(g: Gen, contact: Contact, at: number): Note {
  const author = g.ws.admins.length > 0 ? noteAuthor(g.rng.pick(g.ws.admins)) : null;
  return {
    type: 'note',
    id: String(++g.noteSeq),
    created_at: at,
    contact: { type: 'contact', id: contact.id },
    author,
    body: htmlBody(g.rng, g.rng.pick(TRICKY_TEXTS)),
  };
}

/** Events newest first, each at a distinct second so `before=` cursors never split a tie. */
function genEvents(g: Gen, contact: Contact, profile: Profile): DataEvent[] {
  const { rng } = g;
  const now = g.o.now;
  const windowStart = now - EVENT_LIST_WINDOW;
  const [old, recent] = profile === 'rich' ? [5, 25] : profile === 'chatty' ? [40, 140] : [0, 0];
  const used = new Set<number>();
  const draw = (from: number, to: number) => {
    let t: number;
    do t = rng.int(from, to);
    while (used.has(t));
    used.add(t);
    return t;
  };
  for (let i = 0; i < old; i++) draw(now - 120 * DAY, windowStart - 60);
  for (let i = 0; i < recent; i++) draw(windowStart + 60, now - 60);
  if (profile === 'normal' && rng.chance(0.65)) {
    const from = Math.max(contact.created_at, now - 120 * DAY);
    const count = Math.min(rng.int(1, 25), now - 60 - from);
    for (let i = 0; i < count; i++) draw(from, now - 60);
  }
  return [...used].sort((a, b) => b - a).map((t) => genEvent(g, contact, t));
}

function genEvent(g: Gen, contact: Contact, at: number): DataEvent {
  return {
    type: 'event',
    id: g.rng.hex(24),
    created_at: at,
    event_name: g.rng.pick(EVENT_NAMES),
    user_id: contact.external_id ?? null,
    intercom_user_id: contact.id,
    email: contact.email ?? null,
    metadata: eventMetadata(g),
  };
}

function eventMetadata(g: Gen): Record<string, unknown> {
  const { rng } = g;
  const meta: Record<string, unknown> = {};
  if (rng.chance(0.2)) return meta;
  if (rng.chance(0.6)) meta.order_id = `ORD-${rng.int(1000, 9999)}`;
  if (rng.chance(0.4)) meta.price = { amount: rng.int(100, 99_999), currency: rng.pick(['eur', 'usd', 'jpy']) };
  if (rng.chance(0.4)) meta.article = { url: 'https://example.org/ab1de.html?x=1&y=2', value: 'the dude abides 🎳' };
  if (rng.chance(0.4)) meta.comment = rng.pick(TRICKY_TEXTS);
  if (rng.chance(0.3)) meta['Ünïcode key'] = 'välue, "quoted"';
  if (rng.chance(0.2)) meta.invite_date = g.o.now - rng.int(0, 100 * DAY);
  return meta;
}
