/**
 * ZF's deconvnet: unpool through the recorded switches, rectify the signal
 * (relu(dy), no forward mask), filter with the transposed filters. Positively homogeneous in the
 * seed, not additive: rectifying the signal breaks superposition.
 */
import * as tf from '@tensorflow/tfjs';
import type { ProjectionMethod } from './types.js';

export const deconvnet: ProjectionMethod = {
  name: 'deconvnet',
  description: 'Zeiler & Fergus deconvnet: switches, ReLU on the backward signal, transposed filters',
  usesForwardMask: false,
  relu: (signal) => tf.relu(signal),
};
