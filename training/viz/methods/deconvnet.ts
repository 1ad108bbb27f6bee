/**
 * ZF's deconvnet: unpool through the recorded switches, rectify the signal
 * (relu(dy), no forward mask), filter with the transposed filters. Positively homogeneous in the
 * seed, not additive: rectifying the signal breaks superposition.
 */
import * as tf from '@tensorflow/tfjs';
import { makeMethod } from './project.js';

export const deconvnet = makeMethod(
  'deconvnet',
  'Zeiler & Fergus deconvnet: switches, ReLU on the backward signal, transposed filters',
  false,
  (signal) => tf.relu(signal),
);
