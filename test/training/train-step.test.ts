/**
 * The training step on the wasm backend (the project's own backward kernels): a tiny conv net
 * learns a task it can learn, the ZF filter renormalization caps every conv filter's RMS at the
 * radius after an update that pushed it over while leaving filters under the cap alone, and a
 * step leaves no tensors behind.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../training/backend/index.js';
import { convKernels, createTrainStep, renormalizeFilters } from '../../training/train-step.js';

/** 8x8x1 images, class 1 when a bright 3x3 square sits in the right half, 0 in the left. */
function squares(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const x = new Float32Array(n * 64);
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const right = i % 2;
    const col = right ? 4 + Math.floor(rand() * 2) : Math.floor(rand() * 2);
    const row = Math.floor(rand() * 6);
    for (let p = 0; p < 64; p++) x[i * 64 + p] = (rand() - 0.5) * 0.2;
    for (let r = row; r < row + 3; r++) for (let c = col; c < col + 3; c++) x[i * 64 + r * 8 + c] = 1;
    y[i * 2 + right] = 1;
  }
  return { x: tf.tensor4d(x, [n, 8, 8, 1]), y: tf.tensor2d(y, [n, 2]) };
}

function tinyNet(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.heNormal({ seed });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.conv2d({
        filters: 6,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(2),
      }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
}

/** RMS over (kh, kw, cin) of every output filter of every conv kernel. */
function filterRms(model: tf.LayersModel): number[] {
  return convKernels(model).flatMap((W) => Array.from(tf.tidy(() => W.square().mean([0, 1, 2]).sqrt().dataSync())));
}

describe('train step on wasm', () => {
  beforeAll(async () => {
    expect((await initBackend('wasm')).name).toBe('wasm');
  });

  it('lowers the loss of a tiny conv net on a learnable task', () => {
    const model = tinyNet();
    const step = createTrainStep(model, { learningRate: 0.05, renormRadius: 0.1 });
    const { x, y } = squares(32, 5);
    const losses: number[] = [];
    for (let i = 0; i < 40; i++) losses.push(step(x, y).loss);
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    expect(first).toBeGreaterThan(0.5); // chance on 2 classes is ln 2 ≈ 0.69
    expect(last).toBeLessThan(first * 0.5);
    expect(step(x, y).correct).toBeGreaterThanOrEqual(28);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('caps every filter RMS at the radius after an update that pushed it over', () => {
    const model = tinyNet();
    const step = createTrainStep(model, { learningRate: 50, momentum: 0, renormRadius: 0.1 });
    const { x, y } = squares(16, 9);
    step(x, y);
    const rms = filterRms(model);
    expect(rms.length).toBe(10);
    for (const r of rms) expect(r).toBeLessThanOrEqual(0.1 + 1e-6);
    expect(Math.max(...rms)).toBeGreaterThan(0.099); // the huge step did push filters to the cap
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rescales only filters over the cap, to exactly the cap, keeping their direction', () => {
    // Filter 0 has RMS 0.5, filter 1 RMS 0.05: 2x2x1x2 kernel.
    const W = tf.variable(tf.tensor4d([0.5, 0.05, -0.5, -0.05, 0.5, 0.05, -0.5, 0.05], [2, 2, 1, 2]));
    renormalizeFilters([W], 0.1);
    const got = Array.from(W.dataSync());
    const want = [0.1, 0.05, -0.1, -0.05, 0.1, 0.05, -0.1, 0.05];
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 6);
    });
    W.dispose();
  });

  it('leaks no tensors across steps', () => {
    const model = tinyNet();
    const step = createTrainStep(model, { learningRate: 0.01 });
    const { x, y } = squares(16, 3);
    step(x, y);
    step(x, y); // momentum accumulators exist from the first step on
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step(x, y);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
    step.optimizer.dispose();
  });
});
