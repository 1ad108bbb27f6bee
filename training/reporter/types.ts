import type { TrainerEvent } from '../../server/protocol.js';
import { EXIT_RUNTIME, ZfError } from '../../server/errors.js';

/** Where a trainer's events go: a server over WebSocket, a logdir directly, or memory (tests). */
export interface Reporter {
  /**
   * Resolves with the last seq stored for the run once the destination accepted it (the server's
   * welcome, the logdir opened); rejects with a ReporterError when it never will (a wrong token, a
   * run id already taken, nothing listening). Call it before any work.
   */
  ready(): Promise<number>;
  /** Queues an event (numbered with the next seq); resolves once queued, not once acknowledged. Rejects an invalid event. */
  send(event: TrainerEvent): Promise<void>;
  /**
   * The seq of the last event queued and the frames of those not yet acknowledged, oldest first:
   * what a checkpoint saves so that a resume can re-send them (see SeqOptions.replay).
   */
  unacked(): Promise<{ seq: number; frames: string[] }>;
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
  replay?: { upTo: number; frames: string[] };
}

/** A reporter failure the user must act on; `exitCode` 2 for a mistake in the flags (token, run id), else 1. */
export class ReporterError extends ZfError {
  constructor(message: string, exitCode = EXIT_RUNTIME) {
    super('reporter', message, { exitCode });
  }
}

/** The seq of a queued event frame (`{"type":"event","runId":..,"seq":N,...}`). */
export function frameSeq(frame: string): number {
  return (JSON.parse(frame) as { seq: number }).seq;
}

/**
 * The frames a resumed reporter re-sends: seqs stored+1 .. upTo from the checkpoint's frames, or a
 * ReporterError naming the first missing one (the destination lost events the checkpoint needs).
 */
export function replayFrames(
  runId: string,
  stored: number,
  replay: SeqOptions['replay'],
): { seq: number; frame: string }[] {
  if (!replay || replay.upTo <= stored) return [];
  const bySeq = new Map(replay.frames.map((f) => [frameSeq(f), f]));
  const out: { seq: number; frame: string }[] = [];
  for (let s = stored + 1; s <= replay.upTo; s++) {
    const frame = bySeq.get(s);
    if (!frame)
      throw new ReporterError(
        `--resume ${runId}: the run has events up to seq ${stored} stored and the checkpoint needs up to ${replay.upTo}, but seq ${s} was neither stored nor saved with the checkpoint`,
      );
    out.push({ seq: s, frame });
  }
  return out;
}
