/**
 * Registers zfscope's training kernels for the tfjs wasm backend. Call after the wasm backend has
 * been initialised (tf.setBackend('wasm')), so the shipped kernels this replaces have run their
 * setup and stay usable as fallbacks.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig, setShippedConv2DBackpropInput } from './conv2d-backprop-input.js';
import { batchMatMulConfig, setShippedBatchMatMul } from './batch-mat-mul.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { gatherConfig, setShippedGather } from './gather.js';

/** The kernels registered, in the order they are registered. */
export const WASM_TRAINING_KERNELS: tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  batchMatMulConfig,
  maxPoolGradConfig,
  gatherConfig,
];

/** Replaced shipped kernels that the replacements delegate to (or fall back on). */
const KEEP_SHIPPED: Record<string, (f: tf.KernelFunc) => void> = {
  Conv2DBackpropInput: setShippedConv2DBackpropInput,
  BatchMatMul: setShippedBatchMatMul,
  GatherV2: setShippedGather,
};

let registered = false;

/** Register (or replace) the training kernels for 'wasm'. Idempotent. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const config of WASM_TRAINING_KERNELS) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing) {
      KEEP_SHIPPED[config.kernelName]?.(existing.kernelFunc);
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
  }
  registered = true;
}
