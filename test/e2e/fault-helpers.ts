/** Checks shared by the fault tests: what a finished run must look like whatever was killed on the way. */
import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { LayerSnapshot, StoredEvent } from '../../server/protocol.js';
import { Store } from '../../server/store/index.js';
import { mulberry32 } from '../../datasets/rng.js';

/** A seeded PRNG (mulberry32, the datasets' own), so a failing fault schedule can be replayed. */
export const prng = mulberry32;

/** The seed of this run: $ZF_FAULT_SEED to replay one, else the clock. Printed either way. */
export function faultSeed(test: string): number {
  const seed = Number(process.env.ZF_FAULT_SEED) || Date.now() % 2 ** 31;
  console.log(`${test}: seed ${seed} (replay with ZF_FAULT_SEED=${seed})`);
  return seed;
}

const CONVS = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'];

/** Per-filter RMS of a [kh, kw, cin, cout] kernel, written out independently of training/viz/health.ts. */
function rmsPerFilter(kernel: Float32Array, cout: number): number[] {
  const out: number[] = [];
  for (let m = 0; m < cout; m++) {
    let ss = 0;
    let n = 0;
    for (let i = m; i < kernel.length; i += cout) {
      ss += kernel[i]! * kernel[i]!;
      n++;
    }
    out.push(Math.sqrt(ss / n));
  }
  return out;
}

/** The conv kernels of a checkpoint folder, by layer name. */
function checkpointKernels(dir: string): Map<string, { data: Float32Array; cout: number }> {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
    weights: { name: string; shape: number[] }[];
  };
  const raw = readFileSync(join(dir, 'weights.bin'));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const out = new Map<string, { data: Float32Array; cout: number }>();
  let off = 0;
  for (const w of meta.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const layer = w.name.split('/')[0]!;
    if (CONVS.includes(layer) && w.shape.length === 4)
      out.set(layer, { data: all.slice(off, off + n), cout: w.shape[3]! });
    off += n;
  }
  return out;
}

/**
 * What every reader of a run must see after any kill: each event once and in order, one metric per
 * (epoch, batch), every epoch's metrics, every snapshot epoch whole, with files that are there and
 * decode, and every layer of an epoch computed from one model: the one checkpointed for that epoch
 * (its kernels' per-filter RMS equals the snapshot's weightRms).
 */
export async function expectWholeRun(
  events: StoredEvent[],
  opts: { epochs: number; logdir: string; checkpoints: string; runId: string },
): Promise<void> {
  const seqs = events.map((e) => e.seq);
  expect(seqs, 'seqs strictly increasing').toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  const metricKeys = events.flatMap((e) => (e.type === 'metrics' ? [`${e.epoch}/${e.batch ?? 'epoch'}`] : []));
  expect(metricKeys.length, `metrics once each: ${metricKeys.join(' ')}`).toBe(new Set(metricKeys).size);
  const epochs = Array.from({ length: opts.epochs }, (_, i) => i + 1);
  expect(events.flatMap((e) => (e.type === 'metrics' && e.batch === undefined ? [e.epoch] : []))).toEqual(epochs);
  // Batch metrics of each epoch: the same batches, in order, in every epoch.
  const batchesOf = (epoch: number) =>
    events.flatMap((e) => (e.type === 'metrics' && e.epoch === epoch && e.batch !== undefined ? [e.batch] : []));
  for (const epoch of epochs) expect(batchesOf(epoch), `batches of epoch ${epoch}`).toEqual(batchesOf(1));
  const snaps = events.filter((e): e is Extract<StoredEvent, { type: 'snapshot' }> => e.type === 'snapshot');
  expect(snaps.map((s) => `${s.epoch}/${s.layer}`)).toEqual(epochs.flatMap((e) => CONVS.map((l) => `${e}/${l}`)));
  // Each snapshot epoch's diagnostics and figure experiments are shown exactly once, redone or kept.
  for (const type of ['diagnostics', 'experiments'] as const)
    expect(
      events.flatMap((e) => (e.type === type ? [e.epoch] : [])),
      `${type} once per snapshot epoch`,
    ).toEqual(epochs);
  const store = await Store.open(opts.logdir, () => undefined, { only: [opts.runId] });
  try {
    for (const epoch of epochs) {
      const kernels = checkpointKernels(join(opts.checkpoints, String(epoch)));
      for (const layer of CONVS) {
        const index = (await store.snapshotIndex(opts.runId, epoch, layer)) as LayerSnapshot;
        expect(index, `index ${epoch}/${layer}`).toBeDefined();
        const k = kernels.get(layer)!;
        const rms = rmsPerFilter(k.data, k.cout);
        index.maps.forEach((m, i) => {
          expect(m.health.weightRms, `epoch ${epoch} ${layer} map ${i}: one model`).toBeCloseTo(rms[i]!, 6);
        });
        for (const name of [index.files.patches, ...Object.values(index.files.projections)]) {
          const file = store.blobFile(opts.runId, epoch, name);
          expect(file, `${epoch}/${name} stored`).toBeDefined();
          const png = PNG.sync.read(readFileSync(file!));
          expect([png.width, png.height]).toEqual([
            index.atlas.cols * index.atlas.tile,
            index.atlas.rows * index.atlas.tile,
          ]);
        }
      }
    }
  } finally {
    await store.close();
  }
}
