/**
 * Follows what other processes write into a Store's logdir (a trainer without --server,
 * monitor()): at each look, new run folders, the lines appended to events.jsonl since the last
 * look (read from the last offset, never the whole file again) and the writer leases that say
 * whose trainer is online. Runs the Store writes itself are skipped.
 */
import { promises as fsp } from 'node:fs';
import type { StoredEvent } from '../protocol.js';
import { RUN_ID_RE } from '../guards.js';
import { messageOf } from '../errors.js';
import { fileInside, runPaths } from './files.js';
import { parseEventsFile, type RunState } from './run-state.js';
import { writerElsewhere } from './writer-lease.js';

/** What the watcher needs of its Store. */
export interface WatchHost {
  logdir: string;
  runs: Map<string, RunState>;
  state(runId: string): RunState;
  load(runId: string): Promise<RunState | undefined>;
  record(st: RunState, ev: StoredEvent, line: string): { ev: StoredEvent; line: string }[];
  emitShown(st: RunState, ev: StoredEvent, line: string): void;
  emitRuns(): void;
  log(line: string): void;
  closed(): boolean;
}

export class LogdirWatcher {
  private readonly timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  /** Looks every `intervalMs` (0: only when poll() is called). */
  constructor(
    private readonly host: WatchHost,
    intervalMs: number,
  ) {
    if (intervalMs > 0) {
      this.timer = setInterval(() => void this.poll(), intervalMs);
      this.timer.unref();
    }
  }

  /** One look at the logdir; resolves when done. Concurrent calls share one look. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce()
      .catch((err) => this.host.log(`store: watching ${this.host.logdir}: ${messageOf(err)}`))
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  /** Stops looking; resolves once a look in progress is done. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  private async pollOnce(): Promise<void> {
    if (this.host.closed()) return;
    const entries = await fsp.readdir(this.host.logdir, { withFileTypes: true });
    for (const entry of entries) {
      if (this.host.closed()) return;
      if (!entry.isDirectory() || !RUN_ID_RE.test(entry.name)) continue;
      const known = this.host.runs.get(entry.name);
      // Runs this store writes (or is about to) are its own to know.
      if (known && (known.fd !== undefined || known.accepted > known.log.count || known.online > 0)) continue;
      const st = known ?? this.host.state(entry.name);
      const elsewhere = writerElsewhere(runPaths(this.host.logdir, st.runId).dir);
      const changed = (await this.tail(st)) || elsewhere !== st.writerElsewhere;
      st.writerElsewhere = elsewhere;
      if (!st.info && st.online === 0 && st.accepted === 0) this.host.runs.delete(st.runId);
      else if (changed) this.host.emitRuns();
    }
  }

  /** Takes the lines another process appended to a run's events.jsonl; returns whether anything was shown. */
  private async tail(st: RunState): Promise<boolean> {
    if (st.tailBroken) return false;
    const path = runPaths(this.host.logdir, st.runId).events;
    const file = fileInside(this.host.logdir, path);
    if (!file) return false;
    const stat = await fsp.stat(file);
    if ((st.ino !== undefined && stat.ino !== st.ino) || stat.size < st.log.bytes) {
      // Replaced or cut under us (a writer's repair): read it afresh and tell what is new.
      const before = st.visible;
      this.host.runs.delete(st.runId);
      const fresh = await this.host.load(st.runId);
      if (!fresh) return true;
      for (const line of await fresh.log.read(before, fresh.log.count))
        this.host.emitShown(fresh, JSON.parse(line) as StoredEvent, line);
      return true;
    }
    st.ino = stat.ino;
    if (stat.size === st.log.bytes) return false;
    const h = await fsp.open(file, 'r');
    let text: string;
    try {
      const buf = Buffer.alloc(stat.size - st.log.bytes);
      await h.read(buf, 0, buf.length, st.log.bytes);
      text = buf.toString('utf8');
    } finally {
      await h.close();
    }
    // Complete lines only: the last piece is a line still being written (or cut by a kill).
    const { events, lines, contiguous } = parseEventsFile(text.slice(0, text.lastIndexOf('\n') + 1), st.log.count + 1);
    if (!contiguous) {
      // Offsets past a bad line would be wrong: stop following this run (say so once).
      if (!st.tailBroken)
        this.host.log(
          `store: ${path}: a line after seq ${st.log.count} is unreadable or out of order; no longer following this run`,
        );
      st.tailBroken = true;
      return false;
    }
    let shown = false;
    events.forEach((ev, i) => {
      for (const s of this.host.record(st, ev, lines[i]!)) {
        this.host.emitShown(st, s.ev, s.line);
        shown = true;
      }
    });
    st.accepted = st.log.count;
    return shown;
  }
}
