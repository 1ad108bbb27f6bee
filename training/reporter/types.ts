import type { BlobRef, IngestLimits, LayerSnapshot, TrainerEvent } from '../../server/protocol.js';
import { EXIT_RUNTIME, ZfError } from '../../server/errors.js';
import type { QueuedFrame } from './spill-queue.js';

/** A file's bytes as a trainer hands them to a reporter. */
export interface BlobData {
  name: string;
  data: Uint8Array;
}

/** An event with its file references replaced by the files themselves. */
type WithData<E> = E extends { blobs: BlobRef[] } ? Omit<E, 'blobs'> & { blobs: BlobData[] } : E;

/**
 * A snapshot as a trainer reports it: the layer's index as an object and its atlases as bytes (on
 * the wire the index becomes the file `<layer>.json` and its methods are named in the JSON).
 */
export type ReportSnapshot = Omit<Extract<TrainerEvent, { type: 'snapshot' }>, 'blobs' | 'methods'> & {
  index: LayerSnapshot;
  blobs: BlobData[];
};

/** What a trainer reports: a wire event (TrainerEvent) with the bytes of its files in place of their references. */
export type ReportEvent = WithData<Exclude<TrainerEvent, { type: 'snapshot' }>> | ReportSnapshot;

/** Where a trainer's events go: a server over WebSocket, a logdir directly, or memory (tests). */
export interface Reporter {
  /**
   * Resolves with the last seq stored for the run once the destination accepted it (the server's
   * welcome, the logdir opened); rejects with a ReporterError when it never will (a wrong token, a
   * run id already taken, nothing listening). Call it before any work.
   */
  ready(): Promise<number>;
  /** Queues an event (numbered with the next seq); resolves once queued, not once acknowledged. Rejects an invalid event. */
  send(event: ReportEvent): Promise<void>;
  /**
   * The seq of the last event queued and the frames of those not yet acknowledged, oldest first:
   * what a checkpoint saves so that a resume can re-send them (see SeqOptions.replay).
   */
  unacked(): Promise<{ seq: number; frames: QueuedFrame[] }>;
  /** The largest file and event the destination takes, once known (a server says so in its welcome); undefined: no limit known. */
  fileLimits?(): Pick<IngestLimits, 'maxBlobBytes' | 'maxEventBytes'> | undefined;
  /** Resolves when every queued event is acknowledged (stored); rejects after `timeoutMs`. */
  flush(timeoutMs?: number): Promise<void>;
  /** Flushes what it can, then releases connections and files. */
  close(): Promise<void>;
}

/** Seq options shared by the reporters. */
export interface SeqOptions {
  /** The last seq already stored for this run (resuming a run): the next event gets startSeq + 1. Default 0. */
  startSeq?: number;
  /** Continue after whatever the server/store already holds for this run (overrides startSeq). */
  resume?: boolean;
  /**
   * With resume: the checkpoint's view (Reporter.unacked() when it was saved). Events up to `upTo`
   * belong to the checkpointed state; those the destination lacks are re-sent from `frames` first.
   */
  replay?: { upTo: number; frames: QueuedFrame[] };
}

/** A reporter failure the user must act on; `exitCode` 2 for a mistake in the flags (token, run id), else 1. */
export class ReporterError extends ZfError {
  constructor(message: string, exitCode = EXIT_RUNTIME) {
    super('reporter', message, { exitCode });
  }
}

/**
 * The frames a resumed reporter re-sends: seqs stored+1 .. upTo from the checkpoint's frames, or a
 * ReporterError naming the first missing one (the destination lost events the checkpoint needs).
 */
export function replayFrames(runId: string, stored: number, replay: SeqOptions['replay']): QueuedFrame[] {
  if (!replay || replay.upTo <= stored) return [];
  const bySeq = new Map(replay.frames.map((f) => [f.seq, f]));
  const out: QueuedFrame[] = [];
  for (let s = stored + 1; s <= replay.upTo; s++) {
    const frame = bySeq.get(s);
    if (!frame)
      throw new ReporterError(
        `--resume ${runId}: the run has events up to seq ${stored} stored and the checkpoint needs up to ${replay.upTo}, but seq ${s} was neither stored nor saved with the checkpoint`,
      );
    out.push(frame);
  }
  return out;
}
