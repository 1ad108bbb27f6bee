/**
 * `monitor(model, options)`: zfscope for a user's own tfjs model. Returns callbacks for
 * `model.fit` that report metrics every epoch (and every few batches) and, at the chosen epochs,
 * snapshot every conv layer (top-9 projections beside their patches) to a zfscope server or a logdir.
 *
 *   await model.fit(xs, ys, { epochs: 10, callbacks: monitor(model, { server, token, probe: { inputs: xsProbe } }) });
 */
import * as tf from '@tensorflow/tfjs';
import type { DatasetInfo, RunConfig } from '../server/protocol.js';
import type { ImageSet } from '../datasets/types.js';
import { StoreReporter, WebSocketReporter, type Reporter, type ReportEvent } from './reporter/index.js';
import { summarizeModel } from './model/zfnet.js';
import { takeSnapshot, type SnapshotMemory } from './viz/snapshot.js';
import { diagnoseSnapshot, initialDiagnostics, type DiagnosticsMemory } from './viz/diagnostics/diagnose.js';
import { DEFAULT_SNAPSHOT_EPOCHS } from './viz/schedule.js';
import { modelCheckpointFiles, probeFiles, saveModelCheckpoint, saveProbeInputs } from './model-checkpoint.js';
import { sendUpload } from './uploads.js';
import { join } from 'node:path';

export interface MonitorOptions {
  /**
   * A zfscope server's URL (with `token`), or else `logdir` (default ./runs) is written directly.
   * Either way the model's topology and weights at each snapshot epoch and the probe set are stored
   * in the run (sent to the server, or written into the logdir), so `zfscope analyze` and the
   * server's analyses can ask the model questions later.
   */
  server?: string;
  token?: string;
  logdir?: string;
  runId?: string;
  /** 1-based epochs to snapshot at (default 1,2,5,10,20,30,40,64). */
  snapshotEpochs?: number[];
  methods?: string[];
  /**
   * The probe set: model inputs (NHWC, preprocessed as for training) and, for the image patches,
   * the raw uint8 images. Without `images`, patches are the inputs min-max scaled to 0-255.
   */
  probe: { inputs: tf.Tensor4D; labels?: ArrayLike<number>; images?: ImageSet };
  /** Describes the data for the dashboard. */
  dataset?: Partial<DatasetInfo>;
  /** Extra fields recorded in the run's config. */
  config?: Record<string, unknown>;
  /** Report per-batch metrics every N batches (default 10). */
  batchEvery?: number;
  log?: (line: string) => void;
}

export interface MonitorCallbacks {
  onTrainBegin: () => Promise<void>;
  onBatchEnd: (batch: number, logs?: tf.Logs) => Promise<void>;
  onEpochEnd: (epoch: number, logs?: tf.Logs) => Promise<void>;
  onTrainEnd: () => Promise<void>;
  /** The run id the events are stored under. */
  runId: string;
  /** Resolves once every event is stored (the callbacks already wait at train end). */
  flush(): Promise<void>;
}

/** uint8 images from float inputs by one min-max over the whole probe set. */
function imagesFromInputs(inputs: tf.Tensor4D, labels: Uint8Array): ImageSet {
  const [count, height, width, channels] = inputs.shape;
  const data = inputs.dataSync();
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const images = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) images[i] = Math.round((data[i]! - lo) * scale);
  return { images, labels, count, height, width, channels };
}

const asBlobs = (files: Record<string, Uint8Array>) => Object.entries(files).map(([name, data]) => ({ name, data }));

/** The probe set as a `probe` event (model inputs and labels; the preprocessing is the user's). */
async function probeEventOf(inputs: tf.Tensor4D, labels: Uint8Array): Promise<ReportEvent> {
  return { type: 'probe', blobs: asBlobs(probeFiles(inputs.shape, (await inputs.data()) as Float32Array, labels)) };
}

/** The model's topology and weights at `epoch` as a `checkpoint` event. */
async function checkpointEventOf(model: tf.LayersModel, epoch: number): Promise<ReportEvent> {
  return { type: 'checkpoint', epoch, blobs: asBlobs(await modelCheckpointFiles(model, epoch)) };
}

export function monitor(model: tf.LayersModel, opts: MonitorOptions): MonitorCallbacks {
  const runId = opts.runId ?? `monitor-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const epochs = new Set(opts.snapshotEpochs ?? DEFAULT_SNAPSHOT_EPOCHS);
  const labels = Uint8Array.from(opts.probe.labels ?? new Array(opts.probe.inputs.shape[0]).fill(0));
  const probeImages = opts.probe.images ?? imagesFromInputs(opts.probe.inputs, labels);
  const every = opts.batchEvery ?? 10;
  const log = opts.log ?? ((line: string) => console.error(`[zfscope monitor] ${line}`));
  let reporter: Reporter | undefined;
  let memory: SnapshotMemory | undefined;
  let currentEpoch = 0;
  let failed: unknown;
  const probeInput = (idx: number[]) => tf.gather(opts.probe.inputs, idx) as tf.Tensor4D;
  // The model as training begins: the first reference of the convergence measures (epoch 0).
  let initial: DiagnosticsMemory | undefined;

  const getReporter = async (): Promise<Reporter> => {
    reporter ??= opts.server
      ? new WebSocketReporter({
          url: opts.server,
          runId,
          token: opts.token ?? '',
          ...(opts.log ? { log: opts.log } : {}),
        })
      : new StoreReporter(opts.logdir ?? 'runs', runId);
    return reporter;
  };
  const numeric = (logs?: tf.Logs) =>
    Object.fromEntries(Object.entries(logs ?? {}).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));

  return {
    runId,
    async onTrainBegin() {
      const r = await getReporter();
      const [, h, w, c] = opts.probe.inputs.shape;
      const dataset: DatasetInfo = {
        name: 'custom',
        shape: [h, w, c],
        classes: [],
        trainCount: 0,
        validationCount: 0,
        probeCount: opts.probe.inputs.shape[0],
        source: 'monitor()',
        ...opts.dataset,
      };
      const config: RunConfig = {
        dataset: dataset.name,
        epochs: 0,
        snapshotEpochs: [...epochs].sort((a, b) => a - b),
        batchSize: 0,
        learningRate: 0,
        momentum: 0,
        conv1: { kernel: 0, stride: 0 },
        widths: [],
        probeSize: dataset.probeCount,
        methods: opts.methods ?? ['deconvnet'],
        seed: 0,
        ...opts.config,
      };
      const conv1 = model.layers.find((l) => l.getClassName() === 'Conv2D');
      if (conv1 && !opts.config?.conv1) {
        const cfg = conv1.getConfig() as { kernelSize: number[]; strides: number[] };
        config.conv1 = { kernel: cfg.kernelSize[0]!, stride: cfg.strides[0]! };
      }
      await r.send({
        type: 'run-started',
        config,
        dataset,
        model: summarizeModel(model),
        backend: tf.getBackend(),
        startedAt: new Date().toISOString(),
      });
      initial = await initialDiagnostics(model, probeInput, opts.probe.inputs.shape[0]);
      if (!opts.server) await saveProbeInputs(join(opts.logdir ?? 'runs', runId), opts.probe.inputs, labels);
      else await sendUpload(r, () => probeEventOf(opts.probe.inputs, labels), 'probe set', log);
    },
    async onBatchEnd(batch, logs) {
      if ((batch + 1) % every === 0)
        await (await getReporter()).send({
          type: 'metrics',
          epoch: currentEpoch + 1,
          batch: batch + 1,
          values: numeric(logs),
        });
    },
    async onEpochEnd(epoch, logs) {
      currentEpoch = epoch + 1;
      const r = await getReporter();
      await r.send({ type: 'metrics', epoch: epoch + 1, values: numeric(logs) });
      if (!epochs.has(epoch + 1)) return;
      try {
        const snap = await takeSnapshot({
          model,
          probe: probeImages,
          epoch: epoch + 1,
          ...(opts.methods ? { methods: opts.methods } : {}),
          toInput: probeInput,
          ...(memory ? { previous: memory } : {}),
        });
        const diag = await diagnoseSnapshot({
          model,
          toInput: probeInput,
          probeCount: opts.probe.inputs.shape[0],
          epoch: epoch + 1,
          layers: snap.layers.map((l) => l.index),
          previous: memory?.diagnostics ?? initial,
        });
        memory = { ...snap.memory, diagnostics: diag.memory };
        if (!opts.server)
          await saveModelCheckpoint(
            join(opts.logdir ?? 'runs', runId, 'checkpoints', String(epoch + 1)),
            model,
            epoch + 1,
          );
        // All layers named: readers see the epoch once the last is stored, never in part.
        const epochLayers = snap.layers.map((l) => l.index.layer);
        for (const layer of snap.layers) {
          await r.send({
            type: 'snapshot',
            epoch: epoch + 1,
            layer: layer.index.layer,
            index: layer.index,
            epochLayers,
            blobs: layer.files.map((f) => ({ name: f.name, data: f.data })),
          });
        }
        await r.send(diag.event);
        // The server keeps what analyses need of this epoch (a logdir run saved it above).
        if (opts.server)
          await sendUpload(r, () => checkpointEventOf(model, epoch + 1), `checkpoint of epoch ${epoch + 1}`, log);
      } catch (err) {
        failed = err;
        throw err;
      }
    },
    async onTrainEnd() {
      const r = await getReporter();
      const error = failed instanceof Error ? failed.message : undefined;
      await r.send({
        type: 'run-ended',
        status: failed ? 'failed' : 'finished',
        ...(error ? { error } : {}),
        endedAt: new Date().toISOString(),
      });
      await r.flush(30_000);
    },
    async flush() {
      if (reporter) await reporter.flush(30_000);
    },
  };
}
