// Generation of macros (the 'macros' stream) and the admins' activity logs (the 'activity-logs' stream). Macros carry
// placeholders in both of the spec's forms (`<attribute key=… default=…/>` in body, `{{key|fallback:"…"}}` in
// body_text); two share an updated_at so the cursor's tie-break is exercised. Activity logs are spread over the last
// 120 days, newest first, two of them in the same second; each type carries the metadata fields the spec's
// activity_log_metadata has for it (some none: null).
import { streamRng, type Options } from './generator-context.js';
import { TRICKY_TEXTS, uuidOf } from './generator-text.js';
import { DAY, type Workspace } from './model.js';
import type { ActivityLogMetadata, Macro } from './model-workspace.js';
import type { Rng } from './random.js';

// Macros ------------------------------------------------------------------------------------------------

type Segment = string | { key: string; fallback?: string };

const MACRO_DEFS: Array<{ name: string; text: Segment[] }> = [
  { name: 'Order Status Update', text: ['Hi ', { key: 'user.name', fallback: 'there' }, ', your order #', { key: 'order.number' }, ' is ready for pickup!'] },
  { name: 'Welcome Message', text: ["Welcome to our support! I'm ", { key: 'teammate.name' }, '. How can I help you today?'] },
  { name: 'Refund process, "3-5 days"', text: ['Refund for order #', { key: 'conversation.custom_attributes.order_number' }, ' is on its way & should arrive in 3–5 days.'] },
  { name: 'Shipping update 📦', text: ['Shipped via ', { key: 'shipping.carrier', fallback: 'our "shipping" partner' }, '.\nTracking: ', { key: 'shipping.tracking_number' }] },
  { name: 'Account status review', text: ['Hi ', { key: 'user.first_name', fallback: 'there' }, ',\n\nYour account: ', { key: 'user.custom_attributes.account_status', fallback: 'pending review' }] },
  { name: 'Danke — Rückfrage', text: ['Danke, ', { key: 'user.name', fallback: 'Kunde' }, '! Können Sie uns mehr erzählen?'] },
  { name: 'Closing, no placeholders', text: ['Closing this for now; reply any time <3'] },
];

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function macroBody(text: Segment[]): string {
  const inner = text.map((s) => (typeof s === 'string' ? escapeXml(s) : `<attribute key="${s.key}"${s.fallback === undefined ? '' : ` default="${escapeXml(s.fallback)}"`}/>`)).join('');
  return inner
    .split('\n\n')
    .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
    .join('');
}

function macroBodyText(text: Segment[]): string {
  return text.map((s) => (typeof s === 'string' ? s : `{{${s.key}${s.fallback === undefined ? '' : `|fallback:${JSON.stringify(s.fallback)}`}}}`)).join('');
}

const iso = (t: number) => new Date(t * 1000).toISOString();

/** Macro 1 has macro 0's updated_at; macro 2 was never updated. */
export function genMacros(o: Options, ws: Workspace, count: number): void {
  const rng = streamRng(o.seed, 'macros');
  let id = 120 + rng.int(0, 9);
  let first = 0;
  for (let i = 0; i < count; i++) {
    const d = MACRO_DEFS[i % MACRO_DEFS.length];
    const text = i < MACRO_DEFS.length || rng.chance(0.5) ? d.text : [rng.pick(TRICKY_TEXTS)];
    const created = o.now - rng.int(5 * DAY, 400 * DAY);
    let updated = i === 2 ? created : created + rng.int(0, o.now - created);
    if (i === 0) first = updated;
    if (i === 1) updated = Math.max(created, first);
    const teams = ws.teams.length > 0 && rng.chance(0.35) ? rng.sample(ws.teams, rng.int(1, 2)).map((t) => t.id) : [];
    const macro: Macro = {
      type: 'macro',
      id: String((id += rng.int(1, 60))),
      name: i < MACRO_DEFS.length ? d.name : `${d.name} (${i + 1})`,
      body: macroBody(text),
      body_text: macroBodyText(text),
      created_at: iso(created),
      updated_at: iso(updated),
      visible_to: teams.length > 0 ? 'specific_teams' : 'everyone',
      visible_to_team_ids: teams,
      available_on: rng.chance(0.6) ? ['inbox', 'messenger'] : ['inbox'],
    };
    ws.macros.push(macro);
  }
}

// Activity logs -------------------------------------------------------------------------------------------

interface Actor {
  id: string;
  name: string;
  email: string;
}

interface Activity {
  type: string;
  metadata: ActivityLogMetadata | null;
  description: string;
}

type ActivityKind = (rng: Rng, ws: Workspace, admin: Actor, at: number) => Activity;

/** Activity types both 2.14 and 2.16 list in their enum (customer_facing_name_change is 2.14's only). */
const ACTIVITY_KINDS: ActivityKind[] = [
  (rng, _ws, a) => {
    const method = rng.pick(['email_password', 'google_sso', 'saml']);
    return { type: 'admin_login_success', metadata: { sign_in_method: method }, description: `${a.name} successfully logged in with ${method}.` };
  },
  (rng, _ws, a) => ({ type: 'admin_login_failure', metadata: { sign_in_method: 'email_password' }, description: `${a.name} failed to log in (${rng.int(1, 5)} attempts).` }),
  (rng, ws, a) => {
    const reason = ws.awayStatusReasons.length > 0 ? rng.pick(ws.awayStatusReasons) : null;
    const away = rng.chance(0.6);
    const metadata = { away_mode: away, away_status_reason: away && reason ? `${reason.emoji} ${reason.label}` : null, reassign_conversations: rng.chance(0.3), source: `admin update from web - Admin id: ${a.id}`, auto_changed: rng.chance(0.2) ? 'true' : 'false', update_by: Number(a.id), update_by_name: a.name };
    return { type: 'admin_away_mode_change', metadata, description: `${a.name} changed their away mode to ${away ? 'away' : 'active'}.` };
  },
  (rng, _ws, a) => {
    const [before, after] = rng.sample(TRICKY_TEXTS, 2);
    return { type: 'app_name_change', metadata: { before: { name: before }, after: { name: after } }, description: `${a.name} changed your app name from ${before} to ${after}.` };
  },
  (rng, _ws, a) => {
    const limit = rng.int(5, 30);
    return { type: 'admin_conversation_assignment_limit_change', metadata: { conversation_assignment_limit: limit, update_by: Number(a.id), update_by_name: a.name }, description: `${a.name} set a conversation assignment limit of ${limit}.` };
  },
  (rng, _ws, a) => ({ type: 'admin_ticket_assignment_limit_change', metadata: { ticket_assignment_limit: rng.int(5, 30) }, description: `${a.name} changed a ticket assignment limit.` }),
  (rng, ws, a) => {
    const team = ws.teams.length > 0 ? rng.pick(ws.teams) : { id: '0', name: 'Team' };
    const limit = rng.chance(0.3) ? null : rng.int(10, 80);
    return { type: 'team_assignment_limit_change', metadata: { team: { id: Number(team.id), name: team.name }, team_assignment_limit: limit }, description: `${a.name} ${limit === null ? 'removed' : 'changed'} the assignment limit of ${team.name}.` };
  },
  (rng, _ws, a, at) => {
    const previous = rng.chance(0.3) ? null : 'idle';
    const metadata = { previous_state: previous, new_state: 'occupied', threshold_minutes: 15, last_activity_at: at - rng.int(60, 900), auto: true };
    return { type: 'admin_occupancy_state_change', metadata, description: `${a.name} became occupied.` };
  },
  (rng, _ws, a) => {
    const before = rng.pick([10, 15, 20]);
    return { type: 'admin_occupancy_setting_change', metadata: { setting_type: 'teammate_occupancy', changes: { occupancy_window_minutes: { before, after: before * 2 } } }, description: `${a.name} changed the occupancy settings.` };
  },
  (rng, _ws, a) => {
    const enabled = rng.chance(0.5);
    return { type: 'unassign_unsnoozed_when_away_setting_change', metadata: { enabled, mode: enabled ? 'when_away_only' : null }, description: `${a.name} ${enabled ? 'enabled' : 'disabled'} unassigning snoozed conversations when away.` };
  },
  (rng, _ws, a, at) => ({ type: 'admin_impersonation_consent_approved', metadata: { consent_id: rng.int(100_000, 999_999), expired_at: new Date((at + 14 * DAY) * 1000).toISOString() }, description: `${a.name} approved an impersonation consent.` }),
  (rng, ws, a) => {
    const macro = ws.macros.length > 0 ? rng.pick(ws.macros) : { id: '1', name: 'Macro' };
    const [type, verb] = rng.pick([['macro_creation', 'created'], ['macro_update', 'updated'], ['macro_deletion', 'deleted']]);
    return { type, metadata: { macro: { id: Number(macro.id), name: macro.name } }, description: `${a.name} ${verb} the macro "${macro.name}".` };
  },
  (rng, _ws, a) => {
    const title = rng.pick(TRICKY_TEXTS);
    return { type: 'message_state_change', metadata: { message: { id: rng.int(100, 999), title }, before: { state: 'draft' }, after: { state: 'live' } }, description: `${a.name} changed your ${title} message from draft to live.` };
  },
  (_rng, _ws, a) => ({ type: 'app_data_export', metadata: null, description: `${a.name} exported your app's data.` }),
  (rng, _ws, a) => ({ type: 'app_data_deletion', metadata: { external_id: rng.hex(24) }, description: `${a.name} deleted a contact's data.` }),
  (_rng, _ws, a) => ({ type: 'office_hours_change', metadata: { before: { timezone: 'Europe/Dublin' }, after: { timezone: 'Europe/Prague' } }, description: `${a.name} changed your office hours.` }),
];

function ipOf(rng: Rng): string {
  return rng.pick([`198.51.100.${rng.int(1, 254)}`, `203.0.113.${rng.int(1, 254)}`, `2001:db8::${rng.hex(4)}`, '127.0.0.1']);
}

/** None without admins (an activity is always an admin's). Logs 1 and 2 share a second. */
export function genActivityLogs(o: Options, ws: Workspace, count: number): void {
  const rng = streamRng(o.seed, 'activity-logs');
  if (ws.admins.length === 0) return;
  const times = Array.from({ length: count }, () => o.now - rng.int(60, 120 * DAY)).sort((a, b) => b - a);
  if (count > 2) times[2] = times[1];
  times.forEach((at, i) => {
    const admin = rng.pick(ws.admins);
    const actor: Actor = { id: admin.id, name: admin.name ?? 'Admin', email: admin.email ?? `admin${admin.id}@example.com` };
    const kind = i < ACTIVITY_KINDS.length ? ACTIVITY_KINDS[i] : rng.pick(ACTIVITY_KINDS);
    const activity = kind(rng, ws, actor, at);
    ws.activityLogs.push({
      id: uuidOf(rng),
      performed_by: { type: 'admin', id: actor.id, email: actor.email, ip: ipOf(rng) },
      metadata: activity.metadata,
      created_at: at,
      activity_type: activity.type,
      activity_description: activity.description,
    });
  });
}
