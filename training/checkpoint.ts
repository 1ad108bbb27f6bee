/**
 * Checkpoints: model weights, optimizer state, the position in training and the reporting state
 * that goes with them, written atomically (a temp folder renamed into place, meta.json written
 * last) so that a kill at any moment leaves the previous one or the new one (recoverCheckpoint).
 *
 *   <dir>/meta.json              {epoch, batch, seq, epochMetrics?, weights: [{name, shape}], optimizer: [...]}
 *   <dir>/weights.bin            float32 little-endian, the weights then the optimizer variables, in order
 *   <dir>/snapshot-memory.json   what the next snapshot compares against (optional)
 *   <dir>/unacked.bin            event frames up to `seq` not yet acknowledged when it was saved, with
 *                                their files' binary frames (records of reporter/wire.ts; optional)
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { QueuedFrame } from './reporter/spill-queue.js';
import type { ReportEvent } from './reporter/types.js';
import { decodeRecords, encodeRecords, queuedFrame, toWire } from './reporter/wire.js';

export interface CheckpointMeta {
  /** Epochs fully completed. */
  epoch: number;
  /** Batches completed within epoch + 1 (0 when the checkpoint is at an epoch boundary). */
  batch: number;
  /** Learning rate in force. */
  learningRate: number;
  /** Seq of the last event of the checkpointed state (events after it came later and may be redone). */
  seq?: number;
  /**
   * Set when the checkpoint closes an epoch before its results were reported: the epoch's
   * metrics, re-sent on resume when they were not stored (the snapshot is then redone from these weights).
   */
  epochMetrics?: Record<string, number>;
  weights: Array<{ name: string; shape: number[] }>;
  optimizer: Array<{ name: string; shape: number[] }>;
  savedAt: string;
}

/** What is saved with the weights, in the same atomic folder. */
export interface CheckpointExtras {
  seq?: number;
  epochMetrics?: Record<string, number>;
  memory?: unknown;
  /** Frames of events up to seq not yet acknowledged. */
  unacked?: QueuedFrame[];
}

export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  pos: { epoch: number; batch: number; learningRate: number },
  extras: CheckpointExtras = {},
): Promise<void> {
  const weights = model.weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
  const opt = await optimizer.getWeights();
  const parts: Float32Array[] = [];
  for (const w of weights) parts.push((await w.tensor.data()) as Float32Array);
  for (const o of opt) parts.push((await o.tensor.data()) as Float32Array);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const p of parts) {
    buf.set(p, off);
    off += p.length;
  }
  const meta: CheckpointMeta = {
    ...pos,
    ...(extras.seq !== undefined ? { seq: extras.seq } : {}),
    ...(extras.epochMetrics ? { epochMetrics: extras.epochMetrics } : {}),
    weights: weights.map((w) => ({ name: w.name, shape: w.tensor.shape })),
    optimizer: opt.map((o) => ({ name: o.name, shape: o.tensor.shape })),
    savedAt: new Date().toISOString(),
  };
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeFile(join(tmp, 'weights.bin'), Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  if (extras.memory !== undefined)
    await writeFile(join(tmp, 'snapshot-memory.json'), JSON.stringify(extras.memory, encodeF32));
  if (extras.unacked?.length) await writeFile(join(tmp, 'unacked.bin'), encodeRecords(extras.unacked));
  // Last: a folder with meta.json is complete (recoverCheckpoint relies on it).
  await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

/**
 * After a kill between saveCheckpoint's two renames `<dir>` is missing while `<dir>.tmp-PID` (new,
 * complete) or `<dir>.old-PID` (previous) holds a checkpoint: puts the newest complete one back in
 * place and removes the leftovers. Returns whether `<dir>` now holds a checkpoint.
 */
export async function recoverCheckpoint(dir: string): Promise<boolean> {
  const parent = dirname(dir);
  const base = basename(dir);
  const names = await readdir(parent).catch(() => [] as string[]);
  const leftovers = names
    .filter((n) => n.startsWith(`${base}.tmp-`) || n.startsWith(`${base}.old-`))
    .map((n) => join(parent, n));
  if (!existsSync(join(dir, 'meta.json'))) {
    // tmp (the newer) before old; each counts only when complete.
    const pick = [...leftovers]
      .sort((a, b) => Number(a.includes('.old-')) - Number(b.includes('.old-')))
      .find((p) => existsSync(join(p, 'meta.json')));
    if (pick) {
      await rm(dir, { recursive: true, force: true });
      await rename(pick, dir);
    }
  }
  for (const p of leftovers) if (p !== dir) await rm(p, { recursive: true, force: true });
  return existsSync(join(dir, 'meta.json'));
}

/** The unacknowledged frames saved with a checkpoint (empty when none). */
export async function loadUnacked(dir: string): Promise<QueuedFrame[]> {
  const file = join(dir, 'unacked.bin');
  const buf = await readFile(file).catch(() => undefined);
  if (buf) return decodeRecords(buf, file);
  // A checkpoint of an older zfscope: JSON lines with files inside as base64; made current frames.
  const text = await readFile(join(dir, 'unacked.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(legacyFrame);
}

/** A protocol-1 event frame (files as `{name, base64}`) as a queued frame of the current protocol. */
function legacyFrame(line: string): QueuedFrame {
  const f = JSON.parse(line) as { runId: string; seq: number; event: Record<string, unknown> };
  const event = { ...f.event };
  if (Array.isArray(event.blobs))
    event.blobs = (event.blobs as { name: string; base64: string }[]).map((b) => ({
      name: b.name,
      data: Buffer.from(b.base64, 'base64'),
    }));
  return queuedFrame(f.runId, f.seq, toWire(event as unknown as ReportEvent));
}

export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CheckpointMeta;
  } catch {
    return null;
  }
}

/** Restore weights (and optimizer state) saved by saveCheckpoint; throws naming the mismatch. */
export async function loadCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
): Promise<CheckpointMeta> {
  const meta = await readCheckpointMeta(dir);
  if (!meta) throw new Error(`checkpoint ${join(dir, 'meta.json')} is missing or unreadable`);
  const raw = await readFile(join(dir, 'weights.bin'));
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const expected = [...meta.weights, ...meta.optimizer].reduce((n, w) => n + size(w.shape), 0);
  if (expected !== all.length)
    throw new Error(`checkpoint ${dir}/weights.bin holds ${all.length} floats, meta.json describes ${expected}`);
  if (meta.weights.length !== model.weights.length) {
    throw new Error(
      `checkpoint ${dir} has ${meta.weights.length} weight tensors, the model has ${model.weights.length}: was it made with another --conv1 or --widths?`,
    );
  }
  let off = 0;
  const take = (shape: number[]) => {
    const n = size(shape);
    const t = tf.tensor(all.slice(off, off + n), shape);
    off += n;
    return t;
  };
  const ws = meta.weights.map((w, i) => {
    const mine = model.weights[i]!.shape;
    if (mine.join('x') !== w.shape.join('x')) {
      throw new Error(
        `checkpoint ${dir}: weight ${w.name} has shape ${w.shape.join('x')}, the model expects ${mine.join('x')}`,
      );
    }
    return take(w.shape);
  });
  model.setWeights(ws);
  tf.dispose(ws);
  if (meta.optimizer.length) {
    const named = meta.optimizer.map((o) => ({ name: o.name, tensor: take(o.shape) }));
    await optimizer.setWeights(named);
  }
  return meta;
}

/** JSON with Float32Arrays as base64 (snapshot memory holds kernels and projection tiles). */
function encodeF32(_key: string, value: unknown): unknown {
  if (value instanceof Float32Array)
    return { $f32: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  return value;
}
function decodeF32(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && '$f32' in value) {
    const b = Buffer.from((value as { $f32: string }).$f32, 'base64');
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  return value;
}

/** Save what the next snapshot compares against, so a resumed run still reports changes and jumps. */
export async function saveSnapshotMemory(dir: string, memory: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `snapshot-memory.json.tmp-${process.pid}`);
  await writeFile(tmp, JSON.stringify(memory, encodeF32));
  await rename(tmp, join(dir, 'snapshot-memory.json'));
}

export async function loadSnapshotMemory<T>(dir: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'snapshot-memory.json'), 'utf8'), decodeF32) as T;
  } catch {
    return undefined;
  }
}
