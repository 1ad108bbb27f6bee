/**
 * BatchMatMul for the wasm backend with the transposes done first. The shipped kernel multiplies
 * at ~20 GFLOP/s un-transposed but ~1 GFLOP/s with transposeA (~3 with transposeB), and every
 * dense layer's backward pass asks for one of them (dx = dy·Wᵀ, dW = xᵀ·dy). Transposing the
 * operand with the wasm Transpose kernel costs one pass over it and restores the fast path.
 */
import type * as tf from '@tensorflow/tfjs';
import { free, transpose, type WasmBackend } from './wasm-ops.js';

interface Attrs {
  transposeA: boolean;
  transposeB: boolean;
}

let shipped: tf.KernelFunc | undefined;

/** The wasm backend's own BatchMatMul, which this one delegates the multiply to. */
export function setShippedBatchMatMul(kernelFunc: tf.KernelFunc | undefined): void {
  shipped = kernelFunc;
}

/** Swap the last two axes. */
function swapLast(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const r = x.shape.length;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return transpose(backend, x, perm);
}

function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  if (!shipped) throw new Error('zfscope wasm BatchMatMul: the shipped wasm kernel was not found');
  const { backend, attrs } = args;
  let a = args.inputs.a!;
  let b = args.inputs.b!;
  if (!attrs.transposeA && !attrs.transposeB) return shipped(args as never) as tf.TensorInfo;
  const temps: tf.TensorInfo[] = [];
  if (attrs.transposeA) {
    a = swapLast(backend, a);
    temps.push(a);
  }
  if (attrs.transposeB) {
    b = swapLast(backend, b);
    temps.push(b);
  }
  const out = shipped({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
  for (const t of temps) free(backend, t);
  return out;
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as tf.KernelFunc,
};
