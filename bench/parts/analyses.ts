/**
 * bench part `analyses`: seconds for the analyses on stored checkpoints on the wasm backend, beside
 * PyTorch (bench/peers/torch_analyses.py) doing the same steps on the same network with the same
 * weights and options, at equal threads (1), interleaved round by round so both see the same load:
 *
 *   optimal input of a class, 256 steps (defaults: jitter, blur every 4, RMS steps, clipping) at
 *   28x28x1 and 32x32x3; the reconstruction of one image from conv3's whole output, 256 steps.
 *
 * The network is the small ZF-net (conv1 7x7/2, widths 32,64,96,96,64,256,256) with seeded weights
 * and small positive biases, as training leaves them. Both sides' logits of one check image are
 * compared (`*_logit_max_abs_diff`), so the two are known to compute the same network. Then
 * `live_*`: snapshots reaching live dashboards while the server's worker runs an analysis.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { BenchPart } from '../parts.js';
import { initBackend } from '../../training/backend/index.js';
import { benchConfig, median } from '../throughput.js';
import { buildZfNet, summarizeModel } from '../../training/model/zfnet.js';
import { ANALYSES, type AnalysisContext } from '../../training/analyses/index.js';
import { resolveParams } from '../../training/analyses/params.js';
import { classScores } from '../../training/analyses/net.js';
import { mulberry32 } from '../../datasets/rng.js';
import { liveLatencyWhileAnalysing } from './analyses-live.js';

const RUNS = 3;
const STEPS = 256;
const SHAPES: Array<[number, number, number]> = [
  [28, 28, 1],
  [32, 32, 3],
];

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

/** The network's layers as the peer rebuilds them (weights follow in model.getWeights() order). */
function layerSpec(model: tf.LayersModel) {
  return model.layers.flatMap((l) => {
    const cfg = l.getConfig() as { strides?: number[]; poolSize?: number[]; activation?: string };
    switch (l.getClassName()) {
      case 'Conv2D':
        return [{ kind: 'conv', name: l.name, kernel: l.getWeights()[0]!.shape, stride: cfg.strides![0] }];
      case 'MaxPooling2D':
        return [{ kind: 'pool', name: l.name, size: cfg.poolSize![0], stride: cfg.strides![0] }];
      case 'Flatten':
        return [{ kind: 'flatten', name: l.name }];
      case 'Dense':
        return [{ kind: 'dense', name: l.name, kernel: l.getWeights()[0]!.shape, relu: cfg.activation === 'relu' }];
      default:
        return []; // dropout: identity in inference
    }
  });
}

const part: BenchPart = {
  name: 'analyses',
  description: `optimal input (${STEPS} steps) and a conv3 reconstruction (${STEPS} steps) on wasm vs PyTorch, same net and steps`,
  async run(log) {
    const info = await initBackend('wasm');
    const out: Record<string, unknown> = { backend: info.description, steps: STEPS };
    const peerScript = resolve(repoRoot(), 'bench/peers/torch_analyses.py');
    const work = mkdtempSync(join(tmpdir(), 'zf-bench-analyses-'));
    try {
      for (const shape of SHAPES) {
        const [h, w, c] = shape;
        const p = `${h}x${w}x${c}_`;
        const model = buildZfNet(benchConfig(shape), 1);
        for (const layer of model.layers) {
          const ws = layer.getWeights();
          if (ws.length === 2) layer.setWeights([ws[0]!, tf.fill(ws[1]!.shape, 0.01)]);
        }
        const rand = mulberry32(42);
        const n = h * w * c;
        const check = Float32Array.from({ length: n }, () => rand() * 4 - 2);
        const probe = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 7) * 1.5);
        const pre = { mean: new Float32Array(n).fill(128), scale: 1 / 64 };
        const ctx: AnalysisContext = {
          model,
          layers: summarizeModel(model).layers,
          classes: 10,
          probeCount: 1,
          inputShape: shape,
          preprocess: pre,
          probe: {
            images: {
              images: new Uint8Array(n),
              labels: new Uint8Array(1),
              count: 1,
              height: h,
              width: w,
              channels: c,
            },
            input: () => tf.tensor4d(probe, [1, h, w, c]),
          },
        };
        const oi = ANALYSES['optimal-input']!;
        const rc = ANALYSES.reconstruction!;
        const oiParams = resolveParams(oi, { class: 3, steps: STEPS });
        const rcParams = resolveParams(rc, { image: 0, layer: 'conv3', steps: STEPS });
        const ourLogits = tf.tidy(() => classScores(model)(tf.tensor4d(check, [1, h, w, c])).dataSync());
        const weights = model.getWeights().map((t) => t.dataSync() as Float32Array);
        const flat = new Float32Array(weights.reduce((s, a) => s + a.length, 0));
        let off = 0;
        for (const a of weights) {
          flat.set(a, off);
          off += a.length;
        }
        writeFileSync(join(work, 'weights.bin'), flat);
        writeFileSync(
          join(work, 'spec.json'),
          JSON.stringify({
            weights: join(work, 'weights.bin'),
            shape,
            layers: layerSpec(model),
            checkImage: [...check],
            probeImage: [...probe],
            optimalInput: {
              class: 3,
              steps: STEPS,
              lr: oiParams.lr,
              l2: oiParams.l2,
              blur: oiParams.blur,
              blurEvery: oiParams['blur-every'],
              jitter: oiParams.jitter,
              seed: 1,
              lo: (0 - 128) / 64,
              hi: (255 - 128) / 64,
            },
            reconstruction: {
              layer: 'conv3',
              steps: STEPS,
              lr: rcParams.lr,
              alpha: rcParams.alpha,
              lambdaAlpha: rcParams['lambda-alpha'],
              lambdaTV: rcParams['lambda-tv'],
              noise: rcParams.noise,
              seed: 1,
            },
          }),
        );
        // A short warm-up compiles the wasm kernels' paths before anything is timed.
        await oi.run(ctx, { ...oiParams, steps: 4 });
        await rc.run(ctx, { ...rcParams, steps: 4 });
        const ours = { oi: [] as number[], rc: [] as number[] };
        const peer = { oi: [] as number[], rc: [] as number[] };
        let peerNote: string | undefined;
        let peerLast: Record<string, unknown> | undefined;
        let ourObjective = 0;
        let ourPixel = 0;
        for (let r = 0; r < RUNS; r++) {
          let t0 = performance.now();
          const a = await oi.run(ctx, oiParams);
          ours.oi.push((performance.now() - t0) / 1000);
          ourObjective = (a.data.objective as number[]).at(-1)!;
          t0 = performance.now();
          const b = await rc.run(ctx, rcParams);
          ours.rc.push((performance.now() - t0) / 1000);
          ourPixel = (b.data.layers as Record<string, { pixelError: number }>).conv3!.pixelError;
          if (peerNote) continue;
          const res = spawnSync('/usr/bin/python3', [peerScript, '--spec', join(work, 'spec.json'), '--threads', '1'], {
            encoding: 'utf8',
            timeout: 300_000,
          });
          const last = res.stdout?.trim().split('\n').pop() ?? '';
          try {
            peerLast = JSON.parse(last) as Record<string, unknown>;
            peer.oi.push(peerLast.optimal_s as number);
            peer.rc.push(peerLast.reconstruction_s as number);
          } catch {
            peerNote = /No module named 'torch'/.test(res.stderr ?? '')
              ? 'torch is not installed (apt-get install -y python3-torch)'
              : `peer failed (exit ${res.status}): ${(res.stderr ?? '').trim().split('\n').slice(-2).join(' / ')}`;
          }
        }
        out[`${p}optimal_input_s`] = round(median(ours.oi));
        out[`${p}reconstruction_conv3_s`] = round(median(ours.rc));
        out[`${p}optimal_input_objective`] = round(ourObjective);
        out[`${p}reconstruction_conv3_pixel_error`] = round(ourPixel);
        log(
          `${shape.join('x')}: optimal input ${ours.oi.map((s) => s.toFixed(2)).join(', ')} s; conv3 reconstruction ${ours.rc.map((s) => s.toFixed(2)).join(', ')} s`,
        );
        if (peerLast && peer.oi.length) {
          const logits = peerLast.checkLogits as number[];
          out[`${p}peer_optimal_input_s`] = round(median(peer.oi));
          out[`${p}peer_reconstruction_conv3_s`] = round(median(peer.rc));
          out[`${p}optimal_input_speed_vs_peer`] = round(median(peer.oi) / median(ours.oi));
          out[`${p}reconstruction_speed_vs_peer`] = round(median(peer.rc) / median(ours.rc));
          out[`${p}peer_optimal_input_objective`] = round(peerLast.optimal_objective as number);
          out[`${p}peer_reconstruction_conv3_pixel_error`] = round(peerLast.reconstruction_pixel_error as number);
          out[`${p}logit_max_abs_diff`] = Math.max(...logits.map((v, i) => Math.abs(v - ourLogits[i]!)));
          log(
            `${shape.join('x')}: PyTorch optimal input ${peer.oi.map((s) => s.toFixed(2)).join(', ')} s; conv3 reconstruction ${peer.rc.map((s) => s.toFixed(2)).join(', ')} s (threads ${String(peerLast.threads)})`,
          );
        } else if (peerNote) {
          out.peer_note = peerNote;
          log(`PyTorch peer: ${peerNote}`);
        }
        model.dispose();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    Object.assign(out, await liveLatencyWhileAnalysing(log));
    out.peer_threads = 1;
    out.model = 'small ZF-net conv1 7x7/2, widths 32,64,96,96,64,256,256';
    return out;
  },
};

export default part;
