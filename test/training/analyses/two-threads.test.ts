/**
 * The figure experiments split between the snapshotter's two threads (occlusion by images, invariance
 * on the worker, correspondence here) equal the one-thread run number for number and picture for
 * picture, apart from the seconds; no tensor leaks on the main thread.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSet } from '../../../datasets/types.js';
import { EXPERIMENT_NAMES } from '../../../server/protocol.js';
import { computeMean, inputBatch } from '../../../training/data.js';
import { zfNetConfig } from '../../../training/model/config.js';
import { buildZfNet } from '../../../training/model/zfnet.js';
import { runExperiments, splitPlan } from '../../../training/viz/experiments.js';
import { createSnapshotter, type Snapshotter } from '../../../training/viz/snapshotter.js';
import { randomArray, useCpu } from '../viz/helpers.js';

const N = 24;

describe('figure experiments on two threads', () => {
  let snapshotter: Snapshotter;
  const model = () =>
    buildZfNet(
      zfNetConfig({
        inputShape: [28, 28, 1],
        classes: 10,
        conv1: { kernel: 7, stride: 2 },
        widths: [3, 4, 5, 4, 3, 8, 8],
      }),
      3,
    );
  let m: tf.LayersModel;
  const noise = randomArray(N * 28 * 28, 5);
  const probe: ImageSet = {
    images: Uint8Array.from(noise, (v, i) => Math.round(128 + 60 * Math.sin(i / 53) + 60 * v)),
    labels: Uint8Array.from({ length: N }, (_, i) => i % 5),
    count: N,
    height: 28,
    width: 28,
    channels: 1,
  };
  const pre = { mean: computeMean(probe), scale: 1 / 64 };
  const toInput = (idx: number[]) => inputBatch(probe, idx, pre);

  beforeAll(async () => {
    await useCpu();
    m = model();
    snapshotter = await createSnapshotter(m, { threads: 2 });
  }, 120_000);

  afterAll(async () => {
    await snapshotter?.dispose();
    m?.dispose();
  });

  it('splits the plan into halves of occlusion images, invariance and correspondence', () => {
    expect(splitPlan({ occlusion: [0, 1, 2, 3], invariance: [0, 1, 2, 3], correspondence: true })).toEqual([
      { occlusion: [0, 1], correspondence: true },
      { occlusion: [2, 3], invariance: [0, 1, 2, 3] },
    ]);
  });

  it('equals the one-thread run apart from the seconds', async () => {
    expect(snapshotter.threads).toBe(2);
    const before = tf.memory().numTensors;
    const two = await snapshotter.experiments({ probe, toInput, epoch: 3, which: EXPERIMENT_NAMES });
    expect(tf.memory().numTensors).toBe(before);
    const one = await runExperiments({ model: m, probe, toInput, epoch: 3, which: EXPERIMENT_NAMES });
    const { seconds: s2, ...a } = two!;
    const { seconds: s1, ...b } = one!;
    expect(a).toEqual(b);
    expect(Object.keys(s2).sort()).toEqual(Object.keys(s1).sort());
    expect(a.occlusion!.images.map((i) => i.image)).toEqual([0, 1, 2, 3]);
  });
});
