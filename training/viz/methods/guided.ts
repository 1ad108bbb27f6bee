/** Guided backpropagation (Springenberg et al. 2014): both the forward mask and the rectified signal. */
import * as tf from '@tensorflow/tfjs';
import { makeMethod } from './project.js';

export const guided = makeMethod(
  'guided',
  'Guided backpropagation: forward ReLU masks and ReLU on the backward signal',
  true,
  (signal, forwardOutput) => tf.mul(tf.relu(signal), tf.step(forwardOutput())),
);
