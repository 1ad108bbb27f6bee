/**
 * `reconstruction`: what each conv layer keeps of a probe image (Mahendran & Vedaldi 2015). Per layer, the
 * regularized inversion of the layer's whole output (its normalized representation and pixel
 * errors), and the cheap companion: the deconvnet projection of the whole layer at once (every
 * activation seeded with its own value; one way down).
 */
import type * as tf from '@tensorflow/tfjs';
import { compileChain, forwardChain, projectDown } from '../viz/chain.js';
import { PROJECTION_METHODS } from '../viz/methods/index.js';
import { invert } from './inversion.js';
import { pixelPng, symmetricPng } from './image.js';
import { convLayer, convLayers, layerOutput } from './net.js';
import { AnalysisError, type Analysis } from './types.js';

const NAME = 'reconstruction';

/** The deconvnet projection of a whole layer's output for one input row: [1, H, W, C]. */
export function projectWholeLayer(model: tf.LayersModel, layer: string, x0: tf.Tensor4D): tf.Tensor4D {
  const cache = forwardChain(compileChain(model, layer), x0);
  try {
    // The seed is the layer's own (rectified) output: the top ReLU has acted on it already.
    return projectDown(cache, cache.top!, [0], PROJECTION_METHODS.deconvnet!.relu, { topRuleApplied: true });
  } finally {
    cache.dispose();
  }
}

export const reconstruction: Analysis = {
  name: NAME,
  version: 1,
  description:
    "The image recovered from a whole conv layer's output (regularized inversion), and its whole-layer deconvnet projection",
  params: [
    { name: 'image', kind: 'int', default: 0, min: 0, max: 1_000_000, help: 'probe image to reconstruct (default 0)' },
    { name: 'layer', kind: 'string', default: null, help: 'only this conv layer (default: every conv layer)' },
    {
      name: 'steps',
      kind: 'int',
      default: 256,
      min: 1,
      max: 10_000,
      help: 'optimization steps per layer (default 256)',
    },
    {
      name: 'lr',
      kind: 'number',
      default: 0.05,
      min: 1e-9,
      max: 100,
      help: "Adam step, relative to the image's max |x| (default 0.05)",
    },
    { name: 'alpha', kind: 'number', default: 6, min: 1, max: 16, help: 'α of the α-norm prior (default 6)' },
    {
      name: 'lambda-alpha',
      kind: 'number',
      default: 1e-4,
      min: 0,
      max: 1e6,
      help: 'weight of the α-norm prior (default 1e-4)',
    },
    { name: 'beta', kind: 'number', default: 2, min: 1, max: 8, help: 'β of the total-variation prior (default 2)' },
    {
      name: 'lambda-tv',
      kind: 'number',
      default: 1,
      min: 0,
      max: 1e6,
      help: 'weight of the total-variation prior (default 1)',
    },
    {
      name: 'noise',
      kind: 'number',
      default: 0.05,
      min: 0,
      max: 10,
      help: "starting noise, relative to the image's max |x| (default 0.05)",
    },
    { name: 'seed', kind: 'int', default: 1, min: 0, max: 2 ** 31, help: 'seed of the starting noise (default 1)' },
  ],
  check(target, p) {
    if (p.layer !== undefined) convLayer(target, p.layer as string, NAME);
    if ((p.image as number) >= target.probeCount) {
      throw new AnalysisError(
        'unknown-image',
        `${NAME} --image: the probe set has ${target.probeCount} images (0 to ${target.probeCount - 1}); found ${p.image}`,
        404,
      );
    }
  },
  async run(ctx, p) {
    if (!ctx.probe) throw new AnalysisError('unsupported', `${NAME}: this run has no probe set to take the image from`);
    const [h, w, c] = ctx.inputShape;
    const layers = p.layer !== undefined ? [p.layer as string] : convLayers(ctx);
    const steps = p.steps as number;
    const total = layers.length * steps;
    const every = Math.max(1, Math.floor(steps / 50));
    const x0 = ctx.probe.input(p.image as number);
    const show = (v: Float32Array) =>
      ctx.preprocess ? pixelPng(v, h, w, c, ctx.preprocess) : symmetricPng(v, h, w, c);
    try {
      const original = (x0.dataSync() as Float32Array).slice();
      const images: Record<string, Uint8Array> = { original: show(original) };
      const arrays: Record<string, Float32Array> = { original };
      const out: Record<string, unknown> = {};
      layers.forEach((layer, li) => {
        ctx.onProgress?.(li * steps, total, layer);
        const r = invert(layerOutput(ctx.model, layer), x0, {
          steps,
          lr: p.lr as number,
          alpha: p.alpha as number,
          lambdaAlpha: p['lambda-alpha'] as number,
          beta: p.beta as number,
          lambdaTV: p['lambda-tv'] as number,
          noise: p.noise as number,
          seed: p.seed as number,
          onStep: (t) => {
            if (t % every === 0) ctx.onProgress?.(li * steps + t, total, layer);
          },
        });
        const proj = projectWholeLayer(ctx.model, layer, x0);
        const projection = (proj.dataSync() as Float32Array).slice();
        proj.dispose();
        images[layer] = show(r.x);
        images[`${layer}.deconvnet`] = symmetricPng(projection, h, w, c);
        arrays[layer] = r.x;
        arrays[`${layer}.deconvnet`] = projection;
        out[layer] = {
          pixelError: r.pixelError,
          representationError: r.representationError,
          image: layer,
          deconvnet: `${layer}.deconvnet`,
          loss: r.loss,
        };
      });
      ctx.onProgress?.(total, total);
      return {
        images,
        arrays,
        data: { image: p.image, original: 'original', label: ctx.probe.images.labels[p.image as number], layers: out },
      };
    } finally {
      x0.dispose();
    }
  },
};
