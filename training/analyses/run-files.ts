/**
 * A stored run as an analysis needs it: run.json (what the network is), the checkpoint of one
 * epoch (`runs/<run>/checkpoints/<epoch>/`, saved by the trainer at every snapshot epoch), the
 * network rebuilt with those weights, and the probe set rebuilt from run.json's config (same
 * dataset, seed and probe size, so probe image i is the one the snapshots call image i).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunInfo } from '../../server/protocol.js';
import { loadDataset, splitDataset } from '../../datasets/index.js';
import { computeMean, inputBatch, type Preprocess } from '../data.js';
import { buildZfNet } from '../model/zfnet.js';
import { zfNetConfig } from '../model/config.js';
import type { CheckpointMeta } from '../checkpoint.js';
import type { StoredProbe } from '../model-checkpoint.js';
import { AnalysisError, type AnalysisContext, type AnalysisTarget } from './types.js';

/** run.json of `runId` in `logdir`, or an AnalysisError naming the file. */
export async function readRunInfo(logdir: string, runId: string): Promise<RunInfo> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId))
    throw new AnalysisError('unknown-run', `run: expected a run id of [A-Za-z0-9._-], found ${JSON.stringify(runId)}`);
  const file = join(logdir, runId, 'run.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunInfo;
  } catch {
    throw new AnalysisError(
      'unknown-run',
      `run ${runId}: ${file} not found; the runs of --logdir ${logdir} are its sub-folders`,
      404,
    );
  }
}

/** The epochs with a stored checkpoint, ascending ('latest' is not one: it moves). */
export async function checkpointEpochs(logdir: string, runId: string): Promise<number[]> {
  const dir = join(logdir, runId, 'checkpoints');
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => /^\d+$/.test(n) && existsSync(join(dir, n, 'meta.json')))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The checkpoint folder of `epoch`, or an AnalysisError naming the run's checkpointed epochs. */
export async function checkpointDir(logdir: string, runId: string, epoch: number): Promise<string> {
  const epochs = await checkpointEpochs(logdir, runId);
  if (!epochs.length) {
    throw new AnalysisError(
      'no-checkpoints',
      `run ${runId} has no checkpoints in ${join(logdir, runId, 'checkpoints')}: analyses need the weights the trainer saves at each snapshot epoch`,
      404,
    );
  }
  if (!epochs.includes(epoch))
    throw new AnalysisError(
      'unknown-epoch',
      `run ${runId} has no checkpoint at epoch ${epoch}; checkpointed epochs: ${epochs.join(', ')}`,
      404,
    );
  return join(logdir, runId, 'checkpoints', String(epoch));
}

/** What run.json says about the network, for the analyses' checks. */
export function targetOf(info: RunInfo): AnalysisTarget {
  // monitor() runs may name no classes: the output layer's width says how many there are.
  const last = info.model.layers[info.model.layers.length - 1];
  const classes = info.dataset.classes.length || (last?.kind === 'dense' ? (last.outputShape[0] ?? 0) : 0);
  return { layers: info.model.layers, classes, probeCount: info.dataset.probeCount, inputShape: info.dataset.shape };
}

/** Sets the model's weights from a checkpoint's weights.bin (the optimizer state after them is ignored). */
export async function loadWeights(dir: string, model: tf.LayersModel): Promise<CheckpointMeta> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CheckpointMeta;
  const raw = await readFile(join(dir, 'weights.bin'));
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  if (meta.weights.length !== model.weights.length) {
    throw new AnalysisError(
      'unsupported',
      `checkpoint ${dir} has ${meta.weights.length} weight tensors, the model rebuilt from run.json has ${model.weights.length}`,
    );
  }
  let off = 0;
  const ws = meta.weights.map((w, i) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (model.weights[i]!.shape.join('x') !== w.shape.join('x')) {
      throw new AnalysisError(
        'unsupported',
        `checkpoint ${dir}: weight ${w.name} is ${w.shape.join('x')}, the model rebuilt from run.json expects ${model.weights[i]!.shape.join('x')}`,
      );
    }
    if (off + n > all.length)
      throw new AnalysisError('unsupported', `checkpoint ${dir}/weights.bin is shorter than meta.json describes`);
    const t = tf.tensor(all.slice(off, off + n), w.shape);
    off += n;
    return t;
  });
  model.setWeights(ws);
  tf.dispose(ws);
  return meta;
}

/** The run's probe set and preprocessing, rebuilt from its config. */
export interface ProbeData {
  probe: NonNullable<AnalysisContext['probe']>;
  preprocess: Preprocess;
}

const floats = (raw: Buffer) => new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));

/**
 * The probe set a run stored (runs/<run>/probe/): its model inputs, and when the run stored them
 * (a trainer reporting to a server) its raw pixels and preprocessing; a monitor() run has neither.
 */
async function storedProbe(dir: string): Promise<ProbeData | Omit<ProbeData, 'preprocess'> | undefined> {
  const meta = await readFile(join(dir, 'probe.json'), 'utf8').catch(() => undefined);
  if (!meta) return undefined;
  const { shape, labels, scale } = JSON.parse(meta) as StoredProbe;
  const inputs = floats(await readFile(join(dir, 'inputs.bin')));
  const [count, h, w, c] = shape;
  const n = h * w * c;
  if (inputs.length !== count * n)
    throw new AnalysisError(
      'unsupported',
      `${join(dir, 'inputs.bin')} holds ${inputs.length} floats, probe.json describes ${count * n}`,
    );
  const rawImages = scale === undefined ? undefined : await readFile(join(dir, 'images.bin')).catch(() => undefined);
  const rawMean = scale === undefined ? undefined : await readFile(join(dir, 'mean.bin')).catch(() => undefined);
  const preprocess =
    rawImages?.length === count * n && rawMean?.length === n * 4 && scale !== undefined
      ? { mean: floats(rawMean), scale }
      : undefined;
  return {
    ...(preprocess ? { preprocess } : {}),
    probe: {
      images: {
        images: preprocess && rawImages ? new Uint8Array(rawImages) : new Uint8Array(count * n),
        labels: Uint8Array.from(labels),
        count,
        height: h,
        width: w,
        channels: c,
      },
      input: (i) => tf.tensor4d(inputs.subarray(i * n, (i + 1) * n), [1, h, w, c]),
    },
  };
}

/**
 * The probe set of a run: the one a monitor() run stored, else rebuilt with the training mean from
 * a trainer's config (`dataPath` overrides where the dataset's files are).
 */
export async function loadProbe(
  info: RunInfo,
  dataPath?: string,
  runDir?: string,
): Promise<ProbeData | Omit<ProbeData, 'preprocess'>> {
  const stored = runDir ? await storedProbe(join(runDir, 'probe')) : undefined;
  if (stored) return stored;
  const cfg = info.config as RunInfo['config'] & { trainLimit?: number; inputScale?: number };
  const source = info.dataset.source;
  const path = dataPath ?? (cfg.dataset !== 'sample' && source && existsSync(source) ? source : undefined);
  const loaded = await loadDataset(cfg.dataset, path ? { path } : {});
  const split = splitDataset(loaded, {
    seed: cfg.seed,
    probeSize: cfg.probeSize,
    ...(cfg.trainLimit ? { trainLimit: cfg.trainLimit } : {}),
  });
  if (split.probe.count !== info.dataset.probeCount) {
    throw new AnalysisError(
      'unsupported',
      `run ${info.runId}: the probe set rebuilt from ${loaded.source} has ${split.probe.count} images, run.json recorded ${info.dataset.probeCount}: not the same data`,
    );
  }
  const preprocess: Preprocess = {
    mean: computeMean(split.train),
    scale: typeof cfg.inputScale === 'number' ? cfg.inputScale : 1 / 64,
  };
  return { preprocess, probe: { images: split.probe, input: (i) => inputBatch(split.probe, [i], preprocess) } };
}

/** The network of a run at a checkpoint: its stored topology (monitor() runs), else the trainer's ZF-net (caller disposes). */
export async function loadNetwork(info: RunInfo, dir: string): Promise<tf.LayersModel> {
  if (existsSync(join(dir, 'model.json'))) {
    const model = await tf.models.modelFromJSON(
      JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON,
    );
    try {
      await loadWeights(dir, model);
    } catch (err) {
      model.dispose();
      throw err;
    }
    return model;
  }
  const cfg = info.config;
  if (!cfg.conv1?.kernel || cfg.widths?.length !== 7) {
    throw new AnalysisError(
      'unsupported',
      `run ${info.runId} was not made by zfscope's trainer (its run.json config has no conv1 / widths to rebuild the network from)`,
    );
  }
  const model = buildZfNet(
    zfNetConfig({
      inputShape: info.dataset.shape,
      classes: info.dataset.classes.length,
      conv1: cfg.conv1,
      widths: cfg.widths,
    }),
    cfg.seed,
  );
  try {
    await loadWeights(dir, model);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
