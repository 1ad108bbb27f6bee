import { describe, expect, it } from 'vitest';
import { alignEpochs, nearestEpoch, stepEpoch, stepIn } from '../../dashboard/state/epochs.js';

const E = [1, 2, 5, 10, 20, 30, 40, 64];

describe('snapshot epochs: nearest, stepping, Compare alignment', () => {
  it.each([
    [7, 5],
    [8, 10],
    [7.5, 5], // a tie goes to the earlier epoch
    [0, 1],
    [100, 64],
    [35, 30],
    [10, 10],
  ])('nearest to %s is %s', (t, want) => expect(nearestEpoch(E, t)).toBe(want));

  it('has no nearest epoch without epochs', () => expect(nearestEpoch([], 3)).toBeUndefined());

  it.each([
    [5, 1, 10],
    [5, -1, 2],
    [1, -1, 1],
    [64, 1, 64],
    [undefined, -1, 40],
    [7, 1, 10], // from the nearest (5)
  ])('from %s by %s is %s', (from, delta, want) => expect(stepEpoch(E, from, delta)).toBe(want));

  it('steps through a list and holds at its ends', () => {
    expect(stepIn([0, 1, 3, 4], 3, 1)).toBe(4);
    expect(stepIn([0, 1, 3, 4], 4, 1)).toBe(4);
    expect(stepIn([0, 1, 3, 4], 0, -1)).toBe(0);
    expect(stepIn(['conv1', 'conv2'], 'conv9', 1)).toBe('conv1');
  });

  it('aligns two runs on the nearest snapshot each side and says when they differ', () => {
    expect(alignEpochs([1, 2, 7, 10], [1, 2, 5, 10], 7)).toEqual({ a: 7, b: 5, target: 7, differs: true });
    expect(alignEpochs([1, 2, 5, 10], [1, 2, 5, 10], 5)).toEqual({ a: 5, b: 5, target: 5, differs: false });
    // No epoch asked: the first run's latest; the second run stopped earlier.
    expect(alignEpochs([1, 2, 5, 10], [1, 2, 5], undefined)).toEqual({ a: 10, b: 5, target: 10, differs: true });
    // Both sides agree but neither has the epoch asked for: still said.
    expect(alignEpochs([1, 10], [1, 10], 4)).toEqual({ a: 1, b: 1, target: 4, differs: true });
    expect(alignEpochs([], [], undefined)).toEqual({ differs: false });
  });
});
