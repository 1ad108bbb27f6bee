/**
 * The explicit projection chain: a tfjs LayersModel read as a list
 * of ops (conv, relu, max-pool, flatten, dense, identity), a forward pass that keeps what the way down
 * needs (pool inputs for the switches, ReLU outputs for the forward masks), and the way down itself
 * with a pluggable ReLU backward rule. Backend-portable: unpooling goes through the max-pool's own
 * gradient (tfjs-node registers no MaxPoolWithArgmax); weights are read with `layer.getWeights()`,
 * which returns the live variables (never disposed here).
 */
import * as tf from '@tensorflow/tfjs';
import { ZfError } from '../../server/errors.js';

type Pair = [number, number];

type OpKind =
  | {
      kind: 'conv';
      layer: string;
      kernel: tf.Tensor4D;
      bias: tf.Tensor1D | null;
      strides: Pair;
      pad: 'same' | 'valid';
      relu: boolean;
    }
  | { kind: 'relu'; layer: string }
  | { kind: 'pool'; layer: string; size: Pair; strides: Pair; pad: 'same' | 'valid' }
  | { kind: 'flatten'; layer: string }
  | { kind: 'dense'; layer: string; kernel: tf.Tensor2D; bias: tf.Tensor1D | null; relu: boolean }
  | { kind: 'identity'; layer: string };

/** One op per layer, with the layer's input and output shapes (without the batch axis). */
export type ChainOp = OpKind & { inShape: number[]; outShape: number[] };

/**
 * The backward rule at a ReLU: `signal` arrives from above; `forwardOutput()` gives
 * the ReLU's forward output for the same rows (its step equals the forward mask 1[z > 0]); it is a
 * thunk so that rules that ignore the mask (the deconvnet) cost no gather.
 */
export type ReluRule = (signal: tf.Tensor, forwardOutput: () => tf.Tensor) => tf.Tensor;

/** A model layer the chain cannot express; the message names it and what is supported. */
export class UnsupportedLayerError extends ZfError {
  constructor(message: string) {
    super('unsupported-layer', message);
  }
}

const pair = (v: unknown): Pair => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

function unsupported(layer: tf.layers.Layer, why: string): never {
  throw new UnsupportedLayerError(
    `layer '${layer.name}' (${layer.getClassName()}) cannot be projected through: ${why}. ` +
      'Supported below the projected layer: Conv2D (relu or linear activation, channelsLast, no dilation), ' +
      'ReLU, Activation(relu|linear), MaxPooling2D, Flatten, Dense (relu or linear), Dropout.',
  );
}

function activationOf(layer: tf.layers.Layer, cfg: Record<string, unknown>): boolean {
  const act = cfg.activation ?? 'linear';
  if (act === 'relu') return true;
  if (act === 'linear') return false;
  return unsupported(layer, `activation '${String(act)}' (only relu or linear)`);
}

/** The ops of one layer; throws UnsupportedLayerError for anything else. */
function opsOf(layer: tf.layers.Layer): OpKind[] {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const name = layer.name;
  switch (layer.getClassName()) {
    case 'InputLayer':
    case 'Dropout':
      return [{ kind: 'identity', layer: name }];
    case 'Conv2D': {
      if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast')
        unsupported(layer, `dataFormat '${String(cfg.dataFormat)}'`);
      if (pair(cfg.dilationRate ?? 1).some((d) => d !== 1)) unsupported(layer, 'dilated convolution');
      if (cfg.padding !== 'same' && cfg.padding !== 'valid') unsupported(layer, `padding '${String(cfg.padding)}'`);
      const [kernel, bias] = layer.getWeights();
      return [
        {
          kind: 'conv',
          layer: name,
          kernel: kernel as tf.Tensor4D,
          bias: (bias as tf.Tensor1D | undefined) ?? null,
          strides: pair(cfg.strides),
          pad: cfg.padding,
          relu: activationOf(layer, cfg),
        },
      ];
    }
    case 'MaxPooling2D':
      if ((cfg.dataFormat ?? 'channelsLast') !== 'channelsLast')
        unsupported(layer, `dataFormat '${String(cfg.dataFormat)}'`);
      if (cfg.padding !== 'same' && cfg.padding !== 'valid') unsupported(layer, `padding '${String(cfg.padding)}'`);
      return [
        {
          kind: 'pool',
          layer: name,
          size: pair(cfg.poolSize),
          strides: pair(cfg.strides ?? cfg.poolSize),
          pad: cfg.padding,
        },
      ];
    case 'ReLU':
      if (cfg.maxValue != null) unsupported(layer, `maxValue ${String(cfg.maxValue)} (a clipped ReLU)`);
      return [{ kind: 'relu', layer: name }];
    case 'Activation':
      return activationOf(layer, cfg) ? [{ kind: 'relu', layer: name }] : [{ kind: 'identity', layer: name }];
    case 'Flatten':
      return [{ kind: 'flatten', layer: name }];
    case 'Dense': {
      const [kernel, bias] = layer.getWeights();
      if (kernel!.rank !== 2) unsupported(layer, 'a Dense layer on a non-flat input');
      return [
        {
          kind: 'dense',
          layer: name,
          kernel: kernel as tf.Tensor2D,
          bias: (bias as tf.Tensor1D | undefined) ?? null,
          relu: activationOf(layer, cfg),
        },
      ];
    }
    default:
      return unsupported(layer, 'this layer type is not supported');
  }
}

/** True for a layer that only applies a ReLU (ReLU, or Activation('relu')). */
export function isReluLayer(layer: tf.layers.Layer): boolean {
  const cls = layer.getClassName();
  if (cls === 'ReLU') return (layer.getConfig() as { maxValue?: unknown }).maxValue == null;
  return cls === 'Activation' && (layer.getConfig() as { activation?: unknown }).activation === 'relu';
}

/**
 * The model's layers from the input up to and including the named one, extended through directly
 * following ReLU layers (so a linear Conv2D followed by a ReLU layer is projected from its rectified
 * output, as ZF's units are). Throws when the model is not a plain chain or the name is unknown.
 */
export function layersUpTo(model: tf.LayersModel, layerName: string): tf.layers.Layer[] {
  const layers = model.layers;
  const idx = layers.findIndex((l) => l.name === layerName);
  if (idx < 0) {
    throw new UnsupportedLayerError(
      `model has no layer '${layerName}'; its layers are: ${layers.map((l) => l.name).join(', ')}`,
    );
  }
  let end = idx;
  while (end + 1 < layers.length && isReluLayer(layers[end + 1]!)) end++;
  const chain = layers.slice(0, end + 1);
  for (let i = 1; i < chain.length; i++) {
    if (chain[i]!.input !== chain[i - 1]!.output) {
      throw new UnsupportedLayerError(
        `layer '${chain[i]!.name}' does not take the output of '${chain[i - 1]!.name}' as its only input: ` +
          'projections need a plain chain of layers (a Sequential model or an equivalent functional one)',
      );
    }
  }
  return chain;
}

/** The ops of the chain up to `layerName` (see layersUpTo), one per layer. */
export function compileChain(model: tf.LayersModel, layerName: string): ChainOp[] {
  return layersUpTo(model, layerName).map((layer) => {
    const [op] = opsOf(layer);
    const outShape = (layer.outputShape as number[]).slice(1);
    const inShape =
      layer.getClassName() === 'InputLayer'
        ? outShape
        : ((layer.input as tf.SymbolicTensor).shape.slice(1) as number[]);
    return { ...op!, inShape, outShape };
  });
}

const hasRelu = (op: ChainOp): boolean =>
  op.kind === 'relu' || ((op.kind === 'conv' || op.kind === 'dense') && op.relu);

/** What a forward pass keeps for the way down; dispose() releases it. */
export interface ChainCache {
  ops: ChainOp[];
  /** Rows (images) of the forward input. */
  rows: number;
  /** Per op: its forward output when it has a ReLU (for the mask) and was computed, else null. */
  reluOut: Array<tf.Tensor | null>;
  /** Per op: its forward input when it is a max-pool (for the switches) and was computed, else null. */
  poolIn: Array<tf.Tensor | null>;
  /** The output of the last op (the activations seeds are read from); null when the forward stopped below it. */
  top: tf.Tensor | null;
  dispose(): void;
}

/** The ops at the top whose ReLU acts on the seed itself (see projectDown's `topRuleApplied`). */
function topReluBlock(ops: ChainOp[]): number {
  let i = ops.length - 1;
  while (i >= 0 && (ops[i]!.kind === 'relu' || ops[i]!.kind === 'identity')) i--;
  return i; // ops[i] (conv or dense) and everything above it belong to the block
}

/**
 * The last op a forward pass must run for projections whose seed values are given: up to the input
 * of the highest max-pool (switches), and with `masks` (backprop, guided) up to the highest ReLU
 * below the top block. -1 when no forward output is needed (e.g. a first conv layer).
 */
export function forwardNeeds(ops: ChainOp[], masks: boolean): number {
  const block = topReluBlock(ops);
  let need = -1;
  ops.forEach((op, i) => {
    if (op.kind === 'pool') need = Math.max(need, i - 1);
    if (masks && hasRelu(op) && i < block) need = Math.max(need, i);
  });
  return need;
}

function forwardOp(op: ChainOp, h: tf.Tensor): tf.Tensor {
  switch (op.kind) {
    case 'conv':
      // The same fused op tfjs-layers' Conv2D runs in inference, so switches and seeds match the model.
      return tf.fused.conv2d({
        x: h as tf.Tensor4D,
        filter: op.kernel,
        strides: op.strides,
        pad: op.pad,
        bias: op.bias ?? undefined,
        activation: op.relu ? 'relu' : 'linear',
      });
    case 'relu':
      return tf.relu(h);
    case 'pool':
      return tf.maxPool(h as tf.Tensor4D, op.size, op.strides, op.pad);
    case 'flatten':
      return tf.reshape(h, [h.shape[0]!, -1]);
    case 'dense':
      return tf.fused.matMul({
        a: h as tf.Tensor2D,
        b: op.kernel,
        bias: op.bias ?? undefined,
        activation: op.relu ? 'relu' : 'linear',
      });
    case 'identity':
      return h;
  }
}

/**
 * Run the chain forward on `input` (inference: dropout is identity), keeping what projections need,
 * through op `through` (default: all; see forwardNeeds). `input` may be null when nothing is needed
 * (through < 0 and no max-pool on the input); `rows` then gives the batch size.
 */
export function forwardChain(
  ops: ChainOp[],
  input: tf.Tensor4D | null,
  opts: { through?: number; rows?: number } = {},
): ChainCache {
  const through = Math.min(opts.through ?? ops.length - 1, ops.length - 1);
  const rows = input ? input.shape[0] : (opts.rows ?? 0);
  const kept = new Set<tf.Tensor>();
  const keep = (t: tf.Tensor) => {
    if (t !== input) kept.add(t);
    return t;
  };
  const reluOut: Array<tf.Tensor | null> = ops.map(() => null);
  const poolIn: Array<tf.Tensor | null> = ops.map(() => null);
  let top: tf.Tensor | null = null;
  if (input) {
    tf.tidy(() => {
      let h: tf.Tensor = input;
      for (let i = 0; i <= through + 1 && i < ops.length; i++) {
        const op = ops[i]!;
        if (op.kind === 'pool') poolIn[i] = keep(h);
        if (i > through) break;
        h = forwardOp(op, h);
        if (hasRelu(op)) reluOut[i] = keep(h);
      }
      if (through === ops.length - 1) top = keep(h);
      return [...kept];
    });
  } else if (through >= 0 || ops[0]?.kind === 'pool') {
    throw new Error('forwardChain: an input is needed to run the chain forward');
  }
  return {
    ops,
    rows,
    reluOut,
    poolIn,
    top,
    dispose: () =>
      kept.forEach((t) => {
        t.dispose();
      }),
  };
}

/**
 * The way down from `seed` (shaped like `cache.top` but with one row per projection) to input pixels.
 * `rows[i]` is the cache row (image) that projection i belongs to: switches and masks are that
 * image's. Conv filters are applied transposed and without bias; nothing is rectified at the end.
 */
export function projectDown(
  cache: ChainCache,
  seed: tf.Tensor,
  rows: number[],
  rule: ReluRule,
  opts: { topRuleApplied?: boolean } = {},
): tf.Tensor4D {
  return tf.tidy(() => {
    const n = rows.length;
    const identity = rows.length === cache.rows && rows.every((r, i) => r === i);
    const idx = identity ? null : tf.tensor1d(rows, 'int32');
    const pick = (t: tf.Tensor) => (idx ? tf.gather(t, idx) : t);
    let R = seed;
    // The ReLUs at the very top already acted on the seed values when `topRuleApplied` (every rule is
    // element-wise and idempotent, and maps 0 to 0, so applying it to the one non-zero value suffices).
    let atTop = opts.topRuleApplied ?? false;
    for (let i = cache.ops.length - 1; i >= 0; i--) {
      const op = cache.ops[i]!;
      const inShape = [n, ...op.inShape];
      if (hasRelu(op) && !atTop) {
        const out = cache.reluOut[i];
        R = rule(R, () => {
          if (!out)
            throw new Error(
              `projectDown: the forward pass stopped below '${op.layer}', whose ReLU mask this rule needs`,
            );
          return pick(out);
        });
      }
      if (op.kind !== 'relu' && op.kind !== 'identity') atTop = false;
      switch (op.kind) {
        case 'conv':
          R = tf.conv2dTranspose(
            R as tf.Tensor4D,
            op.kernel,
            inShape as [number, number, number, number],
            op.strides,
            op.pad,
          );
          break;
        case 'pool': {
          // Unpool through the max-pool's gradient: routed to the switches, summed where overlapping pools pick the same input.
          const { size, strides, pad } = op;
          const switches = cache.poolIn[i];
          if (!switches)
            throw new Error(`projectDown: the forward pass stopped below '${op.layer}', whose switches are needed`);
          R = tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, size, strides, pad))(pick(switches), R);
          break;
        }
        case 'flatten':
          R = tf.reshape(R, inShape);
          break;
        case 'dense':
          R = tf.matMul(R as tf.Tensor2D, op.kernel, false, true);
          break;
        case 'relu':
        case 'identity':
          break;
      }
    }
    return R as tf.Tensor4D;
  });
}
