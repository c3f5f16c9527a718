/**
 * The table reference, one page per template (docs/tables/<template>.md), and the diagram of how a template's
 * tables join (also in the README), both rendered from templates/ so they cannot drift from what the extractor
 * writes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTemplate, TEMPLATES_DIR, type CompiledTable } from '../src/flatten/template.js';
import { CONTRACT, TEMPLATE_TABLES } from '../tests/contract.js';
import type { ColumnSpec, Source } from '../src/generated/template.js';

/** Every template in templates/, by name: a new one is documented without touching this script. */
export function templateNames(): string[] {
  return readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.json') && f !== 'template.schema.json').map((f) => f.slice(0, -'.json'.length)).sort();
}

function describeColumn(spec: ColumnSpec): string {
  if (spec.path === undefined && spec.coalesce === undefined) return '*empty: API 2.x has no equivalent*';
  const parts: string[] = [];
  if (spec.path?.startsWith('$parent.')) {
    parts.push(`parent's \`${spec.path.slice(8)}\``);
  } else if (spec.coalesce) {
    parts.push(spec.labels
      ? spec.coalesce.map((p, i) => `\`${spec.labels![i]}\` if \`${p}\` is set`).join(', else ')
      : `first set of ${spec.coalesce.map((p) => `\`${p}\``).join(', ')}`);
  } else if (spec.path) {
    parts.push(`\`${spec.path}\``);
  }
  if (spec.unset) parts.push(`${spec.unset.map((u) => `\`${String(u)}\``).join(' or ')} counts as not set (empty)`);
  if (spec.map) parts.push(`mapped ${Object.entries(spec.map).map(([k, v]) => `${k} → ${String(v)}`).join(', ')}`);
  if (spec.format === 'json') parts.push('as JSON, keys sorted');
  if (spec.format === 'iso_to_unix') parts.push('ISO 8601 → UNIX seconds');
  if (spec.joins) parts.push(`names \`${spec.joins}\``);
  return parts.join(', ');
}

function describeSource(from: Source, parent: string | undefined): string {
  if (from.kind === 'list') {
    const lists = [from.list].flat().join('`, then `');
    const where = from.where ? ` where ${Object.entries(from.where).map(([k, v]) => `\`${k}\` = \`${v}\``).join(' and ')}` : '';
    const expand = from.expand ? `, each expanded by \`${from.expand}\`${from.expand_skippable ? ` (unless \`skip_contact_details\` has \`${from.expand_skippable}\`)` : ''}` : '';
    return `list reader${[from.list].flat().length > 1 ? 's' : ''} \`${lists}\`${where}${expand}`;
  }
  if (from.kind === 'fetch') return `detail reader \`${from.reader}\`, once per ${parent} row${from.unless_zero ? ` unless its ${from.unless_zero.map((z) => `\`${z}\``).join(' and ')} say it has none` : ''}`;
  let s = `\`${from.path}\`${from.or_path ? ` (or \`${from.or_path}\`)` : ''} of each ${parent} object${from.scalars ? ' (plain ids)' : ''}${from.required ? ' (required: absent or null is a malformed answer)' : ' (none when it is null or absent)'}`;
  const capped = from.when !== undefined ? `when \`${from.when}\` is true` : `when it holds ${from.capped_at} or more`;
  if (from.complete_with) s += `; ${capped}, all of detail reader \`${from.complete_with}\` instead`;
  if (from.complete_by) s += `; ${capped}, every record of list reader \`${from.complete_by.list}\` whose detail reader \`${from.complete_by.members}\` lists the ${parent} object instead`;
  if (from.total) s += `; \`${from.total}\` says how many exist`;
  return s;
}

function renderTable(template: string, t: CompiledTable, parent: string | undefined): string {
  // Only the original extractor's templates have a documented contract to add columns to.
  const contract = Object.hasOwn(TEMPLATE_TABLES, template) ? (CONTRACT[t.name] ?? []) : undefined;
  const lines = [`## \`${t.name}\``, '', `Primary key: ${t.node.primary_key.map((k) => `\`${k}\``).join(' + ')}.${parent ? ` Under \`${parent}\`.` : ''}`, ''];
  if (t.node.description) lines.push(t.node.description, '');
  lines.push(`Rows from: ${describeSource(t.node.from, parent)}.${t.node.skippable ? ` Skipped (table written empty) when \`skip_contact_details\` has \`${t.node.skippable}\`.` : ''}`, '');
  lines.push('| Column | Type | From (API 2.x) | Description |', '| --- | --- | --- | --- |');
  for (const [col, spec] of Object.entries(t.node.columns)) {
    lines.push(`| \`${col}\`${!contract || contract.includes(col) ? '' : ' ⁺'} | ${spec.type} | ${describeColumn(spec)} | ${spec.description.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

const walk = (t: CompiledTable, parent: string | undefined, visit: (t: CompiledTable, parent: string | undefined) => void): void => {
  visit(t, parent);
  for (const c of t.children) walk(c, t.name, visit);
};

/** The column of a child table that holds its parent's key (`users_pk`, `notes.user_id`). */
const parentColumn = (t: CompiledTable) => {
  const cols = Object.entries(t.node.columns);
  return (cols.find(([, c]) => c.path === '$parent.id') ?? cols.find(([, c]) => c.path?.startsWith('$parent.')))?.[0];
};

/**
 * How a template's tables join, as a Mermaid flowchart (GitHub and the platform's markdown render it): a solid
 * arrow from a table to the tables under it, labelled with the child's column that holds the parent's key; a
 * dotted arrow from a table to the tables whose rows name its records (`refers_to`, a column's `joins`), labelled
 * with the column that names them.
 */
export function renderDiagram(name: string): string {
  const template = loadTemplate(name);
  const lines = ['```mermaid', 'flowchart LR'];
  // Arrows of one label from one table go on one line: `users -->|users_pk| users_tags & users_segments`.
  const grouped = new Map<string, string[]>();
  // A table under two parents (notes under users and leads) is drawn once from a table that names it.
  const add = (key: string, to: string) => grouped.set(key, [...new Set([...(grouped.get(key) ?? []), to])]);
  const byList = new Map<string, string[]>();
  for (const root of template.roots) {
    if (root.node.from.kind === 'list') for (const list of [root.node.from.list].flat()) byList.set(list, [...(byList.get(list) ?? []), root.name]);
  }
  const tables: string[] = [];
  for (const root of template.roots) {
    walk(root, undefined, (t, parent) => {
      tables.push(t.name);
      if (parent) add(`${parent} -->|${parentColumn(t) ?? 'parent'}|`, t.name);
      const refers = t.node.refers_to;
      for (const target of refers ? (byList.get(refers.list) ?? []) : []) add(`${target} -.->|${refers!.column}|`, t.name);
      for (const [column, spec] of Object.entries(t.node.columns)) {
        const target = spec.joins?.split('.')[0];
        if (target && template.tables.some((x) => x.name === target)) add(`${target} -.->|${column}|`, t.name);
      }
    });
  }
  // A table with no arrow still appears, so the diagram shows every table of the template.
  const linked = new Set([...grouped].flatMap(([k, v]) => [k.split(' ')[0], ...v]));
  for (const t of tables) if (!linked.has(t)) lines.push(`  ${t}`);
  for (const [from, to] of grouped) lines.push(`  ${from} ${to.join(' & ')}`);
  lines.push('```');
  return lines.join('\n');
}

/** docs/tables/<template>.md: the template's diagram, then every table with its columns. */
export function renderTemplatePage(name: string): string {
  const template = loadTemplate(name);
  const { description } = JSON.parse(readFileSync(path.join(TEMPLATES_DIR, `${name}.json`), 'utf8')) as { description?: string };
  const sections: string[] = [];
  for (const root of template.roots) walk(root, undefined, (t, parent) => sections.push(renderTable(name, t, parent)));
  const legend = [
    ...(Object.hasOwn(TEMPLATE_TABLES, name) ? ['⁺ marks a column added to the documented contract of the original Keboola extractor.'] : []),
    'Types are those the manifests declare ([output](../output.md#types-and-descriptions)): `integer` times are UNIX seconds, `json` columns hold JSON text. With `raw_payload`, top-level tables also have a last column `data`; with `deletes: "flag"`, `is_deleted` and `deleted_at`; with `history`, a `<table>_history` table ([configuration](../configuration.md)).',
  ];
  return [
    `# Template \`${name}\`: tables and columns`,
    '',
    '<!-- Generated by npm run docs from templates/: edit the template, not this file. -->',
    '',
    description ?? '',
    '',
    'How the tables join (solid: a table and the tables under it, labelled with the column holding the parent\'s `id`; dotted: a table and the tables with a column naming its records, labelled with that column):',
    '',
    renderDiagram(name),
    '',
    ...legend.flatMap((l) => [l, '']),
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
}
