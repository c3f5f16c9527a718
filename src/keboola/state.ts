import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { log } from '../log.js';
import { isObject } from './config.js';
import { mkdirp, writeFileAtomic } from './files.js';

/** The state as a JSON object: src/incremental/state.ts says what it holds. */
export type State = Record<string, unknown>;

/** in/state.json as the platform stored it after the last successful run; missing or malformed means none. */
export async function readState(dataDir: string): Promise<State> {
  const file = path.join(dataDir, 'in', 'state.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text);
    if (isObject(parsed)) return parsed;
  } catch {
    /* fall through */
  }
  log.warn('in/state.json is not a JSON object; ignoring it.');
  return {};
}

/**
 * out/state.json is always written by a successful run: the platform replaces the stored state with it, and a
 * missing one wipes it. Written atomically, so a full disk or a crash leaves it complete or absent, never half.
 */
export async function writeState(dataDir: string, state: object): Promise<void> {
  const dir = path.join(dataDir, 'out');
  await mkdirp(dir);
  await writeFileAtomic(path.join(dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
}
