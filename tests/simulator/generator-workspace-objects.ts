// Generation of the workspace-level objects and per-record details of model-workspace.ts, run after everything else
// and each kind from an RNG stream of its own (streamRng), so none of them changes an earlier record, nor another kind
// when one count changes. This file holds the order (cross-references need it: brands name help centers and email
// settings, snippets name audiences, activity logs name macros), the default counts and the workspace settings
// (away status reasons, office hours, brands and email settings, audiences, custom ticket states); the content,
// the activity logs and macros, and the per-record details are in generator-workspace-*.ts beside it.
import { streamRng, type Options } from './generator-context.js';
import { genActivityLogs, genMacros } from './generator-workspace-activity.js';
import { genCalls, genContentImports, genContentSnippets, genHelpCenters, genInternalArticles, genNews } from './generator-workspace-content.js';
import { genCompanyNotes, genContactSubscriptions, genHandlingEvents, genSideConversations } from './generator-workspace-details.js';
import { DAY, type Workspace } from './model.js';
import type { AudiencePredicate, EmailSetting, ObjectCounts, OfficeHoursInterval, OfficeHoursSchedule } from './model-workspace.js';

/** Small, but every paged list of a default workspace spans two pages or more (see routes-workspace.ts LIST_PAGE_SIZES). */
export const OBJECT_COUNT_DEFAULTS: ObjectCounts = {
  activityLogs: 40,
  internalArticles: 12,
  newsItems: 14,
  newsfeeds: 3,
  awayStatusReasons: 5,
  calls: 30,
  contentImportSources: 4,
  externalPages: 9,
  macros: 23,
  officeHoursSchedules: 3,
  brands: 3,
  contentSnippets: 12,
  audiences: 7,
  emailSettings: 4,
  customTicketStates: 2,
  companyNotes: 12,
  sideConversations: 7,
};

/** The workspace's new lists, empty: generateWorkspace starts from these. */
export function emptyWorkspaceObjects(): Pick<Workspace, WorkspaceObjectKey> {
  return {
    activityLogs: [],
    ticketStateDetails: [],
    helpCenters: [],
    internalArticles: [],
    newsItems: [],
    newsfeeds: [],
    awayStatusReasons: [],
    calls: [],
    contentImportSources: [],
    externalPages: [],
    macros: [],
    officeHoursSchedules: [],
    brands: [],
    contentSnippets: [],
    audiences: [],
    emailSettings: [],
    contactSubscriptions: new Map(),
    companyNotes: new Map(),
    handlingEvents: new Map(),
    sideConversations: new Map(),
  };
}

type WorkspaceObjectKey =
  | 'activityLogs'
  | 'ticketStateDetails'
  | 'helpCenters'
  | 'internalArticles'
  | 'newsItems'
  | 'newsfeeds'
  | 'awayStatusReasons'
  | 'calls'
  | 'contentImportSources'
  | 'externalPages'
  | 'macros'
  | 'officeHoursSchedules'
  | 'brands'
  | 'contentSnippets'
  | 'audiences'
  | 'emailSettings'
  | 'contactSubscriptions'
  | 'companyNotes'
  | 'handlingEvents'
  | 'sideConversations';

/** `helpCenterIds`: the help centers the collections are in (genHelpCenter drew them). */
export function genWorkspaceObjects(o: Options, ws: Workspace, counts: Partial<ObjectCounts> | undefined, helpCenterIds: number[]): void {
  const n: ObjectCounts = { ...OBJECT_COUNT_DEFAULTS, ...Object.fromEntries(Object.entries(counts ?? {}).filter(([, v]) => v !== undefined)) };
  genAwayStatusReasons(o, ws, n.awayStatusReasons);
  genOfficeHours(o, ws, n.officeHoursSchedules);
  genAudiences(o, ws, n.audiences);
  genTicketStateDetails(o, ws, n.customTicketStates);
  genHelpCenters(o, ws, helpCenterIds);
  genBrandsAndEmails(o, ws, n.brands, n.emailSettings);
  genInternalArticles(o, ws, n.internalArticles);
  genNews(o, ws, n.newsfeeds, n.newsItems);
  genContentImports(o, ws, n.contentImportSources, n.externalPages);
  genContentSnippets(o, ws, n.contentSnippets);
  genCalls(o, ws, n.calls);
  genMacros(o, ws, n.macros);
  genActivityLogs(o, ws, n.activityLogs);
  genContactSubscriptions(o, ws);
  genCompanyNotes(o, ws, n.companyNotes);
  genHandlingEvents(o, ws);
  genSideConversations(o, ws, n.sideConversations);
}

// Away status reasons ---------------------------------------------------------------------------------

const AWAY_REASONS: Array<[string, string]> = [
  ['On a break', '☕'],
  ['In a meeting, "do not disturb"', '📅'],
  ['Out sick', '🤒'],
  ['Lunch', '🍔'],
  ['Vacances — à bientôt', '🌴'],
  ['Focus time', '🎧'],
];

/** The fourth (when there are four) is deleted: the list includes deleted ones. */
function genAwayStatusReasons(o: Options, ws: Workspace, count: number): void {
  const rng = streamRng(o.seed, 'away-status-reasons');
  let id = 40 + rng.int(0, 9);
  for (let i = 0; i < count; i++) {
    const [label, emoji] = AWAY_REASONS[i % AWAY_REASONS.length];
    const created = o.now - rng.int(100 * DAY, 700 * DAY);
    ws.awayStatusReasons.push({
      type: 'away_status_reason',
      id: String((id += rng.int(1, 4))),
      label: i < AWAY_REASONS.length ? label : `${label} ${i + 1}`,
      emoji,
      order: i + 1,
      deleted: i === 3,
      created_at: created,
      updated_at: created + rng.int(0, 90 * DAY),
    });
  }
}

// Office hours ------------------------------------------------------------------------------------------

const WEEK_MINUTES = 7 * 1440;

function interval(day: number, from: number, to: number): OfficeHoursInterval {
  return { start_minute: day * 1440 + from, end_minute: day * 1440 + to, day_of_week: day };
}

/** The first: weekdays 9–17 in the workspace timezone; the second: 24/7 (no intervals); then split shifts and weekends. */
function genOfficeHours(o: Options, ws: Workspace, count: number): void {
  const rng = streamRng(o.seed, 'office-hours');
  let id = 120 + rng.int(0, 9);
  for (let i = 0; i < count; i++) {
    const created = o.now - rng.int(30 * DAY, 500 * DAY);
    let intervals: OfficeHoursInterval[];
    if (i === 0) intervals = [0, 1, 2, 3, 4].map((d) => interval(d, 540, 1020));
    else if (i === 1) intervals = [];
    else if (i === 2) intervals = [5, 6].flatMap((d) => [interval(d, 480, 720), interval(d, 780, 1200)]);
    else intervals = rng.sample([0, 1, 2, 3, 4, 5, 6], rng.int(1, 5)).sort((a, b) => a - b).map((d) => interval(d, rng.int(6, 10) * 60, rng.int(16, 23) * 60));
    const schedule: OfficeHoursSchedule = {
      type: 'office_hours_schedule',
      id: String((id += rng.int(1, 9))),
      name: ['Standard Support Hours', 'Premium, "always on" 🌍', 'Weekend on-call (split shift)'][i] ?? `Regional hours ${i + 1}`,
      time_zone_name: i === 0 ? ws.timezone : rng.pick(['America/New_York', 'Asia/Tokyo', 'Europe/Prague', 'Australia/Sydney']),
      time_intervals: intervals,
      twenty_four_seven: i === 1,
      created_at: created,
      updated_at: created + rng.int(0, o.now - created),
    };
    if (schedule.time_intervals.some((t) => t.end_minute > WEEK_MINUTES)) throw new Error('office hours beyond the week');
    ws.officeHoursSchedules.push(schedule);
  }
}

// Audiences ----------------------------------------------------------------------------------------------

const AUDIENCE_DEFS: Array<{ name: string; predicates: AudiencePredicate[]; role: 'user' | 'lead' | null }> = [
  { name: 'VIP Customers', predicates: [{ attribute: 'company.name', type: 'string', comparison: 'contains', value: 'Acme, Inc.' }], role: 'user' },
  { name: 'Enterprise accounts', predicates: [{ attribute: 'custom_attributes.plan', type: 'string', comparison: 'eq', value: 'enterprise' }], role: 'user' },
  { name: 'Leads from "Pricing" page', predicates: [{ attribute: 'last_seen_url', type: 'string', comparison: 'contains', value: '/pricing?ref=a,b' }], role: 'lead' },
  { name: 'Everyone', predicates: [], role: null },
  { name: 'Čeština 🇨🇿', predicates: [{ attribute: 'browser_language', type: 'string', comparison: 'eq', value: 'cs' }], role: 'user' },
];

function genAudiences(o: Options, ws: Workspace, count: number): void {
  const rng = streamRng(o.seed, 'audiences');
  let id = 3100 + rng.int(0, 99);
  for (let i = 0; i < count; i++) {
    const d = AUDIENCE_DEFS[i % AUDIENCE_DEFS.length];
    const created = o.now - rng.int(10 * DAY, 400 * DAY);
    const predicates = i < AUDIENCE_DEFS.length ? d.predicates : [{ attribute: 'session_count', type: 'integer', comparison: 'gt', value: String(rng.int(1, 50)) }];
    ws.audiences.push({
      type: 'audience',
      id: String((id += rng.int(1, 30))),
      name: i < AUDIENCE_DEFS.length ? d.name : `${d.name} ${i + 1}`,
      predicates: predicates.map((p) => ({ ...p })),
      role_predicates: d.role ? [{ attribute: 'role', type: 'role', comparison: 'eq', value: d.role }] : [],
      created_at: created,
      updated_at: created + rng.int(0, o.now - created),
    });
  }
}

// Ticket states ---------------------------------------------------------------------------------------------

const CUSTOM_STATE_LABELS: Array<[string, string]> = [
  ['Escalated to "Tier 2"', 'Being looked at'],
  ['Awaiting vendor, \n(external)', 'In progress'],
  ['Fixed in release 🚀', 'Fixed'],
];

/** The four states every ticket type has, then `custom` ones of one or two ticket types each (the last archived). */
function genTicketStateDetails(o: Options, ws: Workspace, custom: number): void {
  const rng = streamRng(o.seed, 'ticket-states');
  const allTypes = ws.ticketTypes.map((t) => t.id);
  for (const s of ws.ticketStates) ws.ticketStateDetails.push({ ...s, archived: false, ticket_type_ids: [...allTypes] });
  let id = Math.max(0, ...ws.ticketStates.map((s) => Number(s.id)));
  const categories = ['submitted', 'in_progress', 'resolved'] as const;
  for (let i = 0; i < custom; i++) {
    const [internal, external] = CUSTOM_STATE_LABELS[i % CUSTOM_STATE_LABELS.length];
    ws.ticketStateDetails.push({
      type: 'ticket_state',
      id: String((id += rng.int(1, 40))),
      category: categories[i % categories.length],
      internal_label: i < CUSTOM_STATE_LABELS.length ? internal : `${internal} ${i + 1}`,
      external_label: external,
      archived: custom > 1 && i === custom - 1,
      ticket_type_ids: rng.sample(allTypes, Math.min(allTypes.length, rng.int(1, 2))).sort((a, b) => Number(a) - Number(b)),
    });
  }
}

// Brands and email settings ------------------------------------------------------------------------------------

const BRAND_NAMES = ['Default Brand', 'Premium, "Gold" Brand', 'Marke für Deutschland 🇩🇪', 'Nordic brand'];
const EMAIL_LOCALS = ['support', 'hello', 'billing+invoices', 'no-reply'];
const DOMAINS = ['example.com', 'premium.example.com', 'beispiel.example.de', 'nordic.example.se'];

/**
 * The default brand (the workspace's id) first; each brand has a help center (the last ones share the first) and
 * at least its default sender address. Email settings go to the brands in turn; some are unverified or never
 * forwarded an email (forwarded_email_last_received_at null).
 */
function genBrandsAndEmails(o: Options, ws: Workspace, brands: number, emails: number): void {
  const rng = streamRng(o.seed, 'brands-emails');
  let brandId = rng.int(1, 9);
  const brandIds = Array.from({ length: brands }, (_, i) => (i === 0 ? ws.appId : String((brandId += rng.int(1, 5)))));
  let emailId = rng.int(1, 9);
  const settings: EmailSetting[] = [];
  for (let i = 0; i < (brands > 0 ? Math.max(emails, brands) : 0); i++) {
    const b = i % brands;
    const domain = DOMAINS[b % DOMAINS.length];
    const created = o.now - rng.int(60 * DAY, 800 * DAY);
    const forwarding = i === 0 || rng.chance(0.5);
    settings.push({
      type: 'email_setting',
      id: String((emailId += rng.int(1, 3))),
      email: `${EMAIL_LOCALS[Math.floor(i / brands) % EMAIL_LOCALS.length]}@${domain}`,
      verified: i < brands || rng.chance(0.5),
      domain,
      brand_id: brandIds[b],
      forwarding_enabled: forwarding,
      forwarded_email_last_received_at: forwarding && i !== 1 ? o.now - rng.int(3600, 30 * DAY) : null,
      created_at: created,
      updated_at: created + rng.int(0, o.now - created),
    });
  }
  ws.emailSettings.push(...settings);
  brandIds.forEach((id, i) => {
    const created = o.now - rng.int(300 * DAY, 900 * DAY);
    const helpCenter = ws.helpCenters[i] ?? ws.helpCenters[0];
    ws.brands.push({
      type: 'brand',
      id,
      name: BRAND_NAMES[i % BRAND_NAMES.length] + (i < BRAND_NAMES.length ? '' : ` ${i + 1}`),
      is_default: i === 0,
      created_at: created,
      updated_at: created + rng.int(0, o.now - created),
      help_center_id: helpCenter?.id ?? '0',
      default_address_settings_id: settings.find((s) => s.brand_id === id)!.id,
    });
  });
}
