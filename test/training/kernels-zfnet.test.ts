/**
 * End to end: the gradients of every weight of the small ZF-net computed on wasm (with zfscope's
 * wasm kernels, and with the native ones where built) equal the cpu backend's, for the 'zf' preset (5x5/1 conv1, stride-2 conv2: a strided
 * input gradient) and the AlexNet-like 'alex4' one (11x11/4 conv1, stride-1 pool1). Dropout is off
 * (training: false) so both backends compute the same function.
 */
import { describe, expect, it } from 'vitest';
import { initBackend, setNativeKernels } from '../../training/backend/index.js';
import { KERNEL_SETS } from './kernel-sets.js';
import { CONV1_PRESETS } from '../../training/model/config.js';
import { zfNetGradients } from './gradients.js';

function gradients(preset: string, shape: [number, number, number]): Float32Array[] {
  return zfNetGradients(shape, { conv1: CONV1_PRESETS[preset], labels: [1, 7] });
}

describe.each(KERNEL_SETS)('small ZF-net gradients on wasm with the %s', (_set, native) => {
  it.each([
    ['zf', [28, 28, 1]],
    ['alex4', [32, 32, 3]],
  ] as Array<[string, [number, number, number]]>)(
    'match the cpu backend for the %s preset at %j',
    async (preset, shape) => {
      await initBackend('cpu');
      const reference = gradients(preset, shape);
      await initBackend('wasm');
      setNativeKernels(native);
      const got = gradients(preset, shape);
      expect(got.length).toBe(reference.length);
      reference.forEach((ref, i) => {
        let diff = 0;
        let norm = 0;
        ref.forEach((v, j) => {
          diff = Math.max(diff, Math.abs(v - got[i]![j]!));
          norm = Math.max(norm, Math.abs(v));
        });
        expect(norm).toBeGreaterThan(0);
        expect(diff / norm).toBeLessThanOrEqual(1e-4);
      });
    },
  );
});
