/**
 * Snapshots on two cores: the main thread computes some conv layers of each snapshot while a worker
 * thread (snapshot-worker.ts: its own tfjs instance and a replica of the model) computes the others,
 * each doing its own top-k scan for its layers. Layers are split to balance an estimate of their
 * cost (projections x ops down, plus the scan up to the highest layer). The result is byte-identical
 * to takeSnapshot's on one thread: same code, same backend, same weights, each layer computed whole
 * on one side. Started once per run and reused; a worker that fails falls back to one thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../datasets/types.js';
import type { BackendChoice } from '../backend/index.js';
import { compileChain } from './chain.js';
import { convUnits, takeSnapshot, type SnapshotArgs, type SnapshotResult } from './snapshot.js';
import type { SnapshotWorkerReply, SnapshotWorkerRequest } from './snapshot-worker.js';

export interface SnapshotterOptions {
  /** 'auto' (default: 2 on wasm with >= 2 cores, else 1), 1 or 2. */
  threads?: 'auto' | 1 | 2;
  log?: (line: string) => void;
}

/** takeSnapshot's arguments, less the model (fixed at creation) and the layer choice (the split). */
export type SnapshotTakeArgs = Omit<SnapshotArgs, 'model' | 'layers'>;

export interface Snapshotter {
  /** 2 while the worker thread is in use, else 1. */
  readonly threads: 1 | 2;
  /** One snapshot of the model's current weights; equal, byte for byte, to takeSnapshot's. */
  take(args: SnapshotTakeArgs): Promise<SnapshotResult>;
  /** Stop the worker, if any. */
  dispose(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;

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

/**
 * The conv layers the worker computes: of all two-way splits, the one whose slower side is fastest
 * under a cost model fitted on the small ZF-net on wasm (work per projection ~ ops on its way down;
 * the scan ~ probe images x ops up to the side's highest layer).
 */
export function workerLayers(model: tf.LayersModel, probeCount: number, k: number): string[] {
  const units = convUnits(model).flatMap((u) => {
    try {
      const depth = compileChain(model, u.conv.name).length;
      const maps = (u.out.outputShape as number[])[3] ?? 1;
      return [{ name: u.conv.name, depth, work: maps * k * depth }];
    } catch {
      return []; // takeSnapshot skips it too
    }
  });
  const n = Math.min(units.length, 16);
  const side = (mask: number, bit: number) => {
    let work = 0;
    let top = 0;
    for (let i = 0; i < n; i++) if (((mask >> i) & 1) === bit) { work += units[i]!.work; top = Math.max(top, units[i]!.depth); }
    return work + (top ? 0.5 * probeCount * top : 0);
  };
  let best = 0;
  let bestCost = Infinity;
  for (let mask = 1; mask < (1 << n) - 1; mask++) {
    const cost = Math.max(side(mask, 0), side(mask, 1));
    if (cost < bestCost) [best, bestCost] = [mask, cost];
  }
  return units.filter((_, i) => i < n && ((best >> i) & 1) === 1).map((u) => u.name);
}

/** The model inputs of every probe image, flattened; toInput must work row by row (inputBatch does). */
function allInputs(probe: ImageSet, toInput: SnapshotArgs['toInput'], batch: number): { data: Float32Array; shape: [number, number, number] } {
  let data: Float32Array | null = null;
  let shape: [number, number, number] = [0, 0, 0];
  for (let start = 0; start < probe.count; start += batch) {
    const x = toInput(Array.from({ length: Math.min(batch, probe.count - start) }, (_, i) => start + i));
    const [, h, w, c] = x.shape;
    shape = [h, w, c];
    data ??= new Float32Array(probe.count * h * w * c);
    data.set(x.dataSync() as Float32Array, start * h * w * c);
    x.dispose();
  }
  return { data: data ?? new Float32Array(0), shape };
}

/** Merge per-side results in the model's layer order; phases add up (thread-seconds), total is wall. */
function merge(model: tf.LayersModel, parts: SnapshotResult[], total: number): SnapshotResult {
  const order = convUnits(model).map((u) => u.conv.name);
  const layers = parts.flatMap((p) => p.layers).sort((a, b) => order.indexOf(a.index.layer) - order.indexOf(b.index.layer));
  const memory = { ...parts[0]!.memory, layers: {} as SnapshotResult['memory']['layers'] };
  for (const l of layers) {
    const from = parts.find((p) => l.index.layer in p.memory.layers)!;
    memory.layers[l.index.layer] = from.memory.layers[l.index.layer]!;
  }
  const seconds: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.seconds)) if (k !== 'total') seconds[k] = (seconds[k] ?? 0) + v;
  seconds.main = parts[0]!.seconds.total ?? 0;
  if (parts[1]) seconds.worker = parts[1].seconds.total ?? 0;
  seconds.total = total;
  return { layers, memory, seconds };
}

/**
 * A snapshotter for `model` (built-in layers only: its topology travels as model.toJSON). With one
 * thread, take() is takeSnapshot. Call dispose() when done (the worker never keeps the process alive).
 */
export async function createSnapshotter(model: tf.LayersModel, opts: SnapshotterOptions = {}): Promise<Snapshotter> {
  const want = opts.threads ?? 'auto';
  const two = want === 2 || (want === 'auto' && tf.getBackend() === 'wasm' && availableParallelism() >= 2);
  const single = (): Snapshotter => ({ threads: 1, take: (args) => takeSnapshot({ ...args, model }), dispose: async () => undefined });
  if (!two) return single();

  let worker: Worker;
  try {
    worker = startWorker({ zfscopeSnapshotWorker: true, backend: currentChoice(), modelJson: JSON.stringify(model.toJSON(null, false)) });
    const mine = model.getWeights().map((w) => w.shape.join());
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      worker.once('message', (m: { shapes?: number[][]; error?: string }) => {
        clearTimeout(timer);
        if (m.error) return reject(new Error(m.error));
        if (m.shapes?.map((s) => s.join()).join(';') !== mine.join(';')) return reject(new Error('its model replica has different weight shapes'));
        resolve();
      });
      worker.once('error', (err) => (clearTimeout(timer), reject(err)));
    });
  } catch (err) {
    opts.log?.(`snapshot: worker thread unavailable (${(err as Error).message}); snapshots on one thread`);
    return single();
  }
  worker.unref();
  opts.log?.('snapshot: 2 threads (conv layers split between this thread and a worker)');
  let failure: string | null = null;
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: SnapshotResult) => void; reject: (e: Error) => void }>();
  const failAll = (why: string) => {
    failure ??= why;
    pending.forEach((p) => p.reject(new Error(why)));
    pending.clear();
  };
  worker.on('message', (m: SnapshotWorkerReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if ('error' in m) p.reject(new Error(m.error));
    else p.resolve(m.result);
  });
  worker.on('error', (err) => failAll(err.message));
  worker.on('exit', (code) => failAll(`the worker exited (code ${code})`));
  let disposed = false;

  const take = async (args: SnapshotTakeArgs): Promise<SnapshotResult> => {
    if (failure || disposed) return takeSnapshot({ ...args, model });
    const t0 = performance.now();
    const theirs = workerLayers(model, args.probe.count, args.topK ?? 9);
    if (theirs.length === 0) return takeSnapshot({ ...args, model }); // one layer: nothing to split
    const all = convUnits(model).map((u) => u.conv.name);
    const ours = all.filter((n) => !theirs.includes(n));
    const inputs = allInputs(args.probe, args.toInput, args.batchSize ?? 100);
    const previous = args.previous
      ? { ...args.previous, layers: Object.fromEntries(Object.entries(args.previous.layers).filter(([n]) => theirs.includes(n))) }
      : undefined;
    const id = nextId++;
    const req: SnapshotWorkerRequest = {
      id, weights: model.getWeights().map((w) => w.dataSync() as Float32Array), probe: args.probe,
      inputs: inputs.data, inputShape: inputs.shape, layers: theirs, epoch: args.epoch,
      ...(args.methods ? { methods: args.methods } : {}),
      ...(args.topK !== undefined ? { topK: args.topK } : {}),
      ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
      ...(args.projectionBatch !== undefined ? { projectionBatch: args.projectionBatch } : {}),
      ...(previous ? { previous } : {}),
    };
    const remote = new Promise<SnapshotResult>((resolve, reject) => pending.set(id, { resolve, reject }));
    remote.catch(() => undefined); // awaited below; not unhandled while this thread works
    worker.postMessage(req, [inputs.data.buffer as ArrayBuffer]); // built for this request: moved, not copied
    const local = await takeSnapshot({ ...args, model, layers: ours });
    let other: SnapshotResult;
    try {
      other = await remote;
    } catch (err) {
      // Argument errors already threw here (the same code checks them on both sides): this is the worker's.
      if (!failure) failAll((err as Error).message);
      opts.log?.(`snapshot: worker thread failed (${(err as Error).message}); its layers computed here, one thread from now on`);
      other = await takeSnapshot({ ...args, model, layers: theirs });
    }
    return merge(model, [local, other], (performance.now() - t0) / 1000);
  };

  return {
    get threads() {
      return failure || disposed ? 1 : 2;
    },
    take,
    async dispose() {
      if (disposed) return;
      disposed = true;
      failAll('the snapshotter was disposed');
      await worker.terminate();
    },
  };
}
