/** Loss and accuracy of a model over an image set, in inference mode (dropout off), in batches. */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../datasets/types.js';
import { inputBatch, oneHotBatch, type Preprocess } from './data.js';
import { crossEntropy } from './train-step.js';

export function evaluate(
  model: tf.LayersModel,
  set: ImageSet,
  pre: Preprocess,
  classes: number,
  batchSize = 256,
): { loss: number; acc: number } {
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < set.count; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, set.count - start) }, (_, i) => start + i);
    const [l, c] = tf.tidy(() => {
      const x = inputBatch(set, idx, pre);
      const y = oneHotBatch(set, idx, classes);
      const p = model.apply(x, { training: false }) as tf.Tensor2D;
      return [crossEntropy(y, p).dataSync()[0]!, tf.equal(tf.argMax(p, -1), tf.argMax(y, -1)).sum().dataSync()[0]!];
    });
    loss += l * idx.length;
    correct += c;
  }
  return { loss: loss / Math.max(1, set.count), acc: correct / Math.max(1, set.count) };
}
