import { mkdirSync } from 'node:fs';
import type { TrainerEvent } from '../../server/protocol.js';
import { checkTrainerEvent } from '../../server/guards.js';
import { Store, runPaths } from '../../server/store/index.js';
import { releaseLease, takeLease } from '../../server/store/writer-lease.js';
import { ReporterError, replayFrames, type Reporter, type SeqOptions } from './types.js';

/**
 * Writes events straight into a logdir through the Store (`zfscope train` without `--server`, or
 * a trainer in the server's own process: pass the server's Store and dashboards see events live).
 * With a logdir path it holds the run's writer lease (writer.json) while open, so a `zfscope serve`
 * watching the logdir shows the trainer online, and a second trainer of the same run is refused.
 */
export class StoreReporter implements Reporter {
  private readonly ownStore: boolean;
  private store?: Promise<Store>;
  private opened?: Promise<number>;
  private seq: number | undefined;
  private last: Promise<unknown> = Promise.resolve();
  private error: unknown;
  private release?: () => void;
  private leaseDir?: string;

  constructor(
    private readonly storeOrLogdir: Store | string,
    readonly runId: string,
    private readonly opts: SeqOptions = {},
  ) {
    this.ownStore = typeof storeOrLogdir === 'string';
  }

  ready(): Promise<number> {
    this.opened ??= this.open();
    return this.opened;
  }

  private async open(): Promise<number> {
    const s = this.storeOrLogdir;
    if (typeof s === 'string') {
      const dir = runPaths(s, this.runId).dir;
      mkdirSync(dir, { recursive: true });
      const holder = takeLease(dir);
      if (holder !== undefined)
        throw new ReporterError(
          `run ${this.runId} in ${s} is being written by process ${holder}; wait for it to end or pick another --run-id`,
          2,
        );
      this.leaseDir = dir;
    }
    this.store = typeof s === 'string' ? Store.open(s, () => undefined, { only: [this.runId] }) : Promise.resolve(s);
    const store = await this.store;
    this.release = store.trainerConnected(this.runId);
    const stored = store.lastSeq(this.runId);
    this.seq = this.opts.resume ? stored : (this.opts.startSeq ?? 0);
    if (stored > this.seq) {
      throw new ReporterError(
        `--run-id ${this.runId}: ${store.logdir} already has a run ${this.runId} (${stored} events); pick another --run-id, or continue it with --resume ${this.runId}`,
        2,
      );
    }
    if (this.opts.resume) {
      for (const { seq, frame } of replayFrames(this.runId, stored, this.opts.replay)) {
        const { event } = JSON.parse(frame) as { event: TrainerEvent };
        this.track(store.append(this.runId, seq, event));
        this.seq = seq;
      }
    }
    return stored;
  }

  private track(p: Promise<unknown>): void {
    // Appends of one run are serialized by the store, so the last one settles last; keep the first failure for flush().
    this.last = p.catch((err: unknown) => {
      this.error ??= err;
    });
  }

  async send(event: TrainerEvent): Promise<void> {
    checkTrainerEvent(event);
    await this.ready();
    if (this.error) throw this.error;
    const store = await this.store!;
    const seq = ++this.seq!;
    this.track(store.append(this.runId, seq, event));
  }

  async unacked(): Promise<{ seq: number; frames: string[] }> {
    await this.flush();
    return { seq: this.seq ?? 0, frames: [] };
  }

  async flush(): Promise<void> {
    await this.last;
    if (this.error) throw this.error;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.release?.();
      if (this.ownStore && this.store) await (await this.store.catch(() => undefined))?.close();
      if (this.leaseDir) releaseLease(this.leaseDir);
    }
  }
}
