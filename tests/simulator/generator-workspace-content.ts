// Generation of the workspace's content and calls, each kind from a stream of its own: help centers (the ids the
// collections name), internal articles, news items and newsfeeds, AI content import sources and their external
// pages, content snippets, and calls. Each kind has a record with the nullable fields null and one with a tricky text.
import { streamRng, type Options } from './generator-context.js';
import { escapeHtml, htmlBody, slugOf, TRICKY_TEXTS } from './generator-text.js';
import { DAY, type Workspace } from './model.js';
import type { Call, ContentImportSource, NewsItem } from './model-workspace.js';
import type { Rng } from './random.js';

const adminIdOf = (rng: Rng, ws: Workspace) => (ws.admins.length > 0 ? Number(rng.pick(ws.admins).id) : 991267999);

/** Audience ids (2.16), or none: an empty list or null. */
function pickAudienceIds(rng: Rng, ws: Workspace): number[] | null {
  if (ws.audiences.length === 0 || rng.chance(0.3)) return rng.chance(0.5) ? null : [];
  return rng.sample(ws.audiences, rng.int(1, 2)).map((a) => Number(a.id));
}

// Help centers ----------------------------------------------------------------------------------------------

const HELP_CENTER_NAMES = ['Help Center', 'Aide & support "FR"', 'ヘルプセンター'];

/** One per id the collections name, the first the default; the second has no custom domain. */
export function genHelpCenters(o: Options, ws: Workspace, ids: number[]): void {
  const rng = streamRng(o.seed, 'help-centers');
  ids.forEach((id, i) => {
    const name = HELP_CENTER_NAMES[i % HELP_CENTER_NAMES.length];
    const identifier = `${slugOf(ws.appName)}-${i + 1}`;
    const created = o.now - rng.int(500 * DAY, 900 * DAY);
    ws.helpCenters.push({
      id: String(id),
      workspace_id: ws.appId,
      created_at: created,
      updated_at: created + rng.int(0, o.now - created),
      identifier,
      website_turned_on: i === 0 || rng.chance(0.5),
      display_name: name,
      url: `https://intercom.help/${identifier}`,
      custom_domain: i === 1 ? null : `help${i === 0 ? '' : i + 1}.example.com`,
      default: i === 0,
      locales: i === 0 ? ['en', 'fr', 'pt-BR'] : [rng.pick(['en', 'fr', 'ja'])],
    });
  });
}

// Internal articles ------------------------------------------------------------------------------------------

const INTERNAL_TITLES = ['Escalation policy', 'Refunds: when to say "yes"', 'On-call rota 📟', 'Tone of voice — guide', 'VIP handling, tier 1 & 2', '社内FAQ'];

/** Article 1 has no body (nor markdown); article 2 a tricky title. */
export function genInternalArticles(o: Options, ws: Workspace, count: number): void {
  const rng = streamRng(o.seed, 'internal-articles');
  let id = 30 + rng.int(0, 9);
  for (let i = 0; i < count; i++) {
    const created = o.now - rng.int(DAY, 600 * DAY);
    const text = rng.pick(TRICKY_TEXTS);
    const empty = i === 1;
    const chatbot = rng.chance(0.5);
    ws.internalArticles.push({
      type: 'internal_article',
      id: String((id += rng.int(1, 7))),
      title: i === 2 ? rng.pick(TRICKY_TEXTS) : INTERNAL_TITLES[i % INTERNAL_TITLES.length] + (i < INTERNAL_TITLES.length ? '' : ` (${i + 1})`),
      body: empty ? null : htmlBody(rng, text),
      body_markdown: empty ? null : `## Notes\n\n${text}\n`,
      owner_id: adminIdOf(rng, ws),
      author_id: adminIdOf(rng, ws),
      created_at: created,
      updated_at: created + rng.int(0, o.now - created),
      locale: i === 3 ? 'fr' : 'en',
      audience_ids: pickAudienceIds(rng, ws),
      ai_chatbot_availability: chatbot,
      ai_copilot_availability: chatbot || rng.chance(0.7),
      ai_sales_agent_availability: rng.chance(0.2),
    });
  }
}

// News ------------------------------------------------------------------------------------------------------

const NEWSFEED_NAMES = ['Visitor Feed', 'Customers, "paid" plans', 'Team news 📣'];
const NEWS_TITLES = ['We have news', 'New: CSV exports 🎉', 'Scheduled maintenance, Sunday 02:00 UTC', 'Preisänderung 2026', '新機能のお知らせ'];
const LABELS = ['Product', 'New feature 🚀', 'Bug fix', 'Maintenance, planned'];

/** Newsfeeds first; live news items are in 1–2 feeds, drafts in none. Item 0 is a draft with every list empty. */
export function genNews(o: Options, ws: Workspace, feeds: number, items: number): void {
  const rng = streamRng(o.seed, 'news');
  let feedId = 60 + rng.int(0, 9);
  for (let i = 0; i < feeds; i++) {
    const created = o.now - rng.int(200 * DAY, 700 * DAY);
    const name = NEWSFEED_NAMES[i % NEWSFEED_NAMES.length] + (i < NEWSFEED_NAMES.length ? '' : ` ${i + 1}`);
    ws.newsfeeds.push({ id: String((feedId += rng.int(1, 3))), type: 'newsfeed', name, created_at: created, updated_at: created + rng.int(0, 30 * DAY) });
  }
  let id = 20 + rng.int(0, 9);
  for (let i = 0; i < items; i++) ws.newsItems.push(newsItem(rng, o, ws, String((id += rng.int(1, 4))), i));
}

function newsItem(rng: Rng, o: Options, ws: Workspace, id: string, i: number): NewsItem {
  const created = o.now - rng.int(DAY, 365 * DAY);
  const live = i !== 0 && rng.chance(0.7);
  const published = created + rng.int(0, Math.min(5 * DAY, o.now - created));
  const feeds = live && ws.newsfeeds.length > 0 ? rng.sample(ws.newsfeeds, rng.int(1, 2)) : [];
  const labels: Array<string | null> = i === 0 ? [] : rng.sample(LABELS, rng.int(0, 2));
  if (i === 1) labels.push(null);
  return {
    type: 'news-item',
    id,
    workspace_id: ws.appId,
    title: i === 2 ? rng.pick(TRICKY_TEXTS) : NEWS_TITLES[i % NEWS_TITLES.length],
    body: htmlBody(rng, rng.pick(TRICKY_TEXTS)),
    sender_id: adminIdOf(rng, ws),
    state: live ? 'live' : 'draft',
    newsfeed_assignments: feeds.map((f) => ({ newsfeed_id: Number(f.id), published_at: published })),
    labels,
    cover_image_url: rng.chance(0.4) ? `https://downloads.intercomcdn.com/i/o/${rng.int(1000, 9999)}/${rng.hex(10)}/cover.png` : null,
    reactions: i === 0 ? [null, null, null, null] : ['👍', '❤️', '🎉', null].slice(0, rng.int(1, 4)),
    deliver_silently: rng.chance(0.2),
    created_at: created,
    updated_at: Math.max(created, live ? published : created) + rng.int(0, DAY),
  };
}

// AI content: import sources and external pages --------------------------------------------------------------

/** Source 0 is fed through the API (the external pages are its and the other API sources'); one is deactivated. */
export function genContentImports(o: Options, ws: Workspace, sources: number, pages: number): void {
  const rng = streamRng(o.seed, 'content-imports');
  let id = 30 + rng.int(0, 9);
  for (let i = 0; i < sources; i++) {
    const created = o.now - rng.int(30 * DAY, 400 * DAY);
    const source: ContentImportSource = {
      type: 'content_import_source',
      id: (id += rng.int(1, 3)),
      last_synced_at: o.now - rng.int(3600, 20 * DAY),
      sync_behavior: i === 0 ? 'api' : rng.pick(['api', 'automatic', 'manual'] as const),
      status: i === 2 ? 'deactivated' : 'active',
      url: `https://support.example.com/${rng.pick(['us', 'eu', 'de'])}/${i + 1}`,
      created_at: created,
      updated_at: created + rng.int(0, o.now - created),
      audience_ids: pickAudienceIds(rng, ws),
    };
    ws.contentImportSources.push(source);
  }
  const apiSources = ws.contentImportSources.filter((s) => s.sync_behavior === 'api');
  let pageId = 10 + rng.int(0, 9);
  for (let i = 0; i < (apiSources.length > 0 ? pages : 0); i++) {
    const source = i === 0 ? apiSources[0] : rng.pick(apiSources);
    const created = o.now - rng.int(DAY, 200 * DAY);
    const updated = created + rng.int(0, o.now - created);
    const title = i === 1 ? rng.pick(TRICKY_TEXTS) : `Troubleshooting guide ${i + 1}`;
    ws.externalPages.push({
      type: 'external_page',
      id: String((pageId += rng.int(1, 3))),
      title,
      html: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(rng.pick(TRICKY_TEXTS))}</p>`,
      url: `${source.url}/pages/${i + 1}?lang=en&ref=a,b`,
      ai_agent_availability: i !== 2,
      ai_copilot_availability: true,
      ai_sales_agent_availability: rng.chance(0.3),
      fin_availability: i !== 2,
      locale: 'en',
      source_id: source.id,
      external_id: i === 3 ? `ext/${rng.hex(6)}#"quoted"` : String(i + 1),
      created_at: created,
      updated_at: updated,
      last_ingested_at: Math.min(o.now, updated + rng.int(0, 3600)),
    });
  }
}

// Content snippets ------------------------------------------------------------------------------------------

const SNIPPET_TITLES = ['How to reset your password', 'Refund policy, "30 days"', 'Shipping times 📦', 'Datenschutz — Kurzfassung'];

/** Snippet 1 has no title and no markdown; availabilities agree with their deprecated 0/1 twins. */
export function genContentSnippets(o: Options, ws: Workspace, count: number): void {
  const rng = streamRng(o.seed, 'content-snippets');
  let id = 100 + rng.int(0, 50);
  for (let i = 0; i < count; i++) {
    const created = o.now - rng.int(DAY, 500 * DAY);
    const text = rng.pick(TRICKY_TEXTS);
    const title = i === 1 ? null : SNIPPET_TITLES[i % SNIPPET_TITLES.length] + (i < SNIPPET_TITLES.length ? '' : ` (${i + 1})`);
    const chatbot = rng.chance(0.7);
    const copilot = rng.chance(0.8);
    ws.contentSnippets.push({
      type: 'content_snippet',
      id: String((id += rng.int(1, 20))),
      title,
      locale: i === 3 ? 'de' : 'en',
      json_blocks: [{ type: 'paragraph', text }, ...(i % 2 === 0 ? [{ type: 'unorderedList', items: ['<b>step</b> one', 'step two & three'] }] : [])],
      body_markdown: i === 1 ? null : `${title ? `# ${title}\n\n` : ''}${text}\n`,
      chatbot_availability: chatbot ? 1 : 0,
      copilot_availability: copilot ? 1 : 0,
      ai_chatbot_availability: chatbot,
      ai_copilot_availability: copilot,
      ai_sales_agent_availability: rng.chance(0.3),
      created_at: created,
      updated_at: created + rng.int(0, o.now - created),
      audience_ids: pickAudienceIds(rng, ws),
    });
  }
}

// Calls -------------------------------------------------------------------------------------------------------

/**
 * Newest first. About a quarter are missed (no answered_at, no recording); calls have a conversation, an admin and
 * a contact when those exist, except a few of each; Fin answers some (fin_* URLs).
 */
export function genCalls(o: Options, ws: Workspace, count: number): void {
  const rng = streamRng(o.seed, 'calls');
  const times = Array.from({ length: count }, () => o.now - rng.int(600, 90 * DAY)).sort((a, b) => b - a);
  let id = 500 + rng.int(0, 99);
  for (let i = 0; i < count; i++) ws.calls.push(call(rng, ws, String((id += rng.int(1, 9))), times[i], i));
}

function call(rng: Rng, ws: Workspace, id: string, initiated: number, i: number): Call {
  const missed = i === 1 || rng.chance(0.25);
  const fin = !missed && (i === 2 || rng.chance(0.15));
  const answered = initiated + rng.int(3, 40);
  const ended = missed ? initiated + rng.int(10, 60) : answered + rng.int(30, 3600);
  const api = `https://api.intercom.io/calls/${id}`;
  return {
    type: 'call',
    id,
    conversation_id: ws.conversations.length > 0 && i !== 1 && rng.chance(0.8) ? rng.pick(ws.conversations).id : null,
    admin_id: ws.admins.length > 0 && !fin && !missed ? rng.pick(ws.admins).id : null,
    contact_id: ws.contacts.length > 0 && i !== 3 ? rng.pick(ws.contacts).id : null,
    state: missed ? 'missed' : 'completed',
    initiated_at: initiated,
    ...(missed ? {} : { answered_at: answered }),
    ended_at: ended,
    created_at: initiated,
    updated_at: ended + rng.int(0, 600),
    recording_url: !missed && rng.chance(0.7) ? `${api}/recording` : null,
    transcription_url: !missed && rng.chance(0.5) ? `${api}/transcript` : null,
    call_type: rng.pick(['phone', 'phone', 'messenger']),
    direction: rng.chance(0.6) ? 'inbound' : 'outbound',
    ended_reason: missed ? 'no_answer' : i === 4 ? null : rng.pick(['completed', 'customer_hung_up', 'teammate_hung_up']),
    phone: i === 3 || rng.chance(0.1) ? null : `+${rng.pick(['1555', '353', '420', '8190'])}${rng.int(1_000_000, 9_999_999)}`,
    fin_recording_url: fin ? `${api}/fin_recording` : null,
    fin_transcription_url: fin ? `${api}/fin_transcript` : null,
  };
}
