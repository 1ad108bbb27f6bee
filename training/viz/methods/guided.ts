/** Guided backpropagation (Springenberg et al. 2014): both the forward mask and the rectified signal. */
import * as tf from '@tensorflow/tfjs';
import type { ProjectionMethod } from './types.js';

export const guided: ProjectionMethod = {
  name: 'guided',
  description: 'Guided backpropagation: forward ReLU masks and ReLU on the backward signal',
  usesForwardMask: true,
  relu: (signal, forwardOutput) => tf.mul(tf.relu(signal), tf.step(forwardOutput())),
};
