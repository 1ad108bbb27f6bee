/**
 * A data-parallel train step over two cores: the main thread computes the gradients of its share
 * of the batch while a worker thread (its own tfjs wasm instance, train-worker.ts) computes the
 * rest's; each side's loss is scaled by its share, so the sum of the gradients is the full-batch
 * gradient, applied once on the main thread with the same SGD-momentum update and filter
 * renormalization as createTrainStep. Weights go to the worker with every request, so the replica
 * can never drift. Same synchronous TrainStep interface as createTrainStep.
 *
 * Measured (bench part `backends`): ~1.7-1.9x the single-thread step on two idle cores; no gain
 * when other processes already keep both cores busy.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import {
  convKernels,
  crossEntropy,
  renormalizeFilters,
  type StepResult,
  type TrainStep,
  type TrainStepOptions,
} from '../train-step.js';
import type { BackendChoice } from './index.js';
import type { WorkerReply, WorkerRequest } from './train-worker.js';

export interface ParallelTrainStep extends TrainStep {
  /** Stop the worker thread. */
  dispose(): Promise<void>;
}

/** Start the worker: the compiled .js directly, or the .ts source through tsx (tests, tsx runs). */
function startWorker(workerData: Record<string, unknown>, transferList: MessagePort[]): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    const file = new URL('./train-worker.ts', self).href;
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file)}); })`;
    return new Worker(boot, { eval: true, workerData, transferList });
  }
  return new Worker(new URL('./train-worker.js', self), { workerData, transferList });
}

/** A worker that died cannot say so while the main thread blocks: give up after this long. */
const REPLY_TIMEOUT_MS = 300_000;

/** Wait (blocking) for the worker's next reply. */
function awaitReply(ctrl: Int32Array, seen: number, port: MessagePort, worker: { failure?: string }): WorkerReply {
  const t0 = performance.now();
  while (Atomics.load(ctrl, 1) === seen) {
    if (worker.failure) throw new Error(`train worker failed: ${worker.failure}`);
    if (performance.now() - t0 > REPLY_TIMEOUT_MS) {
      throw new Error(
        `train worker did not answer within ${REPLY_TIMEOUT_MS / 1000} s; use the single-thread train step`,
      );
    }
    Atomics.wait(ctrl, 1, seen, 50);
  }
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m) return m.message as WorkerReply;
    Atomics.wait(ctrl, 2, 0, 1);
  }
}

/** The BackendChoice that gives a worker the backend this thread runs on. */
function currentChoice(): BackendChoice {
  const name = tf.getBackend();
  return name === 'tensorflow' ? 'node' : name === 'cpu' ? 'cpu' : 'wasm';
}

/**
 * Start the worker (it loads its own tfjs and backend, default: the one in use here) and return a
 * train step with createTrainStep's interface plus dispose(). The model must be serializable with
 * toJSON (built-in layers only). Call dispose() when done, or the worker keeps the process alive.
 */
export async function createParallelTrainStep(
  model: tf.LayersModel,
  opts: TrainStepOptions & { backend?: BackendChoice },
): Promise<ParallelTrainStep> {
  const optimizer = tf.train.momentum(opts.learningRate, opts.momentum ?? 0.9) as tf.MomentumOptimizer;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kernels = convKernels(model);
  const radius = opts.renormRadius ?? 0.1;
  const ctrl = new Int32Array(new SharedArrayBuffer(12));
  const { port1, port2 } = new MessageChannel();
  const state: { failure?: string } = {};
  const worker = startWorker(
    {
      zfscopeTrainWorker: true,
      backend: opts.backend ?? currentChoice(),
      modelJson: JSON.stringify(model.toJSON(null, false)),
      port: port2,
      ctrl,
    },
    [port2],
  );
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready?: boolean; shapes?: number[][]; error?: string }) => {
      if (m.error) return reject(new Error(`train worker failed to start: ${m.error}`));
      const mismatch = vars.findIndex((v, i) => v.shape.join() !== m.shapes?.[i]?.join());
      if (mismatch >= 0) return reject(new Error(`train worker model differs at weight ${vars[mismatch]!.name}`));
      resolve();
    });
    worker.once('error', reject);
  });
  worker.unref(); // an undisposed step must not keep the process alive
  worker.on('error', (err) => (state.failure = err.message));
  worker.on('message', (m: { error?: string }) => {
    if (m.error) state.failure = m.error;
  });
  let seen = 0;

  /**
   * The main thread's share of the batch. It also merges and applies the update, so an even split
   * leaves the worker idle: after each step the share moves one row toward whichever side waited.
   */
  let mainShare = 0.5;

  /** Loss, correct count and gradients of the first n rows of the batch, loss scaled by `weight`. */
  const localGrads = (x: tf.Tensor4D, y: tf.Tensor2D, n: number, weight: number) => {
    let correct = 0;
    const { value, grads } = tf.tidy(() => {
      const xs = x.slice([0, 0, 0, 0], [n, -1, -1, -1]);
      const ys = y.slice([0, 0], [n, -1]) as tf.Tensor2D;
      return tf.variableGrads(() => {
        const p = model.apply(xs, { training: true }) as tf.Tensor2D;
        correct = tf.equal(tf.argMax(p, -1), tf.argMax(ys, -1)).sum().dataSync()[0]!;
        return crossEntropy(ys, p).mul(weight) as tf.Scalar;
      }, vars);
    });
    const loss = value.dataSync()[0]! / weight;
    value.dispose();
    return { loss, correct, grads };
  };

  const apply = (grads: Array<{ name: string; tensor: tf.Tensor }>) => {
    optimizer.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
    if (radius > 0 && Number.isFinite(radius)) renormalizeFilters(kernels, radius);
  };

  const step = ((x: tf.Tensor4D, y: tf.Tensor2D): StepResult => {
    const B = x.shape[0];
    if (B < 2) {
      const one = localGrads(x, y, B, 1); // nothing to split
      apply(vars.map((v) => ({ name: v.name, tensor: one.grads[v.name]! })));
      return { loss: one.loss, correct: one.correct };
    }
    const nA = Math.min(B - 1, Math.max(1, Math.round(B * mainShare)));
    const nB = B - nA;
    const wA = nA / B;
    const wB = nB / B;
    // Post the worker's half first so both halves run at the same time.
    // Rows [nA, B) read straight from the data (no tidy around a typed array: tidy walks it).
    const xSize = x.size / B;
    const ySize = y.size / B;
    const req: WorkerRequest = {
      x: (x.dataSync() as Float32Array).slice(nA * xSize),
      xShape: [nB, x.shape[1], x.shape[2], x.shape[3]],
      y: (y.dataSync() as Float32Array).slice(nA * ySize),
      yShape: [nB, y.shape[1]],
      weight: wB,
      weights: vars.map((v) => v.dataSync() as Float32Array),
    };
    port1.postMessage(req);
    Atomics.add(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
    const a = localGrads(x, y, nA, wA);
    let reply: WorkerReply;
    try {
      const replied = Atomics.load(ctrl, 1) !== seen;
      const t0 = performance.now();
      reply = awaitReply(ctrl, seen, port1, state);
      const waited = performance.now() - t0;
      if (replied) mainShare = Math.max(0.1, mainShare - 1 / B);
      else if (waited > 2) mainShare = Math.min(0.9, mainShare + 1 / B);
      seen = Atomics.load(ctrl, 1);
      if ('error' in reply) throw new Error(`train worker: ${reply.error}`);
    } catch (err) {
      tf.dispose(Object.values(a.grads));
      throw err;
    }
    const b = reply;
    // Both halves' losses were scaled by their share of the batch: the sum is the full-batch gradient.
    const grads = tf.tidy(() =>
      vars.map((v, i) => ({ name: v.name, tensor: tf.keep(a.grads[v.name]!.add(tf.tensor(b.grads[i]!, v.shape))) })),
    );
    tf.dispose(Object.values(a.grads));
    apply(grads);
    return { loss: a.loss * wA + b.loss * wB, correct: a.correct + b.correct };
  }) as ParallelTrainStep;
  step.optimizer = optimizer;
  step.setLearningRate = (lr: number) => optimizer.setLearningRate(lr);
  let disposed = false;
  step.dispose = async () => {
    if (disposed) return;
    disposed = true;
    port1.close();
    await worker.terminate();
  };
  return step;
}
