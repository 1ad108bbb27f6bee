import { checkTrainerEvent } from '../../server/guards.js';
import type { QueuedFrame } from './spill-queue.js';
import type { Reporter, ReportEvent, SeqOptions } from './types.js';
import { toWire } from './wire.js';

/** Collects events in memory with their seqs and files (for tests and replays). Events are checked like the server would. */
export class MemoryReporter implements Reporter {
  readonly events: { seq: number; event: ReportEvent }[] = [];
  closed = false;
  private seq: number;

  constructor(opts: SeqOptions = {}) {
    this.seq = opts.startSeq ?? 0;
  }

  async ready(): Promise<number> {
    return this.seq;
  }

  async unacked(): Promise<{ seq: number; frames: QueuedFrame[] }> {
    return { seq: this.seq, frames: [] };
  }

  async send(event: ReportEvent): Promise<void> {
    if (this.closed) throw new Error('MemoryReporter: send after close');
    checkTrainerEvent(toWire(event).event);
    this.events.push({ seq: ++this.seq, event });
  }

  /** The events of one type, in order. */
  ofType<T extends ReportEvent['type']>(type: T): Extract<ReportEvent, { type: T }>[] {
    return this.events.map((e) => e.event).filter((e): e is Extract<ReportEvent, { type: T }> => e.type === type);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }
}
