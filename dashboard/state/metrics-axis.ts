/**
 * The curves' x axis. A batch metrics point carries its epoch and its batch index within the epoch
 * (the trainer sends batch = 1..B, the last batch of an epoch always); a point is logged only
 * every few batches, so counting points is no time axis. Here: epochs, fractional from the batch
 * index (batch b of B in epoch e sits at e - 1 + b/B), or the global batch index (e - 1)*B + b.
 */
import type { MetricPoint } from './reducer.js';

/**
 * Batches per epoch: the highest batch index seen in a finished epoch (one with its end-of-epoch
 * point); before any epoch finished, the highest seen so far or the estimate from the config.
 */
export function batchesPerEpoch(batch: MetricPoint[], epochEnds: MetricPoint[], estimate?: number): number {
  const ended = new Set(epochEnds.map((p) => p.epoch));
  let inEnded = 0;
  let any = 0;
  for (const p of batch) {
    if (p.batch === undefined) continue;
    any = Math.max(any, p.batch);
    if (ended.has(p.epoch)) inEnded = Math.max(inEnded, p.batch);
  }
  if (inEnded > 0) return inEnded;
  return Math.max(any, estimate && Number.isFinite(estimate) ? estimate : 0, 1);
}

/** Which x axis the curves use. */
export type XAxis = 'epoch' | 'batch';

/** A point's x: epochs (fractional) or batch index; end-of-epoch points sit at the epoch's end. */
export function pointX(p: MetricPoint, perEpoch: number, axis: XAxis): number {
  const b = p.batch ?? perEpoch;
  return axis === 'epoch' ? p.epoch - 1 + b / perEpoch : (p.epoch - 1) * perEpoch + b;
}

/** The axis title people read. */
export function axisTitle(axis: XAxis): string {
  return axis === 'epoch'
    ? 'epoch (fractional: batch index / batches per epoch)'
    : 'batch index (since the start of training)';
}
