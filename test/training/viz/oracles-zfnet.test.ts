/**
 * Gradient equivalence on the network users train (buildZfNet) and on the backend they use (wasm): every projection
 * method equals tf.grad of the seeded activation through an independent plain re-implementation
 * of the same network (conv + bias + a ReLU with the method's backward rule, max-pools), and:
 * a transposed convolution equals a correlation with the spatially flipped, channel-swapped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../training/backend/index.js';
import { zfNetConfig } from '../../../training/model/config.js';
import { buildZfNet } from '../../../training/model/zfnet.js';
import { PROJECTION_METHODS, project } from '../../../training/viz/methods/index.js';
import type { ProjectionRequest } from '../../../training/viz/methods/types.js';
import { randomArray, randomizeWeights, relDiff, ruledRelu } from './helpers.js';

type Rule = 'deconvnet' | 'guided' | 'backprop';

/** The model's conv and pool layers up to `target`, written out by hand from their weights and configs. */
function plainForward(model: tf.LayersModel, target: string, rule: Rule, x: tf.Tensor4D): tf.Tensor4D {
  const relu = ruledRelu(rule);
  let h = x;
  for (const l of model.layers) {
    const cfg = l.getConfig() as { strides: number[]; padding: 'same' | 'valid'; poolSize: number[] };
    if (l.getClassName() === 'Conv2D') {
      const [W, b] = l.getWeights();
      h = relu(tf.add(tf.conv2d(h, W as tf.Tensor4D, cfg.strides as [number, number], cfg.padding), b!)) as tf.Tensor4D;
      if (l.name === target) return h;
    } else if (l.getClassName() === 'MaxPooling2D') {
      h = tf.maxPool(h, cfg.poolSize as [number, number], cfg.strides as [number, number], cfg.padding);
    }
  }
  throw new Error(`no layer ${target}`);
}

function oracle(model: tf.LayersModel, target: string, rule: Rule, x: tf.Tensor4D, r: ProjectionRequest): Float32Array {
  return tf.tidy(() => {
    const one = x.slice([r.image, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    const value = plainForward(model, target, rule, one).slice([0, r.y, r.x, r.channel], [1, 1, 1, 1]).dataSync()[0]!;
    const f = (inp: tf.Tensor) =>
      plainForward(model, target, rule, inp as tf.Tensor4D)
        .slice([0, r.y, r.x, r.channel], [1, 1, 1, 1])
        .sum()
        .mul(value);
    return tf.grad(f)(one).dataSync() as Float32Array;
  });
}

describe("projections equal tf.grad with the method's ReLU rule, on buildZfNet and the wasm backend", () => {
  let previous = '';
  beforeAll(async () => {
    previous = tf.getBackend();
    await initBackend('wasm');
  });
  afterAll(async () => {
    if (previous) await tf.setBackend(previous);
  });

  it('every method equals tf.grad with its ReLU rule through a plain re-implementation, at every conv layer', () => {
    const model = buildZfNet(zfNetConfig({ inputShape: [28, 28, 1], classes: 10, widths: [4, 6, 6, 6, 4, 8, 8] }), 3);
    randomizeWeights(model, 9);
    const x = tf.tensor4d(randomArray(2 * 28 * 28, 5), [2, 28, 28, 1]);
    let checked = 0;
    for (const layer of ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']) {
      const acts = plainForward(model, layer, 'backprop', x);
      const [, h, w, c] = acts.shape;
      const d = acts.dataSync();
      acts.dispose();
      // The strongest unit of channel 0 and of the last channel in image 1.
      const reqs: ProjectionRequest[] = [0, c - 1].map((ch) => {
        let best = 0;
        for (let p = 1; p < h * w; p++) if (d[(h * w + p) * c + ch]! > d[(h * w + best) * c + ch]!) best = p;
        return { image: 1, channel: ch, y: Math.floor(best / w), x: best % w };
      });
      for (const name of ['deconvnet', 'guided', 'backprop'] as const) {
        const p = project(PROJECTION_METHODS[name]!, model, layer, x, reqs);
        const got = p.dataSync();
        p.dispose();
        reqs.forEach((r, i) => {
          const want = oracle(model, layer, name, x, r);
          if (want.some((v) => v !== 0)) checked++;
          expect(relDiff(got.subarray(i * 784, (i + 1) * 784), want), `${name} ${layer} ch ${r.channel}`).toBeLessThan(
            1e-4,
          );
        });
      }
    }
    // Most of the 30 comparisons must be of non-zero projections, or the check says little.
    expect(checked).toBeGreaterThanOrEqual(20);
    x.dispose();
    model.dispose();
  });

  it('conv2dTranspose equals a correlation with the flipped kernel, in and out channels swapped', () => {
    // stride 1, 'same': the adjoint of a correlation is the correlation with the flipped kernel.
    const k = 3;
    const W = tf.tensor4d(randomArray(k * k * 2 * 3, 11), [k, k, 2, 3]); // [kh, kw, in 2, out 3]
    const y = tf.tensor4d(randomArray(1 * 6 * 5 * 3, 12), [1, 6, 5, 3]);
    const t = tf.conv2dTranspose(y, W, [1, 6, 5, 2], 1, 'same');
    const flipped = tf.tidy(() => tf.reverse(W, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D); // [kh, kw, 3, 2]
    const c = tf.conv2d(y, flipped, 1, 'same');
    expect(relDiff(t.dataSync(), c.dataSync())).toBeLessThan(1e-5);
    // And it is the adjoint: <conv(x), y> = <x, convT(y)> for any x.
    const x = tf.tensor4d(randomArray(6 * 5 * 2, 13), [1, 6, 5, 2]);
    const lhs = tf.sum(tf.mul(tf.conv2d(x, W, 1, 'same'), y)).dataSync()[0]!;
    const rhs = tf.sum(tf.mul(x, t)).dataSync()[0]!;
    expect(Math.abs(lhs - rhs) / Math.abs(lhs)).toBeLessThan(1e-4);
    tf.dispose([W, y, t, flipped, c, x]);
  });
});
