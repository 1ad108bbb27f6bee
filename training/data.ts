/**
 * From uint8 images to model inputs. The paper subtracts the per-pixel mean over the training set
 * from 0-255 pixels (inputs roughly in [-128, 128]); `scale` multiplies after that.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.js';

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

/** A seeded permutation (mulberry32 + Fisher-Yates): the same seed gives the same order. */
export function shuffled(count: number, seed: number): Uint32Array {
  const idx = new Uint32Array(count);
  for (let i = 0; i < count; i++) idx[i] = i;
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}
