/** Small file helpers for the logdir: atomic writes and the layout of a run folder. */
import { promises as fsp, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/** Reads a file, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
