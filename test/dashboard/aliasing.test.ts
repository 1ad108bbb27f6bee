import { describe, expect, it } from 'vitest';
import { aliasingHint, aliasingLevel, noiseAliasing, suggestConv1 } from '../../dashboard/state/aliasing.js';

describe('aliasing hint', () => {
  it.each([
    [null, 'unknown'],
    [0.05, 'low'],
    [0.199, 'low'],
    [0.2, 'moderate'],
    [0.399, 'moderate'],
    [0.4, 'high'],
    [0.94, 'high'],
  ])('score %s is %s', (s, level) => expect(aliasingLevel(s)).toBe(level));

  it.each([
    [{ kernel: 11, stride: 4 }, { kernel: 7, stride: 2 }],
    [{ kernel: 7, stride: 2 }, { kernel: 5, stride: 1 }],
    [{ kernel: 9, stride: 3 }, { kernel: 7, stride: 2 }],
    [{ kernel: 3, stride: 2 }, { kernel: 3, stride: 1 }],
    [{ kernel: 5, stride: 1 }, null],
  ])('after %j try %j', (c, want) => expect(suggestConv1(c)).toEqual(want));

  it("gives ZF's fix for AlexNet's conv1 in plain words", () => {
    expect(aliasingHint({ kernel: 11, stride: 4 }, 0.62)).toBe(
      "conv1 stride 4 with 11x11 kernels aliases: 62% of the filters' energy lies above what stride 4 can represent (white noise: 94%). Try 7x7/2 and move the lost factor of 2 of down-sampling to pool1 or conv2.",
    );
  });

  it.each([
    [1, 0],
    [2, 0.75],
    [4, 0.9375],
  ])('white noise at stride %i puts %f of its energy above the limit', (s, share) => expect(noiseAliasing(s)).toBe(share));

  it('does not blame the stride while the filters are still noise (untrained)', () => {
    expect(aliasingHint({ kernel: 7, stride: 2 }, 0.72)).toBe(
      "conv1 7x7/2: 72% of the filters' energy lies above stride 2's limit, about what white noise gives (75%): the filters have not formed yet; judge aliasing once they settle.",
    );
    expect(aliasingHint({ kernel: 7, stride: 2 }, 0.6)).toMatch(/^conv1 stride 2 with 7x7 kernels aliases: 60%.*Try 5x5\/1/);
  });

  it('says a low score is fine, and says so when nothing was measured', () => {
    expect(aliasingHint({ kernel: 7, stride: 2 }, 0.12)).toBe("conv1 7x7/2 represents its filters well: 12% of their energy lies above the stride's limit.");
    expect(aliasingHint({ kernel: 7, stride: 2 }, null)).toBe('Aliasing not measured for conv1 7x7/2 at this epoch.');
    expect(aliasingHint(undefined, 0.3)).toMatch(/unknown/);
  });
});
