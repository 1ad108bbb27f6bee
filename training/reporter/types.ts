import type { TrainerEvent } from '../../server/protocol.js';

/** Where a trainer's events go: a server over WebSocket, a logdir directly, or memory (tests). */
export interface Reporter {
  /** Queues an event (numbered with the next seq); resolves once queued, not once acknowledged. Rejects an invalid event. */
  send(event: TrainerEvent): Promise<void>;
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
}
