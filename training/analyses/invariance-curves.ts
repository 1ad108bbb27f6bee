/**
 * Invariance curves (ZF Fig. 5): images shifted vertically, zoomed and rotated; per transform value,
 * the Euclidean distance of the layer-1 feature vector (the first conv block's pooled output) and of
 * fc7's to the untransformed image's, and the probability of the true class. Every transformed copy
 * of every image goes through the network in batches, one forward pass each.
 */
import * as tf from '@tensorflow/tfjs';
import { blockOneLayer, penultimateDense, readoutNet } from './readout.js';
import { transformImage, type TransformKind } from './resample.js';

export const TRANSFORMS: readonly TransformKind[] = ['shift', 'scale', 'rotation'];

/** One transform's curves: its values and, per image, distances and probability at each value. */
export interface InvarianceCurves {
  values: number[];
  images: Array<{ conv1: number[]; fc7: number[]; probability: number[] }>;
}

export interface InvarianceResult {
  /** The layers behind the "conv1" and "fc7" distances. */
  layers: { conv1: string; fc7: string };
  /** Per image, the probability of its true class untransformed. */
  clean: number[];
  shift: InvarianceCurves;
  scale: InvarianceCurves;
  rotation: InvarianceCurves;
}

function distance(a: Float32Array, ai: number, b: Float32Array, bi: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += (a[ai * n + k]! - b[bi * n + k]!) ** 2;
  return Math.sqrt(s);
}

/** The curves of images `inputs` (model inputs, h*w*c each) of true classes `classes`. */
export function invarianceCurves(
  model: tf.LayersModel,
  inputs: Float32Array[],
  classes: number[],
  values: Record<TransformKind, number[]>,
  batchSize = 256,
): InvarianceResult {
  const shape = model.inputs[0]!.shape.slice(1) as [number, number, number];
  const n = shape[0] * shape[1] * shape[2];
  const low = blockOneLayer(model);
  const high = penultimateDense(model);
  const read = readoutNet(model, [low, high], batchSize);
  // Rows: per image, the clean copy, then every value of every transform.
  const perImage = 1 + TRANSFORMS.reduce((s, t) => s + values[t].length, 0);
  const rows = new Float32Array(inputs.length * perImage * n);
  inputs.forEach((x, i) => {
    let row = i * perImage;
    rows.set(x, row++ * n);
    for (const t of TRANSFORMS)
      for (const v of values[t]) transformImage(x, shape, t, v, rows.subarray(row * n, ++row * n));
  });
  const batch = tf.tensor4d(rows, [inputs.length * perImage, ...shape]);
  let r: ReturnType<typeof read>;
  try {
    r = read(batch);
  } finally {
    batch.dispose();
  }
  const [s1, s7] = r.sizes as [number, number];
  const curves = (t: TransformKind, first: number): InvarianceCurves => ({
    values: values[t],
    images: inputs.map((_, i) => {
      const clean = i * perImage;
      const at = values[t].map((_, k) => clean + first + k);
      return {
        conv1: at.map((row) => distance(r.layers[0]!, row, r.layers[0]!, clean, s1)),
        fc7: at.map((row) => distance(r.layers[1]!, row, r.layers[1]!, clean, s7)),
        probability: at.map((row) => r.probabilities[row * r.classes + classes[i]!]!),
      };
    }),
  });
  const firstOf = (t: TransformKind) =>
    1 + TRANSFORMS.slice(0, TRANSFORMS.indexOf(t)).reduce((s, u) => s + values[u].length, 0);
  return {
    layers: { conv1: low.name, fc7: high.name },
    clean: inputs.map((_, i) => r.probabilities[i * perImage * r.classes + classes[i]!]!),
    shift: curves('shift', firstOf('shift')),
    scale: curves('scale', firstOf('scale')),
    rotation: curves('rotation', firstOf('rotation')),
  };
}
