/**
 * Occlusion sensitivity (ZF Fig. 7): a square of the mean colour (0 in mean-subtracted input) slides
 * over an image; for every position the summed activation of one feature map (by default the one with
 * the strongest unit on the clean image), the probability of the true class and the most probable
 * class. All occluded copies of an image go through the network as batches, one forward pass each.
 */
import * as tf from '@tensorflow/tfjs';
import { PROJECTION_METHODS } from '../viz/methods/index.js';
import { project } from '../viz/methods/project.js';
import { receptiveFields, unitWindow } from '../viz/receptive-field.js';
import { argmax, convOutputLayer, readoutNet } from './readout.js';
import { AnalysisError } from './types.js';

export interface OcclusionOptions {
  /** Side of the occluder in pixels. */
  size: number;
  /** Step between occluder positions in pixels. */
  stride: number;
  /** Conv layer whose map is summed (default: the last conv layer). */
  layer?: string;
  /** Map of that layer (default: the one with the strongest unit on the clean image). */
  feature?: number;
  /** Occluded copies per forward pass. */
  batchSize?: number;
}

/** One image's maps, indexed [row][column] of occluder positions. */
export interface OcclusionImage {
  /** The conv layer whose map is summed. */
  layer: string;
  /** Centres of the occluder positions along rows and columns. */
  centres: { y: number[]; x: number[] };
  feature: number;
  clean: { probability: number; activation: number; label: number };
  probability: number[][];
  activation: number[][];
  label: number[][];
  /** The map's strongest unit on the clean image: where (in the map) and its receptive field (input pixels, clipped). */
  unit: { y: number; x: number; value: number };
  marker: { top: number; left: number; height: number; width: number };
  /** The deconvnet projection of that unit to input space (input-shaped, h*w*c). */
  projection: Float32Array;
}

/** Top-left corners of the occluder along an axis of n pixels: 0, stride, ... up to n - size. */
export function occluderStarts(n: number, size: number, stride: number): number[] {
  if (size < 1 || size > n || stride < 1)
    throw new AnalysisError(
      'bad-param',
      `occlusion --size/--stride: expected 1 ≤ size ≤ ${n} and stride ≥ 1; found size ${size}, stride ${stride}`,
    );
  const out: number[] = [];
  for (let s = 0; s + size <= n; s += stride) out.push(s);
  return out;
}

/** Centres of the occluder positions (the maps are indexed by the occluder's centre). */
export const occluderCentres = (starts: number[], size: number) => starts.map((s) => s + (size - 1) / 2);

/** Copies of the h x w x c image `x`, one per (top, left) pair in row-major order, the square set to 0. */
export function occludedCopies(
  x: Float32Array,
  shape: [number, number, number],
  size: number,
  tops: number[],
  lefts: number[],
): Float32Array {
  const [h, w, c] = shape;
  const n = h * w * c;
  const out = new Float32Array(tops.length * lefts.length * n);
  let row = 0;
  for (const top of tops) {
    for (const left of lefts) {
      const off = row++ * n;
      out.set(x, off);
      for (let y = top; y < top + size; y++) out.fill(0, off + (y * w + left) * c, off + (y * w + left + size) * c);
    }
  }
  return out;
}

/** The occlusion maps of one image (model input `x`, h*w*c) of true class `klass`. */
export function occludeImage(
  model: tf.LayersModel,
  x: Float32Array,
  klass: number,
  o: OcclusionOptions,
): OcclusionImage {
  return occludeImages(model, [x], [klass], o)[0]!;
}

/**
 * The occlusion maps of several images (model inputs, h*w*c each) of true classes `classes`: every
 * occluded copy of every image in one batched readout, every projection in one way down.
 */
export function occludeImages(
  model: tf.LayersModel,
  xs: Float32Array[],
  classes: number[],
  o: OcclusionOptions,
): OcclusionImage[] {
  const shape = model.inputs[0]!.shape.slice(1) as [number, number, number];
  const [h, w] = shape;
  const n = shape[0] * shape[1] * shape[2];
  const out = convOutputLayer(model, o.layer);
  const [mh, mw, maps] = (out.outputShape as number[]).slice(1) as [number, number, number];
  if (o.feature !== undefined && o.feature >= maps)
    throw new AnalysisError(
      'unknown-feature',
      `occlusion --feature: ${out.name} has ${maps} maps (0 to ${maps - 1}); found ${o.feature}`,
      404,
    );
  const read = readoutNet(model, [out], o.batchSize ?? 256);
  const tops = occluderStarts(h, o.size, o.stride);
  const lefts = occluderStarts(w, o.size, o.stride);
  const positions = tops.length * lefts.length;
  const cleanRows = new Float32Array(xs.length * n);
  const copies = new Float32Array(xs.length * positions * n);
  xs.forEach((x, i) => {
    cleanRows.set(x, i * n);
    copies.set(occludedCopies(x, shape, o.size, tops, lefts), i * positions * n);
  });
  const readRows = (rows: Float32Array, count: number) => {
    const t = tf.tensor4d(rows, [count, ...shape]);
    try {
      return read(t);
    } finally {
      t.dispose();
    }
  };
  const clean = readRows(cleanRows, xs.length);
  const r = readRows(copies, xs.length * positions);
  const a = clean.layers[0]!;
  const size = mh * mw * maps;
  // Per image: the map (the given one, or the one with the strongest unit) and its strongest unit.
  const picks = xs.map((_, i) => {
    const feature = o.feature ?? argmax(a, i * size, size) % maps;
    let unit = 0;
    for (let p = 1; p < mh * mw; p++)
      if (a[i * size + p * maps + feature]! > a[i * size + unit * maps + feature]!) unit = p;
    return { feature, unit, y: Math.floor(unit / mw), x: unit % mw };
  });
  const sumMap = (v: Float32Array, row: number, feature: number) => {
    let s = 0;
    for (let p = 0; p < mh * mw; p++) s += v[(row * mh * mw + p) * maps + feature]!;
    return s;
  };
  const conv = model.layers.find((l) => l.name === (o.layer ?? convLayerOf(model, out)))!;
  const projected = tf.tidy(() =>
    project(
      PROJECTION_METHODS.deconvnet!,
      model,
      conv.name,
      tf.tensor4d(cleanRows, [xs.length, ...shape]),
      picks.map((p, i) => ({ image: i, y: p.y, x: p.x, channel: p.feature })),
    ),
  );
  const projections = projected.dataSync() as Float32Array;
  const geo = receptiveFields(model).find((g) => g.name === conv.name);
  const result = xs.map((_, i): OcclusionImage => {
    const { feature, unit, y: uy, x: ux } = picks[i]!;
    const klass = classes[i]!;
    const grid = (f: (row: number) => number) =>
      tops.map((_, ti) => lefts.map((_, li) => f(i * positions + ti * lefts.length + li)));
    const rf = geo ? unitWindow(geo.rf, uy, ux, h, w).rf : [0, 0, Math.max(h, w)];
    const [y0, x0, side] = rf as [number, number, number];
    const top = Math.max(0, y0);
    const left = Math.max(0, x0);
    return {
      layer: conv.name,
      centres: { y: occluderCentres(tops, o.size), x: occluderCentres(lefts, o.size) },
      feature,
      clean: {
        probability: clean.probabilities[i * clean.classes + klass]!,
        activation: sumMap(a, i, feature),
        label: argmax(clean.probabilities, i * clean.classes, clean.classes),
      },
      probability: grid((row) => r.probabilities[row * r.classes + klass]!),
      activation: grid((row) => sumMap(r.layers[0]!, row, feature)),
      label: grid((row) => argmax(r.probabilities, row * r.classes, r.classes)),
      unit: { y: uy, x: ux, value: a[i * size + unit * maps + feature]! },
      marker: { top, left, height: Math.min(h, y0 + side) - top, width: Math.min(w, x0 + side) - left },
      projection: projections.slice(i * n, (i + 1) * n),
    };
  });
  projected.dispose();
  return result;
}

/** The conv layer whose rectified output is `out` (the same layer, or the conv below a ReLU layer). */
function convLayerOf(model: tf.LayersModel, out: tf.layers.Layer): string {
  const i = model.layers.indexOf(out);
  for (let j = i; j >= 0; j--) if (model.layers[j]!.getClassName() === 'Conv2D') return model.layers[j]!.name;
  return out.name;
}
