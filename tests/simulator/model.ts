// The simulated workspace's data model: the Workspace object (the "truth" generated from a seed that the server
// renders and tests compare an extractor's output with), the options that size it, the records the deletion helpers
// leave behind, the record shapes src/generated does not cover (tickets, articles, collections, subscription types,
// data attributes), and the constants that generator, views, mutations and server share. Types only and constants,
// so every other module of the simulator can import it without pulling in any behaviour.
import type { Admin, Company, Contact, Conversation, ConversationPart, DataEvent, Note, PartAttachment, Segment, Tag, Team } from '../../src/generated/intercom.js';
import type {
  ActivityLog,
  Audience,
  AwayStatusReason,
  Brand,
  Call,
  CompanyNote,
  ContentImportSource,
  ContentSnippet,
  EmailSetting,
  ExternalPage,
  HandlingEvent,
  HelpCenter,
  InternalArticle,
  Macro,
  NewsItem,
  Newsfeed,
  ObjectCounts,
  OfficeHoursSchedule,
  SideConversation,
  TicketStateDetail,
} from './model-workspace.js';

export interface WorkspaceOptions {
  seed?: number;
  /** UNIX seconds the workspace considers "now". */
  now?: number;
  /** Workspace timezone (IANA); contacts search rounds dates to days in it. */
  timezone?: string;
  users?: number;
  leads?: number;
  companies?: number;
  admins?: number;
  teams?: number;
  tags?: number;
  segments?: number;
  conversations?: number;
  /** Ordinary conversations get 0..this many parts. */
  maxPartsPerConversation?: number;
  /** How many conversations get more than 500 parts (520–700). */
  bigConversations?: number;
  // Everything below is generated from separate RNG streams after the rest, so it never changes the
  // records above (a workspace of the same seed and sizes keeps every earlier value).
  /** Tickets (POST /tickets/search, GET /tickets/{id}); each gets 0..maxPartsPerTicket parts. Default 12. */
  tickets?: number;
  /** Default 8. */
  maxPartsPerTicket?: number;
  /** Help-center articles (GET /articles). Default 30. */
  articles?: number;
  /** Help-center collections and sections (GET /help_center/collections). Default 23. */
  collections?: number;
  /** GET /subscription_types. Default 3. */
  subscriptionTypes?: number;
  /** Teams with no admins, appended after the `teams` ones (those always have 1+ admins). Default 1 (0 when teams is 0). */
  emptyTeams?: number;
  /**
   * Give some conversations a conversation_rating, sla_applied and ai_agent (with ai_agent_participated: true)
   * instead of the null/false every conversation has otherwise. Off by default so existing records stay as they were.
   */
  richConversations?: boolean;
  /**
   * How many workspace-level objects and per-record details generator-workspace-*.ts make (activity logs, calls,
   * macros, company notes, side conversations, …): see ObjectCounts and OBJECT_COUNT_DEFAULTS. Generated last, from
   * streams of their own, so they change nothing above.
   */
  objectCounts?: Partial<ObjectCounts>;
}

export interface Workspace {
  now: number;
  /** The `now` it was generated at: what is rendered from it (data attribute times) stays put as `now` moves. */
  generatedAt: number;
  timezone: string;
  /** The app ("workspace") id_code: contacts' workspace_id, companies' app_id, /me app.id_code. */
  appId: string;
  appName: string;
  /** Users and leads, oldest first (the list order), without the tags/notes/companies capped lists. */
  contacts: Contact[];
  /** Contact id → ALL tag ids. */
  contactTags: Map<string, string[]>;
  /** Contact id → ALL company ids. */
  contactCompanies: Map<string, string[]>;
  /** Contact id → segment ids. */
  contactSegments: Map<string, string[]>;
  /** Contact id → ALL notes, newest first (the order the API lists them). */
  notes: Map<string, Note[]>;
  /** User id → events, newest first; some are older than 90 days, which GET /events hides. */
  events: Map<string, DataEvent[]>;
  companies: Company[];
  admins: Admin[];
  teams: Team[];
  tags: Tag[];
  segments: Segment[];
  /** Without conversation_parts. */
  conversations: Conversation[];
  /** Conversation id → ALL parts, oldest first. */
  parts: Map<string, ConversationPart[]>;
  /** Company id → ALL tag ids (the company's own `tags` field is only the initial draw; servers render from this map). */
  companyTags: Map<string, string[]>;
  /** Company id → ALL segment ids. */
  companySegments: Map<string, string[]>;
  /** Oldest (lowest id) first, without ticket_parts. */
  tickets: Ticket[];
  /** Ticket id → ALL parts, oldest first. */
  ticketParts: Map<string, TicketPart[]>;
  ticketTypes: TicketType[];
  /** One per category: submitted, in_progress, waiting_on_customer, resolved. */
  ticketStates: TicketState[];
  /** Creation order (ids ascending); GET /articles lists them most recently updated first. */
  articles: Article[];
  /** Creation order; parents before their sections. */
  collections: HelpCenterCollection[];
  subscriptionTypes: SubscriptionType[];
  // Workspace-level objects and per-record details (model-workspace.ts), each in the order its endpoint lists it
  // unless said otherwise; the records hold every field 2.16 serves (views-workspace.ts renders a version).
  /** GET /admins/activity_logs: newest first. */
  activityLogs: ActivityLog[];
  /** GET /ticket_states: the four states of ticketStates (same ids), then custom ones. */
  ticketStateDetails: TicketStateDetail[];
  helpCenters: HelpCenter[];
  internalArticles: InternalArticle[];
  newsItems: NewsItem[];
  newsfeeds: Newsfeed[];
  /** Deleted ones included, as the spec says. */
  awayStatusReasons: AwayStatusReason[];
  /** Newest first. */
  calls: Call[];
  contentImportSources: ContentImportSource[];
  externalPages: ExternalPage[];
  /** Creation order; GET /macros lists them most recently updated first. */
  macros: Macro[];
  officeHoursSchedules: OfficeHoursSchedule[];
  /** The default brand first. */
  brands: Brand[];
  contentSnippets: ContentSnippet[];
  audiences: Audience[];
  emailSettings: EmailSetting[];
  /** Contact id → the subscription type ids the contact explicitly opted into or out of (absent: none). */
  contactSubscriptions: Map<string, string[]>;
  /** Company id → ALL its notes, newest first (absent: none). */
  companyNotes: Map<string, CompanyNote[]>;
  /** Conversation id → its pause/resume events, oldest first (absent: none). */
  handlingEvents: Map<string, HandlingEvent[]>;
  /** Conversation id → its side conversations, oldest first (absent: none). */
  sideConversations: Map<string, SideConversation[]>;
  // What the deletion helpers removed, in the order removed; empty in a generated workspace. The records themselves
  // are gone from the lists and maps above (so those stay the truth an extractor's output is compared with).
  /** Contacts removed by deleteContact and mergeContact. Intercom lists none of them; merged ones only through the user's merge history (2.16). */
  deletedContacts: DeletedContact[];
  /** Companies removed by deleteCompany (Intercom lists them nowhere). */
  deletedCompanies: DeletedRecord[];
  /** Tags removed by deleteTag (Intercom lists them nowhere). */
  deletedTags: DeletedRecord[];
  /** Conversations removed by deleteConversation: GET /conversations/deleted (2.16) lists them. */
  deletedConversations: DeletedConversation[];
}

/** A record a deletion helper removed. */
export interface DeletedRecord {
  id: string;
  /** UNIX seconds, the helper's `at`. */
  deleted_at: number;
  /**
   * Where the record stood in its list counting every record ever added (see listPositions): the server keeps
   * list cursors on these positions, so a deletion between two pages neither skips nor repeats a record.
   */
  position: number;
}

export interface DeletedContact extends DeletedRecord {
  role: Contact['role'];
  /** The user a merged lead went into (mergeContact); null for deleteContact. */
  merged_into: string | null;
  /** The notes that went with it (deleteContact; a merge moves them to the user instead), so new note ids never reuse theirs. */
  note_ids: string[];
}

export interface DeletedConversation extends DeletedRecord {
  /** DELETE /conversations/{id}?retain_metrics (default true); GET /conversations/deleted serves it. */
  metrics_retained: boolean;
  /** Its parts' ids, so new part ids never reuse theirs. */
  part_ids: string[];
}

// Shapes of the objects the generated types (src/generated) do not cover, after the spec's schemas.
export interface TicketState {
  type: 'ticket_state';
  id: string;
  category: 'submitted' | 'in_progress' | 'waiting_on_customer' | 'resolved';
  internal_label: string;
  external_label: string;
}

export interface TicketTypeAttribute {
  type: 'ticket_type_attribute';
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  data_type: string;
  input_options: Record<string, unknown> | null;
  order: number;
  required_to_create: boolean;
  required_to_create_for_contacts: boolean;
  visible_on_create: boolean;
  visible_to_contacts: boolean;
  default: boolean;
  ticket_type_id: number;
  archived: boolean;
  created_at: number;
  updated_at: number;
}

export interface TicketType {
  type: 'ticket_type';
  id: string;
  category: 'Customer' | 'Back-office' | 'Tracker';
  name: string;
  description: string;
  icon: string;
  workspace_id: string;
  archived: boolean;
  created_at: number;
  updated_at: number;
  is_internal: boolean;
  ticket_type_attributes: { type: 'list'; data: TicketTypeAttribute[] };
}

export interface TicketPart {
  type: 'ticket_part';
  id: string;
  part_type: string;
  body: string | null;
  previous_ticket_state: TicketState['category'];
  ticket_state: TicketState['category'];
  created_at: number;
  updated_at: number;
  assigned_to: { type: string; id: string } | null;
  author: { type: 'admin' | 'bot' | 'team' | 'user'; id: string; name: string | null; email: string | null };
  attachments: PartAttachment[];
  external_id: string | null;
  redacted: boolean;
  /** Only on parts created through the API (absent otherwise, as the spec says). */
  app_package_code?: string;
  /** Only on ticket_attribute_updated_by_admin parts. */
  updated_attribute_data?: { attribute: { type: 'attribute'; id: string; label: string }; value: { type: 'value'; id: string | null; label: string } };
}

export interface LinkedObject {
  type: 'ticket' | 'conversation';
  id: string;
  category: 'Customer' | 'Back-office' | 'Tracker' | null;
}

/** As served by 2.14 (2.16 adds previous_ticket_state_id and serves the assignee ids as integers, 0 when unset). */
export interface Ticket {
  type: 'ticket';
  id: string;
  ticket_id: string;
  category: TicketType['category'];
  ticket_attributes: Record<string, unknown>;
  ticket_state: TicketState;
  ticket_type: TicketType;
  contacts: { type: 'contact.list'; contacts: Array<{ type: 'contact'; id: string; external_id: string | null }> };
  admin_assignee_id: string | null;
  team_assignee_id: string | null;
  created_at: number;
  updated_at: number;
  open: boolean;
  snoozed_until: number | null;
  linked_objects: { type: 'list'; total_count: number; has_more: boolean; data: LinkedObject[] };
  is_shared: boolean;
  [k: string]: unknown;
}

export interface ArticleContent {
  type: 'article_content';
  title: string;
  description: string | null;
  body: string | null;
  author_id: number;
  state: 'published' | 'draft';
  created_at: number;
  updated_at: number;
  url: string | null;
}

export interface Article {
  type: 'article';
  id: string;
  workspace_id: string;
  title: string;
  description: string | null;
  body: string | null;
  author_id: number;
  state: 'published' | 'draft';
  created_at: number;
  updated_at: number;
  url: string | null;
  /** Served by 2.14 only (the 2.16 schema dropped parent_id and parent_type). */
  parent_id: number | null;
  parent_type: 'collection' | null;
  parent_ids: number[];
  default_locale: string;
  tags: { type: 'tag.list'; tags: Tag[] };
  translated_content: { type: 'article_translated_content'; [locale: string]: ArticleContent | string };
}

export interface HelpCenterCollection {
  id: string;
  workspace_id: string;
  name: string;
  url: string;
  order: number;
  created_at: number;
  updated_at: number;
  description: string | null;
  icon: string;
  parent_id: string | null;
  help_center_id: number | null;
  default_locale: string;
  translated_content: { type: 'group_translated_content'; [locale: string]: { type: 'group_content'; name: string; description: string | null } | string };
}

export interface SubscriptionTranslation {
  name: string;
  description: string;
  locale: string;
}

export interface SubscriptionType {
  type: 'subscription';
  id: string;
  state: 'live' | 'draft' | 'archived';
  consent_type: 'opt_out' | 'opt_in';
  default_translation: SubscriptionTranslation;
  translations: SubscriptionTranslation[];
  content_types: Array<'email' | 'sms_message'>;
}

export interface DataAttribute {
  type: 'data_attribute';
  id: number | null;
  model: string;
  name: string;
  full_name: string;
  label: string;
  description: string;
  data_type: string;
  api_writable: boolean;
  ui_writable: boolean;
  messenger_writable: boolean;
  custom: boolean;
  archived: boolean;
  created_at: number;
  updated_at: number;
  admin_id: string | null;
}

export const DEFAULT_NOW = 1763683200; // 2025-11-21T00:00:00Z
export const DAY = 86400;
/** GET /events only lists events younger than this. */
export const EVENT_LIST_WINDOW = 90 * DAY;

/** How many tags and segments a served company embeds (the rest only through the full maps). */
export const COMPANY_EMBEDDED_LIMIT = 10;

/** Ticket ids and ticket part ids start above these (generated and added ones alike). */
export const TICKET_ID_BASE = 700_000;
export const TICKET_PART_ID_BASE = 8_000_000_000;
