/**
 * bench part `snapshot`: what a full snapshot costs next to training (the aim: at most 0.25 of an epoch).
 * A snapshot of the default small ZF-net (conv1 7x7/2, widths 32,64,96,96,64; 32x32x3): 5 conv layers,
 * every map, top-9 over a 1,000-image probe set, deconvnet, PNG atlases; against one training epoch
 * over 10,000 images on the same backend, measured as steps (batch 64) x the median step time of
 * createTrainStep (the trainer's step). Also the seconds of each extra method (backprop, guided),
 * from one snapshot computing all three. Synthetic seeded images: speed does not depend on content.
 *
 * Also the two-thread pair the trainer uses: the snapshotter with a worker (createSnapshotter,
 * threads 2) over the two-thread train step's epoch (createFastTrainStep, threads 2), timed the same way.
 *
 * Keys: backend, snapshot_s, epoch_10k_s, snapshot_epoch_ratio, step_s, topk_s, forward_s,
 * deconvnet_s, render_s, backprop_s, guided_s, atlas_bytes, memory_bytes, leaked_tensors,
 * snapshot_2threads_s, epoch_10k_2threads_s, snapshot_epoch_ratio_2threads, step_2threads_s,
 * snapshot_threads (2 unless the worker could not start), leaked_tensors_2threads; the figure
 * experiments the trainer adds at each snapshot epoch at their defaults (4 fixed probe images;
 * occlusion, invariance, correspondence; on the main thread after the snapshot):
 * experiments_{occlusion,invariance,correspondence}_s, experiments_s, and their share of the
 * one-thread deconvnet snapshot (experiments_share); on two threads as the trainer runs them (half
 * of the work on the snapshot worker) their wall time experiments_2threads_s and its share of the
 * two-thread snapshot (experiments_share_2threads);
 * leaked_tensors_experiments; the size of that `experiments` event's JSON frame as it travels
 * (experiments_event_bytes) and of the PNG files beside it in binary frames (experiments_png_bytes);
 * and the PyTorch
 * peer at equal threads: peer_snapshot_{1thread,2threads}_s, snapshot_{1thread,2threads}_ratio_vs_peer,
 * snapshot_1thread_same_work_ratio_vs_peer (ours less patches and PNG, the work the peer does),
 * with peer_snapshot_s / snapshot_ratio_vs_peer at the trainer's default (2 threads).
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchPart } from '../parts.js';
import { initBackend } from '../../training/backend/index.js';
import { zfNetConfig } from '../../training/model/config.js';
import { buildZfNet } from '../../training/model/zfnet.js';
import { computeMean, inputBatch } from '../../training/data.js';
import { createTrainStep } from '../../training/train-step.js';
import { takeSnapshot } from '../../training/viz/snapshot.js';
import { createSnapshotter } from '../../training/viz/snapshotter.js';
import { createFastTrainStep } from '../../training/backend/trainer.js';
import { runExperiments } from '../../training/viz/experiments.js';
import { eventFrame, toWire } from '../../training/reporter/wire.js';
import { EXPERIMENT_NAMES } from '../../server/protocol.js';
import type { TrainStep } from '../../training/train-step.js';
import type { ImageSet } from '../../datasets/types.js';

const PROBE = 1000;

/**
 * The same snapshot in PyTorch (../shared/bench/torch_snapshot.py: top-9 scan and deconvnet
 * projections of every map of the same net, 1,000 probe images, without patches and PNG encoding)
 * on `threads` threads: its seconds, or why it cannot run.
 */
function peerSnapshot(threads: number): number | string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const script = resolve(dir, '../shared/bench/torch_snapshot.py');
  if (!existsSync(script)) return `peer script not found at ${script}`;
  const r = spawnSync(
    '/usr/bin/python3',
    [script, '--threads', String(threads), '--probe', String(PROBE), '--size', '32', '--channels', '3'],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (r.error) return `could not run /usr/bin/python3: ${r.error.message}`;
  try {
    return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { snapshot_s: number }).snapshot_s;
  } catch {
    return `peer failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`;
  }
}
const EPOCH_IMAGES = 10_000;
const BATCH = 64;

/** Seeded images with blobs and edges (not white noise, so activations are sparse as on real data). */
function syntheticProbe(count: number): ImageSet {
  const H = 32;
  const images = new Uint8Array(count * H * H * 3);
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < count; i++) {
    const cx = rand() * H,
      cy = rand() * H,
      r = 3 + rand() * 10,
      col = [rand(), rand(), rand()],
      angle = rand() * Math.PI;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < H; x++) {
        const inBlob = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
        const edge = Math.cos(angle) * (x - 16) + Math.sin(angle) * (y - 16) > 0;
        for (let c = 0; c < 3; c++) {
          const v = (inBlob ? 200 * col[c]! : 40) + (edge ? 50 : 0) + 20 * rand();
          images[((i * H + y) * H + x) * 3 + c] = Math.min(255, Math.round(v));
        }
      }
  }
  return {
    images,
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    height: H,
    width: H,
    channels: 3,
  };
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

const part: BenchPart = {
  name: 'snapshot',
  description:
    'full snapshot (5 conv layers, all maps, top-9, deconvnet, 1,000 probe images) vs one 10k-image training epoch',
  async run(log) {
    const info = await initBackend(undefined, log);
    const model = buildZfNet(zfNetConfig({ inputShape: [32, 32, 3], classes: 10 }));
    const probe = syntheticProbe(PROBE);
    const pre = { mean: computeMean(probe), scale: 1 / 64 };
    const toInput = (idx: number[]) => inputBatch(probe, idx, pre);

    // Training steps: 2 warm-up, then bursts of at least 5 steps (or 10 s) before and after the
    // snapshot; the median of all, so a change of machine load hits both sides of the ratio alike.
    const step = createTrainStep(model, { learningRate: 0.01 });
    const x = inputBatch(
      probe,
      Array.from({ length: BATCH }, (_, i) => i),
      pre,
    );
    const y = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: BATCH }, (_, i) => i % 10),
          'int32',
        ),
        10,
      )
      .toFloat() as tf.Tensor2D;
    step(x, y);
    step(x, y);
    const burst = (train: TrainStep, times: number[]) => {
      const t0 = performance.now();
      for (let n = 0; n < 5 || (performance.now() - t0 < 10_000 && n < 50); n++) {
        const t = performance.now();
        train(x, y);
        times.push((performance.now() - t) / 1000);
      }
    };
    const median = (times: number[]) => [...times].sort((a, b) => a - b)[times.length >> 1]!;
    const times: number[] = [];
    burst(step, times);

    // Warm-up snapshot on a few images (kernel setup), then the measured one.
    await takeSnapshot({ model, probe: { ...probe, count: 20 }, toInput, epoch: 0 });
    const before = tf.memory().numTensors;
    const snap = await takeSnapshot({
      model,
      probe,
      toInput,
      epoch: 1,
      onProgress: (m) => m.endsWith('probe images') || log(m),
    });
    const leaked = tf.memory().numTensors - before;
    burst(step, times);
    const stepS = median(times);
    const epochS = Math.ceil(EPOCH_IMAGES / BATCH) * stepS;
    log(
      `train step (batch ${BATCH}, median of ${times.length}): ${stepS.toFixed(3)} s -> 10k-image epoch ${epochS.toFixed(1)} s`,
    );
    step.optimizer.dispose();
    const s = snap.seconds;
    log(`snapshot: ${JSON.stringify(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, 2)])))}`);
    const atlasBytes = snap.layers.reduce((a, l) => a + l.files.reduce((b, f) => b + f.data.length, 0), 0);
    const memoryBytes = Object.values(snap.memory.layers).reduce(
      (a, l) => a + l.kernel.byteLength + l.rank0.reduce((b, r) => b + (r?.byteLength ?? 0), 0),
      0,
    );

    const all = await takeSnapshot({
      model,
      probe,
      toInput,
      epoch: 2,
      methods: ['deconvnet', 'backprop', 'guided'],
      previous: snap.memory,
    });
    log(
      `all three methods: ${JSON.stringify(Object.fromEntries(Object.entries(all.seconds).map(([k, v]) => [k, round(v, 2)])))}`,
    );

    // The figure experiments at their defaults, as the trainer runs them after a snapshot: a warm-up
    // (kernel setup for the new batch shapes), then the median of 3.
    const experiments = () => runExperiments({ model, probe, toInput, epoch: 1, which: EXPERIMENT_NAMES });
    await experiments();
    const beforeExp = tf.memory().numTensors;
    const expRuns = [await experiments(), await experiments(), await experiments()];
    const leakedExp = tf.memory().numTensors - beforeExp;
    const expSeconds = (name: (typeof EXPERIMENT_NAMES)[number]) =>
      median(expRuns.map((r) => r?.seconds[name] ?? Number.NaN));
    const exp = Object.fromEntries(EXPERIMENT_NAMES.map((n) => [n, expSeconds(n)])) as Record<string, number>;
    const expTotal = Object.values(exp).reduce((a, b) => a + b, 0);
    log(`figure experiments (median of 3): ${JSON.stringify(exp)} s, total ${expTotal.toFixed(2)} s`);
    const wire = expRuns[0] ? toWire(expRuns[0]) : undefined;
    const expEventBytes = wire ? Buffer.byteLength(eventFrame('bench', 1, wire.event)) : 0;
    const expPngBytes = wire ? wire.data.reduce((n, d) => n + d.byteLength, 0) : 0;
    log(
      `experiments event: ${expEventBytes} bytes of JSON, ${wire?.data.length ?? 0} PNG files of ${expPngBytes} bytes`,
    );

    // The two-thread pair, timed the same way: steps around the snapshot, the median of all.
    const step2 = await createFastTrainStep(model, { learningRate: 0.01, threads: 2 }, log);
    for (let i = 0; i < 5; i++) step2(x, y); // warm-up, and the step settles its split of the batch
    const times2: number[] = [];
    burst(step2, times2);
    const snapshotter = await createSnapshotter(model, { threads: 2, log });
    await snapshotter.take({ probe: { ...probe, count: 20 }, toInput, epoch: 0 });
    const before2 = tf.memory().numTensors;
    const snap2 = await snapshotter.take({ probe, toInput, epoch: 1 });
    const leaked2 = tf.memory().numTensors - before2;
    // The experiments as the two-thread trainer runs them: half of the work on the worker; wall time.
    const exp2 = async () => {
      const t0 = performance.now();
      await snapshotter.experiments({ probe, toInput, epoch: 1, which: EXPERIMENT_NAMES });
      return (performance.now() - t0) / 1000;
    };
    await exp2();
    const exp2S = median([await exp2(), await exp2(), await exp2()]);
    log(`figure experiments on two threads (median of 3): ${exp2S.toFixed(3)} s wall`);
    burst(step2, times2);
    const step2S = median(times2);
    const epoch2S = Math.ceil(EPOCH_IMAGES / BATCH) * step2S;
    log(
      `two-thread train step (median of ${times2.length}): ${step2S.toFixed(3)} s -> 10k-image epoch ${epoch2S.toFixed(1)} s`,
    );
    log(
      `two-thread snapshot: ${JSON.stringify(Object.fromEntries(Object.entries(snap2.seconds).map(([k, v]) => [k, round(v, 2)])))}`,
    );
    await snapshotter.dispose();
    await step2.dispose();
    step2.optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
    // The peer at equal threads, medians of 3 interleaved with nothing else running.
    const peer: Record<string, unknown> = {};
    for (const threads of [1, 2]) {
      const runs = [0, 1, 2].map(() => peerSnapshot(threads));
      const bad = runs.find((r) => typeof r === 'string');
      if (bad !== undefined) {
        peer.peer_note = bad;
        log(`PyTorch snapshot peer: ${bad}`);
        break;
      }
      const m = (runs as number[]).sort((a, b) => a - b)[1]!;
      log(`PyTorch snapshot, ${threads} thread${threads > 1 ? 's' : ''}: ${(runs as number[]).join(', ')} s`);
      const ours = threads === 1 ? s.total! : snap2.seconds.total!;
      peer[threads === 1 ? 'peer_snapshot_1thread_s' : 'peer_snapshot_2threads_s'] = round(m, 2);
      peer[threads === 1 ? 'snapshot_1thread_ratio_vs_peer' : 'snapshot_2threads_ratio_vs_peer'] = round(ours / m, 2);
      // The peer's work has no patches and no PNG: on one thread the render phase is wall time, so
      // the snapshot less it is the same work (on two threads the phases are summed thread-seconds).
      if (threads === 1) peer.snapshot_1thread_same_work_ratio_vs_peer = round((s.total! - s.render!) / m, 2);
    }
    // Headline: at the thread count the trainer uses by default (2 on wasm with two cores).
    if (peer.peer_snapshot_2threads_s !== undefined) {
      peer.peer_snapshot_s = peer.peer_snapshot_2threads_s;
      peer.snapshot_ratio_vs_peer = peer.snapshot_2threads_ratio_vs_peer;
    }
    return {
      ...peer,
      backend: info.name,
      snapshot_s: round(s.total!, 2),
      epoch_10k_s: round(epochS, 2),
      snapshot_epoch_ratio: round(s.total! / epochS),
      step_s: round(stepS),
      topk_s: round(s.topk!, 2),
      forward_s: round(s.forward!, 2),
      deconvnet_s: round(s.deconvnet!, 2),
      render_s: round(s.render!, 2),
      backprop_s: round(all.seconds.backprop!, 2),
      guided_s: round(all.seconds.guided!, 2),
      atlas_bytes: atlasBytes,
      memory_bytes: memoryBytes,
      leaked_tensors: leaked,
      snapshot_2threads_s: round(snap2.seconds.total!, 2),
      epoch_10k_2threads_s: round(epoch2S, 2),
      snapshot_epoch_ratio_2threads: round(snap2.seconds.total! / epoch2S),
      step_2threads_s: round(step2S),
      snapshot_threads: snap2.seconds.worker !== undefined ? 2 : 1,
      leaked_tensors_2threads: leaked2,
      experiments_occlusion_s: round(exp.occlusion!, 3),
      experiments_invariance_s: round(exp.invariance!, 3),
      experiments_correspondence_s: round(exp.correspondence!, 3),
      experiments_s: round(expTotal, 3),
      experiments_share: round(expTotal / s.total!),
      experiments_2threads_s: round(exp2S, 3),
      experiments_share_2threads: round(exp2S / snap2.seconds.total!),
      leaked_tensors_experiments: leakedExp,
      experiments_event_bytes: expEventBytes,
      experiments_png_bytes: expPngBytes,
    };
  },
};

export default part;
