/**
 * The train step to use on this machine: the data-parallel two-thread step (main thread + one
 * worker, parallel-train-step.ts) when the backend is wasm with one thread per kernel and there are
 * at least two cores, else createTrainStep. On tfjs-node the native backend already uses every
 * core, and so does a wasm backend started on XNNPACK's threaded build (ZFSCOPE_WASM_THREADS > 1)
 * or with the native kernels on more threads (ZFSCOPE_NATIVE_THREADS > 1): a worker beside them
 * would only oversubscribe the cores. With the native kernels on two cores the data-parallel step
 * is as fast as two threads in every kernel or faster (bench part `backends`), so it stays the default.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { createTrainStep, type TrainStep, type TrainStepOptions } from '../train-step.js';
import { backendThreads, kernelThreads } from './index.js';
import { createParallelTrainStep } from './parallel-train-step.js';

export interface ManagedTrainStep extends TrainStep {
  /** 1 (this thread), 2 (this thread and a worker), or XNNPACK's thread count on its threaded build. */
  threads: number;
  /** Stops the worker, if any. */
  dispose(): Promise<void>;
}

/**
 * `threads`: 'auto' (2 on wasm with >= 2 cores, else 1), 1 or 2. A worker that fails to start
 * falls back to one thread, saying why through `log`.
 */
export async function createFastTrainStep(
  model: tf.LayersModel,
  opts: TrainStepOptions & { threads?: 'auto' | 1 | 2 },
  log?: (line: string) => void,
): Promise<ManagedTrainStep> {
  const want = opts.threads ?? 'auto';
  const inKernel = kernelThreads();
  const two =
    inKernel < 2 && (want === 2 || (want === 'auto' && tf.getBackend() === 'wasm' && availableParallelism() >= 2));
  if (two) {
    try {
      const step = (await createParallelTrainStep(model, opts)) as ManagedTrainStep;
      step.threads = 2;
      log?.('train step: 2 threads (data-parallel halves of each batch)');
      return step;
    } catch (err) {
      log?.(`train step: worker thread unavailable (${(err as Error).message}); training on one thread`);
    }
  }
  const step = createTrainStep(model, opts) as ManagedTrainStep;
  step.threads = Math.max(1, inKernel);
  step.dispose = async () => undefined;
  const which = backendThreads() > 1 ? 'XNNPACK' : 'native kernel';
  log?.(inKernel > 1 ? `train step: ${inKernel} ${which} threads in every kernel` : 'train step: 1 thread');
  return step;
}
