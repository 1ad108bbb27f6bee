/**
 * Backend selection: `auto` takes what is installed (wasm here, where tfjs-node cannot install),
 * asking for a missing backend fails with a message that says why and what to do, and a bad
 * --backend value is refused naming the flag and the valid values.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { BackendError, initBackend, parseBackendChoice } from '../../training/backend/index.js';

function nodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  afterEach(() => {
    delete process.env.ZFSCOPE_BACKEND;
  });

  it('auto picks tfjs-node when it is installed, else wasm with the training kernels', async () => {
    const lines: string[] = [];
    const info = await initBackend('auto', (l) => lines.push(l));
    const expected = nodeInstalled() ? 'tensorflow' : 'wasm';
    expect(info.name).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
    expect(lines.at(-1)).toContain(info.description);
    if (expected === 'wasm') {
      expect(lines.some((l) => l.includes('skipping tfjs-node') && l.includes('not installed'))).toBe(true);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    }
  });

  it('asking for node where tfjs-node is missing fails saying why and what to do', async () => {
    if (nodeInstalled()) {
      // Installed: it either loads or says its native library failed to load.
      await initBackend('node').then(
        (info) => expect(info.name).toBe('tensorflow'),
        (err: Error) => expect(err.message).toMatch(/failed to load: .+/),
      );
      return;
    }
    const err = await initBackend('node').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    const msg = (err as Error).message;
    expect(msg).toContain('@tensorflow/tfjs-node is not installed');
    expect(msg).toContain('npm install @tensorflow/tfjs-node');
    expect(msg).toContain('--backend wasm');
  });

  it('is idempotent: a second call returns the same backend without re-registering', async () => {
    const a = await initBackend('wasm');
    const kernel = tf.getKernel('Conv2DBackpropInput', 'wasm');
    const b = await initBackend('wasm');
    expect(b).toEqual(a);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(kernel);
  });

  it('switches to cpu and back on request', async () => {
    expect((await initBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await initBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('reads ZFSCOPE_BACKEND and names it when its value is invalid', async () => {
    process.env.ZFSCOPE_BACKEND = 'cpu';
    expect((await initBackend()).name).toBe('cpu');
    process.env.ZFSCOPE_BACKEND = 'gpu';
    await expect(initBackend()).rejects.toThrow(/ZFSCOPE_BACKEND: expected one of auto, node, wasm, cpu; found "gpu"/);
    await initBackend('wasm');
  });
});

describe('parseBackendChoice', () => {
  it('accepts the four choices, case-insensitively', () => {
    expect(['auto', 'node', 'WASM', ' cpu '].map((t) => parseBackendChoice(t))).toEqual([
      'auto',
      'node',
      'wasm',
      'cpu',
    ]);
  });

  it('refuses anything else naming --backend and the valid values', () => {
    expect(() => parseBackendChoice('webgl')).toThrow(BackendError);
    expect(() => parseBackendChoice('webgl')).toThrow(
      '--backend: expected one of auto, node, wasm, cpu; found "webgl"',
    );
  });
});
