/**
 * One epoch of training: shuffled batches through the train step from `fromBatch` on, per-batch
 * metrics and progress, then validation. Stops between steps when asked (after a checkpoint).
 */
import * as tf from '@tensorflow/tfjs';
import { inputBatch, oneHotBatch, shuffled } from './data.js';
import { evaluate } from './evaluate.js';
import type { RunContext } from './run-context.js';

/** The epoch's metrics (`epoch` counts from 0 here), or 'stopped' when the run's signal fired (checkpointed). */
export async function trainEpoch(
  run: RunContext,
  epoch: number,
  fromBatch: number,
): Promise<Record<string, number> | 'stopped'> {
  const { config, split } = run.options;
  const n = split.train.count;
  const bs = config.batchSize;
  const order = shuffled(n, config.seed * 1000 + epoch);
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  const epochStart = Date.now();
  for (let b = fromBatch; b < run.batches; b++) {
    if (run.options.signal?.aborted) {
      await run.checkpoint(run.latest, epoch, b);
      return 'stopped';
    }
    const idx = order.subarray(b * bs, Math.min(n, (b + 1) * bs));
    const x = inputBatch(split.train, idx, run.pre);
    const y = oneHotBatch(split.train, idx, run.classes);
    const r = run.step(x, y);
    tf.dispose([x, y]);
    // Steps are synchronous: yield to the event loop so the reporter's socket (heartbeats,
    // acks, live metrics) and signal handlers run between them.
    await new Promise<void>((res) => setImmediate(res));
    if (!Number.isFinite(r.loss))
      throw new Error(`training diverged: loss is ${r.loss} at epoch ${epoch + 1}, batch ${b + 1}; try a smaller --lr`);
    lossSum += r.loss * idx.length;
    correct += r.correct;
    seen += idx.length;
    run.state.imagesSeen += idx.length;
    if ((b + 1) % run.every === 0 || b === run.batches - 1) {
      await run.send({
        type: 'metrics',
        epoch: epoch + 1,
        batch: b + 1,
        values: { loss: r.loss, acc: r.correct / idx.length },
      });
    }
    const totalLeft = (config.epochs - epoch) * n - seen;
    const last = run.state.lastSnapshot;
    run.options.onProgress?.({
      epoch: epoch + 1,
      epochs: config.epochs,
      batch: b + 1,
      batches: run.batches,
      loss: lossSum / seen,
      acc: correct / seen,
      imgPerS: seen / Math.max(1e-3, (Date.now() - epochStart) / 1000),
      etaS: totalLeft / Math.max(1, run.state.imagesSeen / ((Date.now() - run.t0) / 1000)),
      phase: 'train',
      ...(last !== undefined ? { lastSnapshot: last } : {}),
    });
  }
  const trainSeconds = (Date.now() - epochStart) / 1000;
  await run.options.afterEpoch?.(run.model, epoch + 1);
  const val = evaluate(run.model, split.validation, run.pre, run.classes, 256);
  return {
    loss: lossSum / Math.max(1, seen),
    acc: correct / Math.max(1, seen),
    val_loss: val.loss,
    val_acc: val.acc,
    img_per_s: seen / Math.max(1e-3, trainSeconds),
    lr: config.learningRate,
    epoch_s: trainSeconds,
  };
}
