/**
 * What the parts of a training run share: the options, the model and its train step, the
 * preprocessing, the reporter's send, the batch geometry, and the state that lives from one
 * snapshot to the next (the snapshot and diagnostics memories, the snapshotter). Built once by
 * `openRun`; the epoch loop (train-epoch.ts) and the snapshot epoch (snapshot-epoch.ts) read it.
 */
import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { createFastTrainStep } from './backend/trainer.js';
import { saveCheckpoint } from './checkpoint.js';
import { computeMean, inputBatch, type Preprocess } from './data.js';
import { zfNetConfig } from './model/config.js';
import { buildZfNet } from './model/zfnet.js';
import type { ReportEvent } from './reporter/index.js';
import type { TrainRunOptions } from './train.js';
import type { DiagnosticsMemory } from './viz/diagnostics/diagnose.js';
import type { SnapshotMemory } from './viz/snapshot.js';
import type { Snapshotter } from './viz/snapshotter.js';

export interface RunContext {
  options: TrainRunOptions;
  model: tf.LayersModel;
  step: Awaited<ReturnType<typeof createFastTrainStep>>;
  pre: Preprocess;
  probeInput: (idx: number[]) => tf.Tensor4D;
  send: (e: ReportEvent) => Promise<void>;
  log: (line: string) => void;
  classes: number;
  batches: number;
  /** Per-batch metrics every this many batches. */
  every: number;
  /** <checkpointDir>/latest */
  latest: string;
  /** When training started, for the ETA. */
  t0: number;
  state: {
    /** The last snapshot's memory (change since then), with the diagnostics' own. */
    memory?: SnapshotMemory;
    /** The first reference of the convergence measures: the initialization (epoch 0). */
    initial?: DiagnosticsMemory;
    /** Started at the first snapshot epoch (a worker thread with two threads), reused, disposed at the end. */
    snapshotter?: Snapshotter;
    lastSnapshot?: number;
    imagesSeen: number;
  };
  /**
   * A checkpoint with the reporter's state: the seq of the last event it covers and the frames not
   * yet acknowledged, so that a resume neither loses nor repeats an event.
   */
  checkpoint(dir: string, epoch: number, batch: number, epochMetrics?: Record<string, number>): Promise<void>;
}

/** Builds the model (seeded), its train step and the preprocessing of a run. */
export async function openRun(o: TrainRunOptions): Promise<RunContext> {
  const { config, split, reporter } = o;
  const [h, w, c] = o.dataset.shape;
  const classes = o.dataset.classes.length;
  const model = buildZfNet(
    zfNetConfig({ inputShape: [h, w, c], classes, conv1: config.conv1, widths: config.widths }),
    config.seed,
  );
  o.beforeTraining?.(model);
  const step = await createFastTrainStep(
    model,
    { learningRate: config.learningRate, momentum: config.momentum, threads: o.threads ?? 'auto' },
    o.log,
  );
  const pre: Preprocess = {
    mean: computeMean(split.train),
    scale: o.inputScale ?? (typeof config.inputScale === 'number' ? config.inputScale : 1 / 64),
  };
  const batches = Math.ceil(split.train.count / config.batchSize);
  const run: RunContext = {
    options: o,
    model,
    step,
    pre,
    probeInput: (idx) => inputBatch(split.probe, idx, pre),
    send: (e) => reporter.send(e),
    log: o.log ?? (() => undefined),
    classes,
    batches,
    every: o.metricsEvery ?? Math.max(1, Math.floor(batches / 20)),
    latest: join(o.checkpointDir, 'latest'),
    t0: Date.now(),
    state: { imagesSeen: 0 },
    async checkpoint(dir, epoch, batch, epochMetrics) {
      const pending = await reporter.unacked();
      await saveCheckpoint(
        dir,
        model,
        step.optimizer,
        { epoch, batch, learningRate: config.learningRate },
        {
          seq: pending.seq,
          unacked: pending.frames,
          ...(epochMetrics ? { epochMetrics } : {}),
          ...(run.state.memory ? { memory: run.state.memory } : {}),
        },
      );
    },
  };
  return run;
}
