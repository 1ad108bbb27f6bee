/**
 * Which process writes a run straight into the logdir: `<run>/writer.json` ({pid, host, since}),
 * made when a trainer opens the run and removed when it closes it. A server watching the logdir
 * shows such a run's trainer online while that process lives (a `kill -9` leaves the file, and the
 * dead pid says offline), and a second writer of the same run is refused.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface WriterLease {
  pid: number;
  host: string;
  since: string;
}

/** The lease file of a run folder. */
export function leasePath(runDir: string): string {
  return join(runDir, 'writer.json');
}

/** The lease of a run folder, or undefined when none (or unreadable). */
export function readLease(runDir: string): WriterLease | undefined {
  try {
    const v = JSON.parse(readFileSync(leasePath(runDir), 'utf8')) as WriterLease;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the lease's process is alive. A lease of another host counts as alive (its pid cannot be checked from here). */
export function leaseAlive(lease: WriterLease | undefined): boolean {
  if (!lease) return false;
  if (lease.host !== hostname()) return true;
  try {
    process.kill(lease.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lease of a run folder for this process; returns its holder's pid instead when another live process has it. */
export function takeLease(runDir: string): number | undefined {
  const held = readLease(runDir);
  if (held && held.pid !== process.pid && leaseAlive(held)) return held.pid;
  writeFileSync(
    leasePath(runDir),
    JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }),
  );
  return undefined;
}

/** Gives the lease back (only when this process holds it). */
export function releaseLease(runDir: string): void {
  if (readLease(runDir)?.pid === process.pid) rmSync(leasePath(runDir), { force: true });
}

/** Whether a live process other than this one holds the run folder's lease. */
export function writerElsewhere(runDir: string): boolean {
  const lease = readLease(runDir);
  return !!lease && lease.pid !== process.pid && leaseAlive(lease);
}
