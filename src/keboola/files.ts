/**
 * Writing to the data volume: small files (state, manifests) go to a temporary file in the same directory and
 * are renamed into place, so a crash or a full disk never leaves a 0-byte or half-written one; and a file-system
 * refusal (ENOSPC, EACCES, EROFS, …) becomes one plain line naming the path, the cause and the fix.
 */
import { access, mkdir as fsMkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';

/** errno code → what it means and what to do about it. */
const CAUSES: Record<string, [cause: string, fix: string]> = {
  ENOSPC: ['no space left on device', 'Free space on the data volume and run again.'],
  EDQUOT: ['disk quota exceeded', 'Free space or raise the quota on the data volume and run again.'],
  EFBIG: ['file too large for the file system', 'Use a data volume that allows larger files, or extract less per run.'],
  EACCES: ['permission denied', "Make the data directory writable by the component's user and run again."],
  EPERM: ['operation not permitted', "Make the data directory writable by the component's user and run again."],
  EROFS: ['read-only file system', 'Mount the data directory read-write and run again.'],
  EIO: ['input/output error', 'The data volume failed; check it and run again.'],
  EMFILE: ['too many open files', 'Raise the open-file limit (ulimit -n) and run again.'],
  ENFILE: ['too many open files in the system', 'Raise the system open-file limit and run again.'],
  ENOENT: ['no such file or directory', 'The data directory was removed or is not mounted; check it and run again.'],
  ENOTDIR: ['a part of the path is not a directory', 'Check the data directory and run again.'],
  EISDIR: ['it is a directory', 'Remove the directory in its place and run again.'],
  ENAMETOOLONG: ['file name too long', 'Use a shorter data directory path.'],
};

interface SystemError {
  code: string;
  syscall?: string;
  message: string;
}

/** The calls that write to the file system (not 'read': sockets fail in it too). */
const WRITE_SYSCALLS = new Set(['open', 'write', 'writev', 'close', 'fsync', 'fdatasync', 'mkdir', 'rename', 'unlink', 'ftruncate', 'copyfile', 'symlink', 'link', 'chmod', 'utime']);

/** True for the errors Node's fs raises on a write (they carry an errno code such as ENOSPC). */
export function isFsError(e: unknown): e is SystemError {
  const { code, syscall } = (e ?? {}) as { code?: unknown; syscall?: unknown };
  return e instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && (code in CAUSES || (typeof syscall === 'string' && WRITE_SYSCALLS.has(syscall)));
}

/** An fs error that can only come from writing (an open may have been for reading). */
export function isFsWriteError(e: unknown): e is SystemError {
  return isFsError(e) && e.syscall !== undefined && e.syscall !== 'open' && WRITE_SYSCALLS.has(e.syscall);
}

/**
 * A file-system error on `file` as the one line the user reads; anything else is returned unchanged.
 * The line names the path we meant to write, not the temporary file or the errno message Node builds.
 */
export function fsError(e: unknown, file: string, verb = 'write'): unknown {
  if (e instanceof EnvironmentError || !isFsError(e)) return e;
  const known = CAUSES[e.code];
  const cause = known ? `${known[0]} (${e.code})` : `${e.message.replace(/^E[A-Z0-9]+:\s*/, '').replace(/,\s*\w+(\s+'.*)?$/, '')} (${e.code})`;
  const fix = known ? known[1] : 'Check the data volume and run again.';
  const err = new EnvironmentError(`Cannot ${verb} ${file}: ${cause}. ${fix}`);
  (err as Error & { code?: string }).code = e.code;
  return err;
}

export async function mkdirp(dir: string): Promise<void> {
  try {
    await fsMkdir(dir, { recursive: true });
  } catch (e) {
    throw fsError(await trueCause(dir, e), dir, 'create');
  }
}

/**
 * A recursive mkdir reports ENOENT for some refusals (on a read-only file system, for one): creating the first
 * missing directory on its own gives the real errno.
 */
async function trueCause(dir: string, e: unknown): Promise<unknown> {
  if ((e as { code?: unknown }).code !== 'ENOENT') return e;
  let missing = path.resolve(dir);
  for (;;) {
    const parent = path.dirname(missing);
    if (parent === missing) return e;
    if (await exists(parent)) break;
    missing = parent;
  }
  try {
    await fsMkdir(missing);
    return e;
  } catch (first) {
    return first;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `data` to `file` so that `file` is either as before or complete: a temporary file next to it is
 * written, flushed to disk and renamed over it (rename is atomic within one directory).
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let created = false;
  try {
    const fh = await open(tmp, 'wx');
    created = true;
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    created = false;
  } catch (e) {
    if (created) await unlink(tmp).catch(() => undefined);
    throw fsError(e, file);
  }
}
