/**
 * Oracles for correspondence's Δ: the normalized sign Hamming distance and its mean over pairs
 * against hand computations on small vectors (sign(0) = 0 a value of its own), and Δ = 0 when every
 * masked image is the same image; random regions are drawn per image and seeded; no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  correspondence,
  delta,
  namedRegions,
  signHamming,
  std,
} from '../../../training/analyses/correspondence-delta.js';
import { randomArray, randomizeWeights, useCpu } from '../viz/helpers.js';

beforeAll(useCpu);

describe('Δ by hand', () => {
  it('signHamming is the fraction of components whose signs differ, with sign(0) = 0', () => {
    expect(signHamming([1, -2, 0, 3], [2, 1, 0, -1])).toBe(0.5); // signs + - 0 + | + + 0 -: 2 of 4
    expect(signHamming([0, 0, 2], [3, 0, -1])).toBeCloseTo(2 / 3, 12); // 0 vs +: differs; 0 vs 0: same
    expect(signHamming([0, -0, 5], [0, 0, 1])).toBe(0); // -0 is 0
    expect(signHamming([-1e-9], [1e-9])).toBe(1);
  });

  it('Δ is the mean over pairs i < j', () => {
    const e1 = [1, -1, 0, 2];
    const e2 = [1, 1, 0, 2]; // vs e1: 1 of 4
    const e3 = [-1, 1, 3, 0]; // vs e1: 4 of 4; vs e2: 3 of 4
    const d = delta([e1, e2, e3]);
    expect(d.pairs).toEqual([0.25, 1, 0.75]);
    expect(d.delta).toBeCloseTo((0.25 + 1 + 0.75) / 3, 12);
    expect(std(d.pairs)).toBeCloseTo(Math.sqrt(((0.25 - 2 / 3) ** 2 + (1 - 2 / 3) ** 2 + (0.75 - 2 / 3) ** 2) / 3), 12);
    expect(delta([e1, e1, e1]).delta).toBe(0);
  });

  it('the named regions lie inside the image', () => {
    for (const r of namedRegions(28, 28, 7)) {
      expect(r.top).toBeGreaterThanOrEqual(0);
      expect(r.left + r.size).toBeLessThanOrEqual(28);
    }
  });
});

describe('correspondence on a network', () => {
  const model = () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [10, 10, 1], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv5' }),
        tf.layers.flatten({ name: 'flatten' }),
        tf.layers.dense({ units: 8, activation: 'relu', name: 'fc7' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'fc8' }),
      ],
    });
    randomizeWeights(m, 9, 0.5, 0.05);
    return m;
  };

  it('identical masked images give Δ = 0 at both layers; no tensor leaks', () => {
    const m = model();
    const x = randomArray(100, 3);
    const before = tf.memory().numTensors;
    const r = correspondence(m, [x, x, x], namedRegions(10, 10, 3), { draws: 4, seed: 2, size: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.layers).toEqual({ conv5: 'conv5', fc7: 'fc7' });
    for (const v of Object.values(r.regions)) {
      expect(v.delta).toEqual({ conv5: 0, fc7: 0 });
      expect(v.spread).toEqual({ conv5: 0, fc7: 0 });
    }
    // Random regions fall in different places in each image: they do not correspond.
    expect(r.random.delta.conv5).toBeGreaterThan(0);
    m.dispose();
  });

  it('Δ of a region equals the hand computation from the layer outputs', () => {
    const m = model();
    const xs = [randomArray(100, 5), randomArray(100, 6), randomArray(100, 7)];
    const box = { name: 'box', top: 2, left: 3, size: 4 };
    const r = correspondence(m, xs, [box], { draws: 2, seed: 1, size: 4 });
    const sub = tf.model({
      inputs: m.inputs,
      outputs: [m.getLayer('conv5').output, m.getLayer('fc7').output] as tf.SymbolicTensor[],
    });
    const eps = (layer: 0 | 1) =>
      xs.map((x) =>
        tf.tidy(() => {
          const mx = x.slice();
          for (let y = 2; y < 6; y++) mx.fill(0, y * 10 + 3, y * 10 + 7);
          const a = (sub.predict(tf.tensor4d(x, [1, 10, 10, 1])) as tf.Tensor[])[layer]!.dataSync();
          const b = (sub.predict(tf.tensor4d(mx, [1, 10, 10, 1])) as tf.Tensor[])[layer]!.dataSync();
          return Array.from(a, (v, k) => v - b[k]!);
        }),
      );
    expect(r.regions.box!.delta.conv5).toBeCloseTo(delta(eps(0)).delta, 12);
    expect(r.regions.box!.delta.fc7).toBeCloseTo(delta(eps(1)).delta, 12);
    m.dispose();
  });
});
