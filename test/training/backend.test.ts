/**
 * Backend selection: `auto` takes tfjs-node when it loads, else wasm (both branches run on every
 * machine through an injected loader), asking for a missing backend fails with a message that says
 * why and what to do, and a bad
 * --backend value is refused naming the flag and the valid values.
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  BackendError,
  defaultNodeLoader,
  initBackend,
  parseBackendChoice,
  type NodeLoader,
} from '../../training/backend/index.js';

/** tfjs-node as it is where it installs: its load registers the 'tensorflow' backend (here a cpu one). */
const workingNode: NodeLoader = {
  installed: () => true,
  load: async () => {
    tf.registerBackend('tensorflow', () => new MathBackendCPU());
  },
};
const missingNode: NodeLoader = { installed: () => false, load: async () => undefined };
const brokenNode: NodeLoader = {
  installed: () => true,
  load: async () => {
    throw new Error('libtensorflow.so.2: cannot open shared object file');
  },
};

describe('initBackend', () => {
  afterEach(() => {
    delete process.env.ZFSCOPE_BACKEND;
  });

  afterAll(async () => {
    await initBackend('wasm');
    if (tf.findBackend('tensorflow')) tf.removeBackend('tensorflow');
  });

  it('auto picks tfjs-node when it loads', async () => {
    const lines: string[] = [];
    const info = await initBackend('auto', (l) => lines.push(l), { nodeLoader: workingNode });
    expect(info).toEqual({ name: 'tensorflow', description: 'tensorflow (native, @tensorflow/tfjs-node)' });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(lines).toEqual(['backend: tensorflow (native, @tensorflow/tfjs-node)']);
    await initBackend('wasm');
    tf.removeBackend('tensorflow');
  });

  it.each([
    ['missing', missingNode, '@tensorflow/tfjs-node is not installed'],
    ['broken', brokenNode, 'its native library failed to load: libtensorflow.so.2: cannot open shared object file'],
  ])('auto falls back to wasm with the training kernels when tfjs-node is %s, saying why', async (_k, loader, why) => {
    const lines: string[] = [];
    const info = await initBackend('auto', (l) => lines.push(l), { nodeLoader: loader });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(lines[0]).toContain(`backend: skipping tfjs-node: `);
    expect(lines[0]).toContain(why);
    expect(lines.at(-1)).toContain(info.description);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each([
    ['missing', missingNode, ['@tensorflow/tfjs-node is not installed', 'npm install @tensorflow/tfjs-node']],
    ['broken', brokenNode, ['native library failed to load: libtensorflow.so.2', 'npm rebuild @tensorflow/tfjs-node']],
  ])('asking for node where tfjs-node is %s fails saying why and what to do', async (_k, loader, parts) => {
    const err = await initBackend('node', undefined, { nodeLoader: loader }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    const msg = (err as Error).message;
    for (const p of [...parts, '--backend wasm']) expect(msg).toContain(p);
  });

  it('the real loader reports this machine truthfully', () => {
    let resolvable = true;
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    } catch {
      resolvable = false;
    }
    expect(defaultNodeLoader.installed()).toBe(resolvable);
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
