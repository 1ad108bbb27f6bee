/**
 * Multi-threaded XNNPACK for the tfjs wasm backend under Node.
 *
 * tfjs turns its threaded SIMD build off in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there)
 * because the build's pthreads are Web Workers made from a `blob:` URL, which Node's Worker
 * refuses (ERR_WORKER_PATH). Everything else the build needs works in Node 20: shared
 * WebAssembly memory, Atomics.wait on the main thread, worker_threads. So before the backend
 * initialises, this module
 *  - forces the flag on,
 *  - installs a global `Worker` that the build's pthread pool uses instead of node's: it runs the
 *    package's own pthread worker script (wasm-out/*.worker.js) from source (`eval: true`), and
 *    serves that script's one `importScripts` of the main glue code from the package's
 *    wasm-out/tfjs-backend-wasm-threaded-simd.js, the glue built with the same .wasm,
 *  - and, for the duration of the init only, doubles os.cpus(): the build sizes its thread pool
 *    as min(requested, logical cores / 2) on the assumption of two hyper-threads a core, which
 *    caps a 2-core machine at one thread; the requested count then decides.
 * The pool's workers are unref'd (they block in the wasm futex loop, never in the event loop),
 * so they never keep a finished process alive.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Worker as NodeWorker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';

const PKG = '@tensorflow/tfjs-backend-wasm';
const WORKER_SCRIPT = 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
const MAIN_SCRIPT = 'wasm-out/tfjs-backend-wasm-threaded-simd.js';

/** The pthread worker's source: the package's script, then its one importScripts served from memory. */
function pthreadWorkerSource(): string {
  const require = createRequire(import.meta.url);
  const root = join(dirname(require.resolve(PKG)), '..');
  const { wasmWorkerContents } = require(join(root, WORKER_SCRIPT)) as { wasmWorkerContents?: string };
  if (typeof wasmWorkerContents !== 'string') throw new Error(`${PKG}/${WORKER_SCRIPT}: no wasmWorkerContents export`);
  const main = readFileSync(join(root, MAIN_SCRIPT), 'utf8');
  if (!main.includes('var WasmBackendModuleThreadedSimd')) {
    throw new Error(`${PKG}/${MAIN_SCRIPT}: expected the WasmBackendModuleThreadedSimd factory`);
  }
  // The worker script assigns importScripts when it starts; the override comes after it, and its
  // load handler looks importScripts up (and makes a throwaway object URL) when the message comes.
  // The script is kept in a template literal whose "\n" escapes became newlines: undo that, as tfjs does.
  return `${wasmWorkerContents.replace(/\n/g, '\\n')}
;globalThis.importScripts = function () { (0, eval)(${JSON.stringify(main)}); };
URL.createObjectURL = function () { return 'zfscope:wasm-main'; };
URL.revokeObjectURL = function () {};`;
}

let installed = false;
let source: string | undefined;

/** Why the threaded build cannot be set up here (its files missing or changed), or undefined when it can. */
export function threadedWasmUnavailable(): string | undefined {
  try {
    source ??= pthreadWorkerSource();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Install the global Worker the threaded build creates its pool with (idempotent). */
function installPthreadWorker(): void {
  if (installed) return;
  source ??= pthreadWorkerSource();
  const code = source;
  class PthreadWorker extends NodeWorker {
    constructor(_url: string | URL) {
      super(code, { eval: true });
      this.unref();
    }
    /** The build refs a worker when it starts a thread on it; a pool thread must not hold the process. */
    override ref(): void {}
  }
  // The build's glue assigns node's Worker to the global when it loads; the setter keeps ours.
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => PthreadWorker,
    set: () => undefined,
  });
  installed = true;
}

/**
 * Make the next tf.setBackend('wasm') load the threaded SIMD build with `threads` XNNPACK
 * threads (this thread plus threads-1 pool workers), and run `init` (which must call
 * setBackend) under that setup. Throws, leaving nothing changed, when the package lacks the files.
 */
export async function initThreadedWasm<T>(
  threads: number,
  wasm: { setThreadsCount(n: number): void },
  init: () => Promise<T>,
): Promise<T> {
  installPthreadWorker();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  const cpus = os.cpus;
  const logical = Math.max(cpus().length, threads);
  os.cpus = () => {
    const c = cpus();
    return Array.from({ length: 2 * logical }, (_, i) => c[i % c.length]!);
  };
  try {
    return await init();
  } finally {
    os.cpus = cpus;
  }
}
