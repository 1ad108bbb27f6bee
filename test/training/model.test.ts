import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildZfNet, summarizeModel } from '../../training/model/zfnet.js';
import { CONV1_PRESETS, ConfigError, parseConvSpec, planLayers, zfNetConfig } from '../../training/model/config.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shapes = (m: tf.LayersModel) =>
  Object.fromEntries(m.layers.map((l) => [l.name, (l.outputShape as number[]).slice(1)]));

describe('small ZF-net', () => {
  // Parameter counts and shapes computed by hand from the layer sizes, independently of the builder.
  it.each([
    [
      'zf',
      [32, 32, 3],
      381_642,
      {
        conv1: [32, 32, 32],
        pool1: [16, 16, 32],
        conv2: [8, 8, 64],
        pool2: [4, 4, 64],
        conv5: [4, 4, 64],
        pool5: [2, 2, 64],
      },
    ],
    [
      'alex2',
      [32, 32, 3],
      387_018,
      { conv1: [16, 16, 32], pool1: [8, 8, 32], conv2: [8, 8, 64], pool2: [4, 4, 64], pool5: [2, 2, 64] },
    ],
    [
      'alex4',
      [32, 32, 3],
      390_858,
      { conv1: [8, 8, 32], pool1: [8, 8, 32], conv2: [8, 8, 64], pool2: [4, 4, 64], pool5: [2, 2, 64] },
    ],
    [
      'zf',
      [28, 28, 1],
      380_042,
      { conv1: [28, 28, 32], pool1: [14, 14, 32], conv2: [7, 7, 64], pool2: [4, 4, 64], pool5: [2, 2, 64] },
    ],
  ] as const)('preset %s on %j has the reference parameter count and shapes', (preset, input, params, expected) => {
    const m = buildZfNet(zfNetConfig({ inputShape: [...input], classes: 10, conv1: CONV1_PRESETS[preset]! }));
    expect(m.countParams()).toBe(params);
    const s = shapes(m);
    for (const [name, shape] of Object.entries(expected)) expect(s[name], name).toEqual(shape);
    m.dispose();
  });

  it('keeps the layers above conv2 the same shape for every conv1 preset', () => {
    const tails = Object.values(CONV1_PRESETS).map((c) => {
      const plan = planLayers(zfNetConfig({ inputShape: [32, 32, 3], classes: 10, conv1: c }));
      return plan.filter((p) => ['pool2', 'conv3', 'conv5', 'pool5'].includes(p.name)).map((p) => p.outSize.join('x'));
    });
    for (const t of tails) expect(t).toEqual(tails[0]);
  });

  it('refuses a configuration that leaves a layer with an empty output, naming the layer and sizes', () => {
    const cfg = zfNetConfig({
      inputShape: [12, 12, 1],
      classes: 10,
      conv1: { kernel: 11, stride: 4 },
      padding: 'valid',
    });
    expect(() => planLayers(cfg)).toThrow(ConfigError);
    expect(() => buildZfNet(cfg)).toThrow(
      /pool1 \(3x3\/1, valid padding\) would have an empty output: its input is 1x1/,
    );
  });

  it('summarizes layers with kind, kernel and stride', () => {
    const m = buildZfNet(zfNetConfig({ inputShape: [28, 28, 1], classes: 10, conv1: { kernel: 11, stride: 4 } }));
    const s = summarizeModel(m);
    expect(s.layers[0]).toMatchObject({ name: 'conv1', kind: 'conv', kernel: 11, stride: 4, outputShape: [7, 7, 32] });
    expect(s.layers.filter((l) => l.kind === 'conv').map((l) => l.name)).toEqual([
      'conv1',
      'conv2',
      'conv3',
      'conv4',
      'conv5',
    ]);
    expect(s.params).toBe(m.countParams());
    m.dispose();
  });

  it.each([
    ['7x7/2', { kernel: 7, stride: 2 }],
    ['11/4', { kernel: 11, stride: 4 }],
    ['7x5/2', null],
    ['7x7', null],
    ['0x0/1', null],
  ])('parses conv spec %s', (text, expected) => {
    expect(parseConvSpec(text)).toEqual(expected);
  });
});
