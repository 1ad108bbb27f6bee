/**
 * The dashboard's state as a pure reducer over what the server sends on /live (and over the
 * socket's own status). No I/O here: the connection controller feeds frames in, views read out.
 */
import type { RunInfo, ServerToDashboard, SnapshotRef, StoredEvent, TrainerEvent } from '../../server/protocol.js';

export type { SnapshotRef } from '../../server/protocol.js';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting';

/** Where a snapshot of one layer at one epoch lives: its JSON index and its atlases by file name. */

/** A metrics point; `step` counts batch points seen so far, the shared x axis of the curves. */
export interface MetricPoint {
  epoch: number;
  batch?: number;
  step: number;
  values: Record<string, number>;
  /** Seq of its event (a resumed run may drop events after a seq). */
  seq?: number;
}

/** The `experiments` event of one snapshot epoch as stored: with its seq, its pictures by URL. */
export type EpochExperiments = Omit<Extract<StoredEvent, { type: 'experiments' }>, 'type'>;

/** Everything the live stream told us about one run. */
export interface RunData {
  /** True once the first `history` frame arrived. */
  loaded: boolean;
  /** Highest seq applied: a reconnect subscribes with afterSeq = lastSeq, so nothing comes twice. */
  lastSeq: number;
  batchMetrics: MetricPoint[];
  epochMetrics: MetricPoint[];
  /** epoch -> layer -> ref */
  snapshots: Record<number, Record<string, SnapshotRef>>;
  /** Snapshot epochs, ascending. */
  epochs: number[];
  /** Layers in the order they first appeared. */
  layers: string[];
  /** epoch -> how each layer's representation moved at that snapshot (the `diagnostics` events). */
  diagnostics: Record<number, Omit<Extract<TrainerEvent, { type: 'diagnostics' }>, 'type'>>;
  /** epoch -> the figure experiments at that snapshot (occlusion, invariance, correspondence). */
  experiments: Record<number, EpochExperiments>;
  started?: Extract<TrainerEvent, { type: 'run-started' }>;
  ended?: Extract<TrainerEvent, { type: 'run-ended' }>;
}

export interface DashboardState {
  connection: ConnectionStatus;
  /** Milliseconds until the next reconnect attempt, while reconnecting. */
  retryInMs?: number;
  /** True once the server's hello arrived at least once. */
  runsLoaded: boolean;
  runs: RunInfo[];
  data: Record<string, RunData>;
  /** Last error the server reported (error frame), shown until the next successful frame. */
  error?: string;
}

export type Action =
  | { type: 'frame'; frame: ServerToDashboard }
  | { type: 'connection'; status: ConnectionStatus; retryInMs?: number };

export const initialState: DashboardState = { connection: 'connecting', runsLoaded: false, runs: [], data: {} };

export function emptyRunData(): RunData {
  return {
    loaded: false,
    lastSeq: 0,
    batchMetrics: [],
    epochMetrics: [],
    snapshots: {},
    epochs: [],
    layers: [],
    diagnostics: {},
    experiments: {},
  };
}

/** The whole state transition: returns a new state, sharing what did not change. */
export function reduce(state: DashboardState, action: Action): DashboardState {
  if (action.type === 'connection') {
    const { retryInMs, ...rest } = state;
    return {
      ...rest,
      connection: action.status,
      ...(action.retryInMs !== undefined ? { retryInMs: action.retryInMs } : {}),
    };
  }
  const f = action.frame;
  switch (f.type) {
    case 'hello':
    case 'runs':
      return { ...state, runs: f.runs, runsLoaded: true, error: undefined };
    case 'history': {
      const prev = state.data[f.runId] ?? emptyRunData();
      return { ...state, data: { ...state.data, [f.runId]: applyEvents({ ...prev, loaded: true }, f.events) } };
    }
    case 'event': {
      const prev = state.data[f.runId] ?? emptyRunData();
      const next = applyEvents(prev, [f.event]);
      return next === prev ? state : { ...state, data: { ...state.data, [f.runId]: next } };
    }
    case 'error':
      return { ...state, error: `${f.code}: ${f.message}` };
    default:
      throw new Error(`reduce: unknown frame type ${(f as { type: string }).type}`);
  }
}

/**
 * Applies stored events in seq order, ignoring any seq already applied (a history that overlaps
 * live events, or a resent event, changes nothing). Copies `run` once, not once per event, so a
 * long history is linear.
 */
export function applyEvents(run: RunData, events: StoredEvent[]): RunData {
  const fresh = events.filter((e) => e.seq > run.lastSeq).sort((a, b) => a.seq - b.seq);
  if (!fresh.length) return run;
  const next: RunData = {
    ...run,
    batchMetrics: [...run.batchMetrics],
    epochMetrics: [...run.epochMetrics],
    snapshots: { ...run.snapshots },
    diagnostics: { ...run.diagnostics },
    experiments: { ...run.experiments },
    epochs: [...run.epochs],
    layers: [...run.layers],
  };
  let lastSeq = run.lastSeq;
  for (const e of fresh) {
    if (e.seq <= lastSeq) continue;
    lastSeq = e.seq;
    switch (e.type) {
      case 'run-started': {
        const { seq, ...started } = e;
        next.started = started;
        if (started.resumeSeq !== undefined) dropAfter(next, started.resumeSeq);
        break;
      }
      case 'run-ended': {
        const { seq, ...ended } = e;
        next.ended = ended;
        break;
      }
      case 'metrics':
        if (e.batch !== undefined)
          next.batchMetrics.push({
            epoch: e.epoch,
            batch: e.batch,
            step: next.batchMetrics.length + 1,
            values: e.values,
            seq: e.seq,
          });
        else next.epochMetrics.push({ epoch: e.epoch, step: next.batchMetrics.length, values: e.values, seq: e.seq });
        break;
      case 'snapshot': {
        const ref: SnapshotRef = {
          epoch: e.epoch,
          layer: e.layer,
          methods: e.methods,
          indexUrl: e.indexUrl,
          blobs: e.blobs,
          seq: e.seq,
        };
        next.snapshots[e.epoch] = { ...next.snapshots[e.epoch], [e.layer]: ref };
        if (!next.epochs.includes(e.epoch)) next.epochs = [...next.epochs, e.epoch].sort((a, b) => a - b);
        if (!next.layers.includes(e.layer)) next.layers.push(e.layer);
        break;
      }
      case 'diagnostics': {
        const { seq, type, ...d } = e;
        next.diagnostics[e.epoch] = d;
        break;
      }
      case 'experiments': {
        const { type, ...x } = e;
        next.experiments[e.epoch] = x;
        break;
      }
      case 'checkpoint':
      case 'probe':
        // Files for the server's analyses: nothing a view draws.
        break;
      default:
        throw new Error(`applyEvents: unknown event type ${(e as { type: string }).type}`);
    }
  }
  next.lastSeq = lastSeq;
  return next;
}

/**
 * A resumed run's run-started drops what the dead attempt stored after its checkpoint (the server
 * hides the same events from REST and history): the tail of the metrics, snapshots after the seq.
 */
function dropAfter(run: RunData, seq: number): void {
  const keep = (x: { seq?: number }) => (x.seq ?? 0) <= seq;
  run.batchMetrics = run.batchMetrics.filter(keep);
  run.epochMetrics = run.epochMetrics.filter(keep);
  for (const epoch of Object.keys(run.snapshots).map(Number)) {
    const layers = Object.entries(run.snapshots[epoch]!).filter(([, ref]) => keep(ref));
    if (layers.length) run.snapshots[epoch] = Object.fromEntries(layers);
    else delete run.snapshots[epoch];
  }
  run.epochs = run.epochs.filter((e) => run.snapshots[e]);
  for (const epoch of Object.keys(run.experiments).map(Number))
    if (!keep(run.experiments[epoch]!)) delete run.experiments[epoch];
  delete run.ended;
}

/** The epoch a view shows: the requested one if it has a snapshot, else the latest at or before it, else the latest. */
export function resolveEpoch(epochs: number[], requested: number | undefined): number | undefined {
  if (!epochs.length) return undefined;
  if (requested === undefined) return epochs[epochs.length - 1];
  const before = epochs.filter((e) => e <= requested);
  return before.length ? before[before.length - 1] : epochs[0];
}

/** What the run list and banners call a run's state: a running run without its trainer is 'offline'. */
export function runDisplayStatus(run: RunInfo): 'running' | 'finished' | 'failed' | 'stopped' | 'offline' {
  if (run.status === 'running' && run.trainerOnline === false) return 'offline';
  return run.status;
}
