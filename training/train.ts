/**
 * The training loop of a run: batches -> train steps, per-batch and per-epoch metrics, validation,
 * snapshots at the chosen epochs, checkpoints, and a clean stop on request. Everything it reports
 * goes through a Reporter (WebSocket to a server, or straight into a logdir); it never touches the
 * network or the terminal itself.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import type { RunConfig, DatasetInfo } from '../server/protocol.js';
import type { DatasetSplit } from '../datasets/types.js';
import type { Reporter, ReportEvent } from './reporter/index.js';
import { checkpointUpload, probeUpload, sendUpload } from './uploads.js';
import { buildZfNet, summarizeModel } from './model/zfnet.js';
import { zfNetConfig } from './model/config.js';
import { createFastTrainStep } from './backend/trainer.js';
import { computeMean, inputBatch, oneHotBatch, shuffled, type Preprocess } from './data.js';
import { evaluate } from './evaluate.js';
import type { SnapshotMemory } from './viz/snapshot.js';
import { createSnapshotter, type Snapshotter } from './viz/snapshotter.js';
import { diagnoseSnapshot, initialDiagnostics, type DiagnosticsMemory } from './viz/diagnostics/diagnose.js';
import {
  loadCheckpoint,
  loadSnapshotMemory,
  readCheckpointMeta,
  recoverCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
import type { KeptResults } from './resume.js';
import { ZfError } from '../server/errors.js';

export interface Progress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  acc: number;
  imgPerS: number;
  /** Seconds left in the whole run, estimated. */
  etaS: number;
  lastSnapshot?: number;
  phase: 'train' | 'validate' | 'snapshot';
  message?: string;
}

export interface TrainRunOptions {
  runId: string;
  config: RunConfig;
  split: DatasetSplit;
  dataset: DatasetInfo;
  backend: string;
  reporter: Reporter;
  /** Where checkpoints go: <checkpointDir>/latest and <checkpointDir>/<epoch>. */
  checkpointDir: string;
  /** Continue from <checkpointDir>/latest. */
  resume?: boolean;
  /**
   * Also send the probe set (after run-started) and each snapshot epoch's checkpoint (after its
   * snapshot) through the reporter: a server on another machine has no other way to them, and its
   * analyses need both. A server that shares the logdir finds the same bytes there and keeps them.
   */
  uploadFiles?: boolean;
  /**
   * With resume: which of the checkpointed epoch's results (reported after the checkpoint) are
   * already stored, and so not sent again (see training/resume.ts). Default: none.
   */
  kept?: KeptResults;
  /** Set to stop after the current step, checkpoint and report 'stopped'. */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Multiplies the mean-subtracted 0-255 pixels (the paper: 1). */
  inputScale?: number;
  /** Report per-batch metrics every N batches. */
  metricsEvery?: number;
  /** Training threads: 'auto' (2 on wasm with two cores), 1 or 2. */
  threads?: 'auto' | 1 | 2;
  log?: (line: string) => void;
  /** Called with the model before the train step is built (e.g. to freeze a layer: `layer.trainable = false`). */
  beforeTraining?: (model: tf.LayersModel) => void;
  /**
   * Called after each epoch's last step, before its validation, snapshot and checkpoint: a place to
   * change the network on purpose (re-initialize or kill a filter) and check that the diagnostics
   * of that epoch's snapshot see it.
   */
  afterEpoch?: (model: tf.LayersModel, epoch: number) => void | Promise<void>;
}

export interface TrainRunResult {
  status: 'finished' | 'stopped' | 'failed';
  epochsDone: number;
  finalMetrics?: Record<string, number>;
  error?: string;
  /** What failed, when status is 'failed' (the CLI classes it: a reporter's refusal, a bug...). */
  cause?: unknown;
}

/** Train a small ZF-net as configured, reporting everything; resolves when finished or stopped. */
export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
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
  const probeInput = (idx: number[]) => inputBatch(split.probe, idx, pre);
  const send = (e: ReportEvent) => reporter.send(e);
  const log = o.log ?? (() => undefined);

  let startEpoch = 0;
  let startBatch = 0;
  let memory: SnapshotMemory | undefined;
  // The first reference of the convergence measures: the initialization (epoch 0), or on resume the memory.
  let initial: DiagnosticsMemory | undefined;
  const n = split.train.count;
  const bs = config.batchSize;
  const batches = Math.ceil(n / bs);
  const snapshotEpochs = new Set(config.snapshotEpochs);
  let lastSnapshot: number | undefined;
  const every = o.metricsEvery ?? Math.max(1, Math.floor(batches / 20));
  const t0 = Date.now();
  let imagesSeen = 0;
  let epochsDone = 0;
  let finalMetrics: Record<string, number> | undefined;
  // Started at the first snapshot epoch (a worker thread with two threads), reused, disposed below.
  let snapshotter: Snapshotter | undefined;
  const latest = join(o.checkpointDir, 'latest');

  /**
   * A checkpoint with the reporter's state: the seq of the last event it covers and the frames not
   * yet acknowledged, so that a resume neither loses nor repeats an event.
   */
  const checkpoint = async (dir: string, epoch: number, batch: number, epochMetrics?: Record<string, number>) => {
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
        ...(memory ? { memory } : {}),
      },
    );
  };

  /**
   * An epoch's results, reported after its checkpoint and so a function of it alone: redone from
   * that checkpoint after a kill, they come from the same model (and what was stored is not re-sent).
   */
  const finishEpoch = async (
    epoch: number,
    values: Record<string, number>,
    kept: KeptResults = { metrics: false, snapshot: false, count: 0 },
  ) => {
    if (!kept.metrics) await send({ type: 'metrics', epoch, values });
    if (!snapshotEpochs.has(epoch)) return;
    o.onProgress?.({
      epoch,
      epochs: config.epochs,
      batch: batches,
      batches,
      loss: values.loss ?? 0,
      acc: values.acc ?? 0,
      imgPerS: values.img_per_s ?? 0,
      etaS: 0,
      phase: 'snapshot',
    });
    snapshotter ??= await createSnapshotter(model, { threads: o.threads ?? 'auto', ...(o.log ? { log: o.log } : {}) });
    // Taken even when stored: the next snapshot compares against its memory.
    const snap = await snapshotter.take({
      probe: split.probe,
      toInput: probeInput,
      epoch,
      methods: config.methods,
      ...(memory ? { previous: memory } : {}),
    });
    const diag = await diagnoseSnapshot({
      model,
      toInput: probeInput,
      probeCount: split.probe.count,
      epoch,
      layers: snap.layers.map((l) => l.index),
      previous: memory?.diagnostics ?? initial,
    });
    memory = { ...snap.memory, diagnostics: diag.memory };
    if (!kept.snapshot) {
      const epochLayers = snap.layers.map((l) => l.index.layer);
      for (const layer of snap.layers) {
        await send({
          type: 'snapshot',
          epoch,
          layer: layer.index.layer,
          index: layer.index,
          epochLayers,
          blobs: layer.files.map((f) => ({ name: f.name, data: f.data })),
        });
      }
      // After the whole epoch's layers: how each layer's representation moved since the previous snapshot.
      await send(diag.event);
    }
    // Also when the snapshot was kept on resume: an experiments event stored after the checkpoint's
    // seq is dropped from every view with the rest of the dead attempt, so it is sent again.
    const experiments = await snapshotter.experiments({
      probe: split.probe,
      toInput: probeInput,
      epoch,
      which: config.analyses ?? [],
      ...(config.analysisImages !== undefined ? { images: config.analysisImages } : {}),
      ...(o.log ? { log: o.log } : {}),
    });
    if (experiments) await send(experiments);
    lastSnapshot = epoch;
    const dir = join(o.checkpointDir, String(epoch));
    await saveCheckpoint(dir, model, step.optimizer, { epoch, batch: 0, learningRate: config.learningRate });
    // After the epoch's snapshot and diagnostics (a snapshot epoch's events stay together).
    if (o.uploadFiles)
      await sendUpload(reporter, () => checkpointUpload(dir, epoch), `checkpoint of epoch ${epoch}`, log);
  };

  try {
    let resumeSeq: number | undefined;
    let closing: Record<string, number> | undefined;
    if (o.resume) {
      const meta = (await recoverCheckpoint(latest)) ? await readCheckpointMeta(latest) : null;
      if (!meta)
        throw new ResumeError(
          `--resume: no checkpoint at ${latest}; the run never completed a step or was not trained here`,
        );
      await loadCheckpoint(latest, model, step.optimizer);
      startEpoch = meta.epoch;
      startBatch = meta.batch;
      step.setLearningRate(meta.learningRate);
      memory = await loadSnapshotMemory<SnapshotMemory>(latest);
      closing = meta.epochMetrics;
      if (meta.seq !== undefined) resumeSeq = meta.seq + (o.kept?.count ?? 0);
    }
    epochsDone = startEpoch;
    if (!o.resume) initial = await initialDiagnostics(model, probeInput, split.probe.count);
    // Also on resume: the store then marks the run running again, keeping its first start time, and
    // drops what the dead attempt stored after the checkpoint (resumeSeq).
    await send({
      type: 'run-started',
      config: { ...config, threads: step.threads },
      dataset: o.dataset,
      model: summarizeModel(model),
      backend: o.backend,
      startedAt: new Date().toISOString(),
      ...(resumeSeq !== undefined ? { resumeSeq } : {}),
    });
    // Every start, resumed ones too: the server stores it once (the same bytes again change nothing).
    if (o.uploadFiles) await sendUpload(reporter, () => probeUpload(split.probe, probeInput, pre), 'probe set', log);
    if (closing) {
      finalMetrics = closing;
      await finishEpoch(startEpoch, closing, o.kept);
    }

    for (let epoch = startEpoch; epoch < config.epochs; epoch++, epochsDone++) {
      const order = shuffled(n, config.seed * 1000 + epoch);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      const epochStart = Date.now();
      for (let b = epoch === startEpoch ? startBatch : 0; b < batches; b++) {
        if (o.signal?.aborted) {
          await checkpoint(latest, epoch, b);
          await send({ type: 'run-ended', status: 'stopped', endedAt: new Date().toISOString() });
          return { status: 'stopped', epochsDone: epoch };
        }
        const idx = order.subarray(b * bs, Math.min(n, (b + 1) * bs));
        const x = inputBatch(split.train, idx, pre);
        const y = oneHotBatch(split.train, idx, classes);
        const r = step(x, y);
        tf.dispose([x, y]);
        // Steps are synchronous: yield to the event loop so the reporter's socket (heartbeats,
        // acks, live metrics) and signal handlers run between them.
        await new Promise<void>((res) => setImmediate(res));
        if (!Number.isFinite(r.loss))
          throw new Error(
            `training diverged: loss is ${r.loss} at epoch ${epoch + 1}, batch ${b + 1}; try a smaller --lr`,
          );
        lossSum += r.loss * idx.length;
        correct += r.correct;
        seen += idx.length;
        imagesSeen += idx.length;
        const imgPerS = seen / Math.max(1e-3, (Date.now() - epochStart) / 1000);
        if ((b + 1) % every === 0 || b === batches - 1) {
          await send({
            type: 'metrics',
            epoch: epoch + 1,
            batch: b + 1,
            values: { loss: r.loss, acc: r.correct / idx.length },
          });
        }
        const totalLeft = (config.epochs - epoch) * n - seen;
        o.onProgress?.({
          epoch: epoch + 1,
          epochs: config.epochs,
          batch: b + 1,
          batches,
          loss: lossSum / seen,
          acc: correct / seen,
          imgPerS,
          etaS: totalLeft / Math.max(1, imagesSeen / ((Date.now() - t0) / 1000)),
          phase: 'train',
          ...(lastSnapshot !== undefined ? { lastSnapshot } : {}),
        });
      }
      const trainSeconds = (Date.now() - epochStart) / 1000;
      await o.afterEpoch?.(model, epoch + 1);
      const val = evaluate(model, split.validation, pre, classes, 256);
      finalMetrics = {
        loss: lossSum / Math.max(1, seen),
        acc: correct / Math.max(1, seen),
        val_loss: val.loss,
        val_acc: val.acc,
        img_per_s: seen / Math.max(1e-3, trainSeconds),
        lr: config.learningRate,
        epoch_s: trainSeconds,
      };
      // Checkpoint first, then report: everything the epoch reports comes from these weights.
      await checkpoint(latest, epoch + 1, 0, finalMetrics);
      await finishEpoch(epoch + 1, finalMetrics);
    }
    await send({ type: 'run-ended', status: 'finished', endedAt: new Date().toISOString() });
    return { status: 'finished', epochsDone: config.epochs, ...(finalMetrics ? { finalMetrics } : {}) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // The reporter may be what failed: then this one is refused too, and the first error is the one to tell.
    await send({ type: 'run-ended', status: 'failed', error: message, endedAt: new Date().toISOString() }).catch(
      () => undefined,
    );
    return { status: 'failed', epochsDone, error: message, cause: err };
  } finally {
    await snapshotter?.dispose();
    await step.dispose();
    model.dispose();
    step.optimizer.dispose();
  }
}

/** A resume that cannot start (no checkpoint): a one-line message for the user. */
export class ResumeError extends ZfError {
  constructor(message: string) {
    super('resume', message);
  }
}
