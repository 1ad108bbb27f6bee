/**
 * One run's state inside the Store, and the two pieces of its disk work that need no Store:
 * reading events.jsonl back on open, and writing one batch of accepted events.
 */
import { ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredEvent, TrainerEvent } from '../protocol.js';
import { newRunView, type RunView } from './visibility.js';
import { EventLog } from './event-log.js';
import { runPaths, writeAtomicSync } from './files.js';
import { toStoredEvent } from './run-info.js';

/** An accepted event waiting for its group write. */
export interface Pending {
  seq: number;
  event: TrainerEvent;
  resolve: (ev: StoredEvent) => void;
  reject: (err: unknown) => void;
}

/** A run inside the Store: its views (visibility.ts: info, shown layers...) and its disk state. */
export interface RunState extends RunView {
  log: EventLog;
  /** Serializes every write of this run. */
  chain: Promise<unknown>;
  /** Highest seq accepted for writing (>= log.count); checks for gaps and duplicates use it. */
  accepted: number;
  /** Accepted events waiting for the next group write. */
  queue: Pending[];
  draining: boolean;
  /** events.jsonl, open for appending. */
  fd?: number;
  /** Snapshot folders known to exist. */
  dirs: Set<string>;
  infoTimer?: NodeJS.Timeout;
  /** Trainers connected now. */
  online: number;
}

export function newRunState(logdir: string, runId: string, cacheLines: number): RunState {
  return {
    ...newRunView(runId),
    log: new EventLog(runPaths(logdir, runId).events, cacheLines),
    chain: Promise.resolve(),
    accepted: 0,
    queue: [],
    draining: false,
    dirs: new Set(),
    online: 0,
  };
}

/**
 * The usable events of an events.jsonl text: seqs 1, 2, 3... from a run-started on. A line cut short
 * by a crash mid-write (never acknowledged) or out of order is dropped and counted.
 */
export function parseEventsFile(text: string): { events: StoredEvent[]; lines: string[]; dropped: number } {
  const events: StoredEvent[] = [];
  const lines: string[] = [];
  let dropped = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let ev: StoredEvent;
    try {
      ev = JSON.parse(line) as StoredEvent;
    } catch {
      dropped++;
      continue;
    }
    if (ev.seq !== events.length + 1 || (events.length === 0 && ev.type !== 'run-started')) {
      dropped++;
      continue;
    }
    events.push(ev);
    lines.push(line);
  }
  return { events, lines, dropped };
}

/**
 * Writes a batch: a snapshot's atlases and index first (an event line on disk always has its
 * files), then all the lines in one append. Synchronous file calls on purpose: small appends and a
 * few files per snapshot cost less inline than as thread-pool round trips, which on a busy machine
 * were most of a snapshot's latency.
 */
export function writeBatchFiles(logdir: string, st: RunState, batch: Pending[]): { stored: StoredEvent[]; lines: string[] } {
  const paths = runPaths(logdir, st.runId);
  if (st.fd === undefined) {
    mkdirSync(paths.dir, { recursive: true });
    st.fd = openSync(paths.events, 'a');
  }
  for (const { event } of batch) {
    if (event.type !== 'snapshot') continue;
    const dir = paths.epochDir(event.epoch);
    if (!st.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      st.dirs.add(dir);
    }
    for (const b of event.blobs) writeAtomicSync(join(dir, b.name), Buffer.from(b.base64, 'base64'));
    writeAtomicSync(join(dir, `${event.layer}.json`), JSON.stringify(event.index));
  }
  const stored = batch.map((p) => toStoredEvent(st.runId, p.seq, p.event));
  const lines = stored.map((e) => JSON.stringify(e));
  const text = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  for (let off = 0; off < text.length; ) off += writeSync(st.fd, text, off);
  return { stored, lines };
}

/** After a failed write: cut a half-written line so the next append starts on a line of its own. */
export function truncateToRecorded(st: RunState): void {
  if (st.fd === undefined) return;
  try {
    ftruncateSync(st.fd, st.log.bytes);
  } catch {
    // the disk is failing; the next open drops a partial line anyway
  }
}
