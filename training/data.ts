/**
 * From uint8 images to model inputs. The paper subtracts the per-pixel mean over the training set
 * from 0-255 pixels (inputs roughly in [-128, 128]); `scale` multiplies after that.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.js';
import { seededPermutation } from '../datasets/rng.js';

export interface Preprocess {
  /** Per-pixel mean, H*W*C, on the 0-255 scale. */
  mean: Float32Array;
  scale: number;
}

export function computeMean(set: ImageSet): Float32Array {
  const n = set.height * set.width * set.channels;
  const acc = new Float64Array(n);
  for (let i = 0; i < set.count; i++) {
    const off = i * n;
    for (let j = 0; j < n; j++) acc[j]! += set.images[off + j]!;
  }
  const mean = new Float32Array(n);
  for (let j = 0; j < n; j++) mean[j] = acc[j]! / Math.max(1, set.count);
  return mean;
}

/** The inputs for the given image indices: ((x - mean) * scale), NHWC float32. */
export function inputBatch(set: ImageSet, indices: ArrayLike<number>, pre: Preprocess): tf.Tensor4D {
  const n = set.height * set.width * set.channels;
  const out = new Float32Array(indices.length * n);
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b]! * n;
    const dst = b * n;
    for (let j = 0; j < n; j++) out[dst + j] = (set.images[src + j]! - pre.mean[j]!) * pre.scale;
  }
  return tf.tensor4d(out, [indices.length, set.height, set.width, set.channels]);
}

export function oneHotBatch(set: ImageSet, indices: ArrayLike<number>, classes: number): tf.Tensor2D {
  const out = new Float32Array(indices.length * classes);
  for (let b = 0; b < indices.length; b++) out[b * classes + set.labels[indices[b]!]!] = 1;
  return tf.tensor2d(out, [indices.length, classes]);
}

/** The order of an epoch's batches: a seeded permutation, the same for the same seed and epoch. */
export function shuffled(count: number, seed: number): Uint32Array {
  return seededPermutation(count, seed);
}
