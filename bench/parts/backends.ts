/**
 * bench part `backends`: training and inference img/s of the small ZF-net (conv1 7x7/2, batch 64)
 * at 32x32x3 and 28x28x1 on every available tensor backend, beside the PyTorch peer
 * (../shared/bench/torch_zfnet.py, same configuration) run in the same process tree, interleaved
 * run by run so both see the same machine load. Medians of 3 runs each.
 *
 * Keys: `backend`, `train_img_per_s`, `infer_img_per_s`, `peer_*`, `*_ratio_vs_peer` for 32x32x3
 * on the preferred backend; the 28x28x1 figures under `gray28_`; other backends under `<name>_`;
 * wasm training with the data-parallel two-thread step under `wasm_2threads_`. Ratios are at equal
 * threads (PyTorch on 1 thread against our 1, on 2 against our 2); `train_ratio_vs_peer` is at the
 * trainer's default thread count.
 */
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchPart } from '../parts.js';
import { initBackend, type BackendChoice } from '../../training/backend/index.js';
import { benchConfig, measureThroughput, median, type Contender } from '../throughput.js';
import { createParallelTrainStep } from '../../training/backend/parallel-train-step.js';
import { buildZfNet } from '../../training/model/zfnet.js';
import { formatConvSpec } from '../../training/model/config.js';

const BATCH = 64;
const RUNS = 3;
const CASES: Array<{ prefix: string; shape: [number, number, number] }> = [
  { prefix: '', shape: [32, 32, 3] },
  { prefix: 'gray28_', shape: [28, 28, 1] },
];

/** The repo root, from bench/parts/ in the sources or dist/bench/parts/ when built. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

interface PeerRun {
  train: number;
  infer: number;
}

/** One run of the PyTorch peer on `threads` threads; a string says why it cannot run. */
function runPeer(shape: [number, number, number], seconds: number, threads: number): PeerRun | string {
  const script = resolve(repoRoot(), '../shared/bench/torch_zfnet.py');
  if (!existsSync(script)) return `peer script not found at ${script}`;
  const cfg = benchConfig(shape);
  const args = [
    script,
    ...['--size', String(shape[0]), '--channels', String(shape[2]), '--batch', String(BATCH)],
    ...[
      '--conv1',
      formatConvSpec(cfg.conv1),
      '--pool1-stride',
      String(cfg.pool1Stride),
      '--conv2',
      formatConvSpec(cfg.conv2),
    ],
    ...['--widths', cfg.widths.join(','), '--seconds', String(seconds), '--threads', String(threads)],
  ];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `could not run /usr/bin/python3: ${r.error.message}`;
  if (/No module named 'torch'/.test(r.stderr))
    return 'torch is not installed (apt-get update && apt-get install -y python3-torch)';
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(last) as { train_img_per_s: number; infer_img_per_s: number };
    return { train: j.train_img_per_s, infer: j.infer_img_per_s };
  } catch {
    return `peer failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`;
  }
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

const part: BenchPart = {
  name: 'backends',
  description: 'small ZF-net train/infer img/s per tensor backend vs PyTorch (batch 64)',
  async run(log) {
    const out: Record<string, unknown> = {};
    const available: Array<{ choice: BackendChoice; name: string; description: string }> = [];
    for (const choice of ['node', 'wasm'] as const) {
      try {
        const info = await initBackend(choice);
        available.push({ choice, name: info.name, description: info.description });
      } catch (err) {
        log(`${choice}: unavailable: ${(err as Error).message}`);
      }
    }
    if (available.length === 0) available.push({ choice: 'cpu', name: 'cpu', description: 'cpu' });
    else out.cpu_note = 'cpu backend skipped: tens of seconds per batch-64 step, far below wasm';
    let peerNote: string | undefined;
    for (const [bi, b] of available.entries()) {
      const info = await initBackend(b.choice);
      const keyPrefix = bi === 0 ? '' : `${b.name}_`;
      if (bi === 0) {
        out.backend = info.name;
        out.backend_description = info.description;
      }
      for (const c of CASES) {
        const p = keyPrefix + c.prefix;
        const label = `${info.name} ${c.shape.join('x')}`;
        // The peer at the same thread counts as ours: 1 (the single step) and 2 (the data-parallel step).
        const peer: PeerRun[] = [];
        const peer2: PeerRun[] = [];
        const wantPeer = bi === 0 && peerNote === undefined;
        const cpu = info.name === 'cpu';
        // On wasm the two-thread data-parallel step runs beside the single-thread one, round by round.
        const contenders: Contender[] = [{ name: 'single' }];
        if (info.name === 'wasm') {
          contenders.push({
            name: '2threads',
            make: async (cfg) => {
              const model = buildZfNet(cfg);
              const step = await createParallelTrainStep(model, { learningRate: 0.01, backend: 'wasm' });
              return {
                step,
                dispose: async () => {
                  await step.dispose();
                  model.dispose();
                },
              };
            },
          });
        }
        const t = await measureThroughput(
          { inputShape: c.shape, batch: BATCH, runs: cpu ? 1 : RUNS, seconds: cpu ? 0 : 1.5, contenders },
          async () => {
            if (!wantPeer || peerNote !== undefined) return;
            const r = runPeer(c.shape, 1.5, 1);
            if (typeof r === 'string') peerNote = r;
            else peer.push(r);
            if (info.name !== 'wasm' || peerNote !== undefined) return;
            const r2 = runPeer(c.shape, 1.5, 2);
            if (typeof r2 === 'string') peerNote = r2;
            else peer2.push(r2);
          },
        );
        const runs = (v: number[]) => v.map((r) => round(r)).join(', ');
        log(`${label}: train ${runs(t.trainRuns.single!)} img/s; infer ${runs(t.inferRuns)} img/s`);
        const single = t.train.single!;
        const parallel = t.train['2threads'];
        out[`${p}train_img_per_s`] = round(single);
        out[`${p}infer_img_per_s`] = round(t.inferImgPerS);
        if (parallel !== undefined) {
          log(`${label}: 2-thread train ${runs(t.trainRuns['2threads']!)} img/s`);
          out[`${p}wasm_2threads_train_img_per_s`] = round(parallel);
        }
        if (peer.length > 0) {
          const pt = median(peer.map((r) => r.train));
          const pi = median(peer.map((r) => r.infer));
          log(
            `${label}: PyTorch train ${peer.map((r) => r.train).join(', ')}; infer ${peer.map((r) => r.infer).join(', ')}`,
          );
          out[`${p}peer_train_img_per_s`] = round(pt);
          out[`${p}peer_infer_img_per_s`] = round(pi);
          out[`${p}train_1thread_ratio_vs_peer`] = round(single / pt, 3);
          out[`${p}infer_ratio_vs_peer`] = round(t.inferImgPerS / pi, 3);
          // The headline ratio is at the thread count the trainer uses by default (2 on wasm with two cores).
          out[`${p}train_ratio_vs_peer`] = round(single / pt, 3);
          if (parallel !== undefined && peer2.length > 0) {
            const pt2 = median(peer2.map((r) => r.train));
            log(`${label}: PyTorch 2 threads train ${peer2.map((r) => r.train).join(', ')}`);
            out[`${p}peer_2threads_train_img_per_s`] = round(pt2);
            out[`${p}train_2threads_ratio_vs_peer`] = round(parallel / pt2, 3);
            if (availableParallelism() >= 2) out[`${p}train_ratio_vs_peer`] = round(parallel / pt2, 3);
          }
        }
      }
    }
    if (peerNote !== undefined) {
      log(`PyTorch peer: ${peerNote}`);
      out.peer_note = peerNote;
    }
    out.batch = BATCH;
    out.ratio_note =
      "every *_ratio_vs_peer is at equal threads: ours on N threads against PyTorch on N; train_ratio_vs_peer is at the trainer's default (2 threads on wasm with two cores)";
    out.model = 'small ZF-net conv1 7x7/2, widths 32,64,96,96,64,256,256';
    return out;
  },
};

export default part;
