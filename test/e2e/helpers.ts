import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredEvent } from '../../server/protocol.js';
import { Store } from '../../server/store/index.js';

/** The zfscope CLI as a user runs it (from source through tsx), in its own process. */
export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'training/cli/main.ts', ...args], {
    env: { ...process.env, ZFSCOPE_BACKEND: 'wasm', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

export function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((res) => {
    if (child.exitCode !== null) res(child.exitCode);
    else if (child.signalCode !== null) res(child.signalCode === 'SIGKILL' ? 137 : 130);
    else child.on('exit', (code, sig) => res(code ?? (sig === 'SIGKILL' ? 137 : 130)));
  });
}

export async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v as T;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every line of a run's events.jsonl, shown to readers or not. */
export function storedEvents(logdir: string, runId: string): StoredEvent[] {
  return readFileSync(join(logdir, runId, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StoredEvent);
}

/** The events readers see (REST, dashboards): the store's view of the logdir. */
export async function shownEvents(logdir: string, runId: string): Promise<StoredEvent[]> {
  const store = await Store.open(logdir, () => undefined, { only: [runId] });
  try {
    return await store.events(runId);
  } finally {
    await store.close();
  }
}

/** Tiny but complete: every conv layer, a few epochs, seconds not minutes. */
export const TINY = ['--widths', '4,6,8,8,6,16,16', '--train-limit', '192', '--probe', '18', '--batch', '32'];
