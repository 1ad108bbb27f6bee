/**
 * The paper's figure experiments as data: occlusion (Fig. 7), invariance (Fig. 5) and
 * correspondence (Fig. 8) on chosen probe images, in the JSON shapes of server/protocol.ts, with the
 * pictures they name as raw display bytes. The same builders serve the on-demand analyses and the
 * trainer at snapshot time; both turn the pictures into PNG files of the same names.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../datasets/types.js';
import type { CorrespondenceData, InvarianceData, OcclusionData } from '../../server/protocol.js';
import { displayChannels, maxAbs, symmetricBytes, toDisplay } from '../viz/atlas.js';
import { correspondence, namedRegions } from './correspondence-delta.js';
import { invarianceCurves } from './invariance-curves.js';
import { occludeImages } from './occlusion-maps.js';
import { defaultValues } from './resample.js';
import { AnalysisError } from './types.js';

/** The probe set as the experiments read it: raw images (for display and labels) and model inputs. */
export interface ExperimentProbe {
  images: ImageSet;
  /** Model input of probe image i, h*w*c. */
  input: (i: number) => Float32Array;
}

/** A picture as display bytes (h x w x 1 or 3). */
export interface Picture {
  height: number;
  width: number;
  channels: 1 | 3;
  bytes: Uint8Array;
}

export type Pictures = Record<string, Picture>;

/** Default occluder (and masked box) side: a quarter of the image height (7 px at 28, 8 px at 32). */
export const defaultBoxSize = (height: number) => Math.max(1, Math.round(height / 4));

/** The fixed probe images: the first image of each class in probe order, `count` of them (then the next ones). */
export function fixedImages(labels: ArrayLike<number>, count: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < labels.length && out.length < count; i++) {
    if (seen.has(labels[i]!)) continue;
    seen.add(labels[i]!);
    out.push(i);
  }
  for (let i = 0; i < labels.length && out.length < count; i++) if (!out.includes(i)) out.push(i);
  return out;
}

/** Probe image i as it is displayed. */
export function probePicture(set: ImageSet, i: number): Picture {
  const n = set.height * set.width * set.channels;
  const shown = toDisplay(set.images.subarray(i * n, (i + 1) * n), set.height * set.width, set.channels);
  return {
    height: set.height,
    width: set.width,
    channels: displayChannels(set.channels),
    bytes: Uint8Array.from(shown, (v) => Math.round(v)),
  };
}

/** An input-space array with symmetric contrast (0 grey), as the projections are shown everywhere. */
export function symmetricPicture(v: Float32Array, h: number, w: number, c: number): Picture {
  const shown = toDisplay(v, h * w, c);
  return { height: h, width: w, channels: displayChannels(c), bytes: symmetricBytes(shown, maxAbs(shown)) };
}

/** Rounded for JSON: probabilities to 1e-5, other values to 5 significant digits. */
export const roundP = (v: number) => Math.round(v * 1e5) / 1e5;
export const round5 = (v: number) => (v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(5)));

function checkImages(set: ImageSet, images: number[], analysis: string): void {
  for (const i of images) {
    if (!Number.isInteger(i) || i < 0 || i >= set.count)
      throw new AnalysisError(
        'unknown-image',
        `${analysis} --image: the probe set has ${set.count} images (0 to ${set.count - 1}); found ${i}`,
        404,
      );
  }
}

/** Occlusion maps of `images` (probe indices). */
export function runOcclusion(
  model: tf.LayersModel,
  probe: ExperimentProbe,
  images: number[],
  o: { size?: number; stride: number; layer?: string; feature?: number; batchSize?: number },
): { data: OcclusionData; pictures: Pictures } {
  checkImages(probe.images, images, 'occlusion');
  const { height: h, width: w, channels: c } = probe.images;
  const size = o.size ?? defaultBoxSize(h);
  const pictures: Pictures = {};
  const classes = images.map((i) => probe.images.labels[i]!);
  const maps = occludeImages(
    model,
    images.map((i) => probe.input(i)),
    classes,
    { ...o, size },
  );
  const layer = maps[0]?.layer ?? o.layer ?? '';
  const centres = maps[0]?.centres ?? { y: [], x: [] };
  const out = images.map((i, k) => {
    const klass = classes[k]!;
    const r = maps[k]!;
    pictures[`image-${i}`] = probePicture(probe.images, i);
    pictures[`occlusion-${i}-projection`] = symmetricPicture(r.projection, h, w, c);
    return {
      image: i,
      class: klass,
      picture: `image-${i}`,
      feature: r.feature,
      clean: { probability: roundP(r.clean.probability), activation: round5(r.clean.activation), label: r.clean.label },
      probability: r.probability.map((row) => row.map(roundP)),
      activation: r.activation.map((row) => row.map(round5)),
      label: r.label,
      unit: { ...r.unit, value: round5(r.unit.value) },
      marker: r.marker,
      projection: `occlusion-${i}-projection`,
    };
  });
  return { data: { layer, size, stride: o.stride, centres, images: out }, pictures };
}

/** Invariance curves of `images` (probe indices); steps of the default ranges are adjustable. */
export function runInvariance(
  model: tf.LayersModel,
  probe: ExperimentProbe,
  images: number[],
  o: { shiftStep?: number; scaleStep?: number; rotationStep?: number; batchSize?: number } = {},
): { data: InvarianceData; pictures: Pictures } {
  checkImages(probe.images, images, 'invariance');
  const values = defaultValues(probe.images.height, {
    shift: o.shiftStep,
    scale: o.scaleStep,
    rotation: o.rotationStep,
  });
  const classes = images.map((i) => probe.images.labels[i]!);
  const r = invarianceCurves(
    model,
    images.map((i) => probe.input(i)),
    classes,
    values,
    o.batchSize,
  );
  const pictures: Pictures = Object.fromEntries(images.map((i) => [`image-${i}`, probePicture(probe.images, i)]));
  const curves = (t: 'shift' | 'scale' | 'rotation') => ({
    values: r[t].values,
    images: r[t].images.map((im) => ({
      conv1: im.conv1.map(round5),
      fc7: im.fc7.map(round5),
      probability: im.probability.map(roundP),
    })),
  });
  return {
    data: {
      layers: r.layers,
      images: images.map((i, k) => ({
        image: i,
        class: classes[k]!,
        picture: `image-${i}`,
        clean: roundP(r.clean[k]!),
      })),
      shift: curves('shift'),
      scale: curves('scale'),
      rotation: curves('rotation'),
    },
    pictures,
  };
}

/** Δ of the named regions and of random ones on the first `count` probe images of class `klass`. */
export function runCorrespondence(
  model: tf.LayersModel,
  probe: ExperimentProbe,
  o: { class?: number; count: number; size?: number; draws: number; seed: number; batchSize?: number },
): { data: CorrespondenceData; pictures: Pictures } {
  const labels = probe.images.labels;
  const klass = o.class ?? labels[0] ?? 0;
  const images: number[] = [];
  for (let i = 0; i < probe.images.count && images.length < o.count; i++) if (labels[i] === klass) images.push(i);
  if (images.length < 2)
    throw new AnalysisError(
      'unknown-class',
      `correspondence --class: the probe set has ${images.length} image(s) of class ${klass}; at least 2 are needed`,
      404,
    );
  const { height: h, width: w } = probe.images;
  const size = o.size ?? defaultBoxSize(h);
  const r = correspondence(
    model,
    images.map((i) => probe.input(i)),
    namedRegions(h, w, size),
    { draws: o.draws, seed: o.seed, size, ...(o.batchSize ? { batchSize: o.batchSize } : {}) },
  );
  const rd = (d: { conv5: number; fc7: number }) => ({ conv5: round5(d.conv5), fc7: round5(d.fc7) });
  return {
    data: {
      layers: r.layers,
      class: klass,
      images: images.map((i) => ({ image: i, class: klass, picture: `image-${i}` })),
      size,
      regions: Object.fromEntries(
        Object.entries(r.regions).map(([name, v]) => [
          name,
          { box: { top: v.box.top, left: v.box.left, size: v.box.size }, delta: rd(v.delta), spread: rd(v.spread) },
        ]),
      ),
      random: { draws: r.random.draws, seed: o.seed, delta: rd(r.random.delta), spread: rd(r.random.spread) },
    },
    pictures: Object.fromEntries(images.map((i) => [`image-${i}`, probePicture(probe.images, i)])),
  };
}
