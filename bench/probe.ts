/**
 * One throughput measurement in a process of its own, for bench part `backends`: the wasm
 * backend's XNNPACK thread count is fixed when the backend starts, so each thread configuration
 * runs in a fresh process (like the PyTorch peer beside it).
 *
 *   node dist/bench/probe.js --shape 32,32,3 --trainer single|parallel --seconds 1.5 [--profile]
 *
 * The backend comes from ZFSCOPE_BACKEND, its XNNPACK threads from ZFSCOPE_WASM_THREADS.
 * Prints one JSON line: backend, description, xnnpack_threads, train_img_per_s, infer_img_per_s,
 * and with --profile the per-kernel table of one training step (profile: [{kernel, ms, calls}]).
 */
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../training/backend/index.js';
import { createParallelTrainStep } from '../training/backend/parallel-train-step.js';
import { buildZfNet } from '../training/model/zfnet.js';
import { profileTrainStep } from './kernel-profile.js';
import { measureThroughput, type Contender } from './throughput.js';

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const shape = (flag(argv, 'shape') ?? '32,32,3').split(',').map(Number) as [number, number, number];
  if (shape.length !== 3 || shape.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`--shape: expected H,W,C (three positive integers); found ${flag(argv, 'shape')}`);
  }
  const trainer = flag(argv, 'trainer') ?? 'single';
  if (trainer !== 'single' && trainer !== 'parallel') {
    throw new Error(`--trainer: expected single or parallel; found ${trainer}`);
  }
  const seconds = Number(flag(argv, 'seconds') ?? '1.5');
  const info = await initBackend();
  const contenders: Contender[] = [
    trainer === 'single'
      ? { name: trainer }
      : {
          name: trainer,
          make: async (cfg) => {
            const model = buildZfNet(cfg);
            const step = await createParallelTrainStep(model, { learningRate: 0.01 });
            return {
              step,
              dispose: async () => {
                await step.dispose();
                model.dispose();
              },
            };
          },
        },
  ];
  const t = await measureThroughput({ inputShape: shape, batch: 64, runs: 1, seconds, contenders });
  const out: Record<string, unknown> = {
    backend: info.name,
    description: info.description,
    xnnpack_threads: info.name === 'wasm' ? wasm.getThreadsCount() : undefined,
    trainer,
    train_img_per_s: Math.round(t.train[trainer]! * 10) / 10,
    infer_img_per_s: Math.round(t.inferImgPerS * 10) / 10,
  };
  if (argv.includes('--profile')) out.profile = profileTrainStep(shape, 64, 5);
  console.log(JSON.stringify(out));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench probe: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
