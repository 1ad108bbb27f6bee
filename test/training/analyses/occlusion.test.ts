/**
 * Oracles for occlusion sensitivity: on a hand-built network whose class score is the sum of one
 * image region, p(true class) at each occluder position is exactly the softmax of that sum minus
 * the covered pixels (so it drops exactly where the occluder covers the region); on a seeded random
 * network the activation and probability maps equal a direct computation on the occluded image at a
 * few positions; batched and one-by-one evaluations agree; no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { occludedCopies, occludeImage, occluderStarts } from '../../../training/analyses/occlusion-maps.js';
import { randomArray, randomizeWeights, useCpu } from '../viz/helpers.js';

beforeAll(useCpu);

const H = 10;
const W = 10;
/** The region the class score sums: rows 2..4, columns 5..7 (9 pixels). */
const REGION = { top: 2, left: 5, size: 3 };

/** conv1 (1x1, weight 1: the map is the image) -> flatten -> fc (class 0 = sum of REGION, class 1 = 4.5), softmax. */
function regionNet(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [H, W, 1], filters: 1, kernelSize: 1, activation: 'relu', name: 'conv1' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 2, activation: 'softmax', name: 'fc8' }),
    ],
  });
  model.layers[0]!.setWeights([tf.ones([1, 1, 1, 1]), tf.zeros([1])]);
  const k = new Float32Array(H * W * 2);
  for (let y = REGION.top; y < REGION.top + REGION.size; y++)
    for (let x = REGION.left; x < REGION.left + REGION.size; x++) k[(y * W + x) * 2] = 1;
  model.layers[2]!.setWeights([tf.tensor2d(k, [H * W, 2]), tf.tensor1d([0, 4.5])]);
  return model;
}

const overlap1 = (a0: number, as: number, b0: number, bs: number) =>
  Math.max(0, Math.min(a0 + as, b0 + bs) - Math.max(a0, b0));

describe('occlusion oracles', () => {
  it('occluder positions and copies: starts every stride, the square set to the mean (0)', () => {
    expect(occluderStarts(10, 3, 2)).toEqual([0, 2, 4, 6]);
    expect(occluderStarts(28, 7, 2)).toHaveLength(11);
    expect(() => occluderStarts(5, 6, 1)).toThrow(/--size\/--stride/);
    const x = Float32Array.from({ length: 4 * 4 }, (_, i) => i + 1);
    const c = occludedCopies(x, [4, 4, 1], 2, [1], [2]);
    expect(Array.from(c)).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 9, 10, 0, 0, 13, 14, 15, 16]);
  });

  it('on a network whose score is the sum of one region, p(true class) drops exactly where the occluder covers it', () => {
    const model = regionNet();
    const x = new Float32Array(H * W).fill(1);
    const size = 3;
    const r = occludeImage(model, x, 0, { size, stride: 1 });
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const starts = occluderStarts(H, size, 1);
    expect(r.clean.probability).toBeCloseTo(sigmoid(9 - 4.5), 6);
    starts.forEach((top, i) => {
      starts.forEach((left, j) => {
        const covered = overlap1(top, size, REGION.top, REGION.size) * overlap1(left, size, REGION.left, REGION.size);
        expect(r.probability[i]![j]!).toBeCloseTo(sigmoid(9 - covered - 4.5), 6);
        // Off the region the probability is the clean one, and on it strictly lower.
        if (covered === 0) expect(r.probability[i]![j]).toBeCloseTo(r.clean.probability, 7);
        else expect(r.probability[i]![j]!).toBeLessThan(r.clean.probability - 1e-4);
        // The map is the image: its sum loses exactly the occluded pixels.
        expect(r.activation[i]![j]).toBeCloseTo(H * W - size * size, 4);
        expect(r.label[i]![j]).toBe(9 - covered > 4.5 ? 0 : 1);
      });
    });
    expect(r.centres.y).toEqual(starts.map((s) => s + 1));
    model.dispose();
  });

  it('on a random network the maps equal a direct computation at a few positions; batched equals one by one', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1' }),
        tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
        tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', name: 'conv2' }),
        tf.layers.flatten({ name: 'flatten' }),
        tf.layers.dense({ units: 5, activation: 'softmax', name: 'fc8' }),
      ],
    });
    randomizeWeights(model, 3, 0.5, 0.05);
    const x = randomArray(12 * 12 * 2, 11);
    const o = { size: 4, stride: 2 };
    const before = tf.memory().numTensors;
    const batched = occludeImage(model, x, 2, o);
    const single = occludeImage(model, x, 2, { ...o, batchSize: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(single.probability).toEqual(batched.probability);
    expect(single.activation).toEqual(batched.activation);
    expect(single.label).toEqual(batched.label);

    // The direct computation: the occluded image through the model's own layers, one position at a time.
    const conv2 = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv2').output as tf.SymbolicTensor });
    const at = (top: number, left: number) =>
      tf.tidy(() => {
        const v = x.slice();
        for (let y = top; y < top + o.size; y++)
          for (let xx = left; xx < left + o.size; xx++) v.fill(0, (y * 12 + xx) * 2, (y * 12 + xx + 1) * 2);
        const t = tf.tensor4d(v, [1, 12, 12, 2]);
        const a = (conv2.predict(t) as tf.Tensor4D)
          .slice([0, 0, 0, batched.feature], [1, -1, -1, 1])
          .sum()
          .dataSync()[0]!;
        const p = (model.predict(t) as tf.Tensor2D).dataSync();
        return { a, p: p[2]!, label: Array.from(p).indexOf(Math.max(...p)) };
      });
    // The feature is the map with the strongest unit on the clean image.
    const clean = tf.tidy(() => Array.from((conv2.predict(tf.tensor4d(x, [1, 12, 12, 2])) as tf.Tensor).dataSync()));
    expect(clean.indexOf(Math.max(...clean)) % 3).toBe(batched.feature);
    for (const [i, j] of [
      [0, 0],
      [1, 3],
      [4, 2],
      [2, 4],
    ] as const) {
      const d = at(i * 2, j * 2);
      expect(batched.activation[i]![j]).toBeCloseTo(d.a, 4);
      expect(batched.probability[i]![j]).toBeCloseTo(d.p, 6);
      expect(batched.label[i]![j]).toBe(d.label);
    }
    expect(batched.projection).toHaveLength(12 * 12 * 2);
    expect(batched.marker.height).toBeGreaterThan(0);
    model.dispose();
  });
});
