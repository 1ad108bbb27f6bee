import { describe, expect, it } from 'vitest';
import { maxAbs, symmetricBytes } from '../../../training/viz/atlas.js';

describe('symmetric contrast (hand-computed)', () => {
  // byte = round(255 * clamp(0.5 + v / (2 * scale), 0, 1))
  it.each([
    [[0], 2, [128]], // 127.5 rounds up
    [[2], 2, [255]],
    [[-2], 2, [0]],
    [[1], 2, [191]], // 255 * 0.75 = 191.25
    [[-1], 2, [64]], // 255 * 0.25 = 63.75
    [[5, -5], 2, [255, 0]], // clamped
    [[0.5, -3], 0, [128, 128]], // scale 0: mid-grey everywhere
  ])('%j at scale %d is %j', (values, scale, bytes) => expect([...symmetricBytes(values, scale)]).toEqual(bytes));

  it('maxAbs takes the largest magnitude of a range', () => {
    expect(maxAbs([1, -7, 3])).toBe(7);
    expect(maxAbs([1, -7, 3, 9], 2, 3)).toBe(3);
    expect(maxAbs([])).toBe(0);
  });
});
