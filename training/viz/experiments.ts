/**
 * The paper's figure experiments at a snapshot epoch: occlusion, invariance and correspondence on a
 * few fixed probe images (the same at every epoch), at their default settings, as one `experiments`
 * event with its pictures inline. Run by the trainer after the snapshot's diagnostics; which ones
 * is the run's `analyses` setting. An experiment the model cannot run (no Dense layer below the
 * classifier, say) is left out with a log line, never failing the run.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../datasets/types.js';
import type { ExperimentName, PictureData, TrainerEvent } from '../../server/protocol.js';
import {
  fixedImages,
  runCorrespondence,
  runInvariance,
  runOcclusion,
  type ExperimentProbe,
  type Pictures,
} from '../analyses/experiments.js';

export type ExperimentsEvent = Extract<TrainerEvent, { type: 'experiments' }>;

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

const base64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

function inline(pictures: Pictures, into: Record<string, PictureData>): void {
  for (const [name, p] of Object.entries(pictures))
    into[name] = { height: p.height, width: p.width, channels: p.channels, base64: base64(p.bytes) };
}

/** The event of one snapshot epoch, or null when no experiment is asked for (or none could run). */
export async function runExperiments(a: ExperimentsArgs): Promise<ExperimentsEvent | null> {
  if (a.which.length === 0) return null;
  const probe: ExperimentProbe = {
    images: a.probe,
    input: (i) => {
      const t = a.toInput([i]);
      const v = (t.dataSync() as Float32Array).slice();
      t.dispose();
      return v;
    },
  };
  const images = fixedImages(a.probe.labels, a.images ?? 4);
  const event: ExperimentsEvent = { type: 'experiments', epoch: a.epoch, pictures: {}, seconds: {} };
  const timed = async (name: ExperimentName, fn: () => void) => {
    if (!a.which.includes(name)) return;
    const t0 = performance.now();
    try {
      fn();
      event.seconds[name] = Math.round(performance.now() - t0) / 1000;
    } catch (err) {
      a.log?.(`experiments: ${name} left out at epoch ${a.epoch}: ${(err as Error).message}`);
    }
    // Between experiments: let the reporter's socket breathe.
    await new Promise<void>((res) => setImmediate(res));
  };
  await timed('occlusion', () => {
    const r = runOcclusion(a.model, probe, images, { stride: EPOCH_DEFAULTS.stride });
    event.occlusion = r.data;
    inline(r.pictures, event.pictures);
  });
  await timed('invariance', () => {
    const r = runInvariance(a.model, probe, images);
    event.invariance = r.data;
    inline(r.pictures, event.pictures);
  });
  await timed('correspondence', () => {
    const r = runCorrespondence(a.model, probe, {
      count: EPOCH_DEFAULTS.correspondenceImages,
      draws: EPOCH_DEFAULTS.draws,
      seed: EPOCH_DEFAULTS.seed,
    });
    event.correspondence = r.data;
    inline(r.pictures, event.pictures);
  });
  return Object.keys(event.seconds).length ? event : null;
}
