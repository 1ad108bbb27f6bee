/**
 * `optimal-input`: the input a class or a feature map wants most (the cs231n write-up's "feed a
 * zero image, make it the trainable variable"). The class objective is the unnormalized score (the
 * logit); a feature map's is the mean of its output map or its centre unit. Weights are read, never
 * written; the result is the image (symmetric contrast, grey = the mean image) and the objective curve.
 */
import * as tf from '@tensorflow/tfjs';
import { ascend } from './ascent.js';
import { pixelPng, symmetricPng } from './image.js';
import { classScores, convLayer, layerOutput } from './net.js';
import { AnalysisError, type Analysis, type AnalysisContext, type AnalysisParams } from './types.js';

const NAME = 'optimal-input';
/** Slope of the leaky ReLUs of the warm-up surrogate. */
const WARMUP_LEAK = 0.1;

/**
 * The score function of a request: a class's logit, or a feature map's mean or centre unit. With
 * `leak`, the same through leaky ReLUs: the warm-up surrogate when every path is off at the start.
 */
function objectiveOf(ctx: AnalysisContext, p: AnalysisParams, leak = 0): (x: tf.Tensor4D) => tf.Scalar {
  if (p.class !== undefined) {
    const scores = classScores(ctx.model, { leak });
    const c = p.class as number;
    return (x) => tf.squeeze(tf.slice(scores(x), [0, c], [1, 1])) as tf.Scalar;
  }
  const out = layerOutput(ctx.model, p.layer as string, { leak });
  const f = p.feature as number;
  if (p.unit === 'centre') {
    return (x) => {
      const a = out(x);
      const [, h, w] = a.shape;
      return tf.squeeze(tf.slice(a, [0, Math.floor(h / 2), Math.floor(w / 2), f], [1, 1, 1, 1])) as tf.Scalar;
    };
  }
  return (x) => tf.mean(tf.slice(out(x), [0, 0, 0, f], [-1, -1, -1, 1])) as tf.Scalar;
}

export const optimalInput: Analysis = {
  name: NAME,
  version: 1,
  description: 'The input a class or feature map wants most: gradient ascent from the zero image, weights frozen',
  params: [
    {
      name: 'class',
      kind: 'int',
      default: null,
      min: 0,
      max: 100_000,
      help: 'class whose unnormalized score to maximize',
    },
    {
      name: 'layer',
      kind: 'string',
      default: null,
      help: 'conv layer of the feature map to maximize (with --feature)',
    },
    { name: 'feature', kind: 'int', default: null, min: 0, max: 100_000, help: 'feature map (channel) of --layer' },
    {
      name: 'unit',
      kind: 'choice',
      default: 'mean',
      choices: ['mean', 'centre'],
      help: "the feature map's mean, or its centre unit (default mean)",
    },
    { name: 'steps', kind: 'int', default: 256, min: 1, max: 10_000, help: 'ascent steps (default 256)' },
    {
      name: 'lr',
      kind: 'number',
      default: 0.02,
      min: 1e-9,
      max: 1e6,
      help: 'step size, in input units per step when normalized (default 0.02)',
    },
    {
      name: 'l2',
      kind: 'number',
      default: 1e-4,
      min: 0,
      max: 1e6,
      help: 'λ of the penalty λ‖I‖² (an L2 decay; default 1e-4)',
    },
    {
      name: 'blur',
      kind: 'number',
      default: 0.5,
      min: 0,
      max: 10,
      help: 'Gaussian blur σ in pixels, 0 for none (default 0.5)',
    },
    {
      name: 'blur-every',
      kind: 'int',
      default: 4,
      min: 1,
      max: 10_000,
      help: 'blur after every N-th step (default 4)',
    },
    {
      name: 'jitter',
      kind: 'int',
      default: 1,
      min: 0,
      max: 16,
      help: 'random shift of up to N pixels before each step, 0 for none (default 1)',
    },
    {
      name: 'normalize',
      kind: 'boolean',
      default: true,
      help: "divide each step by its gradient's RMS (default true)",
    },
    {
      name: 'clip',
      kind: 'boolean',
      default: true,
      help: "keep pixels in 0..255 (default true; needs the run's preprocessing)",
    },
    {
      name: 'max-norm',
      kind: 'number',
      default: 0,
      min: 0,
      max: 1e9,
      help: 'keep ‖I‖ ≤ N, 0 for no bound (default 0)',
    },
    { name: 'seed', kind: 'int', default: 1, min: 0, max: 2 ** 31, help: 'seed of the jitter (default 1)' },
  ],
  check(target, p) {
    const byClass = p.class !== undefined;
    const byFeature = p.layer !== undefined || p.feature !== undefined;
    if (byClass === byFeature)
      throw new AnalysisError('bad-param', `${NAME}: give either --class N or --layer NAME --feature N`);
    if (byClass) {
      if ((p.class as number) >= target.classes)
        throw new AnalysisError(
          'unknown-class',
          `${NAME} --class: ${p.class} is not a class of this run (0 to ${target.classes - 1})`,
          404,
        );
      return;
    }
    if (p.layer === undefined || p.feature === undefined)
      throw new AnalysisError('bad-param', `${NAME}: --layer and --feature go together`);
    const layer = convLayer(target, p.layer as string, NAME);
    const channels = layer.outputShape[2]!;
    if ((p.feature as number) >= channels) {
      throw new AnalysisError(
        'unknown-feature',
        `${NAME} --feature: ${layer.name} has ${channels} feature maps (0 to ${channels - 1}); found ${p.feature}`,
        404,
      );
    }
  },
  async run(ctx, p) {
    const [h, w, c] = ctx.inputShape;
    const steps = p.steps as number;
    const pre = ctx.preprocess;
    const bounds =
      p.clip && pre
        ? {
            lo: Float32Array.from(pre.mean, (m) => (0 - m) * pre.scale),
            hi: Float32Array.from(pre.mean, (m) => (255 - m) * pre.scale),
          }
        : undefined;
    const every = Math.max(1, Math.floor(steps / 100));
    const r = ascend(objectiveOf(ctx, p), ctx.inputShape, {
      steps,
      lr: p.lr as number,
      l2: p.l2 as number,
      blurSigma: p.blur as number,
      blurEvery: p['blur-every'] as number,
      jitter: p.jitter as number,
      normalize: p.normalize as boolean,
      seed: p.seed as number,
      maxNorm: p['max-norm'] as number,
      warmup: objectiveOf(ctx, p, WARMUP_LEAK),
      ...(bounds ? { bounds } : {}),
      onStep: (t) => {
        if (t % every === 0 || t === steps) ctx.onProgress?.(t, steps);
      },
    });
    return {
      // As pixels (the mean image plus what the ascent added) when the run's preprocessing is known,
      // and as the change from the mean image (grey = no change) always.
      images: {
        image: pre ? pixelPng(r.image, h, w, c, pre) : symmetricPng(r.image, h, w, c),
        change: symmetricPng(r.image, h, w, c),
      },
      data: {
        image: 'image',
        change: 'change',
        objective: r.objective,
        score: r.score,
        deadStart: r.deadStart,
        warmupSteps: r.warmupSteps,
        imageRms: rms(r.image),
      },
      arrays: { image: r.image },
    };
  },
};

function rms(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s / Math.max(1, v.length));
}
