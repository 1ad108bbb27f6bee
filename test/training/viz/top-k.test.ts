import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldScan, offer, scanBatches, topActivations, type TopEntry } from '../../../training/viz/top-k.js';
import { randomArray, randomizeWeights, useCpu } from './helpers.js';

beforeAll(useCpu);

function net(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({
        name: 'c1',
        inputShape: [9, 8, 2],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tf.layers.maxPooling2d({ name: 'p1', poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.conv2d({ name: 'c2', filters: 5, kernelSize: 3, padding: 'valid' }),
      tf.layers.reLU({ name: 'r2' }),
    ],
  });
  randomizeWeights(m, 11, 0.7, -0.1);
  return m;
}

describe('top-k activations per feature map', () => {
  it('folds two scans split at a batch boundary, in either arrival order, into exactly the one-scan result', async () => {
    const m = net();
    const all = tf.tensor4d(randomArray(8 * 9 * 8 * 2, 6), [8, 9, 8, 2]);
    const toInput = (idx: number[]) => tf.gather(all, idx) as tf.Tensor4D;
    const layers = [m.getLayer('c1'), m.getLayer('r2')];
    const whole = await topActivations({ model: m, layers, count: 8, toInput, k: 3, batchSize: 3 });
    const first = await scanBatches({ model: m, layers, from: 0, to: 3, toInput, batchSize: 3 });
    const second = await scanBatches({ model: m, layers, from: 3, to: 8, toInput, batchSize: 3 });
    expect(second.map((b) => [b.start, b.count])).toEqual([
      [3, 3],
      [6, 2],
    ]);
    expect(foldScan(layers, 8, 3, [...second, ...first])).toEqual(whole);
    // Only the first half: the lists hold its images only (a fold of part of the probe set is partial).
    const partial = foldScan(layers, 8, 3, first)[0]!.top.flat();
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.every((e) => e.image < 3)).toBe(true);
    all.dispose();
    m.dispose();
  });

  it('equal a brute-force scan of every activation: one entry per image (its spatial max), strongest first', async () => {
    const m = net();
    const count = 7;
    const all = tf.tensor4d(randomArray(count * 9 * 8 * 2, 5), [count, 9, 8, 2]);
    const toInput = (idx: number[]) => tf.gather(all, idx) as tf.Tensor4D;
    const k = 3;
    const got = await topActivations({
      model: m,
      layers: [m.getLayer('c1'), m.getLayer('r2')],
      count,
      toInput,
      k,
      batchSize: 3,
    });
    for (const [li, name] of ['c1', 'r2'].entries()) {
      const a = tf
        .model({ inputs: m.inputs, outputs: m.getLayer(name).output as tf.SymbolicTensor })
        .predict(all) as tf.Tensor4D;
      const [n, h, w, c] = a.shape;
      const d = a.dataSync();
      a.dispose();
      expect(got[li]!.shape).toEqual([h, w, c]);
      expect(got[li]!.positions).toBe(n * h * w);
      for (let ch = 0; ch < c; ch++) {
        const perImage: TopEntry[] = [];
        let active = 0;
        let sum = 0;
        let max = 0;
        for (let i = 0; i < n; i++) {
          let best = { value: -Infinity, image: i, y: 0, x: 0 };
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              const v = d[((i * h + y) * w + x) * c + ch]!;
              if (v > 0) active++;
              sum += v;
              max = Math.max(max, v);
              if (v > best.value) best = { value: v, image: i, y, x };
            }
          perImage.push(best);
        }
        const expected = perImage
          .filter((e) => e.value > 0)
          .sort((p, q) => q.value - p.value || p.image - q.image)
          .slice(0, k);
        expect(got[li]!.top[ch]).toEqual(expected);
        expect(got[li]!.activeCount[ch]).toBe(active);
        expect(got[li]!.sum[ch]).toBeCloseTo(sum, 4);
        expect(got[li]!.max[ch]).toBeCloseTo(max, 6);
      }
    }
    all.dispose();
  });

  it('keep the earlier image first among equal values and ignore activations that are not > 0', () => {
    const list: TopEntry[] = [];
    const e = (value: number, image: number) => ({ value, image, y: 0, x: 0 });
    [e(1, 0), e(2, 1), e(1, 2), e(0, 3), e(2, 4), e(3, 5)].forEach((x) => {
      offer(list, 4, x);
    });
    expect(list.map((x) => [x.value, x.image])).toEqual([
      [3, 5],
      [2, 1],
      [2, 4],
      [1, 0],
    ]);
  });

  it('leak no tensors', async () => {
    const m = net();
    const all = tf.tensor4d(randomArray(4 * 9 * 8 * 2, 6), [4, 9, 8, 2]);
    const before = tf.memory().numTensors;
    await topActivations({
      model: m,
      layers: [m.getLayer('r2')],
      count: 4,
      toInput: (idx) => tf.gather(all, idx) as tf.Tensor4D,
      k: 9,
      batchSize: 3,
    });
    expect(tf.memory().numTensors).toBe(before);
    all.dispose();
  });
});
