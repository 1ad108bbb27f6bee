/**
 * Training and inference throughput of the small ZF-net on the current backend, for the bench and
 * for choosing between trainers. Synthetic inputs: speed does not depend on pixel values.
 */
import * as tf from '@tensorflow/tfjs';
import { zfNetConfig, type ZfNetConfig } from '../training/model/config.js';
import { buildZfNet } from '../training/model/zfnet.js';
import { createTrainStep, type TrainStep } from '../training/train-step.js';

/** A trainer under test: createTrainStep on a model of `cfg` when `make` is absent. */
export interface Contender {
  name: string;
  make?: (cfg: ZfNetConfig) => Promise<{ step: TrainStep; dispose(): void | Promise<void> }>;
}

export interface ThroughputOptions {
  inputShape: [number, number, number];
  batch: number;
  /** Timed rounds; medians are reported. */
  runs: number;
  /** Minimum seconds per timed training run (at least one step is always timed). */
  seconds: number;
  /** Trainers timed side by side, one run each per round; default: the single-thread step. */
  contenders?: Contender[];
}

export interface Throughput {
  /** Median training img/s per contender name. */
  train: Record<string, number>;
  inferImgPerS: number;
  trainRuns: Record<string, number[]>;
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
 * Median training img/s of each contender and inference img/s of the small ZF-net, timed in
 * rounds (every contender, then inference, then `between(round)`, where a caller can run a peer)
 * so that all of them see the same load on a noisy machine.
 */
export async function measureThroughput(
  opts: ThroughputOptions,
  between?: (run: number) => Promise<void>,
): Promise<Throughput> {
  const cfg = benchConfig(opts.inputShape);
  const contenders = opts.contenders ?? [{ name: 'single' }];
  const model = buildZfNet(cfg);
  const trainers: Array<{ name: string; step: TrainStep; dispose(): void | Promise<void> }> = [];
  const x = tf.randomNormal([opts.batch, ...opts.inputShape], 0, 1, 'float32', 7) as tf.Tensor4D;
  const y = tf.tidy(
    () => tf.oneHot(tf.randomUniform([opts.batch], 0, 10, 'int32', 8) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D,
  );
  // One batch of opts.batch: predict's default batchSize (32) would split it in two.
  const infer = () => tf.tidy(() => void (model.predict(x, { batchSize: opts.batch }) as tf.Tensor).dataSync());
  try {
    for (const c of contenders) {
      if (c.make) trainers.push({ name: c.name, ...(await c.make(cfg)) });
      else {
        const m = buildZfNet(cfg);
        trainers.push({
          name: c.name,
          step: createTrainStep(m, { learningRate: 0.01 }),
          dispose: () => void m.dispose(),
        });
      }
    }
    for (const t of trainers) {
      t.step(x, y); // warm-up: kernel setup, XNNPACK operator creation
      t.step(x, y);
    }
    infer();
    const trainRuns: Record<string, number[]> = Object.fromEntries(trainers.map((t) => [t.name, []]));
    const inferRuns: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      for (const t of trainers) trainRuns[t.name]!.push(rate(() => void t.step(x, y), opts.batch, opts.seconds));
      inferRuns.push(rate(infer, opts.batch, opts.seconds / 2));
      await between?.(r);
    }
    const train = Object.fromEntries(Object.entries(trainRuns).map(([k, v]) => [k, median(v)]));
    return { train, inferImgPerS: median(inferRuns), trainRuns, inferRuns };
  } finally {
    for (const t of trainers) {
      await t.dispose();
      t.step.optimizer.dispose();
    }
    tf.dispose([x, y]);
    model.dispose();
  }
}
