/**
 * The data-parallel train step (main thread + one worker, each with half the batch) makes the same
 * update as the single-thread step: gradients averaged by half sizes equal the full-batch gradient.
 * Checked on a model without dropout, from identical weights, over a few steps (momentum state).
 * createFastTrainStep gives the thread count asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../training/backend/index.js';
import { createParallelTrainStep, type ParallelTrainStep } from '../../training/backend/parallel-train-step.js';
import { createTrainStep } from '../../training/train-step.js';
import { createFastTrainStep } from '../../training/backend/trainer.js';

function net(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.heNormal({ seed });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [10, 10, 3],
        filters: 6,
        kernelSize: 5,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
}

describe('parallel train step', () => {
  let parallel: ParallelTrainStep | undefined;

  beforeAll(async () => {
    await initBackend('wasm');
  });

  afterAll(async () => {
    await parallel?.dispose();
  });

  it('makes the same updates as the single-thread step, odd batch sizes and a batch of 1 included', async () => {
    const a = net();
    const b = net();
    b.setWeights(a.getWeights());
    const single = createTrainStep(a, { learningRate: 0.05, renormRadius: 0.1 });
    parallel = await createParallelTrainStep(b, { learningRate: 0.05, renormRadius: 0.1, backend: 'wasm' });
    for (const [i, n] of [8, 7, 1, 8].entries()) {
      const x = tf.randomNormal([n, 10, 10, 3], 0, 1, 'float32', 10 + i) as tf.Tensor4D;
      const y = tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: n }, (_, k) => (k * 3 + i) % 4),
            'int32',
          ),
          4,
        )
        .toFloat() as tf.Tensor2D;
      const r1 = single(x, y);
      const r2 = parallel(x, y);
      expect(r2.loss).toBeCloseTo(r1.loss, 5);
      expect(r2.correct).toBe(r1.correct);
      tf.dispose([x, y]);
    }
    const wa = a.getWeights().map((w) => w.dataSync());
    const wb = b.getWeights().map((w) => w.dataSync());
    wa.forEach((w, i) => {
      let maxDiff = 0;
      let maxAbs = 0;
      w.forEach((v, j) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - wb[i]![j]!));
        maxAbs = Math.max(maxAbs, Math.abs(v));
      });
      expect(maxDiff / maxAbs).toBeLessThan(1e-4);
    });
  });
});

describe('parallel train step memory', () => {
  it('leaks no tensors across steps', async () => {
    await initBackend('wasm');
    const model = net();
    const step = await createParallelTrainStep(model, { learningRate: 0.01 });
    const x = tf.randomNormal([6, 10, 10, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32'), 4).toFloat() as tf.Tensor2D;
    try {
      step(x, y);
      step(x, y); // momentum accumulators exist from the first step on
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) step(x, y);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await step.dispose();
      tf.dispose([x, y]);
      model.dispose();
    }
  });
});

describe('createFastTrainStep', () => {
  it('gives one thread when asked, and two on wasm when asked for two', async () => {
    await initBackend('wasm');
    const lines: string[] = [];
    const one = await createFastTrainStep(net(), { learningRate: 0.01, threads: 1 }, (l) => lines.push(l));
    expect(one.threads).toBe(1);
    const two = await createFastTrainStep(net(), { learningRate: 0.01, threads: 2 }, (l) => lines.push(l));
    try {
      expect(two.threads).toBe(2);
      const x = tf.randomNormal([4, 10, 10, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4).toFloat() as tf.Tensor2D;
      expect(Number.isFinite(two(x, y).loss)).toBe(true);
      tf.dispose([x, y]);
    } finally {
      await two.dispose();
      await one.dispose();
    }
    expect(lines).toEqual(['train step: 1 thread', 'train step: 2 threads (data-parallel halves of each batch)']);
  });
});
