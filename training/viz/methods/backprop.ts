/** Plain backprop (Simonyan et al. 2014's saliency): the gradient of the unit; the ReLU passes dy where the forward input was > 0. Linear in the seed. */
import * as tf from '@tensorflow/tfjs';
import type { ProjectionMethod } from './types.js';

export const backprop: ProjectionMethod = {
  name: 'backprop',
  description: 'Gradient of the unit with respect to the input pixels (forward ReLU masks)',
  usesForwardMask: true,
  relu: (signal, forwardOutput) => tf.mul(signal, tf.step(forwardOutput())),
};
