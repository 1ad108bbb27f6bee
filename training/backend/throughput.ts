/**
 * Training and inference throughput of the small ZF-net on the current backend, for the bench and
 * for choosing between trainers. Synthetic inputs: speed does not depend on pixel values.
 */
import * as tf from '@tensorflow/tfjs';
import { zfNetConfig, type ZfNetConfig } from '../model/config.js';
import { buildZfNet } from '../model/zfnet.js';
import { createTrainStep, type TrainStep } from '../train-step.js';

export interface ThroughputOptions {
  inputShape: [number, number, number];
  batch: number;
  /** Timed runs; the median is reported. */
  runs: number;
  /** Minimum seconds per timed run (at least one step is always timed). */
  seconds: number;
  /** Build the trainer; defaults to createTrainStep on a model of `cfg`. */
  makeTrainer?: (cfg: ZfNetConfig) => Promise<{ step: TrainStep; dispose(): void | Promise<void> }>;
  /** Skip the inference runs (reported as NaN). */
  skipInference?: boolean;
}

export interface Throughput {
  trainImgPerS: number;
  inferImgPerS: number;
  trainRuns: number[];
  inferRuns: number[];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Images per second of `fn` (one batch per call), timed for at least `seconds`. */
export function rate(fn: () => void, batch: number, seconds: number): number {
  let n = 0;
  const t0 = performance.now();
  do {
    fn();
    n++;
  } while (performance.now() - t0 < seconds * 1000);
  return (n * batch * 1000) / (performance.now() - t0);
}

/** The benchmark's model: the default small ZF-net (conv1 7x7/2) for the given input. */
export function benchConfig(inputShape: [number, number, number]): ZfNetConfig {
  return zfNetConfig({ inputShape, classes: 10 });
}

/**
 * Median training and inference img/s of the small ZF-net. `between(run)` is called between
 * timed runs so a caller can interleave a peer's runs (side by side on a noisy machine).
 */
export async function measureThroughput(opts: ThroughputOptions, between?: (run: number) => Promise<void>): Promise<Throughput> {
  const cfg = benchConfig(opts.inputShape);
  const model = buildZfNet(cfg);
  const trainer = opts.makeTrainer
    ? await opts.makeTrainer(cfg)
    : { step: createTrainStep(model, { learningRate: 0.01 }), dispose: () => undefined };
  const x = tf.randomNormal([opts.batch, ...opts.inputShape], 0, 1, 'float32', 7) as tf.Tensor4D;
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([opts.batch], 0, 10, 'int32', 8) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D);
  // One batch of opts.batch: predict's default batchSize (32) would split it in two.
  const infer = () => tf.tidy(() => void (model.predict(x, { batchSize: opts.batch }) as tf.Tensor).dataSync());
  try {
    trainer.step(x, y); // warm-up: kernel setup, XNNPACK operator creation
    trainer.step(x, y);
    infer();
    const trainRuns: number[] = [];
    const inferRuns: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      trainRuns.push(rate(() => void trainer.step(x, y), opts.batch, opts.seconds));
      if (!opts.skipInference) inferRuns.push(rate(infer, opts.batch, opts.seconds / 2));
      await between?.(r);
    }
    return { trainImgPerS: median(trainRuns), inferImgPerS: inferRuns.length ? median(inferRuns) : NaN, trainRuns, inferRuns };
  } finally {
    await trainer.dispose();
    tf.dispose([x, y]);
    model.dispose();
    trainer.step.optimizer.dispose();
  }
}
