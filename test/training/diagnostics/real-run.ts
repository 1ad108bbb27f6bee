/**
 * A tiny real training run for the diagnostics' intervention tests: the embedded Fashion-MNIST
 * sample, a narrow small ZF-net, a few epochs on the wasm backend (the user's default), every
 * event collected in memory. Hooks change the network on purpose before training or after an
 * epoch's last step, so a test can check the diagnostics flag exactly that change.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetInfo, loadDataset, splitDataset } from '../../../datasets/index.js';
import { mulberry32 } from '../../../datasets/rng.js';
import type { ExperimentName, LayerSnapshot, RunConfig, TrainerEvent } from '../../../server/protocol.js';
import type { ReportEvent } from '../../../training/reporter/index.js';
import { initBackend, setNativeKernels } from '../../../training/backend/index.js';
import { MemoryReporter } from '../../../training/reporter/memory.js';
import { StoreReporter } from '../../../training/reporter/store-reporter.js';
import type { Reporter } from '../../../training/reporter/types.js';
import { trainRun, type TrainRunOptions } from '../../../training/train.js';

export interface RealRun {
  /** epoch -> layer -> index */
  snapshots: Map<number, Map<string, LayerSnapshot>>;
  diagnostics: Array<Extract<TrainerEvent, { type: 'diagnostics' }>>;
  events: ReportEvent[];
}

export const TINY_WIDTHS = [16, 32, 48, 48, 32, 64, 64];

export async function realRun(opts: {
  epochs: number;
  conv1?: { kernel: number; stride: number };
  seed?: number;
  beforeTraining?: TrainRunOptions['beforeTraining'];
  afterEpoch?: TrainRunOptions['afterEpoch'];
  /** Also store the run in this logdir (as `zfscope train --logdir` would), under `runId`. */
  logdir?: string;
  runId?: string;
  /** The figure experiments at each snapshot epoch (default none, to keep these runs short). */
  analyses?: ExperimentName[];
}): Promise<RealRun> {
  await initBackend('wasm');
  // The wasm kernel set, whose trajectory these tests' bounds were set on. With the native kernels
  // the run differs in the last bits, and on a 16-map conv1 the unmodified-run jump share reaches
  // 2 of 16 (12.5%, over the 10% bound) at one snapshot for seeds 1-3: a calibration left open on
  // issue 16's note, not hidden by a looser bound.
  setNativeKernels(false);
  const config: RunConfig = {
    dataset: 'sample',
    epochs: opts.epochs,
    snapshotEpochs: Array.from({ length: opts.epochs }, (_, i) => i + 1),
    batchSize: 64,
    learningRate: 0.01,
    momentum: 0.9,
    conv1: opts.conv1 ?? { kernel: 7, stride: 2 },
    widths: TINY_WIDTHS,
    probeSize: 150,
    methods: ['deconvnet'],
    seed: opts.seed ?? 1,
    ...(opts.analyses ? { analyses: opts.analyses } : {}),
  };
  const loaded = await loadDataset('sample', {});
  const split = splitDataset(loaded, { seed: config.seed, probeSize: config.probeSize, trainLimit: 2000 });
  const reporter = new MemoryReporter();
  const store = opts.logdir ? new StoreReporter(opts.logdir, opts.runId ?? 'diag') : undefined;
  const both: Reporter = {
    ready: async () => (store ? store.ready() : reporter.ready()),
    unacked: async () => reporter.unacked(),
    send: async (e) => {
      await reporter.send(e);
      await store?.send(e);
    },
    flush: async () => store?.flush(),
    close: async () => store?.close(),
  };
  const dir = await mkdtemp(join(tmpdir(), 'zfscope-diag-'));
  try {
    const result = await trainRun({
      runId: opts.runId ?? 'diag',
      config,
      split,
      dataset: datasetInfo(loaded, split),
      backend: tf.getBackend(),
      reporter: both,
      checkpointDir: dir,
      threads: 1,
      metricsEvery: 1000,
      ...(opts.beforeTraining ? { beforeTraining: opts.beforeTraining } : {}),
      ...(opts.afterEpoch ? { afterEpoch: opts.afterEpoch } : {}),
    });
    if (result.status !== 'finished') throw new Error(`realRun: training ${result.status}: ${result.error ?? ''}`);
  } finally {
    await both.close();
    await rm(dir, { recursive: true, force: true });
  }
  const snapshots = new Map<number, Map<string, LayerSnapshot>>();
  for (const s of reporter.ofType('snapshot')) {
    if (!snapshots.has(s.epoch)) snapshots.set(s.epoch, new Map());
    snapshots.get(s.epoch)!.set(s.layer, s.index);
  }
  return { snapshots, diagnostics: reporter.ofType('diagnostics'), events: reporter.events.map((e) => e.event) };
}

/** Replace filter f of a conv layer: kernel values from `fill(i)`, and its bias. */
export function setFilter(
  model: tf.LayersModel,
  layer: string,
  f: number,
  fill: (i: number, old: number) => number,
  bias?: number,
): void {
  const l = model.getLayer(layer);
  const [k, b] = l.getWeights();
  const cout = k!.shape[3]!;
  const data = Float32Array.from(k!.dataSync());
  let n = 0;
  for (let i = f; i < data.length; i += cout) data[i] = fill(n++, data[i]!);
  const bd = Float32Array.from(b!.dataSync());
  if (bias !== undefined) bd[f] = bias;
  const nk = tf.tensor(data, k!.shape);
  const nb = tf.tensor(bd, b!.shape);
  l.setWeights([nk, nb]);
  tf.dispose([nk, nb]);
}

/** A seeded N(0, sd²) draw, one value per call. */
export function gaussian(seed: number, sd: number): () => number {
  const u = mulberry32(seed);
  return () => sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Filter RMS of filter f. */
export function filterRmsOf(model: tf.LayersModel, layer: string, f: number): number {
  const [k] = model.getLayer(layer).getWeights();
  const cout = k!.shape[3]!;
  const d = k!.dataSync();
  let s = 0;
  let n = 0;
  for (let i = f; i < d.length; i += cout, n++) s += d[i]! * d[i]!;
  return Math.sqrt(s / n);
}
