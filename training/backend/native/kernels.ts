/**
 * Kernels of the wasm backend that run on zfscope's native addon (addon.ts) instead of XNNPACK
 * and the project's wasm kernels: Conv2D, FusedConv2D (bias, ReLU), both convolution gradients,
 * MaxPoolGrad, BatchMatMul and Sum over leading axes. They read and write the wasm heap in place (no copies); a case the
 * addon does not cover (NCHW, other activations, broadcast batches) goes to the kernel it replaced.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import type { WasmBackend } from '../wasm-kernels/wasm-ops.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];
type Args<A> = { inputs: tf.NamedTensorInfoMap; backend: WasmBackend; attrs: A };

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW' | 'channelsLast';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The addon's convolution geometry (native/src/kernels.h ConvGeom) from tfjs's Conv2DInfo. */
export function convGeometry(c: tf.backend_util.Conv2DInfo): Int32Array {
  const p = c.padInfo;
  return Int32Array.from([
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.filterHeight,
    c.filterWidth,
    c.outChannels,
    c.outHeight,
    c.outWidth,
    c.strideHeight,
    c.strideWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
    c.dilationHeight,
    c.dilationWidth,
  ]);
}

/** Whether oneDNN's output-size rule (floor) gives tfjs's output size (not so under dimRoundingMode 'ceil'). */
export function fits(c: tf.backend_util.Conv2DInfo): boolean {
  const p = c.padInfo;
  const size = (n: number, pad: number, k: number, d: number, s: number) =>
    Math.floor((n + pad - ((k - 1) * d + 1)) / s) + 1;
  return (
    size(c.inHeight, p.top + p.bottom, c.filterHeight, c.dilationHeight, c.strideHeight) === c.outHeight &&
    size(c.inWidth, p.left + p.right, c.filterWidth, c.dilationWidth, c.strideWidth) === c.outWidth
  );
}

const heap = (backend: WasmBackend, t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

const nhwc = (a: ConvAttrs) => a.dataFormat !== 'NCHW';

/** Kernels replaced here, kept to take the cases the addon does not cover and to be put back. */
const replaced = new Map<string, tf.KernelConfig>();

function delegate(name: string, args: Args<unknown>): tf.TensorInfo {
  const f = replaced.get(name)?.kernelFunc;
  if (!f) throw new Error(`zfscope native ${name}: no wasm kernel to fall back on for this case`);
  return f(args as never) as tf.TensorInfo;
}

/** tfjs's geometry of a conv of input `x` by `filter` under `attrs` (the one both gradients share). */
function convInfo(x: number[], filter: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    x as Shape4,
    filter as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

function makeConv(
  native: NativeAddon,
  args: Args<ConvAttrs>,
  info: tf.backend_util.Conv2DInfo,
  bias: tf.TensorInfo | undefined,
  relu: boolean,
) {
  const { backend } = args;
  const x = args.inputs.x!;
  const filter = args.inputs.filter!;
  const out = backend.makeOutput(info.outShape, 'float32');
  native.conv2d(
    heap(backend, x),
    heap(backend, filter),
    bias ? heap(backend, bias) : null,
    heap(backend, out),
    convGeometry(info),
    relu ? 1 : 0,
  );
  return out;
}

function conv2D(native: NativeAddon) {
  return (args: Args<ConvAttrs>): tf.TensorInfo => {
    if (!nhwc(args.attrs) || args.inputs.x!.dtype !== 'float32') return delegate('Conv2D', args);
    const info = convInfo(args.inputs.x!.shape, args.inputs.filter!.shape, args.attrs);
    return fits(info) ? makeConv(native, args, info, undefined, false) : delegate('Conv2D', args);
  };
}

interface FusedAttrs extends ConvAttrs {
  activation: string;
}

function fusedConv2D(native: NativeAddon) {
  return (args: Args<FusedAttrs>): tf.TensorInfo => {
    const { bias, filter, preluActivationWeights } = args.inputs;
    const act = args.attrs.activation;
    const outChannels = filter!.shape[3]!;
    const plainBias = !bias || (bias.shape.length === 1 && bias.shape[0] === outChannels);
    if (!nhwc(args.attrs) || (act !== 'linear' && act !== 'relu') || preluActivationWeights || !plainBias)
      return delegate('FusedConv2D', args);
    const info = convInfo(args.inputs.x!.shape, args.inputs.filter!.shape, args.attrs);
    return fits(info) ? makeConv(native, args, info, bias, act === 'relu') : delegate('FusedConv2D', args);
  };
}

interface BackpropInputAttrs extends ConvAttrs {
  inputShape: Shape4;
}

function conv2DBackpropInput(native: NativeAddon) {
  return (args: Args<BackpropInputAttrs>): tf.TensorInfo => {
    const { backend, attrs } = args;
    if (!nhwc(attrs)) return delegate('Conv2DBackpropInput', args);
    const dy = args.inputs.dy!;
    const filter = args.inputs.filter!;
    const info = convInfo(attrs.inputShape, filter.shape, attrs);
    if (!fits(info)) return delegate('Conv2DBackpropInput', args);
    const dx = backend.makeOutput(attrs.inputShape, 'float32');
    native.conv2dBackpropInput(heap(backend, dy), heap(backend, filter), heap(backend, dx), convGeometry(info));
    return dx;
  };
}

interface BackpropFilterAttrs extends ConvAttrs {
  filterShape: Shape4;
}

function conv2DBackpropFilter(native: NativeAddon) {
  return (args: Args<BackpropFilterAttrs>): tf.TensorInfo => {
    const { backend, attrs } = args;
    if (!nhwc(attrs)) return delegate('Conv2DBackpropFilter', args);
    const x = args.inputs.x!;
    const dy = args.inputs.dy!;
    const info = convInfo(x.shape, attrs.filterShape, attrs);
    if (!fits(info)) return delegate('Conv2DBackpropFilter', args);
    const dw = backend.makeOutput(attrs.filterShape, 'float32');
    native.conv2dBackpropFilter(heap(backend, x), heap(backend, dy), heap(backend, dw), convGeometry(info));
    return dw;
  };
}

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function maxPoolGrad(native: NativeAddon) {
  return (args: Args<PoolAttrs>): tf.TensorInfo => {
    const { backend, attrs } = args;
    const input = args.inputs.input!;
    const dy = args.inputs.dy!;
    const p = tf.backend_util.computePool2DInfo(
      input.shape as Shape4,
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const dx = backend.makeOutput(input.shape, 'float32');
    const g = Int32Array.from([
      p.batchSize,
      p.inHeight,
      p.inWidth,
      p.inChannels,
      p.filterHeight,
      p.filterWidth,
      p.outHeight,
      p.outWidth,
      p.strideHeight,
      p.strideWidth,
      p.padInfo.top,
      p.padInfo.left,
    ]);
    native.maxPoolGrad(heap(backend, input), heap(backend, dy), heap(backend, dx), g);
    return dx;
  };
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function batchMatMul(native: NativeAddon) {
  return (args: Args<MatMulAttrs>): tf.TensorInfo => {
    const { backend, attrs } = args;
    const a = args.inputs.a!;
    const b = args.inputs.b!;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const batchA = a.shape.slice(0, -2);
    const batchB = b.shape.slice(0, -2);
    const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
    if (ra < 2 || rb < 2 || !sameBatch || a.dtype !== 'float32' || b.dtype !== 'float32')
      return delegate('BatchMatMul', args);
    const M = attrs.transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const K = attrs.transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const N = attrs.transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const out = backend.makeOutput([...batchA, M, N], 'float32');
    const g = Int32Array.from([product(batchA), M, N, K, attrs.transposeA ? 1 : 0, attrs.transposeB ? 1 : 0]);
    native.matMul(heap(backend, a), heap(backend, b), heap(backend, out), g);
    return out;
  };
}

interface SumAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** Sum over leading axes (a bias gradient: all but the channel axis); other sums go to wasm's. */
function sum(native: NativeAddon) {
  return (args: Args<SumAttrs>): tf.TensorInfo => {
    const { backend, attrs } = args;
    const x = args.inputs.x!;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    const rows = product(x.shape.slice(0, axes.length));
    const inner = product(x.shape.slice(axes.length));
    if (!leading || x.dtype !== 'float32' || rows < 1 || inner < 1) return delegate('Sum', args);
    const kept = x.shape.slice(axes.length);
    const out = backend.makeOutput(attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    native.sumRows(heap(backend, x), heap(backend, out), Int32Array.from([rows, inner]));
    return out;
  };
}

/** The native kernels for 'wasm', each made for `native`. */
export function nativeKernelConfigs(native: NativeAddon): tf.KernelConfig[] {
  const make: Record<string, (n: NativeAddon) => (args: never) => tf.TensorInfo> = {
    Conv2D: conv2D,
    FusedConv2D: fusedConv2D,
    Conv2DBackpropInput: conv2DBackpropInput,
    Conv2DBackpropFilter: conv2DBackpropFilter,
    MaxPoolGrad: maxPoolGrad,
    BatchMatMul: batchMatMul,
    Sum: sum,
  };
  return Object.entries(make).map(([kernelName, f]) => ({
    kernelName,
    backendName: 'wasm',
    kernelFunc: f(native) as unknown as tf.KernelFunc,
  }));
}

let active: tf.KernelConfig[] = [];

/** Whether the native kernels are registered for 'wasm' now. */
export function nativeKernelsActive(): boolean {
  return active.length > 0;
}

/** Register the native kernels over whatever 'wasm' has for those names (kept as fallbacks). Idempotent. */
export function registerNativeKernels(native: NativeAddon): void {
  if (active.length) return;
  active = nativeKernelConfigs(native);
  for (const config of active) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing) {
      replaced.set(config.kernelName, existing);
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
  }
}

/** Put back the kernels registerNativeKernels replaced (the wasm backend's and zfscope's wasm ones). */
export function unregisterNativeKernels(): void {
  for (const config of active) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    const before = replaced.get(config.kernelName);
    if (before) tf.registerKernel(before);
  }
  replaced.clear();
  active = [];
}
