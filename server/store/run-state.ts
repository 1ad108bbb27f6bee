/**
 * One run's state inside the Store, and the two pieces of its disk work that need no Store:
 * reading events.jsonl back on open, and writing one batch of accepted events.
 */
import { ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import type { StoredEvent, TrainerEvent } from '../protocol.js';
import { newRunView, type RunView } from './visibility.js';
import { EventLog } from './event-log.js';
import { refuseLink, runPaths } from './files.js';
import { writeEventFiles } from './event-files.js';
import { toStoredEvent } from './run-info.js';

/** An accepted event waiting for its group write. */
export interface Pending {
  seq: number;
  event: TrainerEvent;
  /** The bytes of the files the event names, in its order. */
  data: readonly Uint8Array[];
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
  /** Snapshot, checkpoint and probe folders known to exist. */
  dirs: Set<string>;
  infoTimer?: NodeJS.Timeout;
  /** Trainers connected now. */
  online: number;
  /** A live process other than this one holds the run's writer lease (writer-lease.ts). */
  writerElsewhere: boolean;
  /** events.jsonl's inode when last read, to notice a file replaced under a watcher. */
  ino?: number;
  /** The watcher met a bad line in the middle of this run's file and stopped following it. */
  tailBroken?: boolean;
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
    writerElsewhere: false,
  };
}

/**
 * The usable events of an events.jsonl text: seqs 1, 2, 3... from a run-started on. A line cut short
 * by a crash mid-write (never acknowledged) or out of order is dropped and counted.
 */
export function parseEventsFile(
  text: string,
  firstSeq = 1,
): { events: StoredEvent[]; lines: string[]; dropped: number; contiguous: boolean } {
  const events: StoredEvent[] = [];
  const lines: string[] = [];
  let dropped = 0;
  // Whether the kept lines are the file's first lines, each ending with its newline: then the
  // line offsets hold and nothing needs rewriting (a torn tail is cut by the next writer).
  let contiguous = true;
  const parts = text.split('\n');
  parts.forEach((line, i) => {
    const complete = i < parts.length - 1;
    let ev: StoredEvent | undefined;
    try {
      ev = line ? (JSON.parse(line) as StoredEvent) : undefined;
    } catch {
      ev = undefined;
    }
    const seq = firstSeq + events.length;
    if (!ev || !complete || ev.seq !== seq || (seq === 1 && ev.type !== 'run-started')) {
      if (line) dropped++;
      // A bad complete line shifts the offsets of the good ones after it: rewrite. A torn tail does not.
      if (complete) contiguous = false;
      return;
    }
    events.push(ev);
    lines.push(line);
  });
  return { events, lines, dropped, contiguous };
}

/**
 * Writes a batch: the events' files first (an event line on disk always has its files:
 * event-files.ts), then all the lines in one append. Synchronous file calls on purpose: small appends and a
 * few files per snapshot cost less inline than as thread-pool round trips, which on a busy machine
 * were most of a snapshot's latency.
 */
export function writeBatchFiles(
  logdir: string,
  st: RunState,
  batch: Pending[],
): { stored: StoredEvent[]; lines: string[] } {
  const paths = runPaths(logdir, st.runId);
  if (st.fd === undefined) {
    refuseLink(paths.dir);
    mkdirSync(paths.dir, { recursive: true });
    refuseLink(paths.events);
    st.fd = openSync(paths.events, 'a');
    // A line cut short by a kill (never acknowledged) goes before the first append.
    ftruncateSync(st.fd, st.log.bytes);
  }
  for (const { event, data } of batch) writeEventFiles(logdir, st.runId, st.dirs, event, data);
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
