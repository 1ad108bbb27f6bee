/**
 * The frozen network as differentiable functions of its input: the output of a named layer, and the
 * unnormalized class scores (the logits below a final softmax: the score alone, which a softmax
 * could raise by pushing the other classes down). Built from the projection chain's ops, so the
 * same plain-chain models are supported and unsupported layers get the same named error.
 */
import * as tf from '@tensorflow/tfjs';
import { compileChain, type ChainOp } from '../viz/chain.js';
import { AnalysisError, type AnalysisTarget } from './types.js';

/** Options of the differentiable forward: `leak` > 0 runs every ReLU as a leaky one of that slope. */
export interface ForwardOptions {
  leak?: number;
}

function applyOp(op: ChainOp, h: tf.Tensor, o: ForwardOptions): tf.Tensor {
  const relu = (t: tf.Tensor) => (o.leak ? tf.leakyRelu(t, o.leak) : tf.relu(t));
  switch (op.kind) {
    case 'conv': {
      // Plain (unfused) ops: their gradients exist on every backend zfscope runs on.
      let y: tf.Tensor = tf.conv2d(h as tf.Tensor4D, op.kernel, op.strides, op.pad);
      if (op.bias) y = tf.add(y, op.bias);
      return op.relu ? relu(y) : y;
    }
    case 'relu':
      return relu(h);
    case 'pool':
      return tf.maxPool(h as tf.Tensor4D, op.size, op.strides, op.pad);
    case 'flatten':
      return tf.reshape(h, [h.shape[0]!, -1]);
    case 'dense': {
      let y: tf.Tensor = tf.matMul(h as tf.Tensor2D, op.kernel);
      if (op.bias) y = tf.add(y, op.bias);
      return op.relu ? relu(y) : y;
    }
    case 'identity':
      return h;
  }
}

const run =
  (ops: ChainOp[], o: ForwardOptions = {}) =>
  (x: tf.Tensor4D): tf.Tensor =>
    ops.reduce<tf.Tensor>((h, op) => applyOp(op, h, o), x);

/** x -> the (rectified, as the dashboard shows it) output of layer `name`, [n, h, w, c]. */
export function layerOutput(
  model: tf.LayersModel,
  name: string,
  o: ForwardOptions = {},
): (x: tf.Tensor4D) => tf.Tensor4D {
  return run(compileChain(model, name), o) as (x: tf.Tensor4D) => tf.Tensor4D;
}

/** x -> the unnormalized class scores [n, classes]: the last Dense layer's pre-softmax output. */
export function classScores(model: tf.LayersModel, o: ForwardOptions = {}): (x: tf.Tensor4D) => tf.Tensor2D {
  const layers = model.layers;
  const last = layers[layers.length - 1]!;
  const act = (last.getConfig() as { activation?: string }).activation;
  if (last.getClassName() !== 'Dense' || (act !== 'softmax' && act !== 'linear')) {
    throw new AnalysisError(
      'unsupported',
      `class scores need a final Dense layer with softmax or linear activation; '${last.name}' is ${last.getClassName()} (${act ?? 'no activation'})`,
    );
  }
  if (act === 'linear') return run(compileChain(model, last.name), o) as (x: tf.Tensor4D) => tf.Tensor2D;
  const below = run(compileChain(model, layers[layers.length - 2]!.name), o);
  const [kernel, bias] = last.getWeights() as [tf.Tensor2D, tf.Tensor1D | undefined];
  return (x) => {
    const logits = tf.matMul(below(x) as tf.Tensor2D, kernel);
    return (bias ? tf.add(logits, bias) : logits) as tf.Tensor2D;
  };
}

/** The conv layers of a target, in order. */
export function convLayers(target: AnalysisTarget): string[] {
  return target.layers.filter((l) => l.kind === 'conv').map((l) => l.name);
}

/** The summary of conv layer `name`, or an AnalysisError listing the conv layers. */
export function convLayer(target: AnalysisTarget, name: string, analysis: string) {
  const layer = target.layers.find((l) => l.name === name && l.kind === 'conv');
  if (!layer)
    throw new AnalysisError(
      'unknown-layer',
      `${analysis} --layer: no conv layer '${name}'; conv layers: ${convLayers(target).join(', ')}`,
      404,
    );
  return layer;
}

/** A circular shift of an NHWC batch by (dy, dx) pixels (the jitter of "transformation robustness"). */
export function roll(x: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const sy = ((dy % h) + h) % h;
    const sx = ((dx % w) + w) % w;
    let y = x;
    if (sy)
      y = tf.concat(
        [tf.slice(y, [0, h - sy, 0, 0], [-1, sy, -1, -1]), tf.slice(y, [0, 0, 0, 0], [-1, h - sy, -1, -1])],
        1,
      );
    if (sx)
      y = tf.concat(
        [tf.slice(y, [0, 0, w - sx, 0], [-1, -1, sx, -1]), tf.slice(y, [0, 0, 0, 0], [-1, -1, w - sx, -1])],
        2,
      );
    return y;
  });
}

/** A Gaussian blur of standard deviation `sigma` px, per channel, zero beyond the border ('same'). */
export function blur(x: tf.Tensor4D, sigma: number): tf.Tensor4D {
  if (sigma <= 0) return tf.clone(x);
  return tf.tidy(() => {
    const r = Math.max(1, Math.ceil(2 * sigma));
    const taps = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
    const sum = taps.reduce((a, b) => a + b, 0);
    const c = x.shape[3];
    const k = taps.flatMap((t) => new Array<number>(c).fill(t / sum));
    const ky = tf.tensor4d(k, [2 * r + 1, 1, c, 1]);
    const kx = tf.tensor4d(k, [1, 2 * r + 1, c, 1]);
    return tf.depthwiseConv2d(tf.depthwiseConv2d(x, ky, 1, 'same'), kx, 1, 'same');
  });
}
