/**
 * zfscope on your own model: a small tfjs CNN trained with model.fit on the embedded Fashion-MNIST
 * sample, monitored by zfscope. Run it against a server (`npx zfscope serve` prints the token):
 *
 *   ZFSCOPE_TOKEN=<token> npx tsx examples/monitor-own-model.ts --server http://127.0.0.1:6006
 *
 * or without a server, writing the run into ./runs for `npx zfscope serve` to show later:
 *
 *   npx tsx examples/monitor-own-model.ts --logdir runs
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadDataset, monitor } from '../index.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

await initBackend('auto');
const data = await loadDataset('sample');
const n = Number(arg('images') ?? 2000);
const xs = tf.tidy(() =>
  tf
    .tensor4d(data.train.images.subarray(0, n * 784), [n, 28, 28, 1])
    .div(255)
    .sub(0.5),
) as tf.Tensor4D;
const ys = tf.oneHot(tf.tensor1d(Array.from(data.train.labels.subarray(0, n)), 'int32'), 10).toFloat();

const model = tf.sequential({
  layers: [
    tf.layers.conv2d({
      name: 'conv1',
      inputShape: [28, 28, 1],
      filters: 8,
      kernelSize: 5,
      activation: 'relu',
      padding: 'same',
    }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

const server = arg('server');
const callbacks = monitor(model, {
  ...(server ? { server, token: process.env.ZFSCOPE_TOKEN ?? '' } : { logdir: arg('logdir') ?? 'runs' }),
  ...(arg('run-id') ? { runId: arg('run-id')! } : {}),
  snapshotEpochs: [1, 3],
  probe: { inputs: xs.slice(0, 100) as tf.Tensor4D, labels: data.train.labels.subarray(0, 100) },
  dataset: { name: 'sample', classes: data.classes },
});
await model.fit(xs, ys, { epochs: 3, batchSize: 64, callbacks, verbose: 0 });
console.log(`monitored run ${callbacks.runId}: done`);
