/**
 * `invariance`: invariance curves (ZF Fig. 5) on a stored epoch's network: probe images shifted
 * vertically (±a quarter of the height), zoomed (1 to 1.8) and rotated (0° to 350°); per value, the
 * Euclidean distance of the layer-1 and fc7 feature vectors to the untransformed image's, and the
 * probability of the true class.
 */
import { asResult, checkImage, contextProbe, IMAGE_PARAMS, requestedImages } from './experiment-requests.js';
import { runInvariance } from './experiments.js';
import { checkTarget } from './readout.js';
import type { Analysis } from './types.js';

const NAME = 'invariance';

export const invariance: Analysis = {
  name: NAME,
  version: 1,
  description: 'Invariance curves: layer-1 and fc7 distances and p(true class) under vertical shift, zoom and rotation',
  params: [
    ...IMAGE_PARAMS,
    { name: 'shift-step', kind: 'number', default: 1, min: 0.01, max: 64, help: 'shift step in pixels (default 1)' },
    { name: 'scale-step', kind: 'number', default: 0.1, min: 0.001, max: 0.8, help: 'zoom step (default 0.1)' },
    {
      name: 'rotation-step',
      kind: 'number',
      default: 10,
      min: 0.1,
      max: 180,
      help: 'rotation step in degrees (default 10)',
    },
  ],
  check(target, p) {
    checkTarget(target, NAME, { dense: true });
    checkImage(target, p, NAME);
  },
  async run(ctx, p) {
    const probe = contextProbe(ctx, NAME);
    const images = requestedImages(ctx, p);
    ctx.onProgress?.(0, 1);
    const r = runInvariance(ctx.model, probe, images, {
      shiftStep: p['shift-step'] as number,
      scaleStep: p['scale-step'] as number,
      rotationStep: p['rotation-step'] as number,
      batchSize: p.batch as number,
    });
    ctx.onProgress?.(1, 1);
    return asResult(r);
  },
};
