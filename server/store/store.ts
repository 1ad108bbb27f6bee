/**
 * The logdir: one folder per run with run.json, events.jsonl, snapshot indexes and PNG atlases
 * (layout in server/API.md). events.jsonl is the truth; run.json is a summary rebuilt from it on
 * open. Run summaries, snapshot lists and the recent event lines are cached in memory (older
 * lines are read back by offset, see event-log.ts), so live subscriptions rarely wait on the
 * disk. Appends to one run are serialized, and an event is visible to readers and listeners only
 * once it is on disk (persist before fan-out).
 */
import { closeSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type {
  LayerSnapshot,
  RunInfo,
  SnapshotListResponse,
  StoredEvent,
  TrainerEvent,
  TrainerEventType,
} from '../protocol.js';
import { FILE_NAME_RE, RUN_ID_RE, checkRunId } from '../guards.js';
import { ZfError, messageOf } from '../errors.js';
import type { StoreReader } from './reader.js';
import { fileInside, readIfExists, runPaths, writeAtomic } from './files.js';
import { writerElsewhere } from './writer-lease.js';
import { appendRefusal } from './append-check.js';
import { LogdirWatcher, type WatchHost } from './watcher.js';
import { isShown, shownLines, takeEvent } from './visibility.js';
import {
  newRunState,
  parseEventsFile,
  truncateToRecorded,
  writeBatchFiles,
  type Pending,
  type RunState,
} from './run-state.js';

/** Called after an event is stored, with its JSON line (the exact text in events.jsonl). */
export type EventListener = (runId: string, event: StoredEvent, line: string) => void;

/** Delay before run.json follows a metrics or snapshot event: metrics arrive thousands a second. */
const INFO_DEBOUNCE_MS = 250;
const INDEX_CACHE_SIZE = 64;

export class Store implements StoreReader {
  private readonly runs = new Map<string, RunState>();
  private readonly eventListeners = new Set<EventListener>();
  private readonly runsListeners = new Set<() => void>();
  private readonly indexCache = new Map<string, LayerSnapshot>();
  private closed = false;
  private watcher?: LogdirWatcher;

  private constructor(
    readonly logdir: string,
    private readonly log: (line: string) => void,
    private readonly cacheLines: number,
  ) {}

  /**
   * Opens (creating if needed) a logdir and loads every run in it. `cacheLines`: recent event
   * lines kept in memory per run (default 5000); older ones are read from disk when asked for.
   */
  static async open(
    logdir: string,
    log: (line: string) => void = () => undefined,
    opts: { cacheLines?: number; only?: string[] } = {},
  ): Promise<Store> {
    await fsp.mkdir(logdir, { recursive: true });
    // The real path: every file the store reads or writes must resolve inside it (fileInside).
    const store = new Store(await fsp.realpath(logdir), log, opts.cacheLines ?? 5000);
    for (const entry of await fsp.readdir(logdir, { withFileTypes: true })) {
      if (opts.only && !opts.only.includes(entry.name)) continue;
      if (entry.isDirectory() && RUN_ID_RE.test(entry.name)) await store.load(entry.name);
    }
    return store;
  }

  private async load(runId: string): Promise<RunState | undefined> {
    const paths = runPaths(this.logdir, runId);
    const file = fileInside(this.logdir, paths.events);
    const text = file ? ((await readIfExists(file))?.toString('utf8') ?? '') : '';
    const { events, lines, dropped, contiguous } = parseEventsFile(text);
    if (!events.length) return undefined; // no run-started stored: nothing was ever acknowledged
    const st = this.state(runId);
    st.ino = (await fsp.stat(file!)).ino;
    events.forEach((ev, i) => {
      this.record(st, ev, lines[i]!);
    });
    st.accepted = st.log.count;
    st.writerElsewhere = writerElsewhere(paths.dir);
    if (dropped)
      this.log(
        `store: ${paths.events}: dropped ${dropped} unreadable, cut or out-of-order line(s); kept seq 1..${st.log.count}`,
      );
    // Another process may be appending (a trainer writing the logdir): leave its files alone.
    if (st.writerElsewhere) return st;
    // Rewrite only when a bad line sits between good ones (the offsets need it); a torn tail is cut by the next writer.
    if (!contiguous) {
      await writeAtomic(paths.events, lines.map((l) => `${l}\n`).join(''));
      st.ino = (await fsp.stat(paths.events)).ino;
    }
    await this.writeInfo(st);
    return st;
  }

  private state(runId: string): RunState {
    let st = this.runs.get(runId);
    if (!st) {
      st = newRunState(this.logdir, runId, this.cacheLines);
      this.runs.set(runId, st);
    }
    return st;
  }

  /** Updates the in-memory view with an event already on disk; returns the events it makes visible. */
  private record(st: RunState, ev: StoredEvent, line: string): { ev: StoredEvent; line: string }[] {
    st.log.add(line);
    if (ev.type === 'snapshot') this.indexCache.delete(`${st.runId}/${ev.epoch}/${ev.layer}`);
    return takeEvent(st, ev, line);
  }

  private publicInfo(st: RunState): RunInfo {
    return { ...st.info!, trainerOnline: st.online > 0 || st.writerElsewhere };
  }

  /** Runs with a stored run-started, newest first. */
  listRuns(): RunInfo[] {
    const out: RunInfo[] = [];
    for (const st of this.runs.values()) if (st.info) out.push(this.publicInfo(st));
    return out.sort((a, b) =>
      a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.runId.localeCompare(b.runId),
    );
  }

  /** One run's summary, or undefined when unknown. `trainerOnline` says whether a trainer is connected now. */
  getRun(runId: string): RunInfo | undefined {
    const st = this.runs.get(runId);
    return st?.info ? this.publicInfo(st) : undefined;
  }

  /** Highest stored seq of a run (0 when none); what a trainer continues after. Readers see up to getRun().lastSeq. */
  lastSeq(runId: string): number {
    return this.runs.get(runId)?.log.count ?? 0;
  }

  /** Stored events with seq > afterSeq, optionally of one type (older ones are read from events.jsonl). */
  async events(runId: string, afterSeq = 0, type?: TrainerEventType): Promise<StoredEvent[]> {
    const st = this.runs.get(runId);
    if (!st) return [];
    let lines: string[] = [];
    await st.log.collect(afterSeq, (l) => (lines = shownLines(st, Math.max(0, afterSeq) + 1, l)));
    const out: StoredEvent[] = [];
    for (const line of lines) {
      // Cheap pre-filter: every stored line starts with its type.
      if (type && !line.startsWith(`{"type":"${type}"`)) continue;
      out.push(JSON.parse(line) as StoredEvent);
    }
    return out;
  }

  /**
   * The JSON lines of events with seq > afterSeq (what /live sends, without re-serializing), given
   * to `done` in the same tick as lastSeq is read: listeners registered inside `done` get exactly
   * the events after these. Resolves after `done` ran; `done` is not called for an unknown run.
   */
  async history(runId: string, afterSeq: number, done: (lines: string[], lastSeq: number) => void): Promise<void> {
    const st = this.runs.get(runId);
    await st?.log.collect(afterSeq, (lines) =>
      done(shownLines(st, Math.max(0, afterSeq) + 1, lines), Math.max(afterSeq, st.visible)),
    );
  }

  /** Epochs with snapshots and the layers of each, epochs ascending. */
  snapshots(runId: string): SnapshotListResponse {
    const st = this.runs.get(runId);
    if (!st) return [];
    return [...st.layers.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([epoch, set]) => ({ epoch, layers: [...set.keys()] }));
  }

  /** A stored LayerSnapshot, or undefined when there is none. */
  async snapshotIndex(runId: string, epoch: number, layer: string): Promise<LayerSnapshot | undefined> {
    const st = this.runs.get(runId);
    if (!st?.layers.get(epoch)?.has(layer)) return undefined;
    const key = `${runId}/${epoch}/${layer}`;
    const hit = this.indexCache.get(key);
    if (hit) return hit;
    const file = fileInside(this.logdir, join(runPaths(this.logdir, runId).epochDir(epoch), `${layer}.json`));
    const buf = file ? await readIfExists(file) : undefined;
    if (!buf) return undefined;
    let index: LayerSnapshot;
    try {
      index = JSON.parse(buf.toString('utf8')) as LayerSnapshot;
    } catch {
      // Not the parser's message: it would quote the file's bytes.
      throw new ZfError('internal', `the index of layer ${layer} at epoch ${epoch} of run ${runId} is not valid JSON`, {
        status: 500,
      });
    }
    if (this.indexCache.size >= INDEX_CACHE_SIZE) this.indexCache.delete(this.indexCache.keys().next().value!);
    this.indexCache.set(key, index);
    return index;
  }

  /** The path of a snapshot file; throws `bad-blob` for anything that could leave the run's snapshot folder. */
  blobPath(runId: string, epoch: number | string, file: string): string {
    const e = String(epoch);
    checkRunId(runId, 'blob run id', 'bad-blob');
    if (!/^\d{1,9}$/.test(e))
      throw new ZfError('bad-blob', `blob epoch: expected a non-negative integer, found ${JSON.stringify(e)}`);
    if (!FILE_NAME_RE.test(file))
      throw new ZfError(
        'bad-blob',
        `blob file: expected a name of [A-Za-z0-9._-] not starting with a dot, found ${JSON.stringify(file)}`,
      );
    return join(runPaths(this.logdir, runId).epochDir(Number(e)), file);
  }

  /** A snapshot file to serve: blobPath when it is a regular file inside the logdir (no link, no temp file), else undefined. */
  blobFile(runId: string, epoch: number | string, file: string): string | undefined {
    return fileInside(this.logdir, this.blobPath(runId, epoch, file));
  }

  /**
   * Stores one event (idempotent by run id + seq): resolves with the stored event once it is on
   * disk, or 'duplicate' when that seq is already stored. `data` holds the bytes of the files the
   * event names (`blobs`), in its order. Throws `unknown-run` when the first event of a run is not
   * run-started, `seq-gap` when seq is not lastSeq + 1, `bad-blob` when `data` does not match the names.
   * Checks are made against the seqs already accepted, so a trainer may pipeline events; those
   * that arrive while a write is in flight are written together in one append (group commit).
   */
  append(
    runId: string,
    seq: number,
    event: TrainerEvent,
    data: readonly Uint8Array[] = [],
  ): Promise<StoredEvent | 'duplicate'> {
    if (this.closed) return Promise.reject(new ZfError('internal', 'store is closed', { status: 503 }));
    try {
      checkRunId(runId);
    } catch (err) {
      return Promise.reject(err);
    }
    const st = this.state(runId);
    if (seq <= st.accepted) {
      if (seq <= st.log.count) return Promise.resolve('duplicate');
      // Accepted but not yet on disk: answer once it is (or is not, if its batch failed).
      return this.serialize(st, async () => {
        if (seq <= st.log.count) return 'duplicate' as const;
        throw new ZfError(
          'seq-gap',
          `event.seq: expected ${st.accepted + 1} (run ${st.runId} has 1..${st.accepted} stored), found ${seq}`,
        );
      });
    }
    const refusal = appendRefusal(st, seq, event, data);
    if (refusal) return Promise.reject(refusal);
    st.accepted = seq;
    return new Promise((resolve, reject) => {
      st.queue.push({ seq, event, data, resolve, reject });
      if (!st.draining) {
        st.draining = true;
        void this.serialize(st, () => this.drain(st));
      }
    });
  }

  private serialize<T>(st: RunState, fn: () => Promise<T>): Promise<T> {
    const p = st.chain.then(fn);
    st.chain = p.catch(() => undefined);
    return p;
  }

  private async drain(st: RunState): Promise<void> {
    try {
      while (st.queue.length) {
        const batch = st.queue.splice(0);
        try {
          await this.writeBatch(st, batch);
        } catch (err) {
          // Nothing accepted after a failed event can be stored without a gap: refuse it all.
          truncateToRecorded(st);
          const rest = st.queue.splice(0);
          st.accepted = st.log.count;
          this.log(
            `store: run ${st.runId}: writing seq ${batch[0]!.seq}..${batch.at(-1)!.seq} failed: ${messageOf(err)}`,
          );
          for (const p of [...batch, ...rest]) p.reject(err);
        }
      }
    } finally {
      st.draining = false;
    }
  }

  private async writeBatch(st: RunState, batch: Pending[]): Promise<void> {
    const { stored, lines } = writeBatchFiles(this.logdir, st, batch);
    let summaryChanged = false;
    let infoNow = false;
    stored.forEach((ev, i) => {
      for (const shown of this.record(st, ev, lines[i]!)) {
        for (const l of this.eventListeners) this.safely(() => l(st.runId, shown.ev, shown.line));
        if (shown.ev.type === 'run-started' || shown.ev.type === 'run-ended') infoNow = true;
        if (shown.ev.type !== 'metrics' || shown.ev.batch === undefined) summaryChanged = true;
      }
      // Acknowledged once on disk, shown or held: the trainer must not send it again.
      batch[i]!.resolve(ev);
    });
    if (summaryChanged) this.emitRuns();
    // run.json is a summary rebuilt from events on open: written after the acks, at once when a run
    // starts or ends, batched otherwise (metrics and snapshots must not wait on it).
    if (infoNow) await this.writeInfo(st).catch((err) => this.log(`store: run.json of ${st.runId}: ${messageOf(err)}`));
    else this.scheduleInfo(st);
  }

  private scheduleInfo(st: RunState): void {
    if (st.infoTimer) return;
    st.infoTimer = setTimeout(() => {
      st.infoTimer = undefined;
      void this.serialize(st, () => this.writeInfo(st)).catch((err) =>
        this.log(`store: run.json of ${st.runId}: ${messageOf(err)}`),
      );
    }, INFO_DEBOUNCE_MS);
  }

  private async writeInfo(st: RunState): Promise<void> {
    if (st.infoTimer) clearTimeout(st.infoTimer);
    st.infoTimer = undefined;
    const paths = runPaths(this.logdir, st.runId);
    await fsp.mkdir(paths.dir, { recursive: true });
    await writeAtomic(paths.info, `${JSON.stringify(st.info, null, 2)}\n`);
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log(`store: listener failed: ${messageOf(err)}`);
    }
  }

  private emitRuns(): void {
    for (const l of this.runsListeners) this.safely(l);
  }

  /** Listens to stored events (after they are on disk); returns a function that stops listening. */
  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Listens to changes of the run list (a run added, its status, metrics summary, snapshots, trainer online). */
  onRunsChanged(listener: () => void): () => void {
    this.runsListeners.add(listener);
    return () => this.runsListeners.delete(listener);
  }

  /** Marks a trainer as connected to a run until the returned function is called. */
  trainerConnected(runId: string): () => void {
    const st = this.state(runId);
    st.online++;
    if (st.info) this.emitRuns();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      st.online--;
      if (st.info) this.emitRuns();
      if (!st.info && st.online === 0 && st.accepted === 0) this.runs.delete(runId);
    };
  }

  /** Waits for every pending write and brings run.json up to date. */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.runs.values()].map((st) =>
        this.serialize(st, async () => (st.info && st.infoTimer ? this.writeInfo(st) : undefined)),
      ),
    );
  }

  /**
   * Follows what other processes write into the logdir (a trainer without --server, monitor()):
   * see watcher.ts. Every `intervalMs`; stopped by close().
   */
  watch(intervalMs = 1000): void {
    if (this.watcher || intervalMs <= 0) return;
    this.watcher = new LogdirWatcher(this.watchHost(), intervalMs);
  }

  /** One look at the logdir for what other processes wrote (also done every watch() interval). */
  async poll(): Promise<void> {
    await (this.watcher ?? new LogdirWatcher(this.watchHost(), 0)).poll();
  }

  private watchHost(): WatchHost {
    return {
      logdir: this.logdir,
      runs: this.runs,
      state: (runId) => this.state(runId),
      load: (runId) => this.load(runId),
      record: (st, ev, line) => this.record(st, ev, line),
      emitShown: (st, ev, line) => this.emitShown(st, ev, line),
      emitRuns: () => this.emitRuns(),
      log: this.log,
      closed: () => this.closed,
    };
  }

  private emitShown(st: RunState, ev: StoredEvent, line: string): void {
    if (!isShown(st, ev.seq)) return;
    for (const l of this.eventListeners) this.safely(() => l(st.runId, ev, line));
  }

  /** Flushes and closes the event files; later appends are refused. */
  async close(): Promise<void> {
    await this.watcher?.stop();
    this.watcher = undefined;
    await this.flush();
    this.closed = true;
    await Promise.all(
      [...this.runs.values()].map((st) =>
        this.serialize(st, async () => {
          if (st.fd !== undefined) closeSync(st.fd);
          st.fd = undefined;
        }),
      ),
    );
  }
}
