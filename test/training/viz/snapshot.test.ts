import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { zfNetConfig } from '../../../training/model/config.js';
import { buildZfNet } from '../../../training/model/zfnet.js';
import { computeMean, inputBatch } from '../../../training/data.js';
import type { ImageSet } from '../../../datasets/types.js';
import { takeSnapshot, type SnapshotArgs } from '../../../training/viz/snapshot.js';
import { cropTile, receptiveFields, unitWindow } from '../../../training/viz/receptive-field.js';
import { PROJECTION_METHODS, project } from '../../../training/viz/methods/index.js';
import { symmetricBytes, maxAbs } from '../../../training/viz/atlas.js';
import { compileChain, forwardNeeds } from '../../../training/viz/chain.js';
import { randomArray, useCpu } from './helpers.js';

beforeAll(useCpu);

const WIDTHS = [3, 4, 5, 4, 3, 8, 8];

/** Seeded images with some structure (gradients plus noise), uint8 NHWC. */
function probeSet(count: number, size: number, channels: number): ImageSet {
  const noise = randomArray(count * size * size * channels, 21);
  const images = new Uint8Array(noise.length);
  for (let i = 0; i < images.length; i++) {
    const x = Math.floor(i / channels) % size;
    const img = Math.floor(i / (size * size * channels));
    images[i] = Math.max(0, Math.min(255, Math.round(128 + 60 * Math.sin((x + img) / 3) + 50 * noise[i]!)));
  }
  return {
    images,
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    height: size,
    width: size,
    channels,
  };
}

function setup(conv1 = { kernel: 7, stride: 2 }) {
  const model = buildZfNet(zfNetConfig({ inputShape: [32, 32, 3], classes: 10, conv1, widths: WIDTHS }), 3);
  const probe = probeSet(6, 32, 3);
  const pre = { mean: computeMean(probe), scale: 1 / 64 };
  const args: SnapshotArgs = {
    model,
    probe,
    toInput: (idx) => inputBatch(probe, idx, pre),
    epoch: 1,
    batchSize: 4,
    projectionBatch: 7,
  };
  return { model, probe, args };
}

const decode = (data: Uint8Array) => PNG.sync.read(Buffer.from(data));
const withoutTimings = (index: object) => JSON.stringify(index, (k, v) => (k === 'timings' ? undefined : v));

describe('takeSnapshot on the small ZF-net', () => {
  it('covers the 5 conv layers, every map, with atlases laid out as the index says', async () => {
    const { args, probe } = setup();
    const snap = await takeSnapshot({ ...args, methods: ['deconvnet', 'guided'] });
    expect(snap.layers.map((l) => l.index.layer)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5']);
    expect(snap.layers.map((l) => l.index.maps.length)).toEqual(WIDTHS.slice(0, 5));
    for (const { index, files } of snap.layers) {
      const names = files.map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining([index.files.patches, ...Object.values(index.files.projections)]));
      expect(index.atlas.tile).toBe(Math.min(index.rf.size, 32));
      for (const f of files.filter((x) => x.name !== index.files.weights)) {
        const png = decode(f.data);
        expect([png.width, png.height]).toEqual([
          index.atlas.cols * index.atlas.tile,
          index.atlas.rows * index.atlas.tile,
        ]);
      }
      for (const map of index.maps) {
        expect(map.top.length).toBeLessThanOrEqual(9);
        expect(new Set(map.top.map((t) => t.image)).size).toBe(map.top.length);
        for (let r = 1; r < map.top.length; r++) expect(map.top[r]!.value).toBeLessThanOrEqual(map.top[r - 1]!.value);
        for (const t of map.top) {
          expect(t.label).toBe(probe.labels[t.image]);
          expect(t.rf).toEqual([
            t.y * index.rf.jump + index.rf.offset,
            t.x * index.rf.jump + index.rf.offset,
            index.rf.size,
          ]);
          expect(t.clipped).toBe(t.rf[0] < 0 || t.rf[1] < 0 || t.rf[0] + t.rf[2] > 32 || t.rf[1] + t.rf[2] > 32);
        }
        expect(map.health.dead).toBe(map.top.length === 0);
        expect(map.health.weightChange).toBeNull();
      }
    }
    const conv1 = snap.layers[0]!.index;
    expect(conv1.files.weights).toBe('conv1.weights.png');
    expect(conv1.weightsGrid).toEqual({ tile: 7, cols: 3, rows: 1 });
    expect(conv1.health.aliasing).toBeGreaterThanOrEqual(0);
    expect(snap.layers[1]!.index.files.weights).toBeUndefined();
  });

  it('puts the patch of (map m, rank r) at x = r * tile, y = m * tile, cropped from the raw probe image', async () => {
    const { args, probe } = setup();
    const snap = await takeSnapshot(args);
    for (const li of [0, 1]) {
      const { index, files } = snap.layers[li]!;
      const png = decode(files.find((f) => f.name === index.files.patches)!.data);
      const tile = index.atlas.tile;
      for (const map of index.maps) {
        map.top.forEach((t, r) => {
          const want = cropTile(
            probe.images,
            t.image * 32 * 32 * 3,
            32,
            32,
            3,
            t.rf[0],
            t.rf[1],
            tile,
            128,
            new Uint8Array(tile * tile * 3),
          );
          for (let y = 0; y < tile; y++)
            for (let x = 0; x < tile; x++)
              for (let c = 0; c < 3; c++) {
                const got = png.data[((map.index * tile + y) * png.width + r * tile + x) * 4 + c];
                expect(got).toBe(want[(y * tile + x) * 3 + c]);
              }
        });
      }
    }
  });

  it('renders a conv1 projection like the filter itself (a layer-1 projection is the scaled filter)', async () => {
    const { args } = setup();
    const snap = await takeSnapshot(args);
    const { index, files } = snap.layers[0]!;
    const proj = decode(files.find((f) => f.name === 'conv1.deconvnet.png')!.data);
    const weights = decode(files.find((f) => f.name === 'conv1.weights.png')!.data);
    let compared = 0;
    for (const map of index.maps) {
      const t = map.top.find((e) => !e.clipped);
      if (!t) continue;
      const r = map.top.indexOf(t);
      for (let y = 0; y < 7; y++)
        for (let x = 0; x < 7; x++)
          for (let c = 0; c < 3; c++) {
            const a = proj.data[((map.index * 7 + y) * proj.width + r * 7 + x) * 4 + c]!;
            const b = weights.data[(y * weights.width + map.index * 7 + x) * 4 + c]!;
            expect(Math.abs(a - b)).toBeLessThanOrEqual(1);
            compared++;
          }
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('is byte-identical when taken twice of the same model and probe set, and leaks no tensors', async () => {
    const { args } = setup();
    const first = await takeSnapshot(args);
    const before = tf.memory().numTensors;
    const second = await takeSnapshot(args);
    expect(tf.memory().numTensors).toBe(before);
    second.layers.forEach((l, i) => {
      expect(withoutTimings(l.index)).toBe(withoutTimings(first.layers[i]!.index));
      l.files.forEach((f, j) => {
        expect(f.name).toBe(first.layers[i]!.files[j]!.name);
        expect(Buffer.from(f.data).equals(Buffer.from(first.layers[i]!.files[j]!.data))).toBe(true);
      });
    });
  });

  it('measures change since the previous snapshot from its small memory', async () => {
    const { args, model } = setup();
    const first = await takeSnapshot(args);
    const same = await takeSnapshot({ ...args, epoch: 2, previous: first.memory });
    for (const l of same.layers) {
      for (const m of l.index.maps) {
        expect(m.health.weightChange).toBe(0);
        expect(m.health.turnover).toBe(0);
        expect(m.health.projectionChange).toBe(0);
      }
      expect(l.index.health.meanWeightChange).toBe(0);
    }
    // Scale conv2's kernel by 1.5: its relative weight change is 0.5 for every filter.
    const conv2 = model.getLayer('conv2');
    const [k, b] = conv2.getWeights();
    conv2.setWeights([tf.mul(k!, 1.5), b!]);
    const changed = await takeSnapshot({ ...args, epoch: 3, previous: same.memory });
    for (const m of changed.layers[1]!.index.maps) expect(m.health.weightChange).toBeCloseTo(0.5, 5);
    for (const m of changed.layers[0]!.index.maps) expect(m.health.weightChange).toBe(0);
    const bytes = Object.values(changed.memory.layers).reduce(
      (s, l) => s + l.kernel.byteLength + l.rank0.reduce((t, r) => t + (r?.byteLength ?? 0), 0),
      0,
    );
    expect(bytes).toBeLessThan(200_000);
  });

  it('draws each tile from the method’s own projection of that unit, cropped to its window', async () => {
    const { args, model } = setup();
    const snap = await takeSnapshot({ ...args, methods: ['deconvnet', 'guided'] });
    const geo = new Map(receptiveFields(model).map((g) => [g.name, g]));
    let compared = 0;
    for (const li of [1, 2, 4]) {
      const { index, files } = snap.layers[li]!;
      const tile = index.atlas.tile;
      for (const method of ['deconvnet', 'guided']) {
        const png = decode(files.find((f) => f.name === index.files.projections[method])!.data);
        for (const map of index.maps.slice(0, 2)) {
          for (const [r, t] of map.top.slice(0, 2).entries()) {
            const P = project(PROJECTION_METHODS[method]!, model, index.layer, args.toInput([t.image]), [
              { image: 0, channel: map.index, y: t.y, x: t.x },
            ]);
            const data = P.dataSync();
            P.dispose();
            const win = unitWindow(geo.get(index.layer)!.rf, t.y, t.x, 32, 32);
            const want = symmetricBytes(
              cropTile(
                data as Float32Array,
                0,
                32,
                32,
                3,
                win.top,
                win.left,
                tile,
                0,
                new Float32Array(tile * tile * 3),
              ),
              maxAbs(data),
            );
            for (let y = 0; y < tile; y++)
              for (let x = 0; x < tile; x++)
                for (let c = 0; c < 3; c++) {
                  const got = png.data[((map.index * tile + y) * png.width + r * tile + x) * 4 + c]!;
                  expect(Math.abs(got - want[(y * tile + x) * 3 + c]!)).toBeLessThanOrEqual(1);
                }
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(6);
  });

  it('runs the forward only as far as switches and masks require', () => {
    const { model } = setup();
    // ops: conv1 pool1 conv2 pool2 conv3 conv4 conv5 (indices 0..6)
    expect(forwardNeeds(compileChain(model, 'conv1'), true)).toBe(-1);
    expect(forwardNeeds(compileChain(model, 'conv2'), false)).toBe(0);
    expect(forwardNeeds(compileChain(model, 'conv5'), false)).toBe(2);
    expect(forwardNeeds(compileChain(model, 'conv5'), true)).toBe(5);
  });

  it('rejects unknown methods naming the valid ones', async () => {
    const { args } = setup();
    await expect(takeSnapshot({ ...args, methods: ['deconv'] })).rejects.toThrow(/deconvnet, backprop, guided/);
  });
});

describe('takeSnapshot on other models', () => {
  it('skips conv layers above an unsupported layer and refuses a model with none left', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          name: 'a',
          inputShape: [8, 8, 1],
          filters: 2,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
        }),
        tf.layers.batchNormalization({ name: 'bn' }),
        tf.layers.conv2d({ name: 'b', filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' }),
      ],
    });
    const probe = probeSet(3, 8, 1);
    const toInput = (idx: number[]) => inputBatch(probe, idx, { mean: computeMean(probe), scale: 1 / 64 });
    const notes: string[] = [];
    const snap = await takeSnapshot({ model, probe, toInput, epoch: 1, onProgress: (m) => notes.push(m) });
    expect(snap.layers.map((l) => l.index.layer)).toEqual(['a']);
    expect(notes.some((n) => /'bn' \(BatchNormalization\)/.test(n))).toBe(true);
    const bnFirst = tf.sequential({
      layers: [
        tf.layers.batchNormalization({ name: 'bn0', inputShape: [8, 8, 1] }),
        tf.layers.conv2d({ name: 'c', filters: 2, kernelSize: 3 }),
      ],
    });
    await expect(takeSnapshot({ model: bnFirst, probe, toInput, epoch: 1 })).rejects.toThrow(
      /no conv layer of the model can be visualized: .*'bn0'/,
    );
  });
});
