import type { TrainerEvent } from '../../server/protocol.js';
import { checkTrainerEvent } from '../../server/guards.js';
import type { Reporter, SeqOptions } from './types.js';

/** Collects events in memory with their seqs (for tests and replays). Events are checked like the server would. */
export class MemoryReporter implements Reporter {
  readonly events: { seq: number; event: TrainerEvent }[] = [];
  closed = false;
  private seq: number;

  constructor(opts: SeqOptions = {}) {
    this.seq = opts.startSeq ?? 0;
  }

  async ready(): Promise<number> {
    return this.seq;
  }

  async unacked(): Promise<{ seq: number; frames: string[] }> {
    return { seq: this.seq, frames: [] };
  }

  async send(event: TrainerEvent): Promise<void> {
    if (this.closed) throw new Error('MemoryReporter: send after close');
    checkTrainerEvent(event);
    this.events.push({ seq: ++this.seq, event });
  }

  /** The events of one type, in order. */
  ofType<T extends TrainerEvent['type']>(type: T): Extract<TrainerEvent, { type: T }>[] {
    return this.events.map((e) => e.event).filter((e): e is Extract<TrainerEvent, { type: T }> => e.type === type);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }
}
