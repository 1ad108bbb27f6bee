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
import { backendThreads, BackendError, initBackend, wasmThreads } from '../../training/backend/index.js';
import { createFastTrainStep } from '../../training/backend/trainer.js';
import { zfNetConfig } from '../../training/model/config.js';
import { buildZfNet } from '../../training/model/zfnet.js';
import { relErr, zfNetGradients } from './gradients.js';

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
    const reference = zfNetGradients([32, 32, 3]);
    const info = await initBackend('wasm');
    expect(info.description).toContain('2 threads');
    expect(backendThreads()).toBe(2);
    const got = zfNetGradients([32, 32, 3]);
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
