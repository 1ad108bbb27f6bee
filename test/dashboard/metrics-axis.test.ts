import { describe, expect, it } from 'vitest';
import { batchesPerEpoch, pointX } from '../../dashboard/state/metrics-axis.js';
import type { MetricPoint } from '../../dashboard/state/reducer.js';

const b = (epoch: number, batch: number): MetricPoint => ({ epoch, batch, step: 0, values: { loss: 1 } });
const end = (epoch: number): MetricPoint => ({ epoch, step: 0, values: { loss: 1 } });

describe('the curves x axis: epochs from batch indices', () => {
  // The trainer logs every 4th batch of 170 and always the last: 4, 8, ..., 168, 170.
  const logged = (epoch: number) => [...Array.from({ length: 42 }, (_, i) => b(epoch, 4 * (i + 1))), b(epoch, 170)];

  it('takes batches per epoch from a finished epoch, not from the number of points logged', () => {
    expect(batchesPerEpoch([...logged(1), ...logged(2)], [end(1)])).toBe(170);
    expect(logged(1).length).toBe(43);
  });

  it('before an epoch ends: the larger of the highest batch seen and the config estimate', () => {
    expect(batchesPerEpoch([b(1, 4), b(1, 8)], [], 170)).toBe(170);
    expect(batchesPerEpoch([b(1, 4), b(1, 8)], [])).toBe(8);
    expect(batchesPerEpoch([], [], undefined)).toBe(1);
  });

  it.each([
    [b(1, 85), 0.5, 85],
    [b(1, 170), 1, 170],
    [b(3, 17), 2.1, 357],
    [end(2), 2, 340],
  ])('%j sits at epoch %s, batch index %s (170 a epoch)', (p, epoch, batch) => {
    expect(pointX(p, 170, 'epoch')).toBeCloseTo(epoch, 12);
    expect(pointX(p, 170, 'batch')).toBe(batch);
  });
});
