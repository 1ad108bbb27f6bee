/**
 * What analyses need of a run that zfscope did not train (`monitor()` on a user's own model), written
 * into the run's folder when it reports into a logdir:
 *
 *   runs/<run>/checkpoints/<epoch>/model.json   the model's topology (model.toJSON)
 *   runs/<run>/checkpoints/<epoch>/meta.json    as the trainer's checkpoints (no optimizer state)
 *   runs/<run>/checkpoints/<epoch>/weights.bin  float32, model.weights in order
 *   runs/<run>/probe/inputs.bin + probe.json    the probe set's model inputs and labels
 *   runs/<run>/probe/images.bin + mean.bin      the raw pixels and the training mean, when known
 *
 * Each written into a temporary folder and renamed into place. A run reporting to a server sends
 * the same files instead (training/uploads.ts), and the server stores them in the same places.
 */
import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointMeta } from './checkpoint.js';

/** The probe set as stored: [count, h, w, c] inputs and their labels (probe.json). */
export interface StoredProbe {
  shape: [number, number, number, number];
  labels: number[];
  /**
   * Set when the raw pixels (images.bin, uint8 NHWC) and the training mean (mean.bin, float32
   * H*W*C) are stored too: inputs = (pixel - mean) * scale, so analyses can show and clamp pixels.
   */
  scale?: number;
}

async function writeDir(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  for (const [name, data] of Object.entries(files)) await writeFile(join(tmp, name), data);
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Saves the topology and weights of `model` at `epoch` into `dir`. */
export async function saveModelCheckpoint(dir: string, model: tf.LayersModel, epoch: number): Promise<void> {
  await writeDir(dir, await modelCheckpointFiles(model, epoch));
}

/** The files of a checkpoint of `model` at `epoch` (model.json, meta.json, weights.bin). */
export async function modelCheckpointFiles(model: tf.LayersModel, epoch: number): Promise<Record<string, Uint8Array>> {
  const parts = await Promise.all(model.weights.map(async (w) => (await w.read().data()) as Float32Array));
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  const meta: CheckpointMeta = {
    epoch,
    batch: 0,
    learningRate: 0,
    optimizer: [],
    savedAt: new Date().toISOString(),
    weights: model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] })),
  };
  const text = (v: unknown) => Buffer.from(JSON.stringify(v, null, 1));
  return {
    'model.json': Buffer.from(JSON.stringify(model.toJSON(null, false))),
    'meta.json': text(meta),
    'weights.bin': bytes(all),
  };
}

/** Saves the probe set's model inputs and labels into `runDir/probe`. */
export async function saveProbeInputs(runDir: string, inputs: tf.Tensor4D, labels: ArrayLike<number>): Promise<void> {
  await writeDir(join(runDir, 'probe'), probeFiles(inputs.shape, (await inputs.data()) as Float32Array, labels));
}

/**
 * The files of a probe set: its model inputs and labels, and with `raw` its pixels and the
 * preprocessing that made the inputs from them.
 */
export function probeFiles(
  shape: [number, number, number, number],
  inputs: Float32Array,
  labels: ArrayLike<number>,
  raw?: { images: Uint8Array; mean: Float32Array; scale: number },
): Record<string, Uint8Array> {
  const probe: StoredProbe = { shape, labels: Array.from(labels), ...(raw ? { scale: raw.scale } : {}) };
  return {
    'inputs.bin': bytes(inputs),
    ...(raw ? { 'images.bin': raw.images, 'mean.bin': bytes(raw.mean) } : {}),
    'probe.json': Buffer.from(JSON.stringify(probe)),
  };
}
