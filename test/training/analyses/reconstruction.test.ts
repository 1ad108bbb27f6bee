/**
 * Oracles for `reconstruction`: inverting the identity returns the image;
 * an invertible first layer (stride 1, 'same', a full-rank bank, no ReLU) is inverted to the image;
 * the whole-layer deconvnet projection equals the sum of every unit's own projection on a linear
 * layer (one way down for all); frozen weights and no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANALYSES, type AnalysisContext } from '../../../training/analyses/index.js';
import { invert } from '../../../training/analyses/inversion.js';
import { resolveParams } from '../../../training/analyses/params.js';
import { projectWholeLayer } from '../../../training/analyses/reconstruction.js';
import { summarizeModel } from '../../../training/model/zfnet.js';
import { randomArray, randomizeWeights, useCpu } from '../viz/helpers.js';

const analysis = ANALYSES.reconstruction!;

beforeAll(useCpu);

const rel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0,
    n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / n);
};

function contextOf(model: tf.LayersModel, images: Float32Array[]): AnalysisContext {
  const inputShape = model.inputs[0]!.shape.slice(1) as [number, number, number];
  const [h, w, c] = inputShape;
  return {
    model,
    layers: summarizeModel(model).layers,
    classes: 0,
    probeCount: images.length,
    inputShape,
    probe: {
      images: {
        images: new Uint8Array(images.length * h * w * c),
        labels: new Uint8Array(images.length),
        count: images.length,
        height: h,
        width: w,
        channels: c,
      },
      input: (i) => tf.tensor4d(images[i]!, [1, h, w, c]),
    },
  };
}

describe('reconstruction oracles', () => {
  it('inverting the identity without priors returns the image (relative error ≤ 1e-4)', () => {
    const x0 = tf.tensor4d(randomArray(10 * 10 * 3, 3), [1, 10, 10, 3]);
    const r = invert((x) => x, x0, {
      steps: 300,
      lr: 0.05,
      alpha: 6,
      lambdaAlpha: 0,
      beta: 2,
      lambdaTV: 0,
      noise: 0.05,
      seed: 1,
    });
    expect(r.pixelError).toBeLessThan(1e-4);
    expect(rel(r.x, x0.dataSync())).toBeLessThan(1e-4);
    x0.dispose();
  });

  it('an invertible first layer (3x3/1 same, 12 filters on 1 channel, no ReLU) is inverted to the image (≤ 1e-2)', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [9, 9, 1],
          filters: 12,
          kernelSize: 3,
          padding: 'same',
          activation: 'linear',
          name: 'conv1',
        }),
      ],
    });
    model.layers[0]!.setWeights([
      tf.tensor4d(randomArray(9 * 12, 21), [3, 3, 1, 12]),
      tf.tensor1d(randomArray(12, 22)),
    ]);
    const img = randomArray(81, 23);
    const ctx = contextOf(model, [img]);
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const tensors = tf.memory().numTensors;
    const params = resolveParams(analysis, { image: 0, steps: 400, 'lambda-alpha': 0, 'lambda-tv': 0 });
    analysis.check(ctx, params);
    const r = await analysis.run(ctx, params);
    const layer = (r.data.layers as Record<string, { pixelError: number; representationError: number }>).conv1!;
    expect(layer.pixelError).toBeLessThan(1e-2);
    expect(rel(r.arrays!.conv1!, img)).toBeLessThan(1e-2);
    expect(layer.representationError).toBeLessThan(1e-2);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(Object.keys(r.images).sort()).toEqual(['conv1', 'conv1.deconvnet', 'original']);
  });

  it("a ReLU layer loses what it rectifies: the inversion's pixel error is then above the linear layer's", async () => {
    const make = (activation: 'relu' | 'linear') => {
      const m = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [8, 8, 1],
            filters: 2,
            kernelSize: 3,
            padding: 'same',
            activation,
            name: 'conv1',
          }),
        ],
      });
      m.layers[0]!.setWeights([tf.tensor4d(randomArray(18, 31), [3, 3, 1, 2]), tf.tensor1d([0, 0])]);
      return m;
    };
    const img = randomArray(64, 33);
    const err = async (m: tf.LayersModel) => {
      const r = await analysis.run(
        contextOf(m, [img]),
        resolveParams(analysis, { steps: 200, 'lambda-alpha': 0, 'lambda-tv': 0 }),
      );
      return (r.data.layers as Record<string, { pixelError: number }>).conv1!.pixelError;
    };
    // Two filters cannot determine 9 pixels per position even linearly, so both lose; rectifying loses more.
    expect(await err(make('relu'))).toBeGreaterThan(await err(make('linear')));
  });

  it('the whole-layer deconvnet projection of a linear layer is its transposed convolution of the output', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [6, 6, 2],
          filters: 3,
          kernelSize: 3,
          padding: 'same',
          activation: 'linear',
          name: 'conv1',
        }),
      ],
    });
    randomizeWeights(model, 4);
    const x = tf.tensor4d(randomArray(72, 5), [1, 6, 6, 2]);
    const got = projectWholeLayer(model, 'conv1', x);
    // By hand: y = conv(x, k) (no bias in the way down), then the adjoint: Σ over outputs and taps.
    const k = model.layers[0]!.getWeights()[0]!.dataSync();
    const y = tf
      .conv2d(x, model.layers[0]!.getWeights()[0] as tf.Tensor4D, 1, 'same')
      .add(model.layers[0]!.getWeights()[1]!)
      .dataSync();
    const expected = new Float32Array(72);
    for (let oy = 0; oy < 6; oy++)
      for (let ox = 0; ox < 6; ox++)
        for (let f = 0; f < 3; f++) {
          for (let u = 0; u < 3; u++)
            for (let v = 0; v < 3; v++)
              for (let c = 0; c < 2; c++) {
                const iy = oy + u - 1,
                  ix = ox + v - 1;
                if (iy < 0 || iy >= 6 || ix < 0 || ix >= 6) continue;
                expected[(iy * 6 + ix) * 2 + c]! += y[(oy * 6 + ox) * 3 + f]! * k[((u * 3 + v) * 2 + c) * 3 + f]!;
              }
        }
    expect(rel(got.dataSync(), expected)).toBeLessThan(1e-5);
    tf.dispose([x, got]);
  });

  it('names an image outside the probe set and a layer that is not a conv layer', () => {
    const model = tf.sequential({
      layers: [tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, name: 'conv1' })],
    });
    const ctx = contextOf(model, [randomArray(36, 1), randomArray(36, 2)]);
    expect(() => analysis.check(ctx, resolveParams(analysis, { image: 2 }))).toThrow(
      'reconstruction --image: the probe set has 2 images (0 to 1); found 2',
    );
    expect(() => analysis.check(ctx, resolveParams(analysis, { layer: 'fc8' }))).toThrow(
      "reconstruction --layer: no conv layer 'fc8'; conv layers: conv1",
    );
  });
});
