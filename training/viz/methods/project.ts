/**
 * The part all methods share: seeds for a list of requests, and `makeMethod`, which turns a ReLU
 * backward rule into a ProjectionMethod (one forward of the input batch, one way down for all).
 */
import * as tf from '@tensorflow/tfjs';
import { compileChain, forwardChain, projectDown, type ChainCache, type ReluRule } from '../chain.js';
import type { ProjectionMethod, ProjectionRequest } from './types.js';

/**
 * The seed tensor: row i is zero except at (y, x, channel) of request i, where it holds the request's
 * seed, by default that unit's activation in row `image` of `cache.top`.
 */
export function seedsFor(cache: ChainCache, requests: ProjectionRequest[]): tf.Tensor {
  const [b, h, w, c] = cache.top.shape as number[];
  if (cache.top.rank !== 4) throw new Error(`projections start from a 4-D feature map; the layer's output is ${cache.top.rank}-D`);
  requests.forEach((r, i) => {
    const ok = Number.isInteger(r.image) && r.image >= 0 && r.image < b! && r.y >= 0 && r.y < h! && r.x >= 0 && r.x < w! && r.channel >= 0 && r.channel < c!;
    if (!ok) {
      throw new RangeError(
        `projection request ${i} ${JSON.stringify(r)} is outside the layer's output: expected image < ${b}, y < ${h}, x < ${w}, channel < ${c}`,
      );
    }
  });
  return tf.tidy(() => {
    const where = requests.map((r, i) => [i, r.y, r.x, r.channel]);
    const explicit = requests.every((r) => r.seed !== undefined);
    const values = explicit
      ? tf.tensor1d(requests.map((r) => r.seed!))
      : tf.gatherND(cache.top, requests.map((r) => [r.image, r.y, r.x, r.channel]));
    const mixed = explicit || requests.every((r) => r.seed === undefined)
      ? values
      : tf.where(tf.tensor1d(requests.map((r) => r.seed !== undefined), 'bool'), tf.tensor1d(requests.map((r) => r.seed ?? 0)), values);
    return tf.scatterND(where, mixed, [requests.length, h!, w!, c!]);
  });
}

/** Project requests through an already computed forward cache (shared between methods by the snapshot). */
export function projectCached(cache: ChainCache, requests: ProjectionRequest[], rule: ReluRule): tf.Tensor4D {
  if (requests.length === 0) {
    const [, h, w, c] = cache.inShapes[0]!;
    return tf.zeros([0, h!, w!, c!]);
  }
  return tf.tidy(() => projectDown(cache, seedsFor(cache, requests), requests.map((r) => r.image), rule));
}

/** A ProjectionMethod from its ReLU rule. */
export function makeMethod(name: string, description: string, usesForwardMask: boolean, relu: ReluRule): ProjectionMethod {
  return {
    name,
    description,
    usesForwardMask,
    relu,
    project(model, layer, input, requests) {
      const cache = forwardChain(compileChain(model, layer), input);
      try {
        return projectCached(cache, requests, relu);
      } finally {
        cache.dispose();
      }
    },
  };
}
