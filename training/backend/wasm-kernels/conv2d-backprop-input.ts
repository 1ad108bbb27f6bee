/**
 * A fast Conv2DBackpropInput for the wasm backend (the shipped one is a scalar C++ loop).
 *
 * The input gradient of a stride-s conv is a sub-pixel convolution: writing q = p + pad_top =
 * s·m + r (r in [0, s)), dx[p] = Σ_t dy[m - t] · W[s·t + r]. So every output phase r is a stride-1
 * conv of dy with the taps W[s·t + r] (t < T = ceil(k/s)), flipped; all s² phases go into one
 * XNNPACK Conv2D as s²·Ci output channels of a [T, T, Co, s²·Ci] filter, and one pass over the
 * heap interleaves the phases back into rows and columns (DepthToSpace(s) and a crop). The work equals the forward conv's, with no
 * zero-inserted dy and no col2im scatter; for s = 1 it is the plain flipped-filter conv.
 */
import * as tf from '@tensorflow/tfjs';
import { allocate, free, pair, runWasm, type WasmBackend } from './wasm-ops.js';

interface Attrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** One spatial axis of the sub-pixel formulation. */
interface AxisPlan {
  T: number;
  /** first phase-row index m0 = floor(pad / s) */
  m0: number;
  padBefore: number;
  padAfter: number;
  /** offset of dx row 0 in the interleaved output */
  offset: number;
}

function planAxis(n: number, k: number, s: number, pad: number, outN: number): AxisPlan {
  const T = Math.ceil(k / s);
  const m0 = Math.floor(pad / s);
  const m1 = Math.floor((pad + n - 1) / s);
  const rows = m1 - m0 + 1;
  const padBefore = T - 1 - m0; // >= 0 because pad <= k - 1
  const padAfter = Math.max(0, rows + T - 1 - outN - padBefore);
  return { T, m0, padBefore, padAfter, offset: pad - m0 * s };
}

/** The [Th, Tw, Co, sh·sw·Ci] phase filter: G[a,b,co,(ry·sw+rx)·Ci+ci] = W[sh(Th-1-a)+ry, sw(Tw-1-b)+rx, ci, co]. */
function phaseFilter(
  backend: WasmBackend,
  filter: tf.TensorInfo,
  sh: number,
  sw: number,
  Th: number,
  Tw: number,
): tf.TensorInfo {
  const [kh, kw, Ci, Co] = filter.shape as [number, number, number, number];
  const S = sh * sw;
  const { info, view: g } = allocate(backend, [Th, Tw, Co, S * Ci]);
  const w = backend.typedArrayFromHeap(filter) as Float32Array; // after allocate: the heap may have grown
  g.fill(0);
  const gRow = S * Ci;
  for (let a = 0; a < Th; a++) {
    for (let ry = 0; ry < sh; ry++) {
      const u = sh * (Th - 1 - a) + ry;
      if (u >= kh) continue;
      for (let b = 0; b < Tw; b++) {
        for (let rx = 0; rx < sw; rx++) {
          const v = sw * (Tw - 1 - b) + rx;
          if (v >= kw) continue;
          const phase = (ry * sw + rx) * Ci;
          const wBase = (u * kw + v) * Ci * Co;
          const gBase = (a * Tw + b) * Co * gRow + phase;
          for (let ci = 0; ci < Ci; ci++) {
            const wi = wBase + ci * Co;
            const gi = gBase + ci;
            for (let co = 0; co < Co; co++) g[gi + co * gRow] = w[wi + co]!;
          }
        }
      }
    }
  }
  return info;
}

let shipped: tf.KernelFunc | undefined;

/** The wasm backend's own kernel, kept for the layouts this one does not cover (unequal strides, NCHW). */
export function setShippedConv2DBackpropInput(kernelFunc: tf.KernelFunc | undefined): void {
  shipped = kernelFunc;
}

function conv2DBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: WasmBackend;
  attrs: Attrs;
}): tf.TensorInfo {
  const { backend, attrs } = args;
  const dy = args.inputs.dy!;
  const filter = args.inputs.filter!;
  const [sh, sw] = pair(attrs.strides);
  if ((sh !== sw || attrs.dataFormat === 'NCHW') && shipped) return shipped(args as never) as tf.TensorInfo;
  if (sh !== sw) throw new Error('zfscope wasm Conv2DBackpropInput: unequal strides are not supported');
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [B, H, W, Ci] = attrs.inputShape;
  const { filterHeight: kh, filterWidth: kw, outHeight: Ho, outWidth: Wo } = info;
  const ph = planAxis(H, kh, sh, info.padInfo.top, Ho);
  const pw = planAxis(W, kw, sw, info.padInfo.left, Wo);
  const g = phaseFilter(backend, filter, sh, sw, ph.T, pw.T);
  const z = runWasm(
    backend,
    'Conv2D',
    { x: dy, filter: g },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [ph.padBefore, ph.padAfter],
        [pw.padBefore, pw.padAfter],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  free(backend, g);
  const [, Zh, Zw] = z.shape as [number, number, number, number];
  if (sh === 1 && ph.offset === 0 && pw.offset === 0 && Zh === H && Zw === W) return z;
  const dx = interleavePhases(backend, z, sh, ph.offset, pw.offset, [B, H, W, Ci]);
  free(backend, z);
  return dx;
}

/**
 * dx[b, p, q, c] = z[b, ⌊(p+oh)/s⌋, ⌊(q+ow)/s⌋, (((p+oh) mod s)·s + (q+ow) mod s)·Ci + c]: the
 * phases interleaved back into rows and columns and the padding cropped, in one pass over heap
 * views (the shipped DepthToSpace is a scalar loop at ~50 ns an element, and a Slice would be a
 * second pass).
 */
function interleavePhases(
  backend: WasmBackend,
  z: tf.TensorInfo,
  s: number,
  oh: number,
  ow: number,
  shape: [number, number, number, number],
): tf.TensorInfo {
  const [B, H, W, Ci] = shape;
  const [, Zh, Zw, Zc] = z.shape as [number, number, number, number];
  const { info, view: dx } = allocate(backend, shape);
  const src = backend.typedArrayFromHeap(z) as Float32Array; // after allocate: the heap may have grown
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < H; p++) {
      const py = p + oh;
      const row = (b * Zh + Math.floor(py / s)) * Zw;
      const phaseY = (py % s) * s;
      for (let q = 0; q < W; q++) {
        const qx = q + ow;
        const at = (row + Math.floor(qx / s)) * Zc + (phaseY + (qx % s)) * Ci;
        for (let c = 0; c < Ci; c++) dx[o++] = src[at + c]!;
      }
    }
  }
  return info;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
