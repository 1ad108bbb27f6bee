/**
 * A user's own model under monitor(), reporting into a logdir, can be asked the analyses' questions
 * afterwards: its topology and weights are stored at each snapshot epoch and its probe set once.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { monitor } from '../../index.js';
import { checkRequest, runChecked } from '../../training/analyses/runner.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('analyses of a monitor() run', () => {
  it('answer optimal-input for a feature and a class, and reconstruction from each conv layer', async () => {
    const logdir = mkdtempSync(join(tmpdir(), 'zf-mon-an-'));
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [12, 12, 1],
          filters: 4,
          kernelSize: 3,
          strides: 1,
          padding: 'same',
          name: 'c1',
        }),
        tf.layers.reLU({ name: 'r1' }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'p1' }),
        tf.layers.conv2d({
          filters: 5,
          kernelSize: 3,
          activation: 'relu',
          padding: 'same',
          name: 'c2',
          biasInitializer: tf.initializers.constant({ value: 0.05 }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([24, 12, 12, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: 24 }, (_, i) => i % 3),
          'int32',
        ),
        3,
      )
      .toFloat();
    const probe = x.slice(0, 6) as tf.Tensor4D;
    const callbacks = monitor(model, {
      logdir,
      runId: 'mine',
      snapshotEpochs: [1, 2],
      probe: { inputs: probe, labels: [0, 1, 2, 0, 1, 2] },
    });
    await model.fit(x, y, { epochs: 2, batchSize: 8, callbacks, verbose: 0 });
    expect(existsSync(join(logdir, 'mine', 'checkpoints', '2', 'model.json'))).toBe(true);

    const ask = async (analysis: string, params: Record<string, unknown>) =>
      (await runChecked(logdir, await checkRequest(logdir, { run: 'mine', epoch: 2, analysis, params }))).stored;
    const feature = await ask('optimal-input', { layer: 'c1', feature: 2, steps: 20 });
    expect(feature.result.objective as number[]).toHaveLength(21);
    const klass = await ask('optimal-input', { class: 2, steps: 20 });
    expect((klass.result.objective as number[]).at(-1)!).toBeGreaterThan((klass.result.objective as number[])[0]!);
    const recon = await ask('reconstruction', { image: 4, steps: 20 });
    expect(Object.keys(recon.result.layers as object)).toEqual(['c1', 'c2']);
    await expect(
      checkRequest(logdir, { run: 'mine', epoch: 2, analysis: 'optimal-input', params: { class: 3 } }),
    ).rejects.toThrow('optimal-input --class: 3 is not a class of this run (0 to 2)');
    tf.dispose([x, y, probe]);
    model.dispose();
  });
});
