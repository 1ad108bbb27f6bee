/**
 * The two kernel sets the wasm backend can train with: zfscope's wasm kernels and the native ones
 * (native/, when built). Kernel tests run on both. Where the addon is not built the native set is
 * left out, with a note, except in CI (CI=true), where it is kept so that its absence fails.
 */
import { loadNative } from '../../training/backend/native/addon.js';

const native = loadNative();
if (!native.ok && !process.env.CI) console.warn(`kernel tests: the native kernel set is left out: ${native.why}`);

export const KERNEL_SETS: Array<[name: string, native: boolean]> = [
  ['wasm kernels', false],
  ...(native.ok || process.env.CI ? [['native kernels', true] as [string, boolean]] : []),
];
