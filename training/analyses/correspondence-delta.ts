/**
 * Correspondence (ZF Fig. 8, Table 1): the same region masked in several images of one class,
 * against random regions of equal area. For image i and layer l, ε_i = x_i − x̃_i (clean minus masked
 * features); Δ_l is the Hamming distance of sign(ε_i) and sign(ε_j) over pairs i ≠ j, normalized
 * (the fraction of components whose signs differ, sign(0) = 0 being a value of its own) and averaged
 * over pairs, which is what puts the paper's figures below 1. Lower: the layer changes the same way
 * in every image, i.e. it represents that part consistently.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../datasets/rng.js';
import { convOutputLayer, penultimateDense, readoutNet } from './readout.js';

/** A masked box, in input pixels. */
export interface Region {
  name: string;
  top: number;
  left: number;
  size: number;
}

/** Δ of one region at both layers, with the spread (over image pairs for a fixed region, over draws for random ones). */
export interface RegionDelta {
  delta: { conv5: number; fc7: number };
  spread: { conv5: number; fc7: number };
}

const sign = (v: number) => (v > 0 ? 1 : v < 0 ? -1 : 0);

/** The normalized Hamming distance of sign(a) and sign(b): the fraction of components whose signs differ. */
export function signHamming(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`signHamming: lengths differ (${a.length} and ${b.length})`);
  let d = 0;
  for (let k = 0; k < a.length; k++) if (sign(a[k]!) !== sign(b[k]!)) d++;
  return a.length ? d / a.length : 0;
}

/** Δ over the ε vectors of several images: the mean of signHamming over pairs i < j, and every pair's value. */
export function delta(eps: ArrayLike<number>[]): { delta: number; pairs: number[] } {
  const pairs: number[] = [];
  for (let i = 0; i < eps.length; i++)
    for (let j = i + 1; j < eps.length; j++) pairs.push(signHamming(eps[i]!, eps[j]!));
  return { delta: mean(pairs), pairs };
}

export const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
/** Population standard deviation (0 for fewer than two values). */
export const std = (v: number[]) => {
  const m = mean(v);
  return v.length > 1 ? Math.sqrt(mean(v.map((x) => (x - m) ** 2))) : 0;
};

/**
 * Fixed regions of an h x w image for centred, aligned items (Fashion-MNIST, centred objects): boxes
 * of side `size` centred at the top, left, right, bottom and middle of the object area.
 */
export function namedRegions(h: number, w: number, size: number): Region[] {
  const at = (name: string, fy: number, fx: number): Region => ({
    name,
    top: Math.max(0, Math.min(h - size, Math.round(fy * h - size / 2))),
    left: Math.max(0, Math.min(w - size, Math.round(fx * w - size / 2))),
    size,
  });
  return [
    at('top', 0.2, 0.5),
    at('left', 0.5, 0.2),
    at('right', 0.5, 0.8),
    at('bottom', 0.8, 0.5),
    at('centre', 0.5, 0.5),
  ];
}

function masked(x: Float32Array, shape: [number, number, number], r: Region, out: Float32Array): void {
  const [, w, c] = shape;
  out.set(x);
  for (let y = r.top; y < r.top + r.size; y++) out.fill(0, (y * w + r.left) * c, (y * w + r.left + r.size) * c);
}

export interface CorrespondenceResult {
  layers: { conv5: string; fc7: string };
  regions: Record<string, RegionDelta & { box: Region }>;
  random: RegionDelta & { draws: number };
}

/**
 * Δ for each of `regions` masked in every image of `inputs`, and for `draws` draws of random boxes
 * of the same side (a different place in each image, seeded).
 */
export function correspondence(
  model: tf.LayersModel,
  inputs: Float32Array[],
  regions: Region[],
  o: { draws: number; seed: number; size: number; batchSize?: number },
): CorrespondenceResult {
  const shape = model.inputs[0]!.shape.slice(1) as [number, number, number];
  const [h, w] = shape;
  const n = shape[0] * shape[1] * shape[2];
  const m = inputs.length;
  const rand = mulberry32(o.seed);
  const randomBoxes = Array.from({ length: o.draws }, () =>
    inputs.map(() => ({
      name: 'random',
      top: Math.floor(rand() * (h - o.size + 1)),
      left: Math.floor(rand() * (w - o.size + 1)),
      size: o.size,
    })),
  );
  // Rows: the clean images, then per region its m masked copies, then per draw its m masked copies.
  const sets = [...regions.map((r) => inputs.map(() => r)), ...randomBoxes];
  const rows = new Float32Array((1 + sets.length) * m * n);
  inputs.forEach((x, i) => {
    rows.set(x, i * n);
  });
  sets.forEach((boxes, s) => {
    boxes.forEach((b, i) => {
      const row = (1 + s) * m + i;
      masked(inputs[i]!, shape, b, rows.subarray(row * n, (row + 1) * n));
    });
  });
  const low = convOutputLayer(model);
  const high = penultimateDense(model);
  const read = readoutNet(model, [low, high], o.batchSize ?? 256);
  const batch = tf.tensor4d(rows, [(1 + sets.length) * m, ...shape]);
  let r: ReturnType<typeof read>;
  try {
    r = read(batch);
  } finally {
    batch.dispose();
  }
  const epsOf = (layer: 0 | 1, s: number) => {
    const size = r.sizes[layer]!;
    const v = r.layers[layer]!;
    return inputs.map((_, i) => {
      const e = new Float32Array(size);
      const a = i * size;
      const b = ((1 + s) * m + i) * size;
      for (let k = 0; k < size; k++) e[k] = v[a + k]! - v[b + k]!;
      return e;
    });
  };
  const of = (s: number) => ({ conv5: delta(epsOf(0, s)), fc7: delta(epsOf(1, s)) });
  const out: CorrespondenceResult['regions'] = {};
  regions.forEach((box, s) => {
    const d = of(s);
    out[box.name] = {
      box,
      delta: { conv5: d.conv5.delta, fc7: d.fc7.delta },
      spread: { conv5: std(d.conv5.pairs), fc7: std(d.fc7.pairs) },
    };
  });
  const draws = randomBoxes.map((_, k) => of(regions.length + k));
  const c5 = draws.map((d) => d.conv5.delta);
  const c7 = draws.map((d) => d.fc7.delta);
  return {
    layers: { conv5: low.name, fc7: high.name },
    regions: out,
    random: { draws: o.draws, delta: { conv5: mean(c5), fc7: mean(c7) }, spread: { conv5: std(c5), fc7: std(c7) } },
  };
}
