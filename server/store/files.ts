/** Small file helpers for the logdir: atomic writes and the layout of a run folder. */
import { lstatSync, promises as fsp, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { ZfError } from '../errors.js';

let tmpCounter = 0;

/**
 * Writes a file atomically: a temp file beside it, then a rename, so a reader (or a restart after
 * a crash) sees the old content or the new one, never half of it.
 */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`;
  try {
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * writeAtomic without the thread pool: for the store's hot path, where a handful of small files
 * per event cost less written inline than in four thread-pool round trips each (which, on a busy
 * machine, is where the latency of a snapshot went).
 */
export function writeAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Paths inside one run's folder (layout in server/API.md). */
export function runPaths(logdir: string, runId: string) {
  const dir = join(logdir, runId);
  return {
    dir,
    info: join(dir, 'run.json'),
    events: join(dir, 'events.jsonl'),
    snapshots: join(dir, 'snapshots'),
    epochDir: (epoch: number) => join(dir, 'snapshots', String(epoch)),
  };
}

/** Reads a file, or undefined when it does not exist (links and temp files are refused: see fileInside). */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Throws when `path` is a symbolic link: the store never follows one out of the logdir. */
export function refuseLink(path: string): void {
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch {
    return; // missing: nothing to follow
  }
  if (isLink)
    throw new ZfError('internal', `${path} is a symbolic link; the store does not follow links out of its logdir`, {
      status: 500,
    });
}

/** Temp files of an atomic write in progress (or left by a kill): never read, never served. */
export function isTempFile(path: string): boolean {
  return path.endsWith('.tmp') || /\.tmp-\d+$/.test(path);
}

/**
 * `path` when it is a regular file reached from the (real) logdir without any link, and not a temp
 * file; else undefined. What every read of the store and /blobs goes through.
 */
export function fileInside(realLogdir: string, path: string): string | undefined {
  if (isTempFile(path)) return undefined;
  let real: string;
  try {
    real = realpathSync(path);
    if (!lstatSync(real).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const rel = relative(realLogdir, real);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  // Any link on the way makes the real path differ from the path asked for.
  return real === path ? real : undefined;
}

/** The real path of a logdir (created before). */
export function realLogdir(logdir: string): string {
  return realpathSync(logdir);
}
