/**
 * The part all methods share: seeds for a list of requests, projection through a computed forward
 * cache, and `project`, a method's projections of a model's layer from scratch.
 */
import * as tf from '@tensorflow/tfjs';
import { compileChain, forwardChain, projectDown, type ChainCache, type ReluRule } from '../chain.js';
import type { ProjectionMethod, ProjectionRequest } from './types.js';

/**
 * The seed tensor: row i is zero except at (y, x, channel) of request i, where it holds the request's
 * seed (by default that unit's activation in row `image` of `cache.top`) passed through `rule` at the
 * top ReLU, when the layer's output is rectified (see projectDown's `topRuleApplied`).
 */
export function seedsFor(cache: ChainCache, requests: ProjectionRequest[], rule?: ReluRule): tf.Tensor {
  const last = cache.ops[cache.ops.length - 1]!;
  if (last.outShape.length !== 3)
    throw new Error(
      `projections start from a 4-D feature map; the output of '${last.layer}' is ${last.outShape.length + 1}-D`,
    );
  const b = cache.rows;
  const [h, w, c] = last.outShape;
  requests.forEach((r, i) => {
    const ok =
      Number.isInteger(r.image) &&
      r.image >= 0 &&
      r.image < b! &&
      r.y >= 0 &&
      r.y < h! &&
      r.x >= 0 &&
      r.x < w! &&
      r.channel >= 0 &&
      r.channel < c!;
    if (!ok) {
      throw new RangeError(
        `projection request ${i} ${JSON.stringify(r)} is outside the layer's output: expected image < ${b}, y < ${h}, x < ${w}, channel < ${c}`,
      );
    }
  });
  return tf.tidy(() => {
    const at = () => {
      if (!cache.top)
        throw new Error('projection requests without a seed need the forward pass to reach the projected layer');
      return tf.gatherND(
        cache.top,
        requests.map((r) => [r.image, r.y, r.x, r.channel]),
      );
    };
    const explicit = requests.some((r) => r.seed !== undefined);
    let values: tf.Tensor = explicit ? tf.tensor1d(requests.map((r) => r.seed ?? NaN)) : at();
    if (explicit && requests.some((r) => r.seed === undefined)) {
      values = tf.where(
        tf.tensor1d(
          requests.map((r) => r.seed !== undefined),
          'bool',
        ),
        values,
        at(),
      );
    }
    if (rule) values = rule(values, at);
    // Built on the host: a one-hot scatter costs more than the copy on every backend.
    const v = values.dataSync();
    const size = h! * w! * c!;
    const buf = new Float32Array(requests.length * size);
    requests.forEach((r, i) => {
      buf[i * size + (r.y * w! + r.x) * c! + r.channel] = v[i]!;
    });
    return tf.tensor4d(buf, [requests.length, h!, w!, c!]);
  });
}

const topIsRectified = (cache: ChainCache) => {
  const ops = cache.ops;
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]!;
    if (op.kind === 'relu') return true;
    if (op.kind === 'conv' || op.kind === 'dense') return op.relu;
    if (op.kind !== 'identity') return false;
  }
  return false;
};

/**
 * Project requests through an already computed forward cache (shared between methods by the
 * snapshot). With `seedsAreActivations` the requests' seeds are the units' own (positive)
 * activations, on which every rule's top ReLU is the identity, so the forward may stop below the
 * projected layer (see forwardNeeds).
 */
export function projectCached(
  cache: ChainCache,
  requests: ProjectionRequest[],
  rule: ReluRule,
  opts: { seedsAreActivations?: boolean } = {},
): tf.Tensor4D {
  if (requests.length === 0) {
    const [h, w, c] = cache.ops[0]!.inShape;
    return tf.zeros([0, h!, w!, c!]);
  }
  const rectified = topIsRectified(cache);
  const topRule = rectified && !opts.seedsAreActivations ? rule : undefined;
  return tf.tidy(() =>
    projectDown(
      cache,
      seedsFor(cache, requests, topRule),
      requests.map((r) => r.image),
      rule,
      { topRuleApplied: rectified },
    ),
  );
}

/**
 * Pixel-space projections of `requests` by `method`, one row per request, shaped like the input
 * ([n, H, W, C]): one forward of the input batch, one batched way down for all requests, so a batch
 * equals the same projections one by one. `layer` names a conv layer of a plain-chain model; the
 * caller owns (and disposes) the result.
 */
export function project(
  method: ProjectionMethod,
  model: tf.LayersModel,
  layer: string,
  input: tf.Tensor4D,
  requests: ProjectionRequest[],
): tf.Tensor4D {
  const cache = forwardChain(compileChain(model, layer), input);
  try {
    return projectCached(cache, requests, method.relu);
  } finally {
    cache.dispose();
  }
}
