/**
 * Oracles for `optimal-input`, on tiny models with known weights: the linear
 * model's analytic optimum, one conv unit's optimum (its filter on its receptive field), a
 * non-decreasing objective without jitter, frozen weights and no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANALYSES, type AnalysisContext } from '../../../training/analyses/index.js';
import { resolveParams } from '../../../training/analyses/params.js';
import { summarizeModel } from '../../../training/model/zfnet.js';
import { randomArray, randomizeWeights, relDiff, useCpu } from '../viz/helpers.js';

const analysis = ANALYSES['optimal-input']!;

beforeAll(useCpu);

function contextOf(model: tf.LayersModel, classes: number): AnalysisContext {
  const inputShape = model.inputs[0]!.shape.slice(1) as [number, number, number];
  return { model, layers: summarizeModel(model).layers, classes, probeCount: 0, inputShape };
}

async function optimum(model: tf.LayersModel, classes: number, raw: Record<string, unknown>) {
  const ctx = contextOf(model, classes);
  const params = resolveParams(analysis, raw);
  analysis.check(ctx, params);
  return analysis.run(ctx, params);
}

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
};

describe('optimal-input oracles', () => {
  it('a linear model: ascent of the unnormalized class score minus λ‖I‖² converges to w / (2λ)', async () => {
    // Softmax on top: the analysis must ascend the logit w·I + b, not the probability.
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [4, 4, 2] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
    });
    const w = randomArray(32 * 3, 7);
    model.layers[1]!.setWeights([tf.tensor2d(w, [32, 3]), tf.tensor1d([0.3, -0.2, 0.1])]);
    const lambda = 0.5;
    const r = await optimum(model, 3, {
      class: 1,
      l2: lambda,
      lr: 0.5,
      steps: 60,
      normalize: false,
      blur: 0,
      jitter: 0,
      clip: false,
    });
    const expected = Float32Array.from({ length: 32 }, (_, i) => w[i * 3 + 1]! / (2 * lambda));
    const got = r.arrays!.image!;
    let d = 0,
      n = 0;
    for (let i = 0; i < 32; i++) {
      d += (got[i]! - expected[i]!) ** 2;
      n += expected[i]! ** 2;
    }
    expect(Math.sqrt(d / n)).toBeLessThan(1e-3);
    // The objective at the optimum is b + ‖w‖²/(4λ).
    const best = 0.3 * 0 - 0.2 + [...expected].reduce((s, e) => s + e * e, 0) * lambda;
    expect(r.data.score as number).toBeGreaterThan(0);
    expect((r.data.objective as number[]).at(-1)).toBeCloseTo(best, 4);
  });

  it('one ReLU conv unit under ‖I‖ ≤ r: the optimum is r·k/‖k‖ on its receptive field and 0 elsewhere', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [7, 7, 2],
          filters: 3,
          kernelSize: 3,
          padding: 'valid',
          activation: 'relu',
          name: 'conv1',
        }),
      ],
    });
    const k = randomArray(3 * 3 * 2 * 3, 11);
    // Positive biases: the unit is active at the zero image, so the ascent has a gradient to follow.
    model.layers[0]!.setWeights([tf.tensor4d(k, [3, 3, 2, 3]), tf.tensor1d([0.1, 0.2, 0.05])]);
    const radius = 2;
    const r = await optimum(model, 0, {
      layer: 'conv1',
      feature: 2,
      unit: 'centre',
      'max-norm': radius,
      steps: 100,
      lr: 0.05,
      blur: 0,
      jitter: 0,
      l2: 0,
      clip: false,
    });
    // The centre of the 5x5 output is (2, 2): its receptive field is input rows and columns 2..4.
    const expected = new Float32Array(7 * 7 * 2);
    let norm = 0;
    for (let u = 0; u < 3; u++)
      for (let v = 0; v < 3; v++) for (let ch = 0; ch < 2; ch++) norm += k[((u * 3 + v) * 2 + ch) * 3 + 2]! ** 2;
    for (let u = 0; u < 3; u++)
      for (let v = 0; v < 3; v++)
        for (let ch = 0; ch < 2; ch++) {
          expected[((2 + u) * 7 + 2 + v) * 2 + ch] = (radius * k[((u * 3 + v) * 2 + ch) * 3 + 2]!) / Math.sqrt(norm);
        }
    const got = r.arrays!.image!;
    expect(cosine(got, expected)).toBeGreaterThan(0.999);
    expect(relDiff(got, expected)).toBeLessThan(1e-2);
  });

  it('a unit inactive on the zero image is woken through leaky ReLUs, then ascended itself', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [5, 5, 1],
          filters: 1,
          kernelSize: 3,
          padding: 'valid',
          activation: 'relu',
          name: 'conv1',
        }),
      ],
    });
    const k = randomArray(9, 13);
    model.layers[0]!.setWeights([tf.tensor4d(k, [3, 3, 1, 1]), tf.tensor1d([-0.5])]);
    const r = await optimum(model, 0, {
      layer: 'conv1',
      feature: 0,
      unit: 'centre',
      steps: 40,
      lr: 0.05,
      blur: 0,
      jitter: 0,
      l2: 0.01,
      clip: false,
    });
    expect(r.data.deadStart).toBe(true);
    const warm = r.data.warmupSteps as number;
    expect(warm).toBeGreaterThan(0);
    expect(warm).toBeLessThan(40);
    expect(r.data.score as number).toBeGreaterThan(0);
    // Where it fires, the image is the unit's filter again (the centre unit sees the whole 5x5 input's middle 3x3).
    const got = r.arrays!.image!;
    const centre = [6, 7, 8, 11, 12, 13, 16, 17, 18].map((i) => got[i]!);
    expect(cosine(centre, k)).toBeGreaterThan(0.99);
  });

  it('without jitter or blur and with a small step, the objective never decreases', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          name: 'conv1',
        }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2' }),
        tf.layers.flatten({ name: 'flatten' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'fc' }),
      ],
    });
    randomizeWeights(model, 5, 0.5, 0.2);
    const r = await optimum(model, 3, {
      class: 2,
      steps: 80,
      lr: 0.01,
      l2: 0.05,
      blur: 0,
      jitter: 0,
      normalize: true,
      clip: false,
    });
    const obj = r.data.objective as number[];
    expect(obj).toHaveLength(81);
    expect(obj.at(-1)! - obj[0]!).toBeGreaterThan(0.1);
    for (let t = 1; t < obj.length; t++)
      expect(obj[t]!).toBeGreaterThanOrEqual(obj[t - 1]! - 1e-6 * Math.abs(obj[t - 1]!));
  });

  it('leaves every weight bitwise unchanged and no tensor behind, with every prior on', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 3],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          name: 'conv1',
        }),
        tf.layers.flatten({ name: 'flatten' }),
        tf.layers.dense({ units: 2, activation: 'softmax', name: 'fc' }),
      ],
    });
    randomizeWeights(model, 9, 0.5, 0.1);
    const before = model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer).toString('base64'));
    const tensors = tf.memory().numTensors;
    const ctx: AnalysisContext = {
      ...contextOf(model, 2),
      preprocess: { mean: new Float32Array(8 * 8 * 3).fill(128), scale: 1 / 64 },
    };
    const p = resolveParams(analysis, { layer: 'conv1', feature: 1, steps: 12, jitter: 2, blur: 0.8, 'blur-every': 3 });
    const r = await analysis.run(ctx, p);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(
      model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer).toString('base64')),
    ).toEqual(before);
    // Clipped to the pixel range: (0 - 128) / 64 .. (255 - 128) / 64.
    expect(Math.min(...r.arrays!.image!)).toBeGreaterThanOrEqual(-2 - 1e-6);
    expect(Math.max(...r.arrays!.image!)).toBeLessThanOrEqual(127 / 64 + 1e-6);
    expect(r.images.image!.subarray(1, 4)).toEqual(new Uint8Array([0x50, 0x4e, 0x47]));
  });

  it('names what does not fit the network: the class, the layer, the feature, a missing target', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, name: 'conv1' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ],
    });
    const ctx = contextOf(model, 4);
    const check = (raw: Record<string, unknown>) => () => analysis.check(ctx, resolveParams(analysis, raw));
    expect(check({ class: 4 })).toThrow('optimal-input --class: 4 is not a class of this run (0 to 3)');
    expect(check({ layer: 'conv9', feature: 0 })).toThrow(
      "optimal-input --layer: no conv layer 'conv9'; conv layers: conv1",
    );
    expect(check({ layer: 'conv1', feature: 3 })).toThrow(
      'optimal-input --feature: conv1 has 3 feature maps (0 to 2); found 3',
    );
    expect(check({})).toThrow('optimal-input: give either --class N or --layer NAME --feature N');
    expect(check({ class: 1, steps: 0 })).toThrow(
      'optimal-input --steps: expected an integer from 1 to 10000, found 0',
    );
    expect(check({ klass: 1 })).toThrow("optimal-input: unknown parameter 'klass'");
    model.dispose();
  });
});
