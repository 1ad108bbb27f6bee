/**
 * Tensor backend selection: tfjs-node (native TensorFlow) when it loads, else the wasm backend with
 * zfscope's own training kernels, else the pure-JS cpu backend. `--backend` / ZFSCOPE_BACKEND pick
 * one explicitly; asking for one that is not available is a BackendError that says why and what to do.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';
import { ZfError } from '../../server/errors.js';
import { initThreadedWasm, threadedWasmUnavailable } from './wasm-threads.js';
import { loadNative } from './native/addon.js';
import { nativeKernelsActive, registerNativeKernels, unregisterNativeKernels } from './native/kernels.js';

export type BackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'node', 'wasm', 'cpu'];

export interface BackendInfo {
  /** tfjs's backend name. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** One line for logs and run.json, e.g. "wasm (XNNPACK, SIMD, 1 thread) + zfscope native kernels (oneDNN 2.6.3, avx2, 1 thread)". */
  description: string;
  /** Threads of the native kernels (0 when they are not in use). */
  nativeThreads?: number;
}

/** A backend that was asked for and cannot be used; the message says why and what to do. */
export class BackendError extends ZfError {
  constructor(message: string) {
    super('backend', message);
  }
}

/** Parse a --backend value; throws a BackendError naming the flag and the valid values. */
export function parseBackendChoice(text: string, source = '--backend'): BackendChoice {
  const v = text.trim().toLowerCase();
  if ((BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new BackendError(`${source}: expected one of ${BACKEND_CHOICES.join(', ')}; found ${JSON.stringify(text)}`);
}

const NODE_PACKAGE = '@tensorflow/tfjs-node';

type Attempt = { ok: true; info: BackendInfo } | { ok: false; why: string; hint: string };

/** How tfjs-node is found and loaded: a seam, so both of its branches are tested on every machine. */
export interface NodeLoader {
  /** Whether the package is installed at all. */
  installed(): boolean;
  /** Loads it (registering the 'tensorflow' backend); throws when its native library fails. */
  load(): Promise<void>;
}

export const defaultNodeLoader: NodeLoader = {
  installed() {
    try {
      createRequire(import.meta.url).resolve(NODE_PACKAGE);
      return true;
    } catch {
      return false;
    }
  },
  async load() {
    const spec: string = NODE_PACKAGE; // a variable, so neither tsc nor a bundler insists on it
    await import(spec);
  },
};

let processLoader: NodeLoader = defaultNodeLoader;

/** Replaces the loader `initBackend` uses by default (for tests of whole commands); returns the undo. */
export function setNodeLoader(loader: NodeLoader): () => void {
  const before = processLoader;
  processLoader = loader;
  return () => {
    processLoader = before;
  };
}

async function tryNode(loader: NodeLoader): Promise<Attempt> {
  if (!loader.installed()) {
    return {
      ok: false,
      why: `${NODE_PACKAGE} is not installed (it is an optional dependency whose native library could not be fetched)`,
      hint: `run \`npm install ${NODE_PACKAGE}\` on a machine with internet access, or use --backend wasm`,
    };
  }
  try {
    await loader.load();
    if (!(await tf.setBackend('tensorflow'))) throw new Error("tf.setBackend('tensorflow') returned false");
    await tf.ready();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      why: `${NODE_PACKAGE} is installed but its native library failed to load: ${msg}`,
      hint: `reinstall it (\`npm rebuild ${NODE_PACKAGE}\` or \`npm install ${NODE_PACKAGE}\`), or use --backend wasm`,
    };
  }
  return { ok: true, info: { name: 'tensorflow', description: `tensorflow (native, ${NODE_PACKAGE})` } };
}

/**
 * XNNPACK threads for the wasm backend: 1 in a worker thread (workers are the project's own
 * parallelism), else ZFSCOPE_WASM_THREADS when set (1-8), else 1. More than 1
 * loads tfjs's threaded SIMD build (wasm-threads.ts). It speeds up inference (~1.7x on two idle
 * cores) but not training: there the data-parallel step (a worker with its own 1-thread backend)
 * is as fast on idle cores and far steadier on busy ones, where the threaded build's spinning
 * pool collapses; the two together oversubscribe the cores. So the default stays 1.
 */
export function wasmThreads(): number {
  return threadsFromEnv('ZFSCOPE_WASM_THREADS');
}

/** 1 in a worker thread, else the variable's value (1-8) when set, else 1. */
function threadsFromEnv(name: string): number {
  const env = process.env[name];
  if (!isMainThread || env === undefined || env === '') return 1;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1 || n > 8) {
    throw new BackendError(`${name}: expected an integer from 1 to 8; found ${JSON.stringify(env)}`);
  }
  return n;
}

/**
 * Threads of each native kernel: 1 in a worker thread, else ZFSCOPE_NATIVE_THREADS when set
 * (1-8), else 1.
 */
export function nativeThreads(): number {
  return threadsFromEnv('ZFSCOPE_NATIVE_THREADS');
}

/** The native kernels over the wasm ones when the addon loads; the description says which run. */
function useNative(): { description: string; threads: number } {
  const native = loadNative();
  if (!native.ok) return { description: `zfscope training kernels (native kernels ${native.why})`, threads: 0 };
  const threads = nativeThreads();
  native.addon.setThreads(threads);
  registerNativeKernels(native.addon);
  return {
    description: `zfscope native kernels (${native.description}, ${threads} thread${threads === 1 ? '' : 's'})`,
    threads,
  };
}

async function tryWasm(): Promise<Attempt> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const threads = wasmThreads();
    const set = () => tf.setBackend('wasm');
    // Without the threaded build's files the plain build runs, and the description says why.
    const unavailable = threads > 1 ? threadedWasmUnavailable() : undefined;
    const ok = threads > 1 && !unavailable ? await initThreadedWasm(threads, wasm, set) : await set();
    if (!ok) throw new Error("tf.setBackend('wasm') returned false");
    await tf.ready();
    registerWasmTrainingKernels();
    const native = useNative();
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
    const got = wasm.getThreadsCount();
    return {
      ok: true,
      info: {
        name: 'wasm',
        description:
          `wasm (XNNPACK, ${simd}, ${got} thread${got === 1 ? '' : 's'}) + ${native.description}` +
          (unavailable ? `; ZFSCOPE_WASM_THREADS=${threads} not used: ${unavailable}` : ''),
        nativeThreads: native.threads,
      },
    };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      why: `@tensorflow/tfjs-backend-wasm failed to load: ${msg}`,
      hint: 'run `npm ci` to reinstall dependencies, or use --backend cpu',
    };
  }
}

async function useCpu(): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', description: 'cpu (pure JavaScript; very slow for training)' };
}

/**
 * Turns the native kernels on or off on the wasm backend now in use (for tests that check both
 * kernel sets); returns whether they are on. On when asked but not built: a BackendError saying why.
 */
export function setNativeKernels(on: boolean): boolean {
  if (!on) {
    unregisterNativeKernels();
    return false;
  }
  const native = loadNative();
  if (!native.ok) throw new BackendError(`native kernels: ${native.why}`);
  native.addon.setThreads(nativeThreads());
  registerNativeKernels(native.addon);
  return nativeKernelsActive();
}

let current: { choice: BackendChoice; loader: NodeLoader; info: BackendInfo } | undefined;

/** XNNPACK threads of the wasm backend in use (0 on another backend). */
export function backendThreads(): number {
  if (tf.getBackend() !== 'wasm') return 0;
  return (tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } }).wasm.tfjs.getThreadsCount();
}

/**
 * Threads inside each kernel on the wasm backend: XNNPACK's, or the native kernels' when they run
 * on more (0 on another backend). Above 1, a worker beside them would only oversubscribe the cores.
 */
export function kernelThreads(): number {
  if (tf.getBackend() !== 'wasm') return 0;
  const native = loadNative();
  return Math.max(backendThreads(), nativeKernelsActive() && native.ok ? native.addon.threads() : 0);
}

/**
 * Select and initialise the tensor backend. `auto` tries tfjs-node, then wasm, then cpu, logging
 * why each skipped one was skipped. Calling it again with the same choice returns the same result.
 */
export async function initBackend(
  choice: BackendChoice = (process.env.ZFSCOPE_BACKEND as BackendChoice | undefined) ?? 'auto',
  log?: (line: string) => void,
  opts: { nodeLoader?: NodeLoader } = {},
): Promise<BackendInfo> {
  const loader = opts.nodeLoader ?? processLoader;
  const fromEnv = process.env.ZFSCOPE_BACKEND !== undefined && choice === process.env.ZFSCOPE_BACKEND;
  const valid = parseBackendChoice(String(choice), fromEnv ? 'ZFSCOPE_BACKEND' : '--backend');
  if (current && current.choice === valid && current.loader === loader && tf.getBackend() === current.info.name)
    return current.info;
  let info: BackendInfo;
  if (valid === 'cpu') {
    info = await useCpu();
  } else if (valid === 'node' || valid === 'wasm') {
    const attempt = valid === 'node' ? await tryNode(loader) : await tryWasm();
    if (!attempt.ok) throw new BackendError(`--backend ${valid}: ${attempt.why}. To fix: ${attempt.hint}.`);
    info = attempt.info;
  } else {
    const node = await tryNode(loader);
    if (node.ok) info = node.info;
    else {
      log?.(`backend: skipping tfjs-node: ${node.why}`);
      const wasm = await tryWasm();
      if (wasm.ok) info = wasm.info;
      else {
        log?.(`backend: skipping wasm: ${wasm.why}`);
        info = await useCpu();
      }
    }
  }
  log?.(`backend: ${info.description}`);
  current = { choice: valid, loader, info };
  return info;
}
