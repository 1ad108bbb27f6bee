import { describe, expect, it } from 'vitest';
import {
  filterAngle,
  noiseAliasing,
  noiseFlatness,
  spectralFlatness,
  whiteNoiseKernel,
} from '../../../training/viz/diagnostics/filters.js';
import { flagJumps, responseChange, type JumpInput } from '../../../training/viz/diagnostics/jumps.js';
import { mad, median, robustZ } from '../../../training/viz/diagnostics/robust.js';
import { filterStates } from '../../../training/viz/diagnostics/states.js';
import { DEFAULT_RULES, legend } from '../../../training/viz/diagnostics/rules.js';

/** Two 1x2x1 filters (cout = 2) interleaved in tfjs layout: element (v, f) at v * 2 + f. */
const pair = (f0: [number, number], f1: [number, number]) => Float32Array.from([f0[0], f1[0], f0[1], f1[1]]);

describe('filter angle (1 - cos to the previous filter)', () => {
  it('is 0 for a filter scaled by 10 and 1 - cos(theta) for one rotated by theta', () => {
    const t = Math.PI / 3;
    const before = pair([1, 0], [3, 4]);
    const after = pair([Math.cos(t), Math.sin(t)], [30, 40]);
    const a = filterAngle(after, before, 2);
    expect(a[0]).toBeCloseTo(0.5, 6); // 1 - cos(60°)
    expect(a[1]).toBeCloseTo(0, 6);
  });
  it('is 2 for a flipped filter, 1 when a filter appears from zero, 0 when both are zero', () => {
    expect(filterAngle(pair([-1, -2], [1, 1]), pair([1, 2], [0, 0]), 2)).toEqual(Float64Array.from([2, 1]));
    expect(filterAngle(pair([0, 0], [0, 0]), pair([0, 0], [0, 0]), 2)).toEqual(Float64Array.from([0, 0]));
  });
});

describe('robust z-score', () => {
  it('median and MAD by hand', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(mad([1, 2, 3, 4, 100])).toBe(1); // |x - 3| = 2, 1, 0, 1, 97 -> median 1
  });
  it('scales by 1.4826 MAD, and by the mean absolute deviation when the MAD is 0', () => {
    const z = robustZ([1, 2, 3, 4, 100]);
    expect(z[4]).toBeCloseTo(97 / 1.4826, 6);
    // 0, 0, 0, 0, 5: median 0, MAD 0; mean |x| = 1 -> scale 1.2533.
    expect(robustZ([0, 0, 0, 0, 5])[4]).toBeCloseTo(5 / 1.2533, 6);
    expect(robustZ([2, 2, 2])).toEqual([0, 0, 0]);
  });
});

describe('response change (1 - correlation)', () => {
  it('is 0 for a rescaled and shifted response, 1 for an uncorrelated one, 2 for a reversed one', () => {
    expect(responseChange([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(0, 10);
    expect(responseChange([1, -1, 1, -1], [1, 1, -1, -1])).toBeCloseTo(1, 10);
    expect(responseChange([1, 2, 3], [3, 2, 1])).toBeCloseTo(2, 10);
  });
  it('treats a constant response as uncorrelated with a varying one, and equal constants as unchanged', () => {
    expect(responseChange([0, 0, 0], [1, 2, 3])).toBe(1);
    expect(responseChange([0, 0, 0], [0, 0, 0])).toBe(0);
  });
});

describe('jumps as outliers', () => {
  const quiet = (change: number): JumpInput => ({ change, history: [], sourceChanged: false });
  it('flags the one change that stands out of its layer, with the reason', () => {
    const layer = [0.05, 0.06, 0.04, 0.05, 0.07, 0.05, 0.06].map(quiet);
    layer.push({ change: 0.9, history: [], sourceChanged: true });
    layer.push({ change: 0.8, history: [], sourceChanged: false });
    const v = flagJumps(layer, DEFAULT_RULES);
    expect(v.map((x) => x.jump)).toEqual([null, null, null, null, null, null, null, 'new-source', 'same-source']);
  });
  it('does not flag a feature that always changes that much, nor a tiny change in a frozen layer', () => {
    const layer = [0.05, 0.06, 0.04, 0.05, 0.07].map(quiet);
    layer.push({ change: 0.9, history: [0.8, 0.85, 0.9], sourceChanged: true });
    expect(flagJumps(layer, DEFAULT_RULES).map((x) => x.jump)).toEqual([null, null, null, null, null, null]);
    const frozen = [0, 0, 0, 0, 1e-7].map(quiet);
    expect(flagJumps(frozen, DEFAULT_RULES).every((x) => x.jump === null)).toBe(true);
  });
});

describe('filter states', () => {
  it('dead when never active, weak by active share or by RMS, structureless near white-noise flatness', () => {
    const f = (activeShare: number, weightRms: number, flatness: number | null = 0.1) => ({
      activeShare,
      weightRms,
      flatness,
    });
    const states = filterStates(
      [f(0, 1), f(0.01, 1), f(0.5, 0.05), f(0.5, 1, 0.55), f(0.5, 1), f(0.5, 1.2)],
      DEFAULT_RULES,
      0.56,
    );
    expect(states).toEqual(['dead', 'weak', 'weak', 'structureless', null, null]);
  });
});

describe('white-noise references, measured by the same code', () => {
  it('put the aliasing of white noise near 1 - 1/s² (7x7/2: about 0.72, 11x11/4: about 0.94)', () => {
    expect(noiseAliasing(7, 7, 1, 2)).toBeGreaterThan(0.65);
    expect(noiseAliasing(7, 7, 1, 2)).toBeLessThan(0.8);
    expect(noiseAliasing(11, 11, 1, 4)).toBeGreaterThan(0.9);
    expect(noiseAliasing(11, 11, 1, 4)).toBeLessThan(0.97);
  });
  it('rate a smooth filter far below white noise in flatness; white noise near e^-γ ≈ 0.56', () => {
    const noise = noiseFlatness(7, 7, 1);
    expect(noise).toBeGreaterThan(0.4);
    expect(noise).toBeLessThan(0.7);
    // A 7x7 Gaussian blob: all energy at low frequencies.
    const blob = Float32Array.from({ length: 49 }, (_, i) =>
      Math.exp(-((((i / 7) | 0) - 3) ** 2) / 4 - ((i % 7) - 3) ** 2 / 4),
    );
    expect(spectralFlatness(blob, 7, 7, 1, 1, 0)!).toBeLessThan(0.2 * noise);
    const white = whiteNoiseKernel(7, 7, 1, 1, 99);
    expect(spectralFlatness(white, 7, 7, 1, 1, 0)!).toBeGreaterThan(0.6 * noise);
  });
});

describe('legends', () => {
  it('fill in the thresholds they state', () => {
    expect(legend('weak')).toContain('2%');
    expect(legend('jump')).toContain('>= 5 against');
  });
});
