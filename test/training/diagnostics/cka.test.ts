import { describe, expect, it } from 'vitest';
import { centreGram, gram, linearCka } from '../../../training/viz/diagnostics/cka.js';
import { mulberry32 } from '../../../datasets/rng.js';

const randomMatrix = (n: number, p: number, seed: number) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n * p }, () => r() * 2 - 1);
};
const ckaOf = (x: ArrayLike<number>, y: ArrayLike<number>, n: number, p: number, q: number) =>
  linearCka(centreGram(gram(x, n, p), n), centreGram(gram(y, n, q), n));

describe('linear CKA', () => {
  it('of a representation with itself is 1', () => {
    const x = randomMatrix(12, 5, 1);
    expect(ckaOf(x, x, 12, 5, 5)).toBeCloseTo(1, 6);
  });

  it('is unchanged by an orthogonal transform and an isotropic scaling of the features', () => {
    const n = 10;
    const x = randomMatrix(n, 2, 2);
    const y = randomMatrix(n, 2, 3);
    const t = 0.7;
    const [c, s] = [Math.cos(t), Math.sin(t)];
    // x rotated by t and scaled by 5: rows [a, b] -> 5 [a c - b s, a s + b c].
    const xr = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const a = x[2 * i]!;
      const b = x[2 * i + 1]!;
      xr[2 * i] = 5 * (a * c - b * s);
      xr[2 * i + 1] = 5 * (a * s + b * c);
    }
    expect(ckaOf(xr, x, n, 2, 2)).toBeCloseTo(1, 6);
    expect(ckaOf(xr, y, n, 2, 2)).toBeCloseTo(ckaOf(x, y, n, 2, 2)!, 6);
  });

  it('matches a hand computation on three points in one dimension', () => {
    // x = (0, 1, 2), y = (0, 0, 3). Centred: x = (-1, 0, 1), y = (-1, -1, 2).
    // Kc = x xᵀ, Lc = y yᵀ; <Kc, Lc> = (x·y)² = (1 + 0 + 2)² = 9; ||Kc|| = x·x = 2; ||Lc|| = y·y = 6.
    // CKA = 9 / (2 * 6) = 0.75.
    expect(ckaOf([0, 1, 2], [0, 0, 3], 3, 1, 1)).toBeCloseTo(0.75, 10);
  });

  it('centres the Gram matrix: HKH of x = (0, 1, 2) is the outer product of (-1, 0, 1)', () => {
    expect([...centreGram(gram([0, 1, 2], 3, 1), 3)]).toEqual([1, 0, -1, 0, 0, 0, -1, 0, 1]);
  });

  it('is null for a representation without variation', () => {
    expect(ckaOf([1, 1, 1], [0, 1, 2], 3, 1, 1)).toBeNull();
  });
});
