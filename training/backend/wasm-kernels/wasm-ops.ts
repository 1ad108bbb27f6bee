/**
 * Thin helpers for kernels that compose the wasm backend's own kernels (XNNPACK Conv2D, Transpose,
 * DepthToSpace, Slice) without going through the engine: intermediate results are plain TensorInfos
 * on the wasm heap, never recorded on the gradient tape and freed here, so a composed kernel leaks
 * nothing and costs no wasm<->JS copies.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type WasmBackend = BackendWasm;

/** Run a kernel registered for 'wasm' directly on the wasm backend. */
export function runWasm(
  backend: WasmBackend,
  kernelName: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`wasm backend has no '${kernelName}' kernel (needed by the zfscope training kernels)`);
  const out = kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  return Array.isArray(out) ? out[0]! : out;
}

/**
 * Release an intermediate TensorInfo made by runWasm/makeOutput. Not forced: a no-op Transpose
 * returns its input's buffer with one more reference, and only that reference may go.
 */
export function free(backend: WasmBackend, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}

export function transpose(backend: WasmBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runWasm(backend, 'Transpose', { x }, { perm });
}

/**
 * Copy the window [begin, begin+size) of a rank-4 float32 tensor. Done on heap views, row by row:
 * the shipped wasm Slice first copies the whole input out of the heap (readSync).
 */
export function slice(backend: WasmBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const [, H, W, C] = x.shape as [number, number, number, number];
  const [b0, h0, w0, c0] = begin as [number, number, number, number];
  const [B, h, w, c] = size as [number, number, number, number];
  const { info, view: out } = allocate(backend, [B, h, w, c]);
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < h; i++) {
      const rowStart = (((b0 + b) * H + h0 + i) * W + w0) * C + c0;
      if (c === C) {
        out.set(src.subarray(rowStart, rowStart + w * C), o);
        o += w * C;
      } else {
        for (let j = 0; j < w; j++) {
          out.set(src.subarray(rowStart + j * C, rowStart + j * C + c), o);
          o += c;
        }
      }
    }
  }
  return info;
}

/** A float32 tensor on the wasm heap plus a JS view of it (valid until the next allocation). */
export function allocate(backend: WasmBackend, shape: number[]): { info: tf.TensorInfo; view: Float32Array } {
  const info = backend.makeOutput(shape, 'float32');
  return { info, view: backend.typedArrayFromHeap(info) as Float32Array };
}

/** Strides as [h, w] from a number or a pair. */
export function pair(v: number | [number, number] | number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0]!, v[1]!];
}
