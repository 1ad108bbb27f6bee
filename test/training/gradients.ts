/** Shared by the kernel tests: the relative error of two arrays, and the small ZF-net's gradients. */
import * as tf from '@tensorflow/tfjs';
import type { ConvSpec } from '../../server/protocol.js';
import { zfNetConfig } from '../../training/model/config.js';
import { buildZfNet } from '../../training/model/zfnet.js';
import { crossEntropy } from '../../training/train-step.js';

/** max |a - b| over max |b|. */
export function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    norm = Math.max(norm, Math.abs(b[i]!));
  }
  return diff / Math.max(norm, 1e-12);
}

/**
 * Every weight's gradient of the small ZF-net (conv1 as given, else the default) on seeded images,
 * one per label, dropout off, on the current backend.
 */
export function zfNetGradients(
  shape: [number, number, number],
  opts: { conv1?: ConvSpec; labels?: number[] } = {},
): Float32Array[] {
  const labels = opts.labels ?? [1, 7, 0, 2, 9, 3, 3, 5];
  const cfg = zfNetConfig({ inputShape: shape, classes: 10, ...(opts.conv1 ? { conv1: opts.conv1 } : {}) });
  const model = buildZfNet(cfg, 3);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const grads = tf.tidy(() => {
    const x = tf.randomNormal([labels.length, ...shape], 0, 1, 'float32', 5);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat() as tf.Tensor2D;
    const g = tf.variableGrads(() => crossEntropy(y, model.apply(x, { training: false }) as tf.Tensor2D), vars).grads;
    return vars.map((v) => g[v.name]!);
  });
  const arrays = grads.map((g) => g.dataSync() as Float32Array); // read outside tidy: it walks typed arrays
  tf.dispose(grads);
  model.dispose();
  return arrays;
}
