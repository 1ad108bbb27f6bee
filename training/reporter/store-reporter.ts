import type { TrainerEvent } from '../../server/protocol.js';
import { checkTrainerEvent } from '../../server/guards.js';
import { Store } from '../../server/store/index.js';
import type { Reporter, SeqOptions } from './types.js';

/**
 * Writes events straight into a logdir through the Store (`zfscope train` without `--server`, or
 * a trainer in the server's own process: pass the server's Store and dashboards see events live).
 */
export class StoreReporter implements Reporter {
  private readonly ready: Promise<Store>;
  private readonly ownStore: boolean;
  private seq: number | undefined;
  private last: Promise<unknown> = Promise.resolve();
  private error: unknown;
  private release?: () => void;

  constructor(
    storeOrLogdir: Store | string,
    readonly runId: string,
    private readonly opts: SeqOptions = {},
  ) {
    this.ownStore = typeof storeOrLogdir === 'string';
    this.ready = typeof storeOrLogdir === 'string' ? Store.open(storeOrLogdir) : Promise.resolve(storeOrLogdir);
    this.ready.then((s) => (this.release = s.trainerConnected(runId))).catch(() => undefined);
  }

  async send(event: TrainerEvent): Promise<void> {
    checkTrainerEvent(event);
    const store = await this.ready;
    if (this.seq === undefined) {
      const stored = store.lastSeq(this.runId);
      this.seq = this.opts.resume ? stored : (this.opts.startSeq ?? 0);
      if (stored > this.seq) {
        throw new Error(
          `run ${this.runId} in ${store.logdir} already has events up to seq ${stored}; use a new run id or resume it (resume: true)`,
        );
      }
    }
    const seq = ++this.seq;
    // Appends of one run are serialized by the store, so the last one settles last; keep the first failure for flush().
    this.last = store.append(this.runId, seq, event).catch((err: unknown) => {
      this.error ??= err;
    });
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
      if (this.ownStore) await (await this.ready).close();
    }
  }
}
