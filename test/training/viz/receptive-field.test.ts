import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { zfNetConfig } from '../../../training/model/config.js';
import { buildZfNet } from '../../../training/model/zfnet.js';
import { axisGeometry, cropTile, receptiveFields, unitWindow } from '../../../training/viz/receptive-field.js';
import { randomArray, useCpu } from './helpers.js';

beforeAll(useCpu);

const tiny = [2, 2, 2, 2, 2, 4, 4];
/** [out, jump, size, offset] per layer conv1, pool1, conv2, pool2, conv3, conv4, conv5, pool5 (worked out by hand from each layer's kernel, stride and padding). */
const TABLES: Array<{
  name: string;
  input: [number, number, number];
  conv1: { kernel: number; stride: number };
  rows: number[][];
}> = [
  {
    name: '32x32 zf',
    input: [32, 32, 3],
    conv1: { kernel: 5, stride: 1 },
    rows: [
      [32, 1, 5, -2],
      [16, 2, 7, -2],
      [8, 4, 15, -4],
      [4, 8, 23, -4],
      [4, 8, 39, -12],
      [4, 8, 55, -20],
      [4, 8, 71, -28],
      [2, 16, 87, -28],
    ],
  },
  {
    name: '32x32 alex2',
    input: [32, 32, 3],
    conv1: { kernel: 9, stride: 2 },
    rows: [
      [16, 2, 9, -3],
      [8, 4, 13, -3],
      [8, 4, 29, -11],
      [4, 8, 37, -11],
      [4, 8, 53, -19],
      [4, 8, 69, -27],
      [4, 8, 85, -35],
      [2, 16, 101, -35],
    ],
  },
  {
    name: '32x32 alex4',
    input: [32, 32, 3],
    conv1: { kernel: 11, stride: 4 },
    rows: [
      [8, 4, 11, -3],
      [8, 4, 19, -7],
      [8, 4, 35, -15],
      [4, 8, 43, -15],
      [4, 8, 59, -23],
      [4, 8, 75, -31],
      [4, 8, 91, -39],
      [2, 16, 107, -39],
    ],
  },
  {
    name: '28x28 zf',
    input: [28, 28, 1],
    conv1: { kernel: 5, stride: 1 },
    rows: [
      [28, 1, 5, -2],
      [14, 2, 7, -2],
      [7, 4, 15, -4],
      [4, 8, 23, -8],
      [4, 8, 39, -16],
      [4, 8, 55, -24],
      [4, 8, 71, -32],
      [2, 16, 87, -32],
    ],
  },
];

describe('receptive-field arithmetic', () => {
  it('TF same padding puts the extra row at the bottom (k=4, s=2 on 8 pads 1 on top)', () => {
    expect(axisGeometry(8, 4, 2, 'same')).toEqual({ out: 4, padTop: 1 });
    expect(axisGeometry(11, 3, 2, 'valid')).toEqual({ out: 5, padTop: 0 });
    expect(axisGeometry(12, 3, 2, 'valid')).toEqual({ out: 5, padTop: 0 });
  });

  for (const t of TABLES) {
    it(`matches the hand-worked table for ${t.name}`, () => {
      const m = buildZfNet(zfNetConfig({ inputShape: t.input, classes: 10, conv1: t.conv1, widths: tiny }));
      const got = receptiveFields(m)
        .filter((g) => g.kind !== 'same-size')
        .map((g) => [g.outSize[0], g.rf[0].jump, g.rf[0].size, g.rf[0].offset]);
      expect(got).toEqual(t.rows);
      m.dispose();
    });
  }

  it('agrees with brute force: raising one input pixel moves exactly the units whose field contains it', () => {
    // Positive weights and inputs, no bias: every unit whose (clipped) field holds the pixel grows, and a
    // max-pool whose window holds a grown unit grows with a large enough push.
    const m = tf.sequential({
      layers: [
        tf.layers.conv2d({
          name: 'c1',
          inputShape: [11, 10, 1],
          filters: 1,
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          useBias: false,
        }),
        tf.layers.maxPooling2d({ name: 'p1', poolSize: 3, strides: 2, padding: 'same' }),
        tf.layers.conv2d({ name: 'c2', filters: 1, kernelSize: 2, strides: 1, padding: 'valid', useBias: false }),
        tf.layers.maxPooling2d({ name: 'p2', poolSize: 2, strides: 1, padding: 'same' }),
      ],
    });
    for (const name of ['c1', 'c2']) {
      const w = m.getLayer(name).getWeights()[0]!;
      m.getLayer(name).setWeights([
        tf.tensor(
          randomArray(w.size, 3).map((v) => 1 + Math.abs(v)),
          w.shape,
        ),
      ]);
    }
    const H = 11;
    const W = 10;
    const base = randomArray(H * W, 4).map((v) => 1 + Math.abs(v));
    const batch = new Float32Array((H * W + 1) * H * W);
    for (let p = 0; p <= H * W; p++) {
      batch.set(base, p * H * W);
      if (p < H * W) batch[p * H * W + p]! += 1000;
    }
    const names = ['c1', 'p1', 'c2', 'p2'];
    const sub = tf.model({ inputs: m.inputs, outputs: names.map((n) => m.getLayer(n).output as tf.SymbolicTensor) });
    const outs = sub.predict(tf.tensor4d(batch, [H * W + 1, H, W, 1])) as tf.Tensor[];
    const geo = new Map(receptiveFields(m).map((g) => [g.name, g]));
    names.forEach((name, li) => {
      const [, oh, ow] = outs[li]!.shape as number[];
      const d = outs[li]!.dataSync();
      const g = geo.get(name)!;
      expect(g.outSize).toEqual([oh, ow]);
      const n = oh! * ow!;
      for (let p = 0; p < H * W; p++) {
        const py = Math.floor(p / W);
        const px = p % W;
        for (let u = 0; u < n; u++) {
          const moved = d[p * n + u] !== d[H * W * n + u];
          const uy = Math.floor(u / ow!);
          const ux = u % ow!;
          const y0 = uy * g.rf[0].jump + g.rf[0].offset;
          const x0 = ux * g.rf[1].jump + g.rf[1].offset;
          const inside = py >= y0 && py < y0 + g.rf[0].size && px >= x0 && px < x0 + g.rf[1].size;
          expect(moved, `${name} unit (${uy},${ux}) and pixel (${py},${px})`).toBe(inside);
        }
      }
    });
    tf.dispose(outs);
  });
});

describe('unit windows and tile crops', () => {
  const rf = (size: number, jump: number, offset: number) => ({ size, jump, offset });

  it('uses the receptive field as the window when it fits in the image, flagged when it crosses the border', () => {
    const conv2 = [rf(15, 4, -4), rf(15, 4, -4)] as const;
    expect(unitWindow([...conv2] as [(typeof conv2)[0], (typeof conv2)[1]], 0, 0, 32, 32)).toEqual({
      rf: [-4, -4, 15],
      clipped: true,
      top: -4,
      left: -4,
      tile: 15,
    });
    expect(unitWindow([...conv2] as [(typeof conv2)[0], (typeof conv2)[1]], 3, 2, 32, 32)).toEqual({
      rf: [8, 4, 15],
      clipped: false,
      top: 8,
      left: 4,
      tile: 15,
    });
  });

  it('shows the image-sized part of a field larger than the image that overlaps it most', () => {
    const conv3 = rf(39, 8, -12);
    // Rows [-12, 26]: the 32-row window [-5, 26] holds all of the field's image rows [0, 26].
    expect(unitWindow([conv3, conv3], 0, 0, 32, 32)).toMatchObject({
      rf: [-12, -12, 39],
      clipped: true,
      top: -5,
      left: -5,
      tile: 32,
    });
    // Rows [12, 50]: the window starts at the field's first row.
    expect(unitWindow([conv3, conv3], 3, 3, 32, 32)).toMatchObject({ top: 12, left: 12, tile: 32 });
    // A field covering the whole image shows exactly the image.
    const conv5 = rf(71, 8, -28);
    expect(unitWindow([conv5, conv5], 2, 1, 32, 32)).toMatchObject({ top: 0, left: 0, tile: 32 });
  });

  it('crops with the fill value outside the image', () => {
    const img = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(cropTile(img, 0, 3, 3, 1, -1, 1, 3, 128, new Uint8Array(9)))).toEqual([
      128, 128, 128, 2, 3, 128, 5, 6, 128,
    ]);
    const rgb = Uint8Array.from([0, 0, 0, 10, 20, 30]); // a 1x2 RGB image after a 3-value offset
    expect(Array.from(cropTile(rgb, 3, 1, 1, 3, 0, 0, 2, 0, new Uint8Array(12)))).toEqual([
      10, 20, 30, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });
});
