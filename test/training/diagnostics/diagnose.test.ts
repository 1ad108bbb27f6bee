import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageSet } from '../../../datasets/types.js';
import { computeMean, inputBatch } from '../../../training/data.js';
import { zfNetConfig } from '../../../training/model/config.js';
import { buildZfNet } from '../../../training/model/zfnet.js';
import { diagnoseSnapshot, initialDiagnostics } from '../../../training/viz/diagnostics/diagnose.js';
import { centreGram, gram, linearCka } from '../../../training/viz/diagnostics/cka.js';
import { measureRepresentations } from '../../../training/viz/diagnostics/representations.js';
import { takeSnapshot } from '../../../training/viz/snapshot.js';
import { mulberry32 } from '../../../datasets/rng.js';
import { useCpu } from '../viz/helpers.js';

const WIDTHS = [6, 8, 8, 8, 8, 16, 16];

function probeSet(count: number): ImageSet {
  const r = mulberry32(5);
  return {
    images: Uint8Array.from({ length: count * 28 * 28 }, () => Math.floor(r() * 256)),
    labels: new Uint8Array(count),
    count,
    height: 28,
    width: 28,
    channels: 1,
  };
}

function setup(conv1: { kernel: number; stride: number }) {
  const model = buildZfNet(zfNetConfig({ inputShape: [28, 28, 1], classes: 10, conv1, widths: WIDTHS }), 2);
  const probe = probeSet(12);
  const pre = { mean: computeMean(probe), scale: 1 / 64 };
  return { model, probe, toInput: (idx: number[]) => inputBatch(probe, idx, pre) };
}

describe('diagnoseSnapshot', () => {
  beforeAll(useCpu);

  it('computes the Gram matrices it compares with tfjs exactly as the plain reference does', async () => {
    const { model, toInput } = setup({ kernel: 7, stride: 2 });
    const reps = await measureRepresentations(model, toInput, 12, 4, 5);
    const conv2 = reps.find((r) => r.layer === 'conv2')!;
    // The reference: conv2's activations through a plain sub-model, flattened, Gram by hand.
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv2').output as tf.SymbolicTensor });
    const acts = tf.tidy(() => (sub.predict(toInput([...Array(12).keys()])) as tf.Tensor).reshape([12, -1]));
    const ref = centreGram(gram(acts.dataSync(), 12, acts.shape[1]!), 12);
    acts.dispose();
    expect(linearCka(conv2.gram, ref)).toBeCloseTo(1, 5);
    for (let i = 0; i < ref.length; i++) expect(conv2.gram[i]).toBeCloseTo(ref[i]!, 2);
    // responses: the first 4 images' activations, channel-last.
    expect(conv2.responses!.length).toBe(4 * (acts.shape[1] as number));
    model.dispose();
  });

  it('reads an unchanged model as unchanged, and leaks no tensors', async () => {
    const { model, probe, toInput } = setup({ kernel: 7, stride: 2 });
    const init = await initialDiagnostics(model, toInput, probe.count);
    const before = tf.memory().numTensors;
    const snap = await takeSnapshot({ model, probe, toInput, epoch: 1, batchSize: 4 });
    const first = await diagnoseSnapshot({
      model,
      toInput,
      probeCount: probe.count,
      epoch: 1,
      layers: snap.layers.map((l) => l.index),
      previous: init,
    });
    const again = await takeSnapshot({ model, probe, toInput, epoch: 2, batchSize: 4, previous: snap.memory });
    const second = await diagnoseSnapshot({
      model,
      toInput,
      probeCount: probe.count,
      epoch: 2,
      layers: again.layers.map((l) => l.index),
      previous: first.memory,
    });
    expect(tf.memory().numTensors).toBe(before);
    for (const l of Object.values(first.event.layers)) expect(l.cka).toBeCloseTo(1, 5);
    for (const l of Object.values(second.event.layers)) {
      expect(l.change).toBeCloseTo(0, 5);
      expect(l.ckaTo['0']).toBeCloseTo(1, 5);
      expect(l.ckaTo['1']).toBeCloseTo(1, 5);
    }
    expect(Object.keys(second.event.layers)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7']);
    for (const l of again.layers) {
      expect(l.index.health.jumpCount).toBe(0);
      for (const m of l.index.maps) {
        expect(m.health.filterAngle).toBeCloseTo(0, 6);
        expect(m.health.responseChange ?? 0).toBeCloseTo(0, 5);
      }
    }
    model.dispose();
  });

  it('at stride 1 records that nothing aliases and measures the high-frequency share against white noise', async () => {
    const { model, probe, toInput } = setup({ kernel: 5, stride: 1 });
    const snap = await takeSnapshot({ model, probe, toInput, epoch: 1, batchSize: 4 });
    await diagnoseSnapshot({
      model,
      toInput,
      probeCount: probe.count,
      epoch: 1,
      layers: snap.layers.map((l) => l.index),
      previous: undefined,
    });
    const h = snap.layers[0]!.index.health;
    expect(h.stride).toBe(1);
    expect(h.highFrequencyNoise).toBeGreaterThan(0.65);
    expect(h.highFrequencyNoise).toBeLessThan(0.8);
    // conv1 starts as N(0, 0.01²) noise: its high-frequency share is about white noise's.
    expect(Math.abs(h.highFrequency! - h.highFrequencyNoise!)).toBeLessThan(0.12);
    model.dispose();
  });
});
