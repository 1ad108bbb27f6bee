/**
 * zfscope's training kernels for the wasm backend (its wasm ones, and the native ones where built)
 * agree with the cpu backend's reference kernels (an independent
 * implementation) on a table of shapes: conv backprops over strides 1-4, kernels 1-11, 'same' and
 * 'valid' padding, channel counts 1/3/5/16, batch 1 and > 1; MaxPoolGrad on rectified inputs (many
 * tied zeros, so the tie rule is checked too); BatchMatMul with each transpose flag; GatherV2 on
 * axis 0 and inner axes with repeated indices, float32 and int32.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, setNativeKernels } from '../../training/backend/index.js';
import { KERNEL_SETS } from './kernel-sets.js';
import { relErr } from './gradients.js';

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
  { batch: 2, size: [17, 15], cin: 5, cout: 3, k: 8, s: 3, pad: 'same' },
  { batch: 1, size: [21, 21], cin: 3, cout: 5, k: 10, s: 4, pad: 'valid' },
];

function outSize(n: number, c: Case): number {
  return c.pad === 'same' ? Math.ceil(n / c.s) : Math.floor((n - c.k) / c.s) + 1;
}

/** Both backward kernels of one case on the current backend, read back (seed must be non-zero: 0 means unseeded). */
function backward(c: Case, seed: number): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const [h, w] = c.size;
    const x = tf.randomNormal([c.batch, h, w, c.cin], 0, 1, 'float32', seed) as tf.Tensor4D;
    const W = tf.randomNormal([c.k, c.k, c.cin, c.cout], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const dy = tf.randomNormal(
      [c.batch, outSize(h, c), outSize(w, c), c.cout],
      0,
      1,
      'float32',
      seed + 2,
    ) as tf.Tensor4D;
    const dx = tf.conv2dTranspose(dy, W, x.shape, c.s, c.pad);
    const grad = tf.engine().runKernel(
      'Conv2DBackpropFilter',
      { x, dy },
      {
        strides: [c.s, c.s],
        pad: c.pad,
        dataFormat: 'NHWC',
        filterShape: W.shape,
      },
    ) as tf.Tensor;
    return { dx: dx.dataSync() as Float32Array, dw: grad.dataSync() as Float32Array };
  });
}

/** Conv2D, FusedConv2D (bias, ReLU) and a dilated Conv2D of one case on the current backend. */
function forward(c: Case, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const [h, w] = c.size;
    const x = tf.randomNormal([c.batch, h, w, c.cin], 0, 1, 'float32', seed) as tf.Tensor4D;
    const W = tf.randomNormal([c.k, c.k, c.cin, c.cout], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const bias = tf.randomNormal([c.cout], 0, 1, 'float32', seed + 2) as tf.Tensor1D;
    const plain = tf.conv2d(x, W, c.s, c.pad);
    const fused = tf.fused.conv2d({ x, filter: W, strides: c.s, pad: c.pad, bias, activation: 'relu' });
    const outs = [plain, fused];
    if (c.s === 1 && c.k <= 5 && h >= 2 * c.k) outs.push(tf.conv2d(x, W, 1, c.pad, 'NHWC', 2));
    return outs.map((t) => t.dataSync() as Float32Array);
  });
}

interface PoolCase {
  shape: [number, number, number, number];
  size: number;
  stride: number;
  pad: 'same' | 'valid';
}

const POOLS: PoolCase[] = [
  { shape: [2, 16, 16, 32], size: 3, stride: 2, pad: 'same' },
  { shape: [3, 9, 7, 5], size: 3, stride: 2, pad: 'valid' },
  { shape: [1, 8, 8, 3], size: 2, stride: 2, pad: 'same' },
  { shape: [2, 5, 6, 1], size: 3, stride: 1, pad: 'same' },
  { shape: [2, 4, 4, 16], size: 3, stride: 2, pad: 'same' },
];

/** MaxPoolGrad via tf.grad of maxPool over a rectified input (ties among zeros). */
function poolBackward(c: PoolCase, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.relu(tf.randomNormal(c.shape, 0, 1, 'float32', seed)) as tf.Tensor4D;
    const y = tf.maxPool(x, c.size, c.stride, c.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', seed + 1);
    const g = tf.grad((t: tf.Tensor) =>
      tf
        .maxPool(t as tf.Tensor4D, c.size, c.stride, c.pad)
        .mul(dy)
        .sum(),
    )(x);
    return g.dataSync() as Float32Array;
  });
}

const MATMULS: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
  { a: [64, 33], b: [17, 33], ta: false, tb: true },
  { a: [33, 64], b: [33, 17], ta: true, tb: false },
  { a: [3, 9, 7], b: [3, 5, 9], ta: true, tb: true },
  { a: [2, 7, 9], b: [2, 9, 5], ta: false, tb: false },
];

function matMul(m: (typeof MATMULS)[number], seed: number): Float32Array {
  return tf.tidy(() => {
    const a = tf.randomNormal(m.a, 0, 1, 'float32', seed);
    const b = tf.randomNormal(m.b, 0, 1, 'float32', seed + 1);
    return tf.matMul(a, b, m.ta, m.tb).dataSync() as Float32Array;
  });
}

const SUMS: Array<{ shape: number[]; axis: number[]; keepDims: boolean }> = [
  { shape: [64, 16, 16, 32], axis: [0, 1, 2], keepDims: false },
  { shape: [5, 7], axis: [0], keepDims: true },
  { shape: [3, 4, 5], axis: [1, 2], keepDims: false },
  { shape: [2, 3], axis: [-1], keepDims: false },
];

function summed(c: (typeof SUMS)[number], seed: number): { values: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const out = tf.sum(tf.randomNormal(c.shape, 0, 1, 'float32', seed), c.axis, c.keepDims);
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}

const GATHERS: Array<{ shape: number[]; axis: number; idx: number[]; dtype: 'float32' | 'int32' }> = [
  { shape: [5, 4, 4, 3], axis: 0, idx: [4, 0, 0, 2, 4, 1], dtype: 'float32' },
  { shape: [3, 6, 2], axis: 1, idx: [5, 5, 0, 3], dtype: 'float32' },
  { shape: [4, 3, 5], axis: 2, idx: [4, 1], dtype: 'int32' },
  { shape: [7], axis: 0, idx: [], dtype: 'float32' },
];

function gathered(g: (typeof GATHERS)[number], seed: number): { values: number[]; shape: number[] } {
  return tf.tidy(() => {
    const x = tf.randomUniform(g.shape, -100, 100, g.dtype, seed);
    const out = tf.gather(x, tf.tensor1d(g.idx, 'int32'), g.axis);
    return { values: Array.from(out.dataSync()), shape: out.shape };
  });
}

describe.each(KERNEL_SETS)('wasm backend training kernels: %s', (_set, native) => {
  let gatherReference: Array<{ values: number[]; shape: number[] }>;
  let reference: Array<{ dx: Float32Array; dw: Float32Array }>;
  let forwardReference: Float32Array[][];
  let poolReference: Float32Array[];
  let matMulReference: Float32Array[];
  let sumReference: Array<{ values: Float32Array; shape: number[] }>;

  beforeAll(async () => {
    await initBackend('cpu');
    reference = CASES.map((c, i) => backward(c, 10 * i + 1));
    forwardReference = CASES.map((c, i) => forward(c, 10 * i + 4));
    poolReference = POOLS.map((c, i) => poolBackward(c, 10 * i + 3));
    matMulReference = MATMULS.map((m, i) => matMul(m, 10 * i + 5));
    sumReference = SUMS.map((c, i) => summed(c, 10 * i + 6));
    gatherReference = GATHERS.map((g, i) => gathered(g, 10 * i + 7));
    await initBackend('wasm');
    expect(setNativeKernels(native)).toBe(native);
  });

  afterAll(async () => {
    await initBackend('wasm');
    setNativeKernels(false);
  });

  it.each(
    CASES.map(
      (c, i) =>
        [`${c.k}x${c.k}/${c.s} ${c.pad} ${c.size.join('x')}x${c.cin}->${c.cout} batch ${c.batch}`, c, i] as const,
    ),
  )('Conv2DBackpropInput and Conv2DBackpropFilter match the cpu reference: %s', (_name, c, i) => {
    expect(tf.getBackend()).toBe('wasm');
    const got = backward(c, 10 * i + 1);
    const ref = reference[i]!;
    expect(got.dx.length).toBe(ref.dx.length);
    expect(got.dw.length).toBe(ref.dw.length);
    expect(relErr(got.dx, ref.dx)).toBeLessThanOrEqual(1e-4);
    expect(relErr(got.dw, ref.dw)).toBeLessThanOrEqual(1e-4);
  });

  it.each(
    CASES.map(
      (c, i) =>
        [`${c.k}x${c.k}/${c.s} ${c.pad} ${c.size.join('x')}x${c.cin}->${c.cout} batch ${c.batch}`, c, i] as const,
    ),
  )('Conv2D, FusedConv2D (bias, ReLU) and dilated Conv2D match the cpu reference: %s', (_name, c, i) => {
    const got = forward(c, 10 * i + 4);
    const ref = forwardReference[i]!;
    expect(got.length).toBe(ref.length);
    got.forEach((g, j) => {
      expect(g.length).toBe(ref[j]!.length);
      expect(relErr(g, ref[j]!)).toBeLessThanOrEqual(1e-4);
    });
  });

  it.each(POOLS.map((c, i) => [`${c.size}/${c.stride} ${c.pad} ${c.shape.join('x')}`, c, i] as const))(
    'MaxPoolGrad matches the cpu reference, ties included: %s',
    (_name, c, i) => {
      const got = poolBackward(c, 10 * i + 3);
      expect(relErr(got, poolReference[i]!)).toBeLessThanOrEqual(1e-6);
    },
  );

  it.each(MATMULS.map((m, i) => [`${m.a}${m.ta ? 'ᵀ' : ''} x ${m.b}${m.tb ? 'ᵀ' : ''}`, m, i] as const))(
    'BatchMatMul matches the cpu reference: %s',
    (_name, m, i) => {
      const got = matMul(m, 10 * i + 5);
      expect(got.length).toBe(matMulReference[i]!.length);
      expect(relErr(got, matMulReference[i]!)).toBeLessThanOrEqual(1e-5);
    },
  );

  it.each(SUMS.map((c, i) => [`${c.shape.join('x')} over [${c.axis}]${c.keepDims ? ' keepDims' : ''}`, c, i] as const))(
    'Sum matches the cpu reference: %s',
    (_name, c, i) => {
      const got = summed(c, 10 * i + 6);
      expect(got.shape).toEqual(sumReference[i]!.shape);
      expect(relErr(got.values, sumReference[i]!.values)).toBeLessThanOrEqual(1e-5);
    },
  );

  it.each(GATHERS.map((g, i) => [`${g.dtype} ${g.shape.join('x')} axis ${g.axis} [${g.idx}]`, g, i] as const))(
    'GatherV2 equals the cpu backend exactly: %s',
    (_name, g, i) => {
      expect(gathered(g, 10 * i + 7)).toEqual(gatherReference[i]);
    },
  );

  it('GatherV2 refuses an index out of range, naming it and the range', () => {
    const x = tf.ones([3, 2]);
    const idx = tf.tensor1d([1, 3], 'int32');
    expect(() => tf.gather(x, idx)).toThrow('GatherV2: the index value 3 is not in [0, 2]');
    tf.dispose([x, idx]);
  });

  it('the composed kernels leave no tensors or wasm buffers behind', () => {
    const before = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    backward(CASES[5]!, 99);
    poolBackward(POOLS[0]!, 99);
    matMul(MATMULS[2]!, 99);
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
  });
});
