import { describe, expect, it } from 'vitest';
import { aliasingScores, filterChange, filterRms, projectionChange, turnover } from '../../../training/viz/health.js';

/** A [k, k, cin, 2] kernel holding filter a (index 0) and filter b (index 1), same values on every input channel. */
function kernelOf(
  k: number,
  cin: number,
  a: (u: number, v: number) => number,
  b: (u: number, v: number) => number,
): Float32Array {
  const out = new Float32Array(k * k * cin * 2);
  for (let u = 0; u < k; u++)
    for (let v = 0; v < k; v++)
      for (let c = 0; c < cin; c++) {
        out[((u * k + v) * cin + c) * 2] = a(u, v);
        out[((u * k + v) * cin + c) * 2 + 1] = b(u, v);
      }
  return out;
}
const checker = (u: number, v: number) => ((u + v) % 2 === 0 ? 1 : -1);
const blob = (u: number, v: number) => Math.exp(-((u - 5) ** 2 + (v - 5) ** 2) / (2 * 2.5 ** 2));

describe('conv1 aliasing score', () => {
  it('is high for a checkerboard filter at stride 4 and low for a smooth blob', () => {
    const { perFilter, layer } = aliasingScores(kernelOf(11, 3, checker, blob), 11, 11, 3, 2, 4);
    expect(perFilter[0]).toBeGreaterThan(0.9);
    expect(perFilter[1]).toBeLessThan(0.05);
    expect(layer).toBeGreaterThan(perFilter[1]!);
    expect(layer).toBeLessThan(perFilter[0]!);
  });

  it('is zero at stride 1 (every frequency is representable) and null for an all-zero filter', () => {
    const { perFilter } = aliasingScores(
      kernelOf(11, 1, checker, () => 0),
      11,
      11,
      1,
      2,
      1,
    );
    expect(perFilter[0]).toBe(0);
    expect(perFilter[1]).toBeNull();
  });

  it('grows with the stride for a mid-frequency filter', () => {
    const stripes = (_u: number, v: number) => Math.cos((2 * Math.PI * v) / 8); // 1/8 cycle per pixel
    const at = (s: number) => aliasingScores(kernelOf(11, 1, stripes, stripes), 11, 11, 1, 2, s).perFilter[0]!;
    const scores = [1, 2, 3, 4, 8].map(at);
    expect(scores[0]).toBe(0);
    expect(scores[1]).toBeLessThan(0.1); // Nyquist of stride 2 is 1/4 cycle: well above the stripes
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThan(scores[i - 1]!);
    expect(scores[4]).toBeGreaterThan(0.8); // stride 8 cannot represent 1/8 cycle
  });
});

describe('filter weight statistics', () => {
  it('RMS and relative change are per output filter', () => {
    // Kernel [1, 1, 2, 2]: filter 0 = [3, 4], filter 1 = [0, 0]; elements interleave by output filter.
    const k = Float32Array.from([3, 0, 4, 0]);
    expect(Array.from(filterRms(k, 2))).toEqual([Math.sqrt(12.5), 0]);
    const next = Float32Array.from([3, 1, 4, 0]);
    expect(Array.from(filterChange(next, k, 2))).toEqual([0, 1]);
    expect(Array.from(filterChange(Float32Array.from([6, 0, 8, 0]), k, 2))).toEqual([1, 0]);
  });
});

describe('change metrics between snapshots', () => {
  it('turnover is the share of current top images that are new', () => {
    expect(turnover([1, 2, 3, 4], [4, 3, 9])).toBe(0.5);
    expect(turnover([], [])).toBe(0);
    expect(turnover([5], [])).toBe(1);
  });

  it('projection change ignores a positive scale, is 1 for a flipped sign and for appearing from nothing', () => {
    const a = Float32Array.from([1, 2, 3]);
    expect(
      projectionChange(
        a,
        a.map((v) => v * 7),
      ),
    ).toBeCloseTo(0, 6);
    expect(
      projectionChange(
        a,
        a.map((v) => -v),
      ),
    ).toBeCloseTo(1, 6);
    expect(projectionChange(Float32Array.from([1, 0]), Float32Array.from([0, 1]))).toBeCloseTo(Math.SQRT1_2, 6);
    expect(projectionChange(a, new Float32Array(3))).toBe(1);
    expect(projectionChange(new Float32Array(3), new Float32Array(3))).toBe(0);
  });
});
