/**
 * What the three experiment analyses (occlusion, invariance, correspondence) share as analyses:
 * the probe set of a request's context, the images a request names, the parameters of images and
 * batches, and their results as JSON with PNG files.
 */
import { type ExperimentProbe, fixedImages, type Pictures } from './experiments.js';
import { encodePng } from './image.js';
import {
  AnalysisError,
  type AnalysisContext,
  type AnalysisParams,
  type AnalysisResult,
  type AnalysisTarget,
  type ParamSpec,
} from './types.js';

/** An AnalysisContext's probe set as the experiments read it. */
export function contextProbe(ctx: AnalysisContext, analysis: string): ExperimentProbe {
  const probe = ctx.probe;
  if (!probe) throw new AnalysisError('unsupported', `${analysis}: this run has no probe set to take the images from`);
  return {
    images: probe.images,
    input: (i) => {
      const t = probe.input(i);
      const v = (t.dataSync() as Float32Array).slice();
      t.dispose();
      return v;
    },
  };
}

/** The analysis result of an experiment: its data as JSON, its pictures as PNG files of the same names. */
export function asResult(r: { data: object; pictures: Pictures }): AnalysisResult {
  const images: Record<string, Uint8Array> = {};
  for (const [name, p] of Object.entries(r.pictures)) images[name] = encodePng(p.bytes, p.height, p.width, p.channels);
  return { images, data: r.data as Record<string, unknown> };
}

/** The probe images of a request: `image` alone when given, else the fixed set of `count`. */
export function requestedImages(ctx: AnalysisContext, p: AnalysisParams): number[] {
  if (p.image !== undefined) return [p.image as number];
  return fixedImages(ctx.probe?.images.labels ?? [], p.count as number);
}

/** The parameters every per-image experiment shares. */
export const IMAGE_PARAMS: ParamSpec[] = [
  {
    name: 'image',
    kind: 'int',
    default: null,
    min: 0,
    max: 1_000_000,
    help: 'only this probe image (default: the fixed set)',
  },
  {
    name: 'count',
    kind: 'int',
    default: 4,
    min: 1,
    max: 64,
    help: 'images of the fixed set: the first probe image of each class (default 4)',
  },
  { name: 'batch', kind: 'int', default: 256, min: 1, max: 4096, help: 'images per forward pass (default 256)' },
];

/** Refuses an --image beyond the probe set (from run.json, before any tensor). */
export function checkImage(target: AnalysisTarget, p: AnalysisParams, analysis: string): void {
  if (p.image !== undefined && (p.image as number) >= target.probeCount)
    throw new AnalysisError(
      'unknown-image',
      `${analysis} --image: the probe set has ${target.probeCount} images (0 to ${target.probeCount - 1}); found ${p.image}`,
      404,
    );
}
