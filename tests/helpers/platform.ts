/**
 * What the platform does with a finished run's out/tables, as the tests check it: every manifest against the
 * platform's rules (src/keboola/platform-rules.ts, each citing Keboola's code), the directory's layout, and each
 * table's manifest rendered for every data-type mode, not only the one the run wrote.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { MANIFEST_MODES, manifestPrimaryKey, type Manifest, type ManifestMode } from '../../src/keboola/manifest.js';
import { readTable } from './csv.js';
import { describeProblem, manifestProblems, outputProblems, type Problem } from '../../src/keboola/platform-rules.js';

/** The data-type modes the run helper cycles through, one per run: `legacy` is the variable left unset. */
export const MODE_ROTATION: readonly ManifestMode[] = MANIFEST_MODES;

/** A table's manifest as the run rendered it, for any mode (ExtractOptions.onManifest). */
export interface Rendered {
  table: string;
  render: (mode: ManifestMode) => Manifest;
  sliced: boolean;
}

/** Sets KBC_DATA_TYPE_SUPPORT for a run in this process (`legacy`: unset), and gives back the way to restore it. */
export function withDataTypeSupport(mode: ManifestMode): () => void {
  const before = process.env.KBC_DATA_TYPE_SUPPORT;
  if (mode === 'legacy') delete process.env.KBC_DATA_TYPE_SUPPORT;
  else process.env.KBC_DATA_TYPE_SUPPORT = mode;
  return () => {
    if (before === undefined) delete process.env.KBC_DATA_TYPE_SUPPORT;
    else process.env.KBC_DATA_TYPE_SUPPORT = before;
  };
}

/**
 * Everything in a finished out/tables that the platform would refuse or load otherwise than meant: the layout,
 * and each manifest as written (for `mode`, with the CSV's real header). With `rendered`, also each table's
 * manifest for every other mode.
 */
export async function platformProblems(dataDir: string, mode: ManifestMode, rendered: Rendered[] = []): Promise<string[]> {
  const dir = path.join(dataDir, 'out', 'tables');
  const names = await readdir(dir).catch(() => [] as string[]);
  const entries = await Promise.all(
    names.map(async (name) => {
      const p = path.join(dir, name);
      const s = await stat(p);
      if (!s.isDirectory()) return { name, kind: 'file' as const, bytes: s.size };
      const inner = await readdir(p, { withFileTypes: true });
      return { name, kind: 'dir' as const, files: inner.map((f) => ({ name: f.name, kind: f.isDirectory() ? ('dir' as const) : ('file' as const) })) };
    }),
  );
  const problems: Problem[] = outputProblems(entries);
  for (const e of entries) {
    if (!e.name.endsWith('.csv') || e.name.startsWith('.')) continue;
    const table = e.name.slice(0, -4);
    const file = path.join(dir, `${e.name}.manifest`);
    const manifest = JSON.parse(await readFile(file, 'utf8').catch(() => 'null')) as unknown;
    // Allowed by the platform (it loads such a table by its header, with no key), but never what this component means.
    if (manifest === null) {
      problems.push({ rule: 'orphan_manifest', detail: `${e.name} has no manifest: the component writes one for every table` });
      continue;
    }
    const sliced = e.kind === 'dir';
    problems.push(...manifestProblems(table, manifest, { mode, sliced, header: sliced ? undefined : await headerOf(path.join(dir, e.name)) }));
  }
  for (const r of rendered) {
    const header = r.sliced ? undefined : await headerOf(path.join(dir, `${r.table}.csv`));
    for (const m of MANIFEST_MODES) problems.push(...manifestProblems(r.table, r.render(m), { mode: m, sliced: r.sliced, header }).map((p) => ({ ...p, detail: `[${m}] ${p.detail}` })));
  }
  return problems.map(describeProblem);
}

/**
 * What storage could not take as the manifests mean it: a key written twice in one table's file (storage keeps
 * one of them, whichever it meets last) or a key with an empty part (typed storage takes it as NULL, which a key
 * column refuses: keboola/storage-api-php-client apiary.apib, primaryKeysNames "not nullable", treatValuesAsNull).
 */
export async function keyProblems(dataDir: string): Promise<string[]> {
  const dir = path.join(dataDir, 'out', 'tables');
  const problems: string[] = [];
  for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.csv'))) {
    const manifest = JSON.parse(await readFile(path.join(dir, `${name}.manifest`), 'utf8')) as Manifest;
    const key = manifestPrimaryKey(manifest);
    if (key.length === 0) {
      problems.push(`${name}: no primary key`);
      continue;
    }
    const seen = new Set<string>();
    for (const row of readTable(path.join(dir, name)).rows) {
      const cells = key.map((k) => row[k]);
      if (cells.some((c) => c === '' || c === undefined)) problems.push(`${name}: a row with an empty key part (${key.map((k, i) => `${k}=${JSON.stringify(cells[i])}`).join(', ')})`);
      const k = JSON.stringify(cells);
      if (seen.has(k)) problems.push(`${name}: the key ${k} twice`);
      seen.add(k);
    }
  }
  return problems;
}

/** A plain CSV's header row, read from its first bytes. */
async function headerOf(file: string): Promise<string[]> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return (parse(end >= 0 ? text.slice(0, end + 1) : text) as string[][])[0] ?? [];
  } finally {
    await fh.close();
  }
}
