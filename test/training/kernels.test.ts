/**
 * zfscope's wasm training kernels agree with the cpu backend's reference kernels (an independent
 * implementation) on a table of shapes: strides 1-4, kernels 1-11, 'same' and 'valid' padding,
 * channel counts 1/3/5/16, batch 1 and > 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../training/backend/index.js';

interface Case {
  batch: number;
  size: [number, number];
  cin: number;
  cout: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { batch: 1, size: [5, 5], cin: 1, cout: 1, k: 1, s: 1, pad: 'valid' },
  { batch: 2, size: [8, 8], cin: 3, cout: 5, k: 3, s: 1, pad: 'same' },
  { batch: 3, size: [9, 7], cin: 5, cout: 3, k: 3, s: 2, pad: 'same' },
  { batch: 2, size: [10, 10], cin: 3, cout: 16, k: 5, s: 2, pad: 'valid' },
  { batch: 1, size: [11, 12], cin: 16, cout: 5, k: 4, s: 3, pad: 'same' },
  { batch: 2, size: [13, 13], cin: 3, cout: 4, k: 7, s: 2, pad: 'same' },
  { batch: 4, size: [32, 32], cin: 3, cout: 16, k: 7, s: 2, pad: 'same' },
  { batch: 2, size: [23, 23], cin: 3, cout: 8, k: 11, s: 4, pad: 'same' },
  { batch: 1, size: [27, 25], cin: 1, cout: 5, k: 11, s: 4, pad: 'valid' },
  { batch: 2, size: [14, 14], cin: 5, cout: 3, k: 9, s: 3, pad: 'valid' },
  { batch: 2, size: [6, 6], cin: 16, cout: 16, k: 2, s: 4, pad: 'same' },
  { batch: 3, size: [7, 7], cin: 16, cout: 1, k: 6, s: 1, pad: 'same' },
  { batch: 1, size: [5, 5], cin: 3, cout: 3, k: 5, s: 1, pad: 'valid' },
  { batch: 2, size: [16, 16], cin: 16, cout: 16, k: 5, s: 1, pad: 'same' },
];

function outSize(n: number, c: Case): number {
  return c.pad === 'same' ? Math.ceil(n / c.s) : Math.floor((n - c.k) / c.s) + 1;
}

function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    norm = Math.max(norm, Math.abs(b[i]!));
  }
  return diff / Math.max(norm, 1e-12);
}

/** Both backward kernels of one case on the current backend, read back (seed must be non-zero: 0 means unseeded). */
function backward(c: Case, seed: number): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const [h, w] = c.size;
    const x = tf.randomNormal([c.batch, h, w, c.cin], 0, 1, 'float32', seed) as tf.Tensor4D;
    const W = tf.randomNormal([c.k, c.k, c.cin, c.cout], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const dy = tf.randomNormal([c.batch, outSize(h, c), outSize(w, c), c.cout], 0, 1, 'float32', seed + 2) as tf.Tensor4D;
    const dx = tf.conv2dTranspose(dy, W, x.shape, c.s, c.pad);
    const grad = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
      strides: [c.s, c.s],
      pad: c.pad,
      dataFormat: 'NHWC',
      filterShape: W.shape,
    }) as tf.Tensor;
    return { dx: dx.dataSync() as Float32Array, dw: grad.dataSync() as Float32Array };
  });
}

describe('wasm training kernels', () => {
  let reference: Array<{ dx: Float32Array; dw: Float32Array }>;

  beforeAll(async () => {
    await initBackend('cpu');
    reference = CASES.map((c, i) => backward(c, 10 * i + 1));
    await initBackend('wasm');
  });

  afterAll(async () => {
    await initBackend('wasm');
  });

  it.each(CASES.map((c, i) => [`${c.k}x${c.k}/${c.s} ${c.pad} ${c.size.join('x')}x${c.cin}->${c.cout} batch ${c.batch}`, c, i] as const))(
    'Conv2DBackpropInput and Conv2DBackpropFilter match the cpu reference: %s',
    (_name, c, i) => {
      expect(tf.getBackend()).toBe('wasm');
      const got = backward(c, 10 * i + 1);
      const ref = reference[i]!;
      expect(got.dx.length).toBe(ref.dx.length);
      expect(got.dw.length).toBe(ref.dw.length);
      expect(relErr(got.dx, ref.dx)).toBeLessThanOrEqual(1e-4);
      expect(relErr(got.dw, ref.dw)).toBeLessThanOrEqual(1e-4);
    },
  );

  it('the composed kernels leave no tensors or wasm buffers behind', () => {
    const before = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    backward(CASES[5]!, 99);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
  });
});
