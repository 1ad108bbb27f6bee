/**
 * The wasm backend on XNNPACK's threaded build (ZFSCOPE_WASM_THREADS=2), which tfjs turns off in
 * Node: it starts with two threads, computes the small ZF-net's gradients equal to the cpu
 * backend's (an independent implementation), the trainer then uses no worker beside it, and a
 * process that used it exits by itself (the pool's threads hold nothing open).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { backendThreads, BackendError, initBackend, wasmThreads } from '../../training/backend/index.js';
import { createFastTrainStep } from '../../training/backend/trainer.js';
import { zfNetConfig } from '../../training/model/config.js';
import { buildZfNet } from '../../training/model/zfnet.js';
import { crossEntropy } from '../../training/train-step.js';

function gradients(shape: [number, number, number]): Float32Array[] {
  const model = buildZfNet(zfNetConfig({ inputShape: shape, classes: 10 }), 3);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const grads = tf.tidy(() => {
    const x = tf.randomNormal([8, ...shape], 0, 1, 'float32', 5);
    const y = tf.oneHot(tf.tensor1d([1, 7, 0, 2, 9, 3, 3, 5], 'int32'), 10).toFloat() as tf.Tensor2D;
    const g = tf.variableGrads(() => crossEntropy(y, model.apply(x, { training: false }) as tf.Tensor2D), vars).grads;
    return vars.map((v) => g[v.name]!);
  });
  const arrays = grads.map((g) => g.dataSync() as Float32Array); // read outside tidy: it walks typed arrays
  tf.dispose(grads);
  model.dispose();
  return arrays;
}

function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    norm = Math.max(norm, Math.abs(b[i]!));
  }
  return diff / Math.max(norm, 1e-12);
}

describe('wasm on XNNPACK threads', () => {
  const saved = process.env.ZFSCOPE_WASM_THREADS;
  beforeAll(() => {
    process.env.ZFSCOPE_WASM_THREADS = '2';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.ZFSCOPE_WASM_THREADS;
    else process.env.ZFSCOPE_WASM_THREADS = saved;
  });

  it('starts with two threads and computes the gradients the cpu backend does', async () => {
    await initBackend('cpu');
    const reference = gradients([32, 32, 3]);
    const info = await initBackend('wasm');
    expect(info.description).toContain('2 threads');
    expect(backendThreads()).toBe(2);
    const got = gradients([32, 32, 3]);
    expect(got.length).toBe(reference.length);
    for (const [i, g] of got.entries()) expect(relErr(g, reference[i]!)).toBeLessThanOrEqual(1e-4);
  });

  it('makes the trainer use the threaded kernels, not a worker beside them', async () => {
    await initBackend('wasm');
    const model = buildZfNet(zfNetConfig({ inputShape: [16, 16, 1], classes: 10 }));
    const lines: string[] = [];
    const step = await createFastTrainStep(model, { learningRate: 0.01, threads: 2 }, (l) => lines.push(l));
    expect(step.threads).toBe(2);
    expect(lines.join('\n')).toContain('XNNPACK threads');
    await step.dispose();
    step.optimizer.dispose();
    model.dispose();
  });

  it('lets a process that used it exit by itself', () => {
    // Inside the repo (test-output/ is ignored), so the script resolves the repo's packages.
    mkdirSync('test-output', { recursive: true });
    const dir = mkdtempSync(resolve('test-output', 'threads-'));
    try {
      const index = pathToFileURL(resolve('training/backend/index.ts')).href;
      const script = join(dir, 'use.mts');
      writeFileSync(
        script,
        `import * as tf from '@tensorflow/tfjs';
import { initBackend } from ${JSON.stringify(index)};
const info = await initBackend('wasm');
const y = tf.conv2d(tf.ones([2, 8, 8, 4]), tf.ones([3, 3, 4, 5]), 1, 'same');
console.log(info.description, y.sum().dataSync()[0]);
`,
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
        encoding: 'utf8',
        timeout: 60_000,
        cwd: resolve('.'),
        env: { ...process.env, ZFSCOPE_WASM_THREADS: '2' },
      });
      expect(r.error).toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      // An output sees 3 input rows (2 at the two edges): 6*3 + 2*2 = 22 a row axis, 22 a column
      // axis, times 4 channels, per map and image.
      const perMap = 22 * 22 * 4;
      expect(r.stdout).toContain(`2 threads`);
      expect(r.stdout.trim().endsWith(String(2 * 5 * perMap))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a ZFSCOPE_WASM_THREADS that is not 1 to 8, naming it', () => {
    process.env.ZFSCOPE_WASM_THREADS = 'many';
    try {
      expect(() => wasmThreads()).toThrow(BackendError);
      expect(() => wasmThreads()).toThrow(/ZFSCOPE_WASM_THREADS: expected an integer from 1 to 8; found "many"/);
    } finally {
      process.env.ZFSCOPE_WASM_THREADS = '2';
    }
  });
});
