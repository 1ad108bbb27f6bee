/**
 * zfscope's native kernels (native/, a Node-API addon on oneDNN, the library PyTorch's CPU
 * convolutions run on), built by `npm install` where Debian's libdnnl-dev is installed. Loaded
 * once per thread; when it is missing or fails, `loadNative()` says why and the wasm backend keeps
 * its own kernels. ZFSCOPE_NATIVE=off turns it off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's functions (native/src/addon.cc). Arrays are float32 views, read and written in place. */
export interface NativeAddon {
  /** y = conv(x, w) (+ bias) (then ReLU if relu = 1); geometry: CONV_GEOMETRY order. */
  conv2d(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    g: Int32Array,
    relu: number,
  ): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, g: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, g: Int32Array): void;
  /** geometry: N, H, W, C, kh, kw, Ho, Wo, sh, sw, padTop, padLeft. */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, g: Int32Array): void;
  /** geometry: batch, M, N, K, transposeA, transposeB. */
  matMul(a: Float32Array, b: Float32Array, c: Float32Array, g: Int32Array): void;
  /** out[j] = Σ_i x[i·inner + j]; geometry: rows, inner. */
  sumRows(x: Float32Array, out: Float32Array, g: Int32Array): void;
  setThreads(n: number): void;
  threads(): number;
  /** e.g. "oneDNN 2.6.3, avx2". */
  describe(): string;
}

export type NativeLoad = { ok: true; addon: NativeAddon; description: string } | { ok: false; why: string };

/** The package root: the nearest folder above this file whose package.json is zfscope's. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'zfscope') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no zfscope package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** Where `npm install` (native/build.mjs) puts the addon. */
export function addonPath(): string {
  return join(packageRoot(), 'native', 'build', 'Release', 'zfscope_native.node');
}

let loaded: NativeLoad | undefined;

/** The addon of this thread, or why there is none. */
export function loadNative(): NativeLoad {
  if (loaded) return loaded;
  const env = (process.env.ZFSCOPE_NATIVE ?? '').trim().toLowerCase();
  if (env === 'off' || env === '0' || env === 'false') {
    loaded = { ok: false, why: `turned off by ZFSCOPE_NATIVE=${process.env.ZFSCOPE_NATIVE}` };
    return loaded;
  }
  try {
    const path = addonPath();
    if (!existsSync(path)) {
      loaded = {
        ok: false,
        why: `not built (${path} is missing; apt-get install -y libdnnl-dev, then npm run build:native)`,
      };
      return loaded;
    }
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    loaded = { ok: true, addon, description: addon.describe() };
  } catch (err) {
    loaded = { ok: false, why: `failed to load: ${err instanceof Error ? err.message : String(err)}` };
  }
  return loaded;
}
