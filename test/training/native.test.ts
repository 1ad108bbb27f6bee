/**
 * The native kernels (native/, oneDNN): built where libdnnl-dev is (and always in CI), chosen by the
 * wasm backend, on two threads inside every kernel when ZFSCOPE_NATIVE_THREADS=2 (then the
 * trainer puts no worker beside them, and the gradients still equal the cpu backend's), refusing
 * arrays that do not fit the geometry with a message instead of touching memory, turned off by
 * ZFSCOPE_NATIVE=off, and leaving a process free to exit.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BackendError,
  initBackend,
  kernelThreads,
  nativeThreads,
  setNativeKernels,
} from '../../training/backend/index.js';
import * as tf from '@tensorflow/tfjs';
import { loadNative } from '../../training/backend/native/addon.js';
import { fits } from '../../training/backend/native/kernels.js';
import { createFastTrainStep } from '../../training/backend/trainer.js';
import { zfNetConfig } from '../../training/model/config.js';
import { buildZfNet } from '../../training/model/zfnet.js';
import { relErr, zfNetGradients } from './gradients.js';

const native = loadNative();
const run = native.ok || !!process.env.CI;

/** Runs a module in a fresh process from inside the repo (test-output/ is ignored). */
function runScript(body: string, env: Record<string, string>) {
  mkdirSync('test-output', { recursive: true });
  const dir = mkdtempSync(resolve('test-output', 'native-'));
  try {
    const script = join(dir, 'use.mts');
    const index = pathToFileURL(resolve('training/backend/index.ts')).href;
    writeFileSync(
      script,
      `import * as tf from '@tensorflow/tfjs';\nimport { initBackend } from ${JSON.stringify(index)};\n${body}`,
    );
    return spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 60_000,
      cwd: resolve('.'),
      env: { ...process.env, ...env },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!run)('native kernels', () => {
  const saved = process.env.ZFSCOPE_NATIVE_THREADS;
  afterAll(() => {
    if (saved === undefined) delete process.env.ZFSCOPE_NATIVE_THREADS;
    else process.env.ZFSCOPE_NATIVE_THREADS = saved;
  });

  it('are built and chosen by the wasm backend', async () => {
    expect(native.ok, native.ok ? '' : native.why).toBe(true);
    const info = await initBackend('wasm');
    expect(info.description).toMatch(/zfscope native kernels \(oneDNN \d+\.\d+\.\d+, \w+, 1 thread\)/);
    expect(info.nativeThreads).toBe(1);
  });

  it('on two threads: every kernel uses both, the trainer adds no worker, the gradients equal cpu', async () => {
    await initBackend('cpu');
    const reference = zfNetGradients([32, 32, 3]);
    await initBackend('wasm');
    process.env.ZFSCOPE_NATIVE_THREADS = '2';
    setNativeKernels(true);
    expect(kernelThreads()).toBe(2);
    const got = zfNetGradients([32, 32, 3]);
    for (const [i, g] of got.entries()) expect(relErr(g, reference[i]!)).toBeLessThanOrEqual(1e-4);
    const model = buildZfNet(zfNetConfig({ inputShape: [16, 16, 1], classes: 10 }));
    const lines: string[] = [];
    const step = await createFastTrainStep(model, { learningRate: 0.01, threads: 2 }, (l) => lines.push(l));
    expect(step.threads).toBe(2);
    expect(lines.join('\n')).toContain('2 native kernel threads in every kernel');
    await step.dispose();
    step.optimizer.dispose();
    model.dispose();
    process.env.ZFSCOPE_NATIVE_THREADS = '1';
    setNativeKernels(true);
    expect(kernelThreads()).toBe(1);
  });

  it('refuses a bad ZFSCOPE_NATIVE_THREADS, naming it and the range', () => {
    process.env.ZFSCOPE_NATIVE_THREADS = 'lots';
    expect(() => nativeThreads()).toThrow(BackendError);
    expect(() => nativeThreads()).toThrow('ZFSCOPE_NATIVE_THREADS: expected an integer from 1 to 8; found "lots"');
    process.env.ZFSCOPE_NATIVE_THREADS = '1';
  });

  it('refuse arrays that do not fit the geometry, with a message', () => {
    if (!native.ok) throw new Error(native.why);
    const g = Int32Array.from([1, 4, 4, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1]);
    const y = new Float32Array(4);
    expect(() => native.addon.conv2d(new Float32Array(15), new Float32Array(9), null, y, g, 0)).toThrow(
      'x: expected 16 elements, got 15',
    );
    const bad = Int32Array.from([1, 4, 4, 1, 3, 3, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1]);
    expect(() => native.addon.conv2d(new Float32Array(16), new Float32Array(9), null, y, bad, 0)).toThrow(
      'output size does not follow',
    );
    native.addon.conv2d(new Float32Array(16).fill(1), new Float32Array(9).fill(1), null, y, g, 0);
    expect(Array.from(y)).toEqual([9, 9, 9, 9]);
  });

  it('are turned off by ZFSCOPE_NATIVE=off, and a process on two native threads exits by itself', () => {
    const body = `const info = await initBackend('wasm');
const y = tf.conv2d(tf.ones([2, 8, 8, 4]), tf.ones([3, 3, 4, 5]), 1, 'same');
console.log(info.description, '|', y.sum().dataSync()[0]);
`;
    const off = runScript(body, { ZFSCOPE_NATIVE: 'off' });
    expect(off.status, off.stderr).toBe(0);
    expect(off.stdout).toContain('native kernels turned off by ZFSCOPE_NATIVE=off');
    const on = runScript(body, { ZFSCOPE_NATIVE_THREADS: '2' });
    expect(on.status, on.stderr).toBe(0);
    expect(on.stdout).toContain('oneDNN');
    expect(on.stdout).toContain('2 threads');
    // The same sum both ways: 4 * 9 taps inside, fewer at the border ('same' padding).
    expect(on.stdout.split('|')[1]!.trim()).toBe(off.stdout.split('|')[1]!.trim());
  });
});

describe('which convolutions the native kernels take', () => {
  const info = (pad: 'same' | 'valid' | number, stride: number, rounding?: 'ceil') =>
    tf.backend_util.computeConv2DInfo([2, 6, 6, 3], [3, 3, 3, 4], stride, 1, pad, rounding);

  it("those whose output size follows oneDNN's floor rule; one sized by dimRoundingMode 'ceil' stays on wasm", () => {
    expect(fits(info('same', 1))).toBe(true);
    expect(fits(info('same', 2))).toBe(true);
    expect(fits(info('valid', 2))).toBe(true);
    expect(fits(info(0, 2))).toBe(true); // floor((6 - 3) / 2) + 1 = 2
    expect(fits(info(0, 2, 'ceil'))).toBe(false); // tfjs says 3
  });
});
