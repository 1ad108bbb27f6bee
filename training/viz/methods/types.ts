/**
 * The shape every projection method shares (one method a file, listed in index.ts): a name, the
 * ReLU backward rule that distinguishes it, and `project`, which runs one forward
 * and one batched way down for all requests, so a batch of projections equals the same projections one by one.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ReluRule } from '../chain.js';

/** One unit to project: row `image` of the input batch, feature map `channel`, position (y, x). */
export interface ProjectionRequest {
  image: number;
  channel: number;
  y: number;
  x: number;
  /** Seed value; by default the unit's activation, as in ZF (a unit that does not fire projects to 0). */
  seed?: number;
}

export interface ProjectionMethod {
  name: string;
  description: string;
  /** Whether the rule reads the forward ReLU mask (backprop, guided) or only the signal (deconvnet). */
  usesForwardMask: boolean;
  relu: ReluRule;
  /**
   * Pixel-space projections, one row per request, shaped like the input ([n, H, W, C]); the caller
   * owns (and disposes) the result. `layer` names a conv layer of a plain-chain model.
   */
  project(model: tf.LayersModel, layer: string, input: tf.Tensor4D, requests: ProjectionRequest[]): tf.Tensor4D;
}
