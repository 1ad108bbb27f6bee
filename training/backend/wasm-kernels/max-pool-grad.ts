/**
 * MaxPoolGrad for the wasm backend, on heap views. The shipped kernel spends ~15 ms on a
 * 64x16x16x32 pool of the small ZF-net, more than the conv it follows; one pass over the windows
 * with the channel axis innermost (contiguous reads, per-channel running max) takes a few ms.
 *
 * Each window routes its dy to the first maximum in row-major order (strictly greater replaces),
 * as tfjs's cpu backend and TensorFlow do; out-of-bounds taps ('same' padding) never win.
 */
import * as tf from '@tensorflow/tfjs';
import { allocate, type WasmBackend } from './wasm-ops.js';

interface Attrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { backend, attrs } = args;
  const input = args.inputs.input!;
  const dyInfo = args.inputs.dy!;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top: pt, left: pl } = info.padInfo;
  const { info: dxInfo, view: dx } = allocate(backend, input.shape);
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const dy = backend.typedArrayFromHeap(dyInfo) as Float32Array;
  dx.fill(0);
  // Per window: one pass per tap over the contiguous channel row, a running max and its index per
  // channel (strictly greater replaces, so the first maximum in row-major order wins).
  const best = new Float32Array(C);
  const at = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    const xBatch = b * H * W * C;
    for (let i = 0; i < Ho; i++) {
      const r0 = Math.max(0, i * sh - pt);
      const r1 = Math.min(H, i * sh - pt + fh);
      for (let j = 0; j < Wo; j++) {
        const c0 = Math.max(0, j * sw - pl);
        const c1 = Math.min(W, j * sw - pl + fw);
        let first = true;
        for (let r = r0; r < r1; r++) {
          for (let q = c0; q < c1; q++) {
            const tap = xBatch + (r * W + q) * C;
            if (first) {
              for (let c = 0; c < C; c++) {
                best[c] = x[tap + c]!;
                at[c] = tap + c;
              }
              first = false;
              continue;
            }
            for (let c = 0; c < C; c++) {
              const v = x[tap + c]!;
              if (v > best[c]!) {
                best[c] = v;
                at[c] = tap + c;
              }
            }
          }
        }
        const dyBase = ((b * Ho + i) * Wo + j) * C;
        for (let c = 0; c < C; c++) {
          const k = at[c]!;
          dx[k] = dx[k]! + dy[dyBase + c]!;
        }
      }
    }
  }
  return dxInfo;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
