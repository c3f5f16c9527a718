/**
 * Runs by hand into a data directory that holds an earlier run's output. The platform gives every job a fresh
 * out/; a person who runs the component twice into one directory (after leaving out `notes`, or switching from
 * `basic` to `workspace`) would otherwise find the earlier run's tables beside this run's, and a load of
 * out/tables would take them too.
 *
 * - A table this run writes replaces its earlier files as the run opens it (clearTable): its old manifest goes,
 *   so a manifest always describes the CSV beside it (a failed run leaves none, as on an empty out/), and an
 *   earlier run's sliced directory goes, so the plain CSV can take its place. A plain CSV is simply overwritten.
 * - A table this run does not write is removed only once the run has succeeded, right before the state is
 *   written (removeStaleTables): a failed run leaves what it did not replace as it was.
 *
 * Only what the product names is touched: for a table name of some template (`ours`), its CSV, the slices in its
 * directory (part-00000.csv.gz, …), its manifest, and the temporary files a killed run leaves beside them
 * (src/keboola/files.ts writeFileAtomic, tables.ts toSlices). Anything else in out/tables stays, and a table
 * directory that holds anything else is left whole.
 */
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { fsError } from './files.js';

const SLICE = /^part-\d{5}\.csv\.gz$/;
const CSV = /^(.+)\.csv$/;
const MANIFEST = /^(.+)\.csv\.manifest$/;
/** `.<table>.csv.<pid>.<time>.tmp`, `.<table>.csv.manifest.<pid>.<time>.tmp`, `.<table>.csv.<pid>.plain.tmp`. */
const TEMPORARY = /^\.(.+?)\.csv(?:\.manifest)?\.\d+\.[0-9a-z]+\.tmp$/;

/** What removeStaleTables found. */
export interface StaleFiles {
  /** Tables whose files it removed. */
  removed: string[];
  /** Temporary files of a killed run it removed. */
  temporary: number;
  /** Tables it left, because their directory holds files the product did not write: table → those files. */
  kept: Map<string, string[]>;
}

/** Before a table is written: its earlier manifest and sliced directory go (its plain CSV is overwritten). */
export async function clearTable(dir: string, table: string): Promise<void> {
  const csv = path.join(dir, `${table}.csv`);
  await remove(`${csv}.manifest`);
  if (!(await isDirectory(csv))) return;
  const foreign = await removeSlices(csv);
  if (foreign.length > 0) throw new UserError(`Cannot write ${csv}: it is a directory holding files this component did not write (${foreign.join(', ')}). Move them elsewhere and run again.`);
}

/** After a successful run: the files of every product table it did not write, and every leftover temporary file. */
export async function removeStaleTables(dir: string, written: ReadonlySet<string>, ours: ReadonlySet<string>): Promise<StaleFiles> {
  const found: StaleFiles = { removed: [], temporary: 0, kept: new Map() };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return found;
    throw fsError(e, dir, 'read');
  }
  const stale = new Set<string>();
  for (const name of names) {
    const temp = TEMPORARY.exec(name);
    if (temp && ours.has(temp[1])) {
      await remove(path.join(dir, name));
      found.temporary++;
      continue;
    }
    const table = (MANIFEST.exec(name) ?? CSV.exec(name))?.[1];
    if (table !== undefined && ours.has(table) && !written.has(table)) stale.add(table);
  }
  for (const table of [...stale].sort()) {
    const csv = path.join(dir, `${table}.csv`);
    // A directory is checked first: one holding anything else keeps the table whole, manifest included.
    const foreign = (await isDirectory(csv)) ? await foreignFiles(csv) : [];
    if (foreign.length > 0) {
      found.kept.set(table, foreign);
      continue;
    }
    // The manifest first: a CSV without one is plainly incomplete; a manifest without its CSV is a broken table.
    await remove(`${csv}.manifest`);
    if (await isDirectory(csv)) await removeSlices(csv);
    else await remove(csv);
    found.removed.push(table);
  }
  return found;
}

/** Removes a sliced table's slices and then its directory, unless it holds other files: those are returned. */
async function removeSlices(csv: string): Promise<string[]> {
  const foreign = await foreignFiles(csv);
  if (foreign.length > 0) return foreign;
  for (const slice of await list(csv)) await remove(path.join(csv, slice));
  try {
    await rmdir(csv);
  } catch (e) {
    throw fsError(e, csv, 'remove');
  }
  return [];
}

async function foreignFiles(csv: string): Promise<string[]> {
  return (await list(csv)).filter((n) => !SLICE.test(n)).sort();
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    throw fsError(e, dir, 'read');
  }
}

/** lstat: a symbolic link is a file here, never followed. */
async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Removes a file that is there; one that is not is no error (nor a write: a read-only volume refuses even that). */
async function remove(file: string): Promise<void> {
  try {
    await lstat(file);
  } catch {
    return;
  }
  try {
    await unlink(file);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw fsError(e, file, 'remove');
  }
}
