/**
 * `correspondence`: the paper's Table 1 (Fig. 8) on a stored epoch's network: the same region masked
 * in a few probe images of one class against random regions of equal area; Δ at conv5 (the last
 * conv layer) and fc7, lower meaning the layer represents that part the same way in every image.
 */
import { asResult, contextProbe } from './experiment-requests.js';
import { runCorrespondence } from './experiments.js';
import { checkTarget } from './readout.js';
import { AnalysisError, type Analysis } from './types.js';

const NAME = 'correspondence';

export const correspondenceAnalysis: Analysis = {
  name: NAME,
  version: 1,
  description:
    'Correspondence: Δ at conv5 and fc7 for the same region masked in images of one class, against random regions',
  params: [
    {
      name: 'class',
      kind: 'int',
      default: null,
      min: 0,
      max: 100_000,
      help: 'class of the images (default: that of probe image 0)',
    },
    {
      name: 'count',
      kind: 'int',
      default: 5,
      min: 2,
      max: 64,
      help: 'images of that class, the first in the probe set (default 5)',
    },
    {
      name: 'size',
      kind: 'int',
      default: null,
      min: 1,
      max: 1024,
      help: 'side of the masked square (default a quarter of the image: 7 at 28x28, 8 at 32x32)',
    },
    { name: 'draws', kind: 'int', default: 10, min: 1, max: 1000, help: 'draws of random regions (default 10)' },
    { name: 'seed', kind: 'int', default: 1, min: 0, max: 2 ** 31, help: 'seed of the random regions (default 1)' },
    { name: 'batch', kind: 'int', default: 256, min: 1, max: 4096, help: 'images per forward pass (default 256)' },
  ],
  check(target, p) {
    checkTarget(target, NAME, { dense: true });
    if (p.class !== undefined && target.classes && (p.class as number) >= target.classes)
      throw new AnalysisError(
        'unknown-class',
        `${NAME} --class: the model has ${target.classes} classes (0 to ${target.classes - 1}); found ${p.class}`,
        404,
      );
    const [h, w] = target.inputShape;
    if (p.size !== undefined && (p.size as number) > Math.min(h, w))
      throw new AnalysisError(
        'bad-param',
        `${NAME} --size: expected at most ${Math.min(h, w)} (the image is ${h}x${w}); found ${p.size}`,
      );
  },
  async run(ctx, p) {
    const probe = contextProbe(ctx, NAME);
    ctx.onProgress?.(0, 1);
    const r = runCorrespondence(ctx.model, probe, {
      count: p.count as number,
      draws: p.draws as number,
      seed: p.seed as number,
      batchSize: p.batch as number,
      ...(p.class !== undefined ? { class: p.class as number } : {}),
      ...(p.size !== undefined ? { size: p.size as number } : {}),
    });
    ctx.onProgress?.(1, 1);
    return asResult(r);
  },
};
