// The shapes of the workspace-level objects and per-record details that generator-workspace-*.ts add to a Workspace
// (activity logs, help centers, internal articles, news, away status reasons, calls, AI content, macros, office hours,
// brands, content snippets, audiences, email settings, custom ticket states, contacts' subscriptions, company notes,
// conversations' handling events and side conversations), after the spec's schemas (api.intercom.io.2.14.yaml and
// 2.16.yaml). A record holds every field the newest version serves; views-workspace.ts leaves out what an older
// version does not have. Types only, so any module may import it.
import type { TicketState } from './model.js';

/** How many of each the generator makes (WorkspaceOptions.objectCounts overrides any of them). */
export interface ObjectCounts {
  activityLogs: number;
  internalArticles: number;
  newsItems: number;
  newsfeeds: number;
  awayStatusReasons: number;
  calls: number;
  contentImportSources: number;
  externalPages: number;
  macros: number;
  officeHoursSchedules: number;
  brands: number;
  contentSnippets: number;
  audiences: number;
  emailSettings: number;
  /** Ticket states beyond the four every ticket type has, each for some ticket types only. */
  customTicketStates: number;
  /** Notes of the first company (enough for several pages); the others get 0–3. */
  companyNotes: number;
  /** Side conversations of the first conversation (enough for several pages); about a third of the others get 1–2. */
  sideConversations: number;
}

export interface ActivityLogMetadata {
  [field: string]: unknown;
}

export interface ActivityLog {
  id: string;
  performed_by: { type: 'admin'; id: string; email: string; ip: string };
  /** What the activity type records (the spec's activity_log_metadata), null for some; 2.16 adds `mode`. */
  metadata: ActivityLogMetadata | null;
  created_at: number;
  activity_type: string;
  activity_description: string;
}

export interface HelpCenter {
  id: string;
  workspace_id: string;
  created_at: number;
  updated_at: number;
  identifier: string;
  website_turned_on: boolean;
  display_name: string;
  url: string;
  custom_domain: string | null;
  /** 2.16 only. */
  default: boolean;
  /** 2.16 only. */
  locales: string[];
}

export interface InternalArticle {
  type: 'internal_article';
  id: string;
  title: string;
  body: string | null;
  /** 2.16 only, as are audience_ids and the ai_*_availability flags. */
  body_markdown: string | null;
  owner_id: number;
  author_id: number;
  created_at: number;
  updated_at: number;
  locale: string;
  audience_ids: number[] | null;
  ai_chatbot_availability: boolean;
  ai_copilot_availability: boolean;
  ai_sales_agent_availability: boolean;
}

export interface NewsItem {
  type: 'news-item';
  id: string;
  workspace_id: string;
  title: string;
  body: string;
  sender_id: number;
  state: 'draft' | 'live';
  newsfeed_assignments: Array<{ newsfeed_id: number; published_at: number }>;
  labels: Array<string | null>;
  cover_image_url: string | null;
  reactions: Array<string | null>;
  deliver_silently: boolean;
  created_at: number;
  updated_at: number;
}

export interface Newsfeed {
  id: string;
  type: 'newsfeed';
  name: string;
  created_at: number;
  updated_at: number;
}

export interface AwayStatusReason {
  type: 'away_status_reason';
  id: string;
  label: string;
  emoji: string;
  order: number;
  deleted: boolean;
  created_at: number;
  updated_at: number;
}

/** Times are UNIX seconds (the spec's datetime allows those or ISO strings); a call never answered has no answered_at. */
export interface Call {
  type: 'call';
  id: string;
  conversation_id: string | null;
  admin_id: string | null;
  contact_id: string | null;
  state: string;
  initiated_at: number;
  answered_at?: number;
  ended_at: number;
  created_at: number;
  updated_at: number;
  recording_url: string | null;
  transcription_url: string | null;
  call_type: string;
  direction: 'inbound' | 'outbound';
  ended_reason: string | null;
  phone: string | null;
  fin_recording_url: string | null;
  fin_transcription_url: string | null;
}

export interface ContentImportSource {
  type: 'content_import_source';
  id: number;
  last_synced_at: number;
  sync_behavior: 'api' | 'automatic' | 'manual';
  status: 'active' | 'deactivated';
  url: string;
  created_at: number;
  updated_at: number;
  /** 2.16 only. */
  audience_ids: number[] | null;
}

export interface ExternalPage {
  type: 'external_page';
  id: string;
  title: string;
  html: string;
  url: string;
  ai_agent_availability: boolean;
  ai_copilot_availability: boolean;
  ai_sales_agent_availability: boolean;
  fin_availability: boolean;
  locale: 'en';
  source_id: number;
  external_id: string;
  created_at: number;
  updated_at: number;
  last_ingested_at: number;
}

/** Times are ISO 8601 strings, as the spec serves them; GET /macros lists them most recently updated first. */
export interface Macro {
  type: 'macro';
  id: string;
  name: string;
  body: string;
  body_text: string;
  created_at: string;
  updated_at: string;
  visible_to: 'everyone' | 'specific_teams';
  visible_to_team_ids: string[];
  available_on: Array<'inbox' | 'messenger'>;
}

export interface OfficeHoursInterval {
  /** Minutes from the start of the week (day_of_week × 1440 + the minute of the day), as in the spec's example. */
  start_minute: number;
  end_minute: number;
  day_of_week: number;
}

export interface OfficeHoursSchedule {
  type: 'office_hours_schedule';
  id: string;
  name: string;
  time_zone_name: string;
  time_intervals: OfficeHoursInterval[];
  twenty_four_seven: boolean;
  created_at: number;
  updated_at: number;
}

export interface Brand {
  type: 'brand';
  /** The default brand's id is the workspace's (the spec: "The default brand id always matches the workspace"). */
  id: string;
  name: string;
  is_default: boolean;
  created_at: number;
  updated_at: number;
  help_center_id: string;
  default_address_settings_id: string;
}

export interface ContentSnippet {
  type: 'content_snippet';
  id: string;
  title: string | null;
  locale: string;
  json_blocks: Array<Record<string, unknown>>;
  body_markdown: string | null;
  chatbot_availability: number;
  copilot_availability: number;
  ai_chatbot_availability: boolean;
  ai_copilot_availability: boolean;
  ai_sales_agent_availability: boolean;
  created_at: number;
  updated_at: number;
  audience_ids: number[] | null;
}

export interface AudiencePredicate {
  attribute: string;
  type: string;
  comparison: string;
  value: string;
}

export interface Audience {
  type: 'audience';
  id: string;
  name: string;
  predicates: AudiencePredicate[];
  role_predicates: AudiencePredicate[];
  created_at: number;
  updated_at: number;
}

export interface EmailSetting {
  type: 'email_setting';
  id: string;
  email: string;
  verified: boolean;
  domain: string;
  brand_id: string;
  forwarding_enabled: boolean;
  forwarded_email_last_received_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A ticket state as GET /ticket_states lists it: the ticket types it applies to are rendered from ticket_type_ids. */
export interface TicketStateDetail extends TicketState {
  archived: boolean;
  ticket_type_ids: string[];
}

/** The spec's admin as a note's author. */
export interface NoteAuthor {
  type: 'admin';
  id: string;
  name: string;
  email: string;
  /** Only when the admin has one (the spec's job_title is not nullable). */
  job_title?: string;
  away_mode_enabled: boolean;
  away_mode_reassign: boolean;
  away_status_reason_id: number | null;
  has_inbox_seat: boolean;
  team_ids: number[];
  avatar: string | null;
  team_priority_level: { primary_team_ids?: number[] | null; secondary_team_ids?: number[] | null };
  role: { type: 'role'; id: string; name: string } | null;
}

export interface CompanyNote {
  type: 'note';
  id: string;
  created_at: number;
  contact: null;
  company: { type: 'company'; id: string };
  author: NoteAuthor;
  body: string;
}

export interface HandlingEvent {
  teammate: { type: 'admin' | 'team' | 'bot'; id: number; name: string; email: string | null };
  type: 'paused' | 'resumed';
  /** ISO 8601, as the spec serves it. */
  timestamp: string;
  /** Paused events only (the spec's example has none on a resume); null for some. */
  reason?: string | null;
}

/** A side conversation's part: the spec's conversation_part, every field present. */
export interface SideConversationPart {
  type: 'conversation_part';
  id: string;
  part_type: 'comment' | 'note';
  body: string | null;
  created_at: number;
  updated_at: number;
  notified_at: number;
  assigned_to: { type: string; id: string | null };
  author: { type: string; id: string; name: string | null; email: string; from_ai_agent: boolean; is_ai_answer: boolean };
  attachments: Array<{ type: string; name: string; url: string; content_type: string; filesize: number; width: number; height: number }>;
  external_id: string | null;
  redacted: boolean;
  email_message_metadata: { subject: string; email_address_headers: Array<{ type: string; email_address: string; name: string | null }>; message_id: string | null };
  metadata: Record<string, unknown>;
  state: 'open' | 'closed' | 'snoozed';
  tags: Array<{ type: 'tag'; id: string; name: string }> | null;
  event_details: Record<string, unknown>;
  app_package_code: string | null;
}

export interface SideConversation {
  side_conversation_id: string;
  conversation_parts: SideConversationPart[];
  total_count: number;
}
