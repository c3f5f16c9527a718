/**
 * testConnection's answer when Intercom refused some requests: how many of the template's tables cannot be read,
 * then one line per table, naming the request refused and what to add: the scope the reader needs
 * (src/resources/access.ts), and the one Intercom's answer names where it names one. Its spec's example of a missing
 * scope (api.intercom.io.2.16.yaml, GET /macros): 403 forbidden "You do not have the required scope
 * (read_conversations) to access this resource". A 403 api_plan_restricted is the workspace's plan, not a scope.
 * Intercom has also answered a missing scope with 401 token_unauthorized "Not authorized to access resource"
 * (intercom/intercom-php#257): after GET /me accepted the token, a 401 is read as a scope too.
 */
import type { Template } from '../flatten/template.js';
import type { AccessError } from '../intercom/client.js';
import { scopeOf } from '../resources/access.js';

export interface Refusal {
  reader: string;
  tables: string[];
  /** The request as a line names it: `GET /contacts/{id}/notes`. */
  route: string;
  error: AccessError;
}

/** The lines of the answer: a count, then each table the token cannot read, in the template's order, once. */
export function refusalLines(template: Template, name: string, refusals: Refusal[]): string[] {
  const byTable = new Map<string, Refusal>();
  for (const t of template.tables) {
    const first = refusals.find((r) => r.tables.includes(t.name));
    if (first) byTable.set(t.name, first);
  }
  const n = byTable.size;
  const head = `The token cannot read ${n} of the ${template.tables.length} tables of template ${name}: add what each line below names to the app in Intercom's Developer Hub (Configure → Authentication), or leave ${n === 1 ? 'the table' : 'those tables'} out (parameters.exclude_tables).`;
  return [head, ...[...byTable].map(([table, r]) => `${table}: ${r.route} answered ${r.error.status} ${r.error.code ?? ''}`.trimEnd() + ` — ${remedy(r)}`)];
}

/** The scope Intercom's answer names: "… the required scope (read_conversations) …". */
function namedScope(message: string): string | undefined {
  return /required scope \(([\w.:-]+)\)/i.exec(message)?.[1];
}

function remedy(r: Refusal): string {
  const { code, detail } = r.error;
  if (code === 'api_plan_restricted') return `the workspace's Intercom plan does not include it (Intercom: "${detail}").`;
  const scope = scopeOf(r.reader);
  const named = namedScope(detail);
  if (scope) return `add the scope "${scope}" in Intercom's Developer Hub${named ? ` (Intercom asks for ${named})` : ''}.`;
  if (named) return `add the scope Intercom asks for, ${named}, in Intercom's Developer Hub.`;
  return `Intercom documents no scope for it; its answer: "${detail}".`;
}
