import { describe, expect, it } from 'vitest';
import { aliasingHint, aliasingLevel, suggestConv1 } from '../../dashboard/state/aliasing.js';

describe('aliasing hint', () => {
  it.each([
    [null, 'unknown'],
    [0.05, 'low'],
    [0.1, 'moderate'],
    [0.249, 'moderate'],
    [0.25, 'high'],
    [0.6, 'high'],
  ])('score %s is %s', (s, level) => expect(aliasingLevel(s)).toBe(level));

  it.each([
    [{ kernel: 11, stride: 4 }, { kernel: 7, stride: 2 }],
    [{ kernel: 7, stride: 2 }, { kernel: 5, stride: 1 }],
    [{ kernel: 9, stride: 3 }, { kernel: 7, stride: 2 }],
    [{ kernel: 3, stride: 2 }, { kernel: 3, stride: 1 }],
    [{ kernel: 5, stride: 1 }, null],
  ])('after %j try %j', (c, want) => expect(suggestConv1(c)).toEqual(want));

  it("gives ZF's fix for AlexNet's conv1 in plain words", () => {
    expect(aliasingHint({ kernel: 11, stride: 4 }, 0.42)).toBe(
      "conv1 stride 4 with 11x11 kernels aliases: 42% of the filters' energy lies above what stride 4 can represent. Try 7x7/2 and move the lost factor of 2 of down-sampling to pool1 or conv2.",
    );
  });

  it('says a low score is fine, and says so when nothing was measured', () => {
    expect(aliasingHint({ kernel: 7, stride: 2 }, 0.06)).toBe("conv1 7x7/2 represents its filters well: 6% of their energy lies above the stride's limit.");
    expect(aliasingHint({ kernel: 7, stride: 2 }, null)).toBe('Aliasing not measured for conv1 7x7/2 at this epoch.');
    expect(aliasingHint(undefined, 0.3)).toMatch(/unknown/);
  });
});
