/**
 * `occlusion`: occlusion sensitivity (ZF Fig. 7) on a stored epoch's network: for every position of
 * a mean-grey square, the summed activation of one conv map (by default the last conv layer's map
 * with the strongest unit on the clean image), the probability of the true class and the most
 * probable class, with the deconvnet projection of that map's strongest unit.
 */
import { asResult, checkImage, contextProbe, IMAGE_PARAMS, requestedImages } from './experiment-requests.js';
import { runOcclusion } from './experiments.js';
import { convLayer } from './net.js';
import { checkTarget } from './readout.js';
import { AnalysisError, type Analysis } from './types.js';

const NAME = 'occlusion';

export const occlusion: Analysis = {
  name: NAME,
  version: 1,
  description:
    'Occlusion sensitivity: a grey square slides over probe images; a conv map and p(true class) per position',
  params: [
    ...IMAGE_PARAMS,
    {
      name: 'size',
      kind: 'int',
      default: null,
      min: 1,
      max: 1024,
      help: 'side of the occluder in pixels (default a quarter of the image: 7 at 28x28, 8 at 32x32)',
    },
    { name: 'stride', kind: 'int', default: 2, min: 1, max: 1024, help: 'step between occluder positions (default 2)' },
    { name: 'layer', kind: 'string', default: null, help: 'conv layer whose map is summed (default: the last)' },
    {
      name: 'feature',
      kind: 'int',
      default: null,
      min: 0,
      max: 100_000,
      help: "that layer's map (default: the one with the strongest unit on the clean image)",
    },
  ],
  check(target, p) {
    checkTarget(target, NAME, { dense: false });
    checkImage(target, p, NAME);
    const [h, w] = target.inputShape;
    if (p.size !== undefined && (p.size as number) > Math.min(h, w))
      throw new AnalysisError(
        'bad-param',
        `${NAME} --size: expected at most ${Math.min(h, w)} (the image is ${h}x${w}); found ${p.size}`,
      );
    if (p.layer !== undefined) {
      const layer = convLayer(target, p.layer as string, NAME);
      const maps = layer.outputShape.at(-1) ?? 0;
      if (p.feature !== undefined && (p.feature as number) >= maps)
        throw new AnalysisError(
          'unknown-feature',
          `${NAME} --feature: ${layer.name} has ${maps} maps (0 to ${maps - 1}); found ${p.feature}`,
          404,
        );
    }
  },
  async run(ctx, p) {
    const probe = contextProbe(ctx, NAME);
    const images = requestedImages(ctx, p);
    ctx.onProgress?.(0, images.length);
    const r = runOcclusion(ctx.model, probe, images, {
      stride: p.stride as number,
      batchSize: p.batch as number,
      ...(p.size !== undefined ? { size: p.size as number } : {}),
      ...(p.layer !== undefined ? { layer: p.layer as string } : {}),
      ...(p.feature !== undefined ? { feature: p.feature as number } : {}),
    });
    ctx.onProgress?.(images.length, images.length);
    return asResult(r);
  },
};
