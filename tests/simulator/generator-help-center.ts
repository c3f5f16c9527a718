// Generation of the help center from the 'help-center' stream: collections and their sections (up to three levels
// deep, ordered among siblings) and articles with translations, parents and tags, including the spec examples'
// quirks (an article without a parent, one whose parent_ids is empty despite a parent_id). A stream of its own, so
// the help center never changes the records generated before it.
import { BOT, tagBasic } from './builders.js';
import { streamRng, type Options } from './generator-context.js';
import { escapeHtml, htmlBody, slugOf, TRICKY_TEXTS } from './generator-text.js';
import { DAY, type ArticleContent, type HelpCenterCollection, type Workspace } from './model.js';
import type { Rng } from './random.js';

const COLLECTION_NAMES = ['Getting started 🚀', 'Billing & invoices', 'Account, "security" and privacy', 'Integrations', 'Troubleshooting', 'Über uns — FAQ', 'よくある質問'];
const SECTION_NAMES = ['Basics', 'Advanced, "power" users', 'Payments', 'Single sign-on', 'Mobile 📱', 'Import & export', 'Limits'];
const ARTICLE_TITLES = ['How to reset your password', 'Invoices, "pro forma" & receipts', 'Connecting Slack 💬', 'Why is my export empty?', 'Zoë’s guide to façade settings', 'データのエクスポート', 'Rate limits explained'];
const COLLECTION_ICONS = ['bookmark', 'book-bookmark', 'chat-bubble', 'rocket'];

/** Returns the ids of the help centers the collections are in (GET /help_center/help_centers lists them). */
export function genHelpCenter(o: Options, ws: Workspace): number[] {
  const rng = streamRng(o.seed, 'help-center');
  const helpCenters = [79 + rng.int(0, 5), 90 + rng.int(0, 5)];
  genCollections(rng, o, ws, helpCenters);
  genArticles(rng, o, ws);
  return helpCenters;
}

/** The first third are top-level collections (in `helpCenters`); the rest are sections under one up to 3 deep. */
function genCollections(rng: Rng, o: Options, ws: Workspace, helpCenters: number[]): void {
  const now = o.now;
  const topLevel = Math.max(1, Math.ceil(o.collections / 3));
  const siblings = new Map<string | null, number>();
  let id = 159 + rng.int(0, 20);
  for (let i = 0; i < o.collections; i++) {
    id += rng.int(1, 5);
    const top = i < topLevel;
    const parent = top ? null : rng.pick(ws.collections.filter((c) => depthOf(ws, c) < 3));
    const created = now - rng.int(30 * DAY, 800 * DAY);
    const base = top ? COLLECTION_NAMES[i % COLLECTION_NAMES.length] : rng.pick(SECTION_NAMES);
    const name = top && i < COLLECTION_NAMES.length ? base : `${base} ${i + 1}`;
    const description = rng.chance(0.25) ? null : rng.chance(0.15) ? '' : rng.pick(TRICKY_TEXTS);
    const order = (siblings.get(parent?.id ?? null) ?? 0) + 1;
    siblings.set(parent?.id ?? null, order);
    ws.collections.push({
      id: String(id),
      workspace_id: ws.appId,
      name,
      url: `http://help-center.example.com/${ws.appId}/${top ? 'collection' : 'section'}-${id}-${slugOf(name)}`,
      order,
      created_at: created,
      updated_at: created + rng.int(0, now - created),
      description,
      icon: rng.pick(COLLECTION_ICONS),
      parent_id: parent?.id ?? null,
      // As in the spec's example: sections (with a parent) carry no help_center_id.
      help_center_id: top ? rng.pick(helpCenters) : null,
      default_locale: 'en',
      translated_content: {
        type: 'group_translated_content',
        en: { type: 'group_content', name, description },
        ...(rng.chance(0.4) ? { fr: { type: 'group_content' as const, name: `${name} (FR)`, description: description === null ? null : `Description en français : ${description}` } } : {}),
      },
    });
  }
}

/** Article 0 is published with French and Portuguese translations, article 1 a draft, article 2 has no parent. */
function genArticles(rng: Rng, o: Options, ws: Workspace): void {
  const now = o.now;
  let articleId = 6_871_000 + rng.int(0, 99);
  for (let i = 0; i < o.articles; i++) {
    articleId += rng.int(1, 9);
    const created = now - rng.int(DAY, 700 * DAY);
    const updated = rng.chance(0.3) ? Math.max(created, now - rng.int(0, 7 * DAY)) : created + rng.int(0, now - created);
    const state = i === 0 ? 'published' : i === 1 ? 'draft' : rng.chance(0.75) ? 'published' : 'draft';
    const author = ws.admins.length > 0 ? Number(rng.pick(ws.admins).id) : Number(BOT.id);
    const title = i < ARTICLE_TITLES.length ? ARTICLE_TITLES[i] : rng.chance(0.3) ? rng.pick(TRICKY_TEXTS) : `${rng.pick(ARTICLE_TITLES)} (${i + 1})`;
    const description = rng.chance(0.3) ? '' : rng.chance(0.2) ? null : rng.pick(TRICKY_TEXTS);
    const body = rng.chance(0.05) ? '' : htmlBody(rng, rng.pick(TRICKY_TEXTS));
    const url = state === 'published' ? `http://help-center.example.com/${ws.appId}/en/articles/${articleId}-${slugOf(title)}` : null;
    const parent = ws.collections.length > 0 && i !== 2 && rng.chance(0.8) ? rng.pick(ws.collections) : null;
    // Article 3 repeats the spec example's quirk: a parent_id with an empty parent_ids.
    const parentIds = parent && i !== 3 ? ancestryOf(ws, parent).map(Number) : [];
    const content = (locale: string, t: string): ArticleContent => ({
      type: 'article_content',
      title: t,
      description: locale === 'en' ? description : description && `(${locale}) ${description}`,
      body: locale === 'en' ? body : `<p>(${locale}) ${escapeHtml(t)}</p>`,
      author_id: author,
      state,
      created_at: created,
      updated_at: updated,
      url: url && url.replace('/en/', `/${locale}/`),
    });
    const translations: Record<string, ArticleContent> = { en: content('en', title) };
    if (i === 0 || rng.chance(0.3)) translations.fr = content('fr', `${title} (en français)`);
    if (i === 0) translations['pt-BR'] = content('pt-BR', `${title} (em português)`);
    ws.articles.push({
      type: 'article',
      id: String(articleId),
      workspace_id: ws.appId,
      title,
      description,
      body,
      author_id: author,
      state,
      created_at: created,
      updated_at: updated,
      url,
      parent_id: parent ? Number(parent.id) : null,
      parent_type: parent ? 'collection' : null,
      parent_ids: parentIds,
      default_locale: 'en',
      tags: { type: 'tag.list', tags: rng.sample(ws.tags, rng.chance(0.3) ? rng.int(1, 2) : 0).map(tagBasic) },
      translated_content: { type: 'article_translated_content', ...translations },
    });
  }
}

function depthOf(ws: Workspace, c: HelpCenterCollection): number {
  return ancestryOf(ws, c).length;
}

/** The collection's ids from the top-level collection down to itself. */
function ancestryOf(ws: Workspace, c: HelpCenterCollection): string[] {
  const chain: string[] = [];
  for (let cur: HelpCenterCollection | undefined = c; cur; cur = ws.collections.find((x) => x.id === cur!.parent_id)) chain.unshift(cur.id);
  return chain;
}
