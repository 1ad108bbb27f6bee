/**
 * The paper's figure experiments at a snapshot epoch: occlusion, invariance and correspondence on a
 * few fixed probe images (the same at every epoch), at their default settings, as one `experiments`
 * event with its pictures as PNG files (sent as the event's binary frames, stored next to the epoch's
 * atlases). Run by the trainer after the snapshot's diagnostics; which ones
 * is the run's `analyses` setting. An experiment the model cannot run (no Dense layer below the
 * classifier, say) is left out with a log line, never failing the run.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../datasets/types.js';
import { pictureFile } from '../../server/guards-experiments.js';
import { MAX_ANALYSIS_IMAGES, type ExperimentName } from '../../server/protocol.js';
import type { BlobData, ReportEvent } from '../reporter/types.js';
import {
  fixedImages,
  runCorrespondence,
  runInvariance,
  runOcclusion,
  type ExperimentProbe,
  type Pictures,
} from '../analyses/experiments.js';
import { encodePng } from '../analyses/image.js';

/** The event as the trainer reports it: its pictures as PNG bytes (a reporter names them by size and digest). */
export type ExperimentsEvent = Extract<ReportEvent, { type: 'experiments' }>;

/** The settings of the per-epoch experiments (the on-demand analyses' defaults). */
export const EPOCH_DEFAULTS = { stride: 2, correspondenceImages: 5, draws: 10, seed: 1 } as const;

export interface ExperimentsArgs {
  model: tf.LayersModel;
  probe: ImageSet;
  /** Model inputs of probe images, as the snapshot gets them. */
  toInput: (indices: number[]) => tf.Tensor4D;
  epoch: number;
  which: readonly ExperimentName[];
  /** Fixed probe images of occlusion and invariance (default 4). */
  images?: number;
  log?: (line: string) => void;
}

/** Adds the pictures as PNG files (`experiments.<name>.png`); a name already there is the same picture. */
function addFiles(pictures: Pictures, into: BlobData[]): void {
  for (const [name, p] of Object.entries(pictures)) {
    const file = pictureFile(name);
    if (!into.some((b) => b.name === file))
      into.push({ name: file, data: encodePng(p.bytes, p.height, p.width, p.channels) });
  }
}

/** Files in name order: the same event whichever thread computed which part. */
const byName = (files: BlobData[]) => files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/**
 * What to compute: the probe images of occlusion and of invariance, and whether correspondence.
 * A plan can be split between two threads (splitPlan) and the two partial events merged.
 */
export interface ExperimentPlan {
  occlusion?: number[];
  invariance?: number[];
  correspondence?: boolean;
}

/** The whole plan of one snapshot epoch. */
export function planExperiments(
  labels: ArrayLike<number>,
  which: readonly ExperimentName[],
  count = 4,
): ExperimentPlan {
  const images = fixedImages(labels, Math.min(count, MAX_ANALYSIS_IMAGES));
  return {
    ...(which.includes('occlusion') ? { occlusion: images } : {}),
    ...(which.includes('invariance') ? { invariance: images } : {}),
    ...(which.includes('correspondence') ? { correspondence: true } : {}),
  };
}

/**
 * Two halves of about equal work for two threads: occlusion (the largest, one forward per
 * occluder position) split by images, invariance on one side, correspondence on the other.
 */
export function splitPlan(plan: ExperimentPlan): [ExperimentPlan, ExperimentPlan] {
  const occ = plan.occlusion ?? [];
  const half = Math.ceil(occ.length / 2);
  const a: ExperimentPlan = {};
  const b: ExperimentPlan = {};
  if (occ.length) a.occlusion = occ.slice(0, half);
  if (occ.length > half) b.occlusion = occ.slice(half);
  if (plan.correspondence) a.correspondence = true;
  if (plan.invariance) b.invariance = plan.invariance;
  return [a, b];
}

/** The probe images a plan reads (for the inputs another thread needs). */
export function planImages(plan: ExperimentPlan, labels: ArrayLike<number>): number[] {
  const set = new Set([...(plan.occlusion ?? []), ...(plan.invariance ?? [])]);
  if (plan.correspondence) for (const i of correspondenceImages(labels)) set.add(i);
  return [...set].sort((x, y) => x - y);
}

/** The probe images correspondence masks: the first of probe image 0's class. */
function correspondenceImages(labels: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length && out.length < EPOCH_DEFAULTS.correspondenceImages; i++)
    if (labels[i] === labels[0]) out.push(i);
  return out;
}

/** A plan's part of the event (the whole event for the whole plan). */
export async function runPlan(
  model: tf.LayersModel,
  probe: ExperimentProbe,
  plan: ExperimentPlan,
  epoch: number,
  log?: (line: string) => void,
): Promise<ExperimentsEvent> {
  const event: ExperimentsEvent = { type: 'experiments', epoch, blobs: [], seconds: {} };
  const timed = async (name: ExperimentName, fn: () => void) => {
    const t0 = performance.now();
    try {
      fn();
      event.seconds[name] = Math.round(performance.now() - t0) / 1000;
    } catch (err) {
      log?.(`experiments: ${name} left out at epoch ${epoch}: ${(err as Error).message}`);
    }
    // Between experiments: let the reporter's socket breathe.
    await new Promise<void>((res) => setImmediate(res));
  };
  if (plan.occlusion?.length)
    await timed('occlusion', () => {
      const r = runOcclusion(model, probe, plan.occlusion!, { stride: EPOCH_DEFAULTS.stride });
      event.occlusion = r.data;
      addFiles(r.pictures, event.blobs);
    });
  if (plan.invariance?.length)
    await timed('invariance', () => {
      const r = runInvariance(model, probe, plan.invariance!);
      event.invariance = r.data;
      addFiles(r.pictures, event.blobs);
    });
  if (plan.correspondence)
    await timed('correspondence', () => {
      const r = runCorrespondence(model, probe, {
        count: EPOCH_DEFAULTS.correspondenceImages,
        draws: EPOCH_DEFAULTS.draws,
        seed: EPOCH_DEFAULTS.seed,
      });
      event.correspondence = r.data;
      addFiles(r.pictures, event.blobs);
    });
  byName(event.blobs);
  return event;
}

/** Two partial events of one epoch as one: occlusion images in order (a's first), seconds added. */
export function mergeEvents(a: ExperimentsEvent, b: ExperimentsEvent): ExperimentsEvent {
  const blobs = [...a.blobs];
  for (const f of b.blobs) if (!blobs.some((x) => x.name === f.name)) blobs.push(f);
  const out: ExperimentsEvent = { ...a, blobs: byName(blobs), seconds: { ...a.seconds } };
  for (const [k, v] of Object.entries(b.seconds) as [ExperimentName, number][])
    out.seconds[k] = Math.round(((out.seconds[k] ?? 0) + v) * 1000) / 1000;
  if (a.occlusion && b.occlusion)
    out.occlusion = { ...a.occlusion, images: [...a.occlusion.images, ...b.occlusion.images] };
  else if (b.occlusion) out.occlusion = b.occlusion;
  if (b.invariance) out.invariance = b.invariance;
  if (b.correspondence) out.correspondence = b.correspondence;
  return out;
}

/** A probe set whose model inputs come from `toInput`. */
export function probeOf(images: ImageSet, toInput: (indices: number[]) => tf.Tensor4D): ExperimentProbe {
  return {
    images,
    input: (i) => {
      const t = toInput([i]);
      const v = (t.dataSync() as Float32Array).slice();
      t.dispose();
      return v;
    },
  };
}

/** The event of one snapshot epoch on this thread, or null when no experiment is asked for (or none could run). */
export async function runExperiments(a: ExperimentsArgs): Promise<ExperimentsEvent | null> {
  const plan = planExperiments(a.probe.labels, a.which, a.images ?? 4);
  if (!Object.keys(plan).length) return null;
  const event = await runPlan(a.model, probeOf(a.probe, a.toInput), plan, a.epoch, a.log);
  return Object.keys(event.seconds).length ? event : null;
}
