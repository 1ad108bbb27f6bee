import { describe, expect, it } from 'vitest';
import { resizeBilinear } from '../../datasets/resize.js';

describe('bilinear resize (half-pixel centres)', () => {
  it('returns an equal copy at the same size', () => {
    const src = Uint8Array.of(1, 2, 3, 4, 5, 6);
    const out = resizeBilinear(src, 2, 3, 1, 2, 3);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(out).not.toBe(src);
  });

  it('upsamples 2x2 to 4x4 as computed by hand', () => {
    // Output x samples input x' = (x + 0.5) / 2 - 0.5 = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
    // Row 0 of [0 100; 200 40]: 0, 25, 75, 100. Row 3: 200, 160, 80, 40. Rows 1 and 2 sample y' = 0.25
    // and 0.75, i.e. 0.75*row0 + 0.25*row3 = 50, 58.75, 76.25, 85 and 0.25*row0 + 0.75*row3 = 150, 126.25, 78.75, 55.
    const out = resizeBilinear(Uint8Array.of(0, 100, 200, 40), 2, 2, 1, 4, 4);
    expect(Array.from(out)).toEqual([0, 25, 75, 100, 50, 59, 76, 85, 150, 126, 79, 55, 200, 160, 80, 40]);
  });

  it('halves an image into the means of its 2x2 blocks, per channel', () => {
    const h = 4,
      w = 6,
      c = 3;
    const src = Uint8Array.from({ length: h * w * c }, (_, i) => (i * 37) % 251);
    const out = resizeBilinear(src, h, w, c, 2, 3);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 3; x++)
        for (let k = 0; k < c; k++) {
          const at = (yy: number, xx: number) => src[(yy * w + xx) * c + k]!;
          const mean = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
          expect(out[(y * 3 + x) * c + k]).toBe(Math.round(mean));
        }
  });
});
