/**
 * Oracles for the invariance curves: the resampler against hand-computed pixels (a shift by one
 * pixel, a half-pixel shift, a 90° rotation, a 2x zoom), the identity transforms (no shift, zoom 1,
 * rotation 0) giving the image itself and so distance 0 and the clean probability, 360° equal to 0°,
 * and no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { invarianceCurves } from '../../../training/analyses/invariance-curves.js';
import { defaultValues, transformImage } from '../../../training/analyses/resample.js';
import { randomArray, randomizeWeights, useCpu } from '../viz/helpers.js';

beforeAll(useCpu);

const img3 = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const t = (
  kind: 'shift' | 'scale' | 'rotation',
  v: number,
  src: Float32Array = img3,
  shape: [number, number, number] = [3, 3, 1],
) => Array.from(transformImage(src, shape, kind, v));

describe('the resampler', () => {
  it('a vertical shift by one pixel moves every row down and fills the top row with 0', () => {
    expect(t('shift', 1)).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 6]);
    expect(t('shift', -1)).toEqual([4, 5, 6, 7, 8, 9, 0, 0, 0]);
  });

  it('a half-pixel shift averages neighbouring rows (bilinear)', () => {
    expect(t('shift', 0.5)).toEqual([0.5, 1, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]);
  });

  it('a 90° rotation turns the image a quarter counter-clockwise, exactly', () => {
    expect(t('rotation', 90)).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    expect(t('rotation', 180)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    // An even size (the centre between pixels) and two channels.
    const two = Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]);
    expect(t('rotation', 90, two, [2, 2, 2])).toEqual([2, 20, 4, 40, 1, 10, 3, 30]);
  });

  it('a 2x zoom about the centre of a 4x4 image reads the middle 2x2, interpolated', () => {
    const src = Float32Array.from({ length: 16 }, (_, i) => i);
    // Output (0, 0) reads source (0.75, 0.75): 0.0625*0 + 0.1875*1 + 0.1875*4 + 0.5625*5 = 3.75.
    const out = t('scale', 2, src, [4, 4, 1]);
    expect(out[0]).toBeCloseTo(3.75, 6);
    // Output (1, 1) reads (1.25, 1.25): 0.5625*5 + 0.1875*6 + 0.1875*9 + 0.0625*10 = 6.25.
    expect(out[5]).toBeCloseTo(6.25, 6);
  });

  it('no shift, zoom 1 and rotation 0 return the image; 360° equals 0°', () => {
    const src = randomArray(7 * 5 * 3, 4);
    const shape: [number, number, number] = [7, 5, 3];
    expect(t('shift', 0, src, shape)).toEqual(Array.from(src));
    expect(t('scale', 1, src, shape)).toEqual(Array.from(src));
    expect(t('rotation', 0, src, shape)).toEqual(Array.from(src));
    expect(t('rotation', 360, src, shape)).toEqual(t('rotation', 0, src, shape));
  });

  it('the default ranges: ±h/4 px, zoom 1 to 1.8, rotation 0° to 350°', () => {
    const v = defaultValues(32);
    expect([v.shift[0], v.shift.at(-1), v.shift.length]).toEqual([-8, 8, 17]);
    expect(v.scale).toEqual([1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8]);
    expect([v.rotation[0], v.rotation.at(-1), v.rotation.length]).toEqual([0, 350, 36]);
    expect(defaultValues(28).shift[0]).toBe(-7);
  });
});

describe('invariance curves', () => {
  it('identity transforms give distance 0 and the clean probability; 360° equals 0°; no tensor leaks', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [9, 9, 1], filters: 3, kernelSize: 3, activation: 'relu', name: 'conv1' }),
        tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
        tf.layers.flatten({ name: 'flatten' }),
        tf.layers.dense({ units: 6, activation: 'relu', name: 'fc7' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'fc8' }),
      ],
    });
    randomizeWeights(model, 5, 0.5, 0.05);
    const xs = [randomArray(81, 1), randomArray(81, 2)];
    const before = tf.memory().numTensors;
    const r = invarianceCurves(model, xs, [0, 2], { shift: [0, 2], scale: [1, 1.5], rotation: [0, 90, 360] });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.layers).toEqual({ conv1: 'pool1', fc7: 'fc7' });
    const clean = xs.map((x) => tf.tidy(() => (model.predict(tf.tensor4d(x, [1, 9, 9, 1])) as tf.Tensor).dataSync()));
    r.clean.forEach((p, i) => {
      expect(p).toBeCloseTo(clean[i]![[0, 2][i]!]!, 6);
    });
    for (const [kind, k] of [
      ['shift', 0],
      ['scale', 0],
      ['rotation', 0],
      ['rotation', 2],
    ] as const) {
      r[kind].images.forEach((im, i) => {
        expect(im.conv1[k]).toBe(0);
        expect(im.fc7[k]).toBe(0);
        expect(im.probability[k]).toBe(r.clean[i]);
      });
    }
    // A real transform moves the layer-1 features.
    expect(r.shift.images[0]!.conv1[1]).toBeGreaterThan(0);
    expect(r.rotation.images[0]!.conv1[1]).toBeGreaterThan(0);
    model.dispose();
  });
});
