import { describe, expect, it } from 'vitest';
import type { LayerHealth } from '../../server/protocol.js';
import { aliasingHint, aliasingLevel, suggestConv1 } from '../../dashboard/state/aliasing.js';

const health = (
  aliasing: number | null,
  aliasingNoise: number,
  stride: number,
  extra: Partial<LayerHealth> = {},
): LayerHealth => ({
  deadCount: 0,
  deadShare: 0,
  meanActiveShare: 0.5,
  meanWeightChange: null,
  aliasing,
  aliasingNoise,
  stride,
  ...extra,
});

describe('aliasing against its white-noise reference', () => {
  it.each([
    [health(null, 0.72, 2), 'unknown'],
    [health(0.2, 0.72, 2), 'clean'],
    [health(0.46, 0.72, 2), 'clean'], // 0.64 of noise: what ZF's own 7x7/2 reaches here
    [health(0.53, 0.72, 2), 'clean'], // 0.736 of noise
    [health(0.55, 0.72, 2), 'high'], // 0.764 of noise
    [health(0.65, 0.72, 2), 'noise'], // 0.90 of noise
    [health(0.1, 0.75, 1), 'stride-1'],
  ])('%j is %s', (h, level) => expect(aliasingLevel(h)).toBe(level));

  it('reads the advice ratio of today, not the one stored with an older run', () => {
    expect(aliasingLevel(health(0.5, 0.72, 2, { rules: { aliasingAdviseRatio: 0.4 } as LayerHealth['rules'] }))).toBe(
      'clean',
    );
  });

  it.each([
    [
      { kernel: 11, stride: 4 },
      { kernel: 7, stride: 2 },
    ],
    [
      { kernel: 7, stride: 2 },
      { kernel: 5, stride: 1 },
    ],
    [
      { kernel: 9, stride: 3 },
      { kernel: 7, stride: 2 },
    ],
    [{ kernel: 5, stride: 1 }, null],
  ])('after %j try %j', (c, want) => expect(suggestConv1(c)).toEqual(want));

  it("gives ZF's fix for AlexNet's conv1 only above the advice level, with the noise reference", () => {
    expect(aliasingHint({ kernel: 11, stride: 4 }, health(0.76, 0.92, 4))).toBe(
      "conv1 11x11/4 aliases: 76% of the filters' energy lies above stride 4's limit; white noise of the same kernel and stride: 92% (83% of it), at or above the advice level (75% of noise). Try 7x7/2 and move the lost factor of 2 of down-sampling to pool1 or conv2.",
    );
    expect(aliasingHint({ kernel: 7, stride: 2 }, health(0.47, 0.73, 2))).toBe(
      "conv1 7x7/2: 47% of the filters' energy lies above stride 2's limit; white noise of the same kernel and stride: 73% (64% of it), below the advice level (75% of noise): nothing to change.",
    );
  });

  it('says stride 1 has nothing to alias and shows the high-frequency share instead', () => {
    expect(
      aliasingHint({ kernel: 5, stride: 1 }, health(0, 0, 1, { highFrequency: 0.2, highFrequencyNoise: 0.75 })),
    ).toBe(
      'conv1 5x5/1 has stride 1: nothing to alias. High-frequency share (above 1/4 cycles/pixel) 20%, white noise 75%.',
    );
  });

  it('does not blame the stride while the filters are still noise, and says when nothing was measured', () => {
    expect(aliasingHint({ kernel: 7, stride: 2 }, health(0.7, 0.73, 2))).toMatch(/have not formed yet/);
    expect(aliasingHint({ kernel: 7, stride: 2 }, health(null, 0.73, 2))).toBe(
      'Aliasing not measured against its white-noise reference for conv1 7x7/2 at this epoch.',
    );
    expect(aliasingHint(undefined, health(0.3, 0.7, 2))).toMatch(/unknown/);
  });
});
