import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, readCheckpointMeta, saveCheckpoint } from '../../training/checkpoint.js';
import { createTrainStep } from '../../training/train-step.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tinyModel(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 1],
        filters: 2,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed }),
      }),
      tf.layers.flatten(),
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }),
      }),
    ],
  });
}

describe('checkpoints', () => {
  it('restore weights and momentum so training continues exactly as if never interrupted', async () => {
    const x = tf.randomNormal([4, 6, 6, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3).toFloat() as tf.Tensor2D;
    const a = tinyModel(1);
    const stepA = createTrainStep(a, { learningRate: 0.05 });
    stepA(x, y);
    stepA(x, y);
    const dir = join(mkdtempSync(join(tmpdir(), 'zf-ckpt-')), 'latest');
    await saveCheckpoint(dir, a, stepA.optimizer, { epoch: 3, batch: 7, learningRate: 0.05 });
    const continued = stepA(x, y).loss;

    const b = tinyModel(99); // different initial weights: everything must come from the checkpoint
    const stepB = createTrainStep(b, { learningRate: 0.05 });
    const meta = await loadCheckpoint(dir, b, stepB.optimizer);
    expect(meta).toMatchObject({ epoch: 3, batch: 7, learningRate: 0.05 });
    const resumed = stepB(x, y).loss;
    expect(resumed).toBeCloseTo(continued, 6);
    a.getWeights().forEach((w, i) => {
      expect(Array.from(w.dataSync())).toEqual(Array.from(b.getWeights()[i]!.dataSync()));
    });
  });

  it('refuses a checkpoint of another architecture, naming the weight and shapes', async () => {
    const a = tinyModel(1);
    const dir = join(mkdtempSync(join(tmpdir(), 'zf-ckpt-')), 'latest');
    await saveCheckpoint(dir, a, tf.train.momentum(0.1, 0.9), { epoch: 1, batch: 0, learningRate: 0.1 });
    const other = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3 }),
      ],
    });
    await expect(loadCheckpoint(dir, other, tf.train.momentum(0.1, 0.9))).rejects.toThrow(
      /has shape 3x3x1x2, the model expects 3x3x1x4/,
    );
  });

  it('reports a missing or truncated checkpoint by file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'zf-ckpt-'));
    expect(await readCheckpointMeta(join(root, 'none'))).toBeNull();
    const dir = join(root, 'latest');
    await saveCheckpoint(dir, tinyModel(1), tf.train.momentum(0.1, 0.9), { epoch: 1, batch: 0, learningRate: 0.1 });
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(8));
    await expect(loadCheckpoint(dir, tinyModel(1), tf.train.momentum(0.1, 0.9))).rejects.toThrow(
      /weights\.bin holds 2 floats, meta\.json describes/,
    );
  });
});
