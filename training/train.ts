/**
 * The training loop of a run: batches -> train steps, per-batch and per-epoch metrics, validation,
 * snapshots at the chosen epochs, checkpoints, and a clean stop on request. Everything it reports
 * goes through a Reporter (WebSocket to a server, or straight into a logdir); it never touches the
 * network or the terminal itself.
 */
import type * as tf from '@tensorflow/tfjs';
import type { RunConfig, DatasetInfo } from '../server/protocol.js';
import type { DatasetSplit } from '../datasets/types.js';
import type { Reporter } from './reporter/index.js';
import { probeUpload, sendUpload } from './uploads.js';
import { summarizeModel } from './model/zfnet.js';
import type { SnapshotMemory } from './viz/snapshot.js';
import { initialDiagnostics } from './viz/diagnostics/diagnose.js';
import { loadCheckpoint, loadSnapshotMemory, readCheckpointMeta, recoverCheckpoint } from './checkpoint.js';
import type { KeptResults } from './resume.js';
import { openRun, type RunContext } from './run-context.js';
import { trainEpoch } from './train-epoch.js';
import { finishEpoch } from './snapshot-epoch.js';
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
  const run = await openRun(o);
  const { config, reporter } = o;
  let epochsDone = 0;
  let finalMetrics: Record<string, number> | undefined;
  try {
    const start = await resumePoint(run);
    epochsDone = start.epoch;
    if (!o.resume) run.state.initial = await initialDiagnostics(run.model, run.probeInput, o.split.probe.count);
    // Also on resume: the store then marks the run running again, keeping its first start time, and
    // drops what the dead attempt stored after the checkpoint (resumeSeq).
    await run.send({
      type: 'run-started',
      config: { ...config, threads: run.step.threads },
      dataset: o.dataset,
      model: summarizeModel(run.model),
      backend: o.backend,
      startedAt: new Date().toISOString(),
      ...(start.resumeSeq !== undefined ? { resumeSeq: start.resumeSeq } : {}),
    });
    // Every start, resumed ones too: the server stores it once (the same bytes again change nothing).
    if (o.uploadFiles)
      await sendUpload(reporter, () => probeUpload(o.split.probe, run.probeInput, run.pre), 'probe set', run.log);
    if (start.closing) {
      finalMetrics = start.closing;
      await finishEpoch(run, start.epoch, start.closing, o.kept);
    }
    for (let epoch = start.epoch; epoch < config.epochs; epoch++, epochsDone++) {
      const values = await trainEpoch(run, epoch, epoch === start.epoch ? start.batch : 0);
      if (values === 'stopped') {
        await run.send({ type: 'run-ended', status: 'stopped', endedAt: new Date().toISOString() });
        return { status: 'stopped', epochsDone: epoch };
      }
      finalMetrics = values;
      // Checkpoint first, then report: everything the epoch reports comes from these weights.
      await run.checkpoint(run.latest, epoch + 1, 0, values);
      await finishEpoch(run, epoch + 1, values);
    }
    await run.send({ type: 'run-ended', status: 'finished', endedAt: new Date().toISOString() });
    return { status: 'finished', epochsDone: config.epochs, ...(finalMetrics ? { finalMetrics } : {}) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // The reporter may be what failed: then this one is refused too, and the first error is the one to tell.
    await run
      .send({ type: 'run-ended', status: 'failed', error: message, endedAt: new Date().toISOString() })
      .catch(() => undefined);
    return { status: 'failed', epochsDone, error: message, cause: err };
  } finally {
    await run.state.snapshotter?.dispose();
    await run.step.dispose();
    run.model.dispose();
    run.step.optimizer.dispose();
  }
}

/** Where a run starts: epoch and batch, the checkpointed epoch's metrics when its results are still to report, the seq that hides a dead attempt's events. */
async function resumePoint(
  run: RunContext,
): Promise<{ epoch: number; batch: number; closing?: Record<string, number>; resumeSeq?: number }> {
  const o = run.options;
  if (!o.resume) return { epoch: 0, batch: 0 };
  const meta = (await recoverCheckpoint(run.latest)) ? await readCheckpointMeta(run.latest) : null;
  if (!meta)
    throw new ResumeError(
      `--resume: no checkpoint at ${run.latest}; the run never completed a step or was not trained here`,
    );
  await loadCheckpoint(run.latest, run.model, run.step.optimizer);
  run.step.setLearningRate(meta.learningRate);
  run.state.memory = await loadSnapshotMemory<SnapshotMemory>(run.latest);
  return {
    epoch: meta.epoch,
    batch: meta.batch,
    ...(meta.epochMetrics ? { closing: meta.epochMetrics } : {}),
    ...(meta.seq !== undefined ? { resumeSeq: meta.seq + (o.kept?.count ?? 0) } : {}),
  };
}

/** A resume that cannot start (no checkpoint): a one-line message for the user. */
export class ResumeError extends ZfError {
  constructor(message: string) {
    super('resume', message);
  }
}
