/**
 * The main thread's side of the snapshot worker (snapshot-worker.ts): starting it with a replica of
 * the model (checked by its weight shapes), matching replies to requests, and failing every pending
 * request at once when the worker dies, after which the snapshotter works on one thread.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../backend/index.js';
import type { ExperimentsEvent } from './experiments.js';
import type { SnapshotResult } from './snapshot.js';
import type {
  ExperimentsWorkerRequest,
  SnapshotScanMessage,
  SnapshotWorkerReply,
  SnapshotWorkerRequest,
} from './snapshot-worker.js';
import type { ScanBatch } from './top-k.js';

const START_TIMEOUT_MS = 120_000;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

/** A promise settled from outside; a rejection nobody awaits yet is not an unhandled one. */
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function startWorker(workerData: Record<string, unknown>): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    const file = new URL('./snapshot-worker.ts', self).href;
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file)}); })`;
    return new Worker(boot, { eval: true, workerData });
  }
  return new Worker(new URL('./snapshot-worker.js', self), { workerData });
}

function currentChoice(): BackendChoice {
  const name = tf.getBackend();
  return name === 'tensorflow' ? 'node' : name === 'cpu' ? 'cpu' : 'wasm';
}

type TakeRequest = Omit<SnapshotWorkerRequest, 'kind' | 'id'>;
type ExperimentsRequest = Omit<ExperimentsWorkerRequest, 'kind' | 'id'>;

export class SnapshotChannel {
  #failure: string | null = null;
  #disposed = false;
  #nextId = 0;
  // Per request: the worker's raw scan, then its result; both rejected when the worker fails.
  readonly #pending = new Map<number, { scan: Deferred<ScanBatch[]>; result: Deferred<SnapshotResult> }>();
  readonly #experiments = new Map<number, Deferred<{ event: ExperimentsEvent; log: string[] }>>();

  private constructor(
    private readonly worker: Worker,
    private readonly log?: (line: string) => void,
  ) {
    worker.unref();
    worker.on('message', (m: SnapshotWorkerReply) => this.#reply(m));
    worker.on('error', (err) => this.#failAll(err.message));
    worker.on('exit', (code) => this.#failAll(`the worker exited (code ${code})`));
  }

  /** A worker with a replica of `model`, or null (logged) when one cannot start: snapshots then run on one thread. */
  static async open(model: tf.LayersModel, log?: (line: string) => void): Promise<SnapshotChannel | null> {
    let worker: Worker | undefined;
    try {
      worker = startWorker({
        zfscopeSnapshotWorker: true,
        backend: currentChoice(),
        modelJson: JSON.stringify(model.toJSON(null, false)),
      });
      const mine = model.getWeights().map((w) => w.shape.join());
      const started = worker;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`)),
          START_TIMEOUT_MS,
        );
        started.once('message', (m: { shapes?: number[][]; error?: string }) => {
          clearTimeout(timer);
          if (m.error) return reject(new Error(m.error));
          if (m.shapes?.map((s) => s.join()).join(';') !== mine.join(';'))
            return reject(new Error('its model replica has different weight shapes'));
          resolve();
        });
        started.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
    } catch (err) {
      void worker?.terminate();
      log?.(`snapshot: worker thread unavailable (${(err as Error).message}); snapshots on one thread`);
      return null;
    }
    return new SnapshotChannel(worker, log);
  }

  /** False once the worker failed or the channel was disposed. */
  get usable(): boolean {
    return !this.#failure && !this.#disposed;
  }

  /** Sends a take request (its inputs moved, not copied); the worker waits for this thread's scan half. */
  take(req: TakeRequest): {
    scan: Promise<ScanBatch[]>;
    result: Promise<SnapshotResult>;
    sendScan(batches: ScanBatch[]): void;
  } {
    const id = this.#nextId++;
    const p = { scan: deferred<ScanBatch[]>(), result: deferred<SnapshotResult>() };
    this.#pending.set(id, p);
    this.worker.postMessage({ kind: 'take', id, ...req } satisfies SnapshotWorkerRequest, [
      req.inputs.buffer as ArrayBuffer,
    ]);
    return {
      scan: p.scan.promise,
      result: p.result.promise,
      sendScan: (batches) => this.worker.postMessage({ kind: 'scan', id, batches } satisfies SnapshotScanMessage),
    };
  }

  /** Sends the worker its half of a snapshot epoch's experiments. */
  experiments(req: ExperimentsRequest): Promise<{ event: ExperimentsEvent; log: string[] }> {
    const id = this.#nextId++;
    const reply = deferred<{ event: ExperimentsEvent; log: string[] }>();
    this.#experiments.set(id, reply);
    this.worker.postMessage({ kind: 'experiments', id, ...req } satisfies ExperimentsWorkerRequest);
    return reply.promise;
  }

  /** The worker failed during a request: fail the rest and say what this thread does instead. */
  failed(err: unknown, what: string): void {
    if (!this.#failure) this.#failAll((err as Error).message);
    this.log?.(`snapshot: worker thread failed (${(err as Error).message}); ${what}, one thread from now on`);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#failAll('the snapshotter was disposed');
    await this.worker.terminate();
  }

  #reply(m: SnapshotWorkerReply): void {
    const e = this.#experiments.get(m.id);
    if (e) {
      this.#experiments.delete(m.id);
      if (m.kind === 'experiments') e.resolve({ event: m.event, log: m.log });
      else e.reject(new Error(m.kind === 'error' ? m.error : `unexpected reply ${m.kind}`));
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    if (m.kind === 'scan') {
      p.scan.resolve(m.batches);
      return;
    }
    this.#pending.delete(m.id);
    if (m.kind === 'result') {
      p.result.resolve(m.result);
      return;
    }
    const why = m.kind === 'error' ? m.error : `unexpected reply ${m.kind}`;
    p.scan.reject(new Error(why));
    p.result.reject(new Error(why));
  }

  #failAll(why: string): void {
    this.#failure ??= why;
    for (const p of this.#pending.values()) {
      p.scan.reject(new Error(why));
      p.result.reject(new Error(why));
    }
    this.#pending.clear();
    for (const p of this.#experiments.values()) p.reject(new Error(why));
    this.#experiments.clear();
  }
}
