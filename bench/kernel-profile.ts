/**
 * Where a training step's time goes: every kernel of the current backend wrapped with a timer for
 * a few steps of createTrainStep on the small ZF-net. Times are exclusive (a composed kernel's own
 * JS, without the kernels it runs inside), so the rows add up to the kernels' share of the step;
 * the rest (`(between kernels)`) is tfjs's engine, tape, tidy and the step's own JS.
 */
import * as tf from '@tensorflow/tfjs';
import { buildZfNet } from '../training/model/zfnet.js';
import { createTrainStep } from '../training/train-step.js';
import { benchConfig } from './throughput.js';

export interface ProfileRow {
  /** Kernel name and the shape of its first input, e.g. "Conv2D 64x8x8x32". */
  kernel: string;
  /** Milliseconds per training step. */
  ms: number;
  /** Calls per training step. */
  calls: number;
}

function label(name: string, inputs: tf.NamedTensorInfoMap): string {
  const first = inputs.x ?? inputs.dy ?? inputs.a ?? Object.values(inputs)[0];
  const extra = inputs.filter
    ? ` f${inputs.filter.shape.join('x')}`
    : inputs.dy && inputs.x
      ? ` dy${inputs.dy.shape.join('x')}`
      : '';
  return first ? `${name} ${first.shape.join('x')}${extra}` : name;
}

/** Per-kernel milliseconds of one training step (mean of `steps`, after 2 warm-up steps), largest first. */
export function profileTrainStep(inputShape: [number, number, number], batch: number, steps: number): ProfileRow[] {
  const backend = tf.getBackend();
  const model = buildZfNet(benchConfig(inputShape));
  const step = createTrainStep(model, { learningRate: 0.01 });
  const x = tf.randomNormal([batch, ...inputShape], 0, 1, 'float32', 7) as tf.Tensor4D;
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 8) as tf.Tensor1D, 10).toFloat());
  step(x, y as tf.Tensor2D);
  step(x, y as tf.Tensor2D);
  const totals = new Map<string, { ms: number; calls: number }>();
  const originals = new Map<tf.KernelConfig, tf.KernelFunc>();
  let inner = 0; // time spent in kernels called from inside the one running
  for (const k of tf.getKernelsForBackend(backend)) {
    const f = k.kernelFunc;
    originals.set(k, f);
    (k as { kernelFunc: tf.KernelFunc }).kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => {
      const saved = inner;
      inner = 0;
      const t0 = performance.now();
      const out = f(args);
      const dt = performance.now() - t0;
      const key = label(k.kernelName, args.inputs);
      const row = totals.get(key) ?? { ms: 0, calls: 0 };
      row.ms += dt - inner;
      row.calls++;
      totals.set(key, row);
      inner = saved + dt;
      return out;
    }) as tf.KernelFunc;
  }
  let wall = 0;
  try {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step(x, y as tf.Tensor2D);
    wall = performance.now() - t0;
  } finally {
    for (const [k, f] of originals) (k as { kernelFunc: tf.KernelFunc }).kernelFunc = f;
    tf.dispose([x, y]);
    step.optimizer.dispose();
    model.dispose();
  }
  const rows = [...totals.entries()].map(([kernel, r]) => ({
    kernel,
    ms: Math.round((r.ms / steps) * 100) / 100,
    calls: Math.round(r.calls / steps),
  }));
  const kernels = rows.reduce((a, r) => a + r.ms, 0);
  rows.push({ kernel: '(between kernels)', ms: Math.round((wall / steps - kernels) * 100) / 100, calls: 0 });
  rows.push({ kernel: '(step total)', ms: Math.round((wall / steps) * 100) / 100, calls: 1 });
  return rows.sort((a, b) => b.ms - a.ms);
}
