/**
 * Conv2DBackpropFilter for the wasm backend, which ships none (so a conv net cannot train on it).
 *
 * The filter gradient is itself a forward convolution (the input correlated with the output gradient):
 *   dW[u,v,ci,co] = Σ_b Σ_{i,j} xpad[b, i·s+u, j·s+v, ci] · dy[b,i,j,co]
 * i.e. a conv of x with batch and channel axes swapped ([Ci, H, W, B]) by the filter dy laid out as
 * [Ho, Wo, B, Co], with the forward stride turned into a dilation and the forward padding kept
 * (explicit, so TF's asymmetric 'same' carries over). That runs in XNNPACK's Conv2D, which
 * multiplies at ~30 GFLOP/s, instead of a JS im2col gather and a transposed matMul.
 */
import * as tf from '@tensorflow/tfjs';
import { free, pair, runWasm, slice, transpose, type WasmBackend } from './wasm-ops.js';

interface Attrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: WasmBackend;
  attrs: Attrs;
}): tf.TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs.x!;
  const dy = args.inputs.dy!;
  if (attrs.dataFormat === 'NCHW') throw new Error("zfscope wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only");
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const [B, H, W, Ci] = x.shape as [number, number, number, number];
  const { filterHeight: kh, filterWidth: kw, outHeight: Ho, outWidth: Wo, outChannels: Co } = info;
  const [sh, sw] = pair(attrs.strides);
  const { top: pt, left: pl } = info.padInfo;
  // Bottom/right padding that makes the swapped conv's output exactly kh x kw; negative means the
  // forward conv never read the last rows ('valid' with a remainder), which are then sliced off.
  let pb = kh + (Ho - 1) * sh - H - pt;
  let pr = kw + (Wo - 1) * sw - W - pl;

  let xs = x;
  if (pb < 0 || pr < 0) {
    xs = slice(backend, x, [0, 0, 0, 0], [B, H + Math.min(pb, 0), W + Math.min(pr, 0), Ci]);
    pb = Math.max(pb, 0);
    pr = Math.max(pr, 0);
  }
  const xT = transpose(backend, xs, [3, 1, 2, 0]); // [Ci, H, W, B]
  if (xs !== x) free(backend, xs);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [Ho, Wo, B, Co]
  const g = runWasm(
    backend,
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [Ho > 1 ? sh : 1, Wo > 1 ? sw : 1],
    },
  ); // [Ci, kh, kw, Co]
  free(backend, xT);
  free(backend, dyT);
  const dW = transpose(backend, g, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  free(backend, g);
  if (dW.shape[3] !== Co) throw new Error(`Conv2DBackpropFilter: internal shape error ${dW.shape} vs Co=${Co}`);
  return dW;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
