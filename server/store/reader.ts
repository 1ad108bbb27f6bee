/**
 * What the read side of the server (REST routes, live fan-out) may ask of the logdir store: runs,
 * their events and snapshots, blobs, and change notifications. The Store implements it; readers
 * never see appends, leases or shutdown, and a test can hand them any object of this shape.
 */
import type { LayerSnapshot, RunInfo, SnapshotListResponse, StoredEvent, TrainerEventType } from '../protocol.js';
import type { EventListener } from './store.js';

export interface StoreReader {
  /** The logdir's absolute path. */
  readonly logdir: string;
  listRuns(): RunInfo[];
  getRun(runId: string): RunInfo | undefined;
  /** The shown events after `afterSeq`, optionally of one type. */
  events(runId: string, afterSeq?: number, type?: TrainerEventType): Promise<StoredEvent[]>;
  /** The shown event lines after `afterSeq` and the seq they end at, handed over without a gap to live events. */
  history(runId: string, afterSeq: number, done: (lines: string[], lastSeq: number) => void): Promise<void>;
  snapshots(runId: string): SnapshotListResponse;
  snapshotIndex(runId: string, epoch: number, layer: string): Promise<LayerSnapshot | undefined>;
  /** A stored blob's path inside the logdir, or undefined when it is not there (or not a plain file). */
  blobFile(runId: string, epoch: number | string, file: string): string | undefined;
  onEvent(listener: EventListener): () => void;
  onRunsChanged(listener: () => void): () => void;
}
