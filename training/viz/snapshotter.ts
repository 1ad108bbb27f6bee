/**
 * Snapshots on two cores: the main thread computes some conv layers of each snapshot while a worker
 * thread (snapshot-worker.ts: its own tfjs instance and a replica of the model) computes the others.
 * The top-k scan is shared: each thread scans half the probe set (split at a batch boundary), they
 * swap the raw per-batch statistics and each folds both halves in probe order, exactly as one scan
 * would. Layers are split to balance an estimate of their projection work (workerLayers). The result is byte-identical
 * to takeSnapshot's on one thread: same code, same backend, same weights, each layer computed whole
 * on one side. Started once per run and reused; a worker that fails falls back to one thread.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../datasets/types.js';
import { kernelThreads } from '../backend/index.js';
import { compileChain } from './chain.js';
import { convUnits, snapshotUnits, takeSnapshot, type SnapshotArgs, type SnapshotResult } from './snapshot.js';
import { SnapshotChannel } from './snapshot-channel.js';
import { foldScan, scanBatches, type ScanBatch } from './top-k.js';
import {
  mergeEvents,
  planExperiments,
  planImages,
  probeOf,
  runExperiments,
  runPlan,
  splitPlan,
  type ExperimentsArgs,
  type ExperimentsEvent,
} from './experiments.js';

export interface SnapshotterOptions {
  /** 'auto' (default: 2 on wasm with >= 2 cores, else 1), 1 or 2. */
  threads?: 'auto' | 1 | 2;
  log?: (line: string) => void;
}

/** takeSnapshot's arguments, less the model (fixed at creation) and the layer choice (the split). */
export type SnapshotTakeArgs = Omit<SnapshotArgs, 'model' | 'layers'>;

export interface Snapshotter {
  /** 2 while the worker thread is in use, else 1. */
  readonly threads: 1 | 2;
  /** One snapshot of the model's current weights; equal, byte for byte, to takeSnapshot's. */
  take(args: SnapshotTakeArgs): Promise<SnapshotResult>;
  /**
   * The figure experiments of a snapshot epoch on the model's current weights (experiments.ts),
   * split between the two threads when there are two; null when none is asked for or none could run.
   */
  experiments(args: Omit<ExperimentsArgs, 'model'>): Promise<ExperimentsEvent | null>;
  /** Stop the worker, if any. */
  dispose(): Promise<void>;
}

/**
 * The conv layers the worker computes (the top-k scan is shared: each thread scans half the probe
 * set): of all two-way splits, the one whose slower side is fastest, with a layer's work estimated as
 * its projections x (the ops on their way down + 2, for the forward and the tile's crop and render):
 * fitted on the small ZF-net on wasm, within ~15% of each layer's measured seconds.
 */
export function workerLayers(model: tf.LayersModel, k: number): string[] {
  const units = snapshotUnits(model).units.map((u) => {
    const maps = (u.out.outputShape as number[])[3] ?? 1;
    return { name: u.conv.name, work: maps * k * (compileChain(model, u.conv.name).length + 2) };
  });
  const n = Math.min(units.length, 16);
  const side = (mask: number, bit: number) =>
    units.reduce((sum, u, i) => sum + (i < n && ((mask >> i) & 1) === bit ? u.work : 0), 0);
  // This thread also prepares the inputs and folds the scans: ~5% of the work, measured.
  const mainExtra = 0.05 * units.reduce((sum, u) => sum + u.work, 0);
  let best = 0;
  let bestCost = Infinity;
  for (let mask = 1; mask < (1 << n) - 1; mask++) {
    const cost = Math.max(side(mask, 0) + mainExtra, side(mask, 1));
    if (cost < bestCost) [best, bestCost] = [mask, cost];
  }
  return units.filter((_, i) => i < n && ((best >> i) & 1) === 1).map((u) => u.name);
}

/** The model inputs of every probe image, flattened; toInput must work row by row (inputBatch does). */
function allInputs(
  probe: ImageSet,
  toInput: SnapshotArgs['toInput'],
  batch: number,
): { data: Float32Array; shape: [number, number, number] } {
  let data: Float32Array | null = null;
  let shape: [number, number, number] = [0, 0, 0];
  for (let start = 0; start < probe.count; start += batch) {
    const x = toInput(Array.from({ length: Math.min(batch, probe.count - start) }, (_, i) => start + i));
    const [, h, w, c] = x.shape;
    shape = [h, w, c];
    data ??= new Float32Array(probe.count * h * w * c);
    data.set(x.dataSync() as Float32Array, start * h * w * c);
    x.dispose();
  }
  return { data: data ?? new Float32Array(0), shape };
}

/** The experiments on this thread alone. */
function experimentsHere(
  model: tf.LayersModel,
  args: Omit<ExperimentsArgs, 'model'>,
): Promise<ExperimentsEvent | null> {
  return runExperiments({ ...args, model });
}

/** Merge per-side results in the model's layer order; phases add up (thread-seconds), total is wall. */
function merge(model: tf.LayersModel, parts: SnapshotResult[], total: number): SnapshotResult {
  const order = convUnits(model).map((u) => u.conv.name);
  const layers = parts
    .flatMap((p) => p.layers)
    .sort((a, b) => order.indexOf(a.index.layer) - order.indexOf(b.index.layer));
  const memory = { ...parts[0]!.memory, layers: {} as SnapshotResult['memory']['layers'] };
  for (const l of layers) {
    const from = parts.find((p) => l.index.layer in p.memory.layers)!;
    memory.layers[l.index.layer] = from.memory.layers[l.index.layer]!;
  }
  const seconds: Record<string, number> = {};
  for (const p of parts)
    for (const [k, v] of Object.entries(p.seconds)) if (k !== 'total') seconds[k] = (seconds[k] ?? 0) + v;
  seconds.main = parts[0]!.seconds.total ?? 0;
  if (parts[1]) seconds.worker = parts[1].seconds.total ?? 0;
  seconds.total = total;
  return { layers, memory, seconds };
}

/**
 * A snapshotter for `model` (built-in layers only: its topology travels as model.toJSON). With one
 * thread, take() is takeSnapshot. Call dispose() when done (the worker never keeps the process alive).
 */
export async function createSnapshotter(model: tf.LayersModel, opts: SnapshotterOptions = {}): Promise<Snapshotter> {
  const want = opts.threads ?? 'auto';
  // A wasm backend on XNNPACK's threaded build already uses the cores in every kernel.
  const two =
    kernelThreads() < 2 &&
    (want === 2 || (want === 'auto' && tf.getBackend() === 'wasm' && availableParallelism() >= 2));
  const channel = two ? await SnapshotChannel.open(model, opts.log) : null;
  if (!channel) {
    return {
      threads: 1,
      take: (args) => takeSnapshot({ ...args, model }),
      experiments: (args) => experimentsHere(model, args),
      dispose: async () => undefined,
    };
  }
  opts.log?.('snapshot: 2 threads (conv layers split between this thread and a worker)');
  return {
    get threads() {
      return channel.usable ? 2 : 1;
    },
    take: (args) => (channel.usable ? takeOnTwoThreads(model, channel, args) : takeSnapshot({ ...args, model })),
    experiments: (args) =>
      channel.usable ? experimentsOnTwoThreads(model, channel, args) : experimentsHere(model, args),
    dispose: () => channel.dispose(),
  };
}

/** One snapshot with the worker: the scan halved and swapped, the layers split (workerLayers). */
async function takeOnTwoThreads(
  model: tf.LayersModel,
  channel: SnapshotChannel,
  args: SnapshotTakeArgs,
): Promise<SnapshotResult> {
  const t0 = performance.now();
  const k = args.topK ?? 9;
  const theirs = workerLayers(model, k);
  if (theirs.length === 0) return takeSnapshot({ ...args, model }); // one layer: nothing to split
  const { units } = snapshotUnits(model);
  const outs = units.map((u) => u.out);
  const ours = units.map((u) => u.conv.name).filter((n) => !theirs.includes(n));
  // The scan splits at a batch boundary, so both halves batch as one scan would (see scanBatches).
  const count = args.probe.count;
  const batchSize = args.batchSize ?? 100;
  const mid = Math.min(count, Math.round(count / 2 / batchSize) * batchSize);
  const inputs = allInputs(args.probe, args.toInput, batchSize);
  const previous = args.previous
    ? {
        ...args.previous,
        layers: Object.fromEntries(Object.entries(args.previous.layers).filter(([n]) => theirs.includes(n))),
      }
    : undefined;
  const request = channel.take({
    weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
    probe: args.probe,
    inputs: inputs.data,
    inputShape: inputs.shape,
    layers: theirs,
    scanFrom: mid,
    scanTo: count,
    epoch: args.epoch,
    ...(args.methods ? { methods: args.methods } : {}),
    ...(args.topK !== undefined ? { topK: args.topK } : {}),
    ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
    ...(args.projectionBatch !== undefined ? { projectionBatch: args.projectionBatch } : {}),
    ...(previous ? { previous } : {}),
  });
  let mine: ScanBatch[] = [];
  try {
    mine = await scanBatches({
      model,
      layers: outs,
      from: 0,
      to: mid,
      toInput: args.toInput,
      batchSize,
      k,
      ...(args.onProgress ? { onProgress: args.onProgress } : {}),
    });
  } finally {
    request.sendScan(mine); // never leave the worker waiting
  }
  let other: ScanBatch[];
  try {
    other = await request.scan;
  } catch (err) {
    channel.failed(err, 'this snapshot taken here');
    return takeSnapshot({ ...args, model });
  }
  const byName = new Map(foldScan(outs, count, k, [...mine, ...other]).map((a) => [a.layer, a]));
  const scan = async (wanted: tf.layers.Layer[]) => wanted.map((l) => byName.get(l.name)!);
  const scanSeconds = (performance.now() - t0) / 1000;
  const local = await takeSnapshot({ ...args, model, layers: ours, scan });
  local.seconds.topk = scanSeconds;
  local.seconds.total! += scanSeconds;
  let remote: SnapshotResult;
  try {
    remote = await request.result;
  } catch (err) {
    // Argument errors already threw here (the same code checks them on both sides): this is the worker's.
    channel.failed(err, 'its layers computed here');
    remote = await takeSnapshot({ ...args, model, layers: theirs, scan });
  }
  return merge(model, [local, remote], (performance.now() - t0) / 1000);
}

/** The worker computes half of the plan (splitPlan) while this thread computes the other half. */
async function experimentsOnTwoThreads(
  model: tf.LayersModel,
  channel: SnapshotChannel,
  args: Omit<ExperimentsArgs, 'model'>,
): Promise<ExperimentsEvent | null> {
  const plan = planExperiments(args.probe.labels, args.which, args.images ?? 4);
  if (!Object.keys(plan).length) return null;
  const [mine, theirs] = splitPlan(plan);
  const probe = probeOf(args.probe, args.toInput);
  const reply = channel.experiments({
    weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
    probe: args.probe,
    inputs: planImages(theirs, args.probe.labels).map((i) => [i, probe.input(i)]),
    plan: theirs,
    epoch: args.epoch,
  });
  const here = await runPlan(model, probe, mine, args.epoch, args.log);
  let there: ExperimentsEvent;
  try {
    const r = await reply;
    for (const line of r.log) args.log?.(line);
    there = r.event;
  } catch (err) {
    channel.failed(err, 'its experiments computed here');
    there = await runPlan(model, probe, theirs, args.epoch, args.log);
  }
  const event = mergeEvents(here, there);
  return Object.keys(event.seconds).length ? event : null;
}
