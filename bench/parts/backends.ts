/**
 * bench part `backends`: training and inference img/s of the small ZF-net (conv1 7x7/2, batch 64)
 * at 32x32x3 and 28x28x1, beside the PyTorch peer (../shared/bench/torch_zfnet.py, same
 * configuration) at the same thread count. Every configuration runs in a fresh process
 * (bench/probe.ts; the wasm backend's XNNPACK thread count is fixed when it starts), interleaved
 * round by round with the peer so that all see the same machine load. Medians of 3 rounds.
 *
 * Configurations on wasm: `1thread` (XNNPACK on 1 thread, the single train step), `2threads_xnnpack`
 * (XNNPACK's threaded build on 2 threads, the single train step; inference uses it too) and
 * `2threads_dataparallel` (XNNPACK on 1 thread, the data-parallel step over this thread and a
 * worker); the trainer's default at 2 threads is the data-parallel one.
 *
 * Keys (32x32x3; 28x28x1 under `gray28_`): `train_1thread_img_per_s`, `infer_1thread_img_per_s`,
 * `train_2threads_xnnpack_img_per_s`, `infer_2threads_img_per_s`, `train_2threads_dataparallel_img_per_s`,
 * `train_2threads_img_per_s` (the trainer's default), `peer_{train,infer}_{1thread,2threads}_img_per_s`,
 * and the equal-thread ratios `train_1thread_ratio_vs_peer`, `train_2threads_ratio_vs_peer`,
 * `infer_1thread_ratio_vs_peer`, `infer_2threads_ratio_vs_peer`; `train_ratio_vs_peer` and
 * `infer_ratio_vs_peer` at the trainer's default thread count (2 with two cores). Also `profile`:
 * the per-kernel milliseconds of one 1-thread training step at 32x32x3 (bench/kernel-profile.ts).
 */
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchPart } from '../parts.js';
import { initBackend } from '../../training/backend/index.js';
import { benchConfig, median } from '../throughput.js';
import { formatConvSpec } from '../../training/model/config.js';

const BATCH = 64;
const RUNS = 3;
const SECONDS = 1.5;
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

interface OursRun {
  train: number;
  infer: number;
  description: string;
  profile?: Array<{ kernel: string; ms: number; calls: number }>;
}

/** One run of bench/probe in a fresh process with `env` added; a string says why it failed. */
function runOurs(
  shape: [number, number, number],
  trainer: 'single' | 'parallel',
  env: Record<string, string>,
  backend: string,
  profile = false,
): OursRun | string {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = resolve(here, '../probe.js');
  const args = existsSync(js) ? [js] : ['--import', 'tsx', resolve(here, '../probe.ts')];
  args.push('--shape', shape.join(','), '--trainer', trainer, '--seconds', String(SECONDS));
  if (profile) args.push('--profile');
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, ZFSCOPE_BACKEND: backend, ...env },
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(last) as { train_img_per_s: number; infer_img_per_s: number; description: string };
    return {
      train: j.train_img_per_s,
      infer: j.infer_img_per_s,
      description: j.description,
      ...(profile ? { profile: (j as { profile?: OursRun['profile'] }).profile } : {}),
    };
  } catch {
    return `probe failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`;
  }
}

/** One configuration of ours: its trainer, its environment, and its thread count (for the peer). */
type Config = { key: string; trainer: 'single' | 'parallel'; env: Record<string, string>; threads: 1 | 2 };

const WASM_ONLY = { ZFSCOPE_NATIVE: 'off' };

/** The configuration createFastTrainStep picks on two cores with the native kernels. */
const DEFAULT_2THREADS_NATIVE: string = '2threads_dataparallel';

function default2Name(native: boolean): string {
  return native && DEFAULT_2THREADS_NATIVE === '2threads_native' ? 'native kernels on 2 threads' : 'data-parallel';
}

/**
 * The wasm configurations: with the native kernels (when built) on 1 thread, on 2 threads inside
 * every kernel, and data-parallel over this thread and a worker; then the wasm kernels alone
 * (ZFSCOPE_NATIVE=off, what a machine without libdnnl-dev runs) on 1 thread, threaded XNNPACK,
 * and data-parallel.
 */
function wasmConfigs(native: boolean, two: boolean): Config[] {
  const n1 = { ZFSCOPE_NATIVE_THREADS: '1', ZFSCOPE_WASM_THREADS: '1' };
  const configs: Config[] = native
    ? [
        { key: '1thread', trainer: 'single', env: n1, threads: 1 },
        ...(two
          ? ([
              { key: '2threads_native', trainer: 'single', env: { ...n1, ZFSCOPE_NATIVE_THREADS: '2' }, threads: 2 },
              { key: '2threads_dataparallel', trainer: 'parallel', env: n1, threads: 2 },
            ] as Config[])
          : []),
      ]
    : [];
  const w1 = { ...WASM_ONLY, ZFSCOPE_WASM_THREADS: '1' };
  const wp = native ? 'wasmkernels_' : '';
  configs.push({ key: `${wp}1thread`, trainer: 'single', env: w1, threads: 1 });
  if (two) {
    configs.push(
      { key: `${wp}2threads_xnnpack`, trainer: 'single', env: { ...w1, ZFSCOPE_WASM_THREADS: '2' }, threads: 2 },
      { key: `${wp}2threads_dataparallel`, trainer: 'parallel', env: w1, threads: 2 },
    );
  }
  return configs;
}

const part: BenchPart = {
  name: 'backends',
  description: 'small ZF-net train/infer img/s at 1 and 2 threads vs PyTorch at the same threads (batch 64)',
  async run(log) {
    const out: Record<string, unknown> = {};
    const info = await initBackend(undefined, log);
    const backend = info.name === 'tensorflow' ? 'node' : info.name;
    out.backend = info.name;
    const two = availableParallelism() >= 2;
    // tfjs-node and cpu manage their own threads: one configuration, against the peer on 1 and 2.
    const native = (info.nativeThreads ?? 0) > 0;
    const configs: Config[] =
      info.name === 'wasm' ? wasmConfigs(native, two) : [{ key: '1thread', trainer: 'single', env: {}, threads: 1 }];
    // The trainer's default on two cores (createFastTrainStep), and inference on two threads.
    const default2 = native ? DEFAULT_2THREADS_NATIVE : '2threads_dataparallel';
    const infer2 = native ? '2threads_native' : '2threads_xnnpack';
    let peerNote: string | undefined;
    for (const c of CASES) {
      const p = c.prefix;
      const label = c.shape.join('x');
      const ours: Record<string, OursRun[]> = Object.fromEntries(configs.map((k) => [k.key, []]));
      const peer: Record<'1thread' | '2threads', PeerRun[]> = { '1thread': [], '2threads': [] };
      for (let r = 0; r < RUNS; r++) {
        for (const k of configs) {
          const o = runOurs(c.shape, k.trainer, k.env, backend);
          if (typeof o === 'string') throw new Error(`bench backends: ${k.key} ${label}: ${o}`);
          ours[k.key]!.push(o);
          if (r === 0) out[`${p}${k.key}_description`] = o.description;
          if (peerNote !== undefined) continue;
          // The peer on the same threads right after ours (on 2 threads after the default).
          if (k.key !== '1thread' && k.key !== default2) continue;
          const pr = runPeer(c.shape, SECONDS, k.threads);
          if (typeof pr === 'string') peerNote = pr;
          else peer[k.threads === 1 ? '1thread' : '2threads'].push(pr);
        }
      }
      const med = (runs: OursRun[], f: 'train' | 'infer') => median(runs.map((o) => o[f]));
      for (const k of configs) {
        const runs = ours[k.key]!;
        log(
          `${label} ${k.key}: train ${runs.map((o) => o.train).join(', ')} img/s; infer ${runs.map((o) => o.infer).join(', ')} img/s`,
        );
        out[`${p}train_${k.key}_img_per_s`] = round(med(runs, 'train'));
      }
      for (const k of configs) out[`${p}infer_${k.key}_img_per_s`] = round(med(ours[k.key]!, 'infer'));
      if (ours[infer2]) out[`${p}infer_2threads_img_per_s`] = round(med(ours[infer2], 'infer'));
      if (ours[default2]) out[`${p}train_2threads_img_per_s`] = round(med(ours[default2], 'train'));
      for (const t of ['1thread', '2threads'] as const) {
        const runs = peer[t];
        if (runs.length === 0) continue;
        log(
          `${label} PyTorch ${t}: train ${runs.map((r) => r.train).join(', ')}; infer ${runs.map((r) => r.infer).join(', ')}`,
        );
        const pt = median(runs.map((r) => r.train));
        const pi = median(runs.map((r) => r.infer));
        out[`${p}peer_train_${t}_img_per_s`] = round(pt);
        out[`${p}peer_infer_${t}_img_per_s`] = round(pi);
        const threads = t === '1thread' ? 1 : 2;
        for (const key of [t, ...configs.filter((k) => k.threads === threads && k.key !== t).map((k) => k.key)]) {
          const train = out[`${p}train_${key}_img_per_s`] as number | undefined;
          const infer = out[`${p}infer_${key}_img_per_s`] as number | undefined;
          if (train !== undefined) out[`${p}train_${key}_ratio_vs_peer`] = round(train / pt, 3);
          if (infer !== undefined) out[`${p}infer_${key}_ratio_vs_peer`] = round(infer / pi, 3);
        }
      }
      // Headline ratios at the trainer's default thread count (2 on wasm with two cores).
      const headline = two && out[`${p}train_2threads_ratio_vs_peer`] !== undefined ? '2threads' : '1thread';
      out[`${p}train_ratio_vs_peer`] = out[`${p}train_${headline}_ratio_vs_peer`];
      out[`${p}infer_ratio_vs_peer`] = out[`${p}infer_${headline}_ratio_vs_peer`];
    }
    // Where one 1-thread training step's time goes, per kernel.
    const prof = runOurs(CASES[0]!.shape, 'single', configs[0]!.env, backend, true);
    if (typeof prof !== 'string' && prof.profile) {
      out.profile = prof.profile.slice(0, 25);
      log('one training step at 1 thread, per kernel (ms, calls):');
      for (const row of prof.profile.slice(0, 25))
        log(`  ${row.kernel.padEnd(44)} ${row.ms.toFixed(2).padStart(7)} ${row.calls}`);
    }
    if (peerNote !== undefined) {
      log(`PyTorch peer: ${peerNote}`);
      out.peer_note = peerNote;
    }
    out.batch = BATCH;
    out.ratio_note = `every *_ratio_vs_peer is at equal threads: ours on N threads against PyTorch on N; train_ratio_vs_peer and infer_ratio_vs_peer are at the trainer's default (2 threads on wasm with two cores: training ${default2Name(native)}, inference ${native ? 'native kernels on 2 threads' : 'on threaded XNNPACK'}); wasmkernels_* keys are the wasm kernels alone (ZFSCOPE_NATIVE=off)`;
    out.model = 'small ZF-net conv1 7x7/2, widths 32,64,96,96,64,256,256';
    return out;
  },
};

export default part;
