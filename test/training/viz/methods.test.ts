import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileChain, forwardChain, projectDown, UnsupportedLayerError } from '../../../training/viz/chain.js';
import { PROJECTION_METHODS, project } from '../../../training/viz/methods/index.js';
import type { ProjectionRequest } from '../../../training/viz/methods/types.js';
import { receptiveFields } from '../../../training/viz/receptive-field.js';
import { grid, randomArray, randomizeWeights, relDiff, ruledRelu, useCpu } from './helpers.js';

beforeAll(useCpu);

const names = ['deconvnet', 'backprop', 'guided'] as const;

/** Hand-computed nets: x 3x3, W1 2x2 (relu), optionally W2 2x2 on top; no biases, 'valid'. */
function handModel(twoLayers: boolean): tf.LayersModel {
  const layers: tf.layers.Layer[] = [
    tf.layers.conv2d({
      name: 'c1',
      inputShape: [3, 3, 1],
      filters: 1,
      kernelSize: 2,
      useBias: false,
      activation: twoLayers ? 'relu' : 'linear',
    }),
  ];
  if (twoLayers) layers.push(tf.layers.conv2d({ name: 'c2', filters: 1, kernelSize: 2, useBias: false }));
  const m = tf.sequential({ layers });
  m.getLayer('c1').setWeights([tf.tensor4d([1, -1, 0, 2], [2, 2, 1, 1])]);
  if (twoLayers) m.getLayer('c2').setWeights([tf.tensor4d([1, 1, 3, -1], [2, 2, 1, 1])]);
  return m;
}
const handInput = () => tf.tensor4d([1, 2, 0, 0, 1, 3, 2, 0, 2], [1, 3, 3, 1]);

function projectData(
  method: string,
  model: tf.LayersModel,
  layer: string,
  x: tf.Tensor4D,
  reqs: ProjectionRequest[],
): Float32Array {
  const p = project(PROJECTION_METHODS[method]!, model, layer, x, reqs);
  const d = p.dataSync() as Float32Array;
  p.dispose();
  return d;
}

describe('projection methods on hand-computed nets (values worked out by hand)', () => {
  it('a layer-1 unit projects to its filter copied unflipped into its window, for every method', () => {
    const m = handModel(false);
    const x = handInput();
    for (const name of names) {
      const p = project(PROJECTION_METHODS[name]!, m, 'c1', x, [{ image: 0, channel: 0, y: 1, x: 0, seed: 1 }]);
      expect(grid(p)).toEqual([
        [0, 0, 0],
        [1, -1, 0],
        [0, 2, 0],
      ]);
      p.dispose();
    }
  });

  it('two layers give the three different hand-derived projections, scaled by the activation 7 by default', () => {
    const m = handModel(true);
    const x = handInput();
    const expected: Record<string, number[][]> = {
      backprop: [
        [1, 0, -1],
        [0, 1, 3],
        [0, 0, -2],
      ],
      deconvnet: [
        [1, 0, -1],
        [3, -1, 2],
        [0, 6, 0],
      ],
      guided: [
        [1, 0, -1],
        [0, 2, 2],
        [0, 0, 0],
      ],
    };
    for (const name of names) {
      const p1 = project(PROJECTION_METHODS[name]!, m, 'c2', x, [{ image: 0, channel: 0, y: 0, x: 0, seed: 1 }]);
      expect(grid(p1)).toEqual(expected[name]);
      const p7 = project(PROJECTION_METHODS[name]!, m, 'c2', x, [{ image: 0, channel: 0, y: 0, x: 0 }]);
      expect(grid(p7)).toEqual(expected[name]!.map((r) => r.map((v) => v * 7)));
      tf.dispose([p1, p7]);
    }
  });

  it('the ReLU backward rules rectify the signal (deconvnet), mask it (backprop) or both (guided)', () => {
    const f = tf.tensor2d([
      [1, -1, 5],
      [2, -5, -7],
      [-3, 2, 4],
    ]);
    const R = tf.tensor2d([
      [-2, 3, -1],
      [6, -3, 1],
      [2, -1, 3],
    ]);
    const out = (name: string) => grid(PROJECTION_METHODS[name]!.relu(R, () => tf.relu(f)));
    expect(out('backprop')).toEqual([
      [-2, 0, -1],
      [6, 0, 0],
      [0, -1, 3],
    ]);
    expect(out('deconvnet')).toEqual([
      [0, 3, 0],
      [6, 0, 1],
      [2, 0, 3],
    ]);
    expect(out('guided')).toEqual([
      [0, 0, 0],
      [6, 0, 0],
      [0, 0, 3],
    ]);
  });
});

describe('unpooling routes to the switches and sums collisions', () => {
  it('sums the signals of overlapping windows that share a switch', () => {
    // conv 1x1 identity -> max-pool 1x3 / 1x2 'valid' -> conv 1x1 identity: a = [1,2,5,0,3] pools to [5,5], both from index 2.
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ name: 'id1', inputShape: [1, 5, 1], filters: 1, kernelSize: 1, useBias: false }),
        tf.layers.maxPooling2d({ name: 'pool', poolSize: [1, 3], strides: [1, 2] }),
        tf.layers.conv2d({ name: 'id2', filters: 1, kernelSize: 1, useBias: false }),
      ],
    });
    m.getLayer('id1').setWeights([tf.ones([1, 1, 1, 1])]);
    m.getLayer('id2').setWeights([tf.ones([1, 1, 1, 1])]);
    const x = tf.tensor4d([1, 2, 5, 0, 3], [1, 1, 5, 1]);
    const cache = forwardChain(compileChain(m, 'id2'), x);
    const down = projectDown(cache, tf.tensor4d([2, 3], [1, 1, 2, 1]), [0], PROJECTION_METHODS.deconvnet!.relu);
    expect(Array.from(down.dataSync())).toEqual([0, 0, 5, 0, 0]);
    cache.dispose();
  });
});

describe('max-pool switches are the argmax of each window', () => {
  it('route to the first maximum of a window, and to its first cell when the window is all zero', () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ name: 'id1', inputShape: [1, 9, 1], filters: 1, kernelSize: 1, useBias: false }),
        tf.layers.maxPooling2d({ name: 'pool', poolSize: [1, 3], strides: [1, 3] }),
        tf.layers.conv2d({ name: 'id2', filters: 1, kernelSize: 1, useBias: false }),
      ],
    });
    m.getLayer('id1').setWeights([tf.ones([1, 1, 1, 1])]);
    m.getLayer('id2').setWeights([tf.ones([1, 1, 1, 1])]);
    const x = tf.tensor4d([0, 0, 0, 7, 7, 1, 0, 0, 0], [1, 1, 9, 1]);
    const cache = forwardChain(compileChain(m, 'id2'), x);
    const down = projectDown(cache, tf.ones([1, 1, 3, 1]), [0], PROJECTION_METHODS.deconvnet!.relu);
    expect(Array.from(down.dataSync())).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0]);
    cache.dispose();
  });
});

/** A random net with overlapping pools, strides and both paddings (where projections are easiest to get wrong). */
function randomNet(separateRelu: boolean, seed: number): tf.LayersModel {
  const act = separateRelu ? 'linear' : 'relu';
  const relu = (name: string) => (separateRelu ? [tf.layers.reLU({ name })] : []);
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({
        name: 'c1',
        inputShape: [13, 12, 2],
        filters: 3,
        kernelSize: 3,
        strides: 1,
        padding: 'same',
        activation: act,
      }),
      ...relu('r1'),
      tf.layers.maxPooling2d({ name: 'p1', poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.conv2d({ name: 'c2', filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: act }),
      ...relu('r2'),
      tf.layers.maxPooling2d({ name: 'p2', poolSize: 2, strides: 1, padding: 'valid' }),
      tf.layers.conv2d({ name: 'c3', filters: 3, kernelSize: 2, strides: 1, padding: 'same', activation: act }),
      ...relu('r3'),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ name: 'fc', units: 2, activation: 'softmax' }),
    ],
  });
  randomizeWeights(m, seed, 0.6, 0.05);
  return m;
}

/** The independent oracle: tf.grad through a functional copy whose ReLUs have a custom backward rule. */
function gradOracle(
  model: tf.LayersModel,
  layer: string,
  x: tf.Tensor4D,
  req: ProjectionRequest,
  rule: 'deconvnet' | 'guided' | 'backprop',
): Float32Array {
  const relu = ruledRelu(rule);
  const convs = ['c1', 'c2', 'c3'].slice(0, Number(layer.slice(1)));
  const f = (inp: tf.Tensor) => {
    let h = inp as tf.Tensor4D;
    for (const name of convs) {
      const l = model.getLayer(name);
      const cfg = l.getConfig() as { strides: number[]; padding: 'same' | 'valid' };
      const [W, b] = l.getWeights();
      h = relu(tf.add(tf.conv2d(h, W as tf.Tensor4D, cfg.strides as [number, number], cfg.padding), b!)) as tf.Tensor4D;
      if (name === 'c1' && layer !== 'c1') h = tf.maxPool(h, 3, 2, 'same');
      if (name === 'c2' && layer === 'c3') h = tf.maxPool(h, 2, 1, 'valid');
    }
    const seed = tf.buffer(h.shape);
    seed.set(1, 0, req.y, req.x, req.channel);
    const a = h.slice([0, req.y, req.x, req.channel], [1, 1, 1, 1]);
    // Seeded with the activation value (a constant for the gradient), as ZF does.
    return tf.sum(tf.mul(h, tf.mul(seed.toTensor(), a.dataSync()[0]!)));
  };
  return tf.tidy(
    () =>
      tf
        .grad(f)(x.slice([req.image, 0, 0, 0], [1, -1, -1, -1]))
        .dataSync() as Float32Array,
  );
}

/** Requests for the strongest unit of each channel of `layer` in each image. */
function strongestRequests(model: tf.LayersModel, layer: string, x: tf.Tensor4D): ProjectionRequest[] {
  const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tf.SymbolicTensor });
  const a = sub.predict(x) as tf.Tensor4D;
  const [n, h, w, c] = a.shape;
  const d = a.dataSync();
  a.dispose();
  const reqs: ProjectionRequest[] = [];
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++) {
      let best = 0;
      for (let p = 0; p < h * w; p++) if (d[(i * h * w + p) * c + ch]! > d[(i * h * w + best) * c + ch]!) best = p;
      reqs.push({ image: i, channel: ch, y: Math.floor(best / w), x: best % w });
    }
  return reqs;
}

describe('projection methods on random nets (gradient equivalence, linearity, support, batching)', () => {
  const x = tf.tensor4d(randomArray(3 * 13 * 12 * 2, 7), [3, 13, 12, 2]);

  it('each method equals tf.grad with its ReLU rule (deconvnet: relu(dy); guided: relu(dy) * mask; backprop: the gradient)', () => {
    const m = randomNet(false, 1);
    for (const layer of ['c1', 'c2', 'c3']) {
      const reqs = strongestRequests(m, layer, x);
      for (const name of names) {
        const batched = projectData(name, m, layer, x, reqs);
        const per = 13 * 12 * 2;
        reqs.forEach((r, i) => {
          const ref = gradOracle(m, layer, x, r, name);
          expect(relDiff(batched.subarray(i * per, (i + 1) * per), ref)).toBeLessThan(1e-5);
        });
      }
    }
  });

  it('separate ReLU layers project like ReLU activations inside the conv layers', () => {
    const fused = randomNet(false, 2);
    const split = randomNet(true, 2);
    const reqs = strongestRequests(fused, 'c3', x);
    for (const name of names) {
      expect(relDiff(projectData(name, split, 'c3', x, reqs), projectData(name, fused, 'c3', x, reqs))).toBeLessThan(
        1e-6,
      );
    }
  });

  it('batched projections equal one-by-one projections', () => {
    const m = randomNet(false, 3);
    const reqs = strongestRequests(m, 'c3', x);
    for (const name of names) {
      const batched = projectData(name, m, 'c3', x, reqs);
      const per = 13 * 12 * 2;
      reqs.forEach((r, i) => {
        const one = projectData(name, m, 'c3', x.slice([r.image, 0, 0, 0], [1, -1, -1, -1]), [{ ...r, image: 0 }]);
        expect(relDiff(batched.subarray(i * per, (i + 1) * per), one)).toBeLessThan(1e-6);
      });
    }
  });

  it('every method scales with a positive seed; only backprop is additive', () => {
    const m = randomNet(false, 4);
    const [r] = strongestRequests(m, 'c3', x);
    for (const name of names) {
      const p1 = projectData(name, m, 'c3', x, [{ ...r!, seed: 1 }]);
      const p25 = projectData(name, m, 'c3', x, [{ ...r!, seed: 2.5 }]);
      expect(
        relDiff(
          p25,
          p1.map((v) => v * 2.5),
        ),
      ).toBeLessThan(1e-6);
    }
    // Additivity: one seed with two units against the sum of the two projections. The two units:
    // the strongest of image 0's two strongest channels, so that both fire and reach the input.
    const cache = forwardChain(compileChain(m, 'c3'), x);
    const [, h, w, c] = cache.top!.shape as [number, number, number, number];
    const top = cache.top!.dataSync();
    const best = Array.from({ length: c }, (_, ch) => {
      let at = 0;
      for (let i = 1; i < h * w; i++) if (top[i * c + ch]! > top[at * c + ch]!) at = i;
      return { ch, at, v: top[at * c + ch]! };
    }).sort((p, q) => q.v - p.v);
    const unit = (k: number): [number, number, number] => [Math.floor(best[k]!.at / w), best[k]!.at % w, best[k]!.ch];
    const [u1, u2] = [unit(0), unit(1)];
    expect(best[1]!.v).toBeGreaterThan(0);
    const seedAt = (pairs: Array<[[number, number, number], number]>) => {
      const b = tf.buffer([1, h, w, c]);
      for (const [[y, xx, ch], v] of pairs) b.set(v, 0, y, xx, ch);
      return b.toTensor();
    };
    const superposition = (name: string, v1: number, v2: number) => {
      const rule = PROJECTION_METHODS[name]!.relu;
      const both = projectDown(
        cache,
        seedAt([
          [u1, v1],
          [u2, v2],
        ]),
        [0],
        rule,
      ).dataSync();
      const a = projectDown(cache, seedAt([[u1, v1]]), [0], rule).dataSync();
      const b = projectDown(cache, seedAt([[u2, v2]]), [0], rule).dataSync();
      // Both seeds reach the input: a zero projection would make the check P(a) = P(a) + 0.
      expect(a.some((v) => v !== 0)).toBe(true);
      expect(b.some((v) => v !== 0)).toBe(true);
      return relDiff(
        both,
        a.map((v, i) => v + b[i]!),
      );
    };
    expect(superposition('backprop', 1.5, -2)).toBeLessThan(1e-6);
    // The rectified rules are only positively homogeneous: superposition fails by far even for two positive seeds.
    expect(superposition('deconvnet', 1.5, 2)).toBeGreaterThan(0.01);
    expect(superposition('guided', 1.5, 2)).toBeGreaterThan(0.01);
    cache.dispose();
  });

  it('a unit that does not fire projects to zero with its activation as seed; with seed 1 only deconvnet is non-zero', () => {
    const m = randomNet(false, 5);
    const sub = tf.model({ inputs: m.inputs, outputs: m.getLayer('c2').output as tf.SymbolicTensor });
    const a = sub.predict(x) as tf.Tensor4D;
    const d = a.dataSync();
    const [, h, w, c] = a.shape;
    a.dispose();
    const zero = d.indexOf(0);
    expect(zero).toBeGreaterThanOrEqual(0);
    const req = {
      image: Math.floor(zero / (h * w * c)),
      y: Math.floor(zero / (w * c)) % h,
      x: Math.floor(zero / c) % w,
      channel: zero % c,
    };
    for (const name of names) {
      expect(projectData(name, m, 'c2', x, [req]).every((v) => v === 0)).toBe(true);
      const seeded = projectData(name, m, 'c2', x, [{ ...req, seed: 1 }]);
      expect(seeded.some((v) => v !== 0)).toBe(name === 'deconvnet');
    }
  });

  it('the support of every projection lies inside the unit’s receptive field', () => {
    const m = randomNet(false, 6);
    const rfs = new Map(receptiveFields(m).map((g) => [g.name, g.rf]));
    for (const layer of ['c1', 'c2', 'c3']) {
      const [ry, rx] = rfs.get(layer)!;
      const reqs = strongestRequests(m, layer, x);
      for (const name of names) {
        const p = projectData(name, m, layer, x, reqs);
        // An all-zero projection (a unit that never fires) passes the support check without checking
        // anything: most of the strongest units must fire, so the check below runs on real support.
        const live = reqs.filter((_, i) =>
          p.subarray(i * 13 * 12 * 2, (i + 1) * 13 * 12 * 2).some((v) => v !== 0),
        ).length;
        expect(live, `${name} ${layer}: ${live} of ${reqs.length} projections are non-zero`).toBeGreaterThanOrEqual(
          reqs.length / 2,
        );
        reqs.forEach((r, i) => {
          const y0 = r.y * ry.jump + ry.offset;
          const x0 = r.x * rx.jump + rx.offset;
          for (let py = 0; py < 13; py++)
            for (let px = 0; px < 12; px++)
              for (let ch = 0; ch < 2; ch++) {
                if (p[((i * 13 + py) * 12 + px) * 2 + ch] !== 0) {
                  expect(py >= y0 && py < y0 + ry.size && px >= x0 && px < x0 + rx.size).toBe(true);
                }
              }
        });
      }
    }
  });

  it('leaks no tensors', () => {
    const m = randomNet(false, 7);
    const reqs = strongestRequests(m, 'c3', x);
    const before = tf.memory().numTensors;
    for (const name of names) project(PROJECTION_METHODS[name]!, m, 'c3', x, reqs).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('projection errors', () => {
  it('names an unsupported layer below the projected one', () => {
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({ name: 'c1', inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu' }),
        tf.layers.batchNormalization({ name: 'bn' }),
        tf.layers.conv2d({ name: 'c2', filters: 2, kernelSize: 3, activation: 'relu' }),
      ],
    });
    const x = tf.zeros([1, 6, 6, 1]) as tf.Tensor4D;
    expect(() => project(PROJECTION_METHODS.deconvnet!, m, 'c2', x, [{ image: 0, channel: 0, y: 0, x: 0 }])).toThrow(
      UnsupportedLayerError,
    );
    expect(() => project(PROJECTION_METHODS.deconvnet!, m, 'c2', x, [{ image: 0, channel: 0, y: 0, x: 0 }])).toThrow(
      /'bn' \(BatchNormalization\)/,
    );
    // Layers above the projected one do not matter.
    project(PROJECTION_METHODS.deconvnet!, m, 'c1', x, [{ image: 0, channel: 0, y: 0, x: 0 }]).dispose();
  });

  it('rejects unknown layers and requests outside the map with the valid ranges', () => {
    const m = randomNet(false, 8);
    const x = tf.zeros([1, 13, 12, 2]) as tf.Tensor4D;
    expect(() => project(PROJECTION_METHODS.guided!, m, 'nope', x, [])).toThrow(/no layer 'nope'.*c1, .*c2/);
    expect(() => project(PROJECTION_METHODS.guided!, m, 'c1', x, [{ image: 0, channel: 9, y: 0, x: 0 }])).toThrow(
      /channel < 3/,
    );
  });
});
