/**
 * The layers the figure experiments read and one forward pass that reads them all at once: the
 * rectified outputs of some layers and the class probabilities, batched, in inference mode (dropout
 * off). Shared by occlusion, invariance and correspondence, on demand and at snapshot time.
 */
import * as tf from '@tensorflow/tfjs';
import { convUnits } from '../viz/snapshot.js';
import { AnalysisError, type AnalysisTarget } from './types.js';

/** What one readout returns per input row: each asked layer's output flattened, and the probabilities. */
export interface Readout {
  /** Per asked layer: [rows * size] values, row-major. */
  layers: Float32Array[];
  /** Per asked layer: values per row. */
  sizes: number[];
  /** [rows * classes] probabilities. */
  probabilities: Float32Array;
  classes: number;
}

/**
 * The rectified output layer of the first conv block: the max-pool right after conv1 (and its ReLU),
 * else conv1's own output. The model's "layer 1" feature vector.
 */
export function blockOneLayer(model: tf.LayersModel): tf.layers.Layer {
  const first = convUnits(model)[0];
  if (!first) throw new AnalysisError('unsupported', `the model has no Conv2D layer; layers: ${names(model)}`);
  const i = model.layers.indexOf(first.out);
  const next = model.layers[i + 1];
  return next && next.getClassName() === 'MaxPooling2D' ? next : first.out;
}

/** The rectified output of conv layer `name` (default: the last conv layer). */
export function convOutputLayer(model: tf.LayersModel, name?: string): tf.layers.Layer {
  const units = convUnits(model);
  const unit = name === undefined ? units.at(-1) : units.find((u) => u.conv.name === name);
  if (!unit)
    throw new AnalysisError(
      name === undefined ? 'unsupported' : 'unknown-layer',
      name === undefined
        ? `the model has no Conv2D layer; layers: ${names(model)}`
        : `--layer: no conv layer '${name}'; conv layers: ${units.map((u) => u.conv.name).join(', ')}`,
      name === undefined ? 400 : 404,
    );
  return unit.out;
}

/** The last Dense layer below the classifier (fc7 of the ZF-net). */
export function penultimateDense(model: tf.LayersModel): tf.layers.Layer {
  const last = model.layers[model.layers.length - 1];
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense' && l !== last);
  const found = dense.at(-1);
  if (!found)
    throw new AnalysisError(
      'unsupported',
      `the model has no Dense layer below its classifier (the fc7 feature vector); layers: ${names(model)}`,
    );
  return found;
}

/** The same checks on run.json's summary (no tensors): a conv layer and a Dense layer below the classifier exist. */
export function checkTarget(target: AnalysisTarget, analysis: string, needs: { dense: boolean }): void {
  if (!target.layers.some((l) => l.kind === 'conv'))
    throw new AnalysisError('unsupported', `${analysis}: the model has no conv layer`);
  if (needs.dense && target.layers.filter((l) => l.kind === 'dense').length < 2)
    throw new AnalysisError('unsupported', `${analysis}: the model has no Dense layer below its classifier (fc7)`);
}

const names = (model: tf.LayersModel) => model.layers.map((l) => l.name).join(', ');

/** Whether the model's output is already a probability (a final softmax). */
function outputIsSoftmax(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1]!;
  const cfg = last.getConfig() as { activation?: string };
  return cfg.activation === 'softmax' || last.getClassName() === 'Softmax';
}

/**
 * A reader of `layers` and the class probabilities (a softmax over a linear output), run on
 * batches of at most `batchSize` rows. The sub-model shares the weights of `model` (nothing to free).
 */
export function readoutNet(
  model: tf.LayersModel,
  layers: tf.layers.Layer[],
  batchSize = 256,
): (x: tf.Tensor4D) => Readout {
  const outputs = [...layers.map((l) => l.output as tf.SymbolicTensor), model.outputs[0]!];
  const sub = tf.model({ inputs: model.inputs, outputs });
  const softmax = !outputIsSoftmax(model);
  const sizes = layers.map((l) => (l.outputShape as number[]).slice(1).reduce((a, b) => a * b, 1));
  const classes = (model.outputs[0]!.shape as number[]).at(-1)!;
  return (x: tf.Tensor4D): Readout => {
    const rows = x.shape[0];
    const out = sizes.map((s) => new Float32Array(rows * s));
    const probabilities = new Float32Array(rows * classes);
    for (let start = 0; start < rows; start += batchSize) {
      const n = Math.min(batchSize, rows - start);
      const parts = tf.tidy(() => {
        const xb = n === rows ? x : tf.slice(x, [start, 0, 0, 0], [n, -1, -1, -1]);
        const ys = sub.predictOnBatch(xb) as tf.Tensor[];
        const p = ys[ys.length - 1]!;
        return [...ys.slice(0, -1), softmax ? tf.softmax(p) : p].map((y) => y.reshape([n, -1]));
      });
      parts.forEach((t, i) => {
        const data = t.dataSync() as Float32Array;
        if (i < sizes.length) out[i]!.set(data, start * sizes[i]!);
        else probabilities.set(data, start * classes);
      });
      tf.dispose(parts);
    }
    return { layers: out, sizes, probabilities, classes };
  };
}

/** Index of the largest value of v[from, from + n). */
export function argmax(v: ArrayLike<number>, from = 0, n = v.length - from): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[from + i]! > v[from + best]!) best = i;
  return best;
}
