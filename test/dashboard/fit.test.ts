import { describe, expect, it } from 'vitest';
import { evolutionThumb, gridFit, stripFit } from '../../dashboard/state/fit.js';

const opts = { minTile: 48, maxTile: 200, chrome: 22, gap: 12, innerGap: 16, count: 96 };
/** Width a row of `cols` cells takes (the layer grid's CSS: cells plus gaps). */
const rowWidth = (f: { cols: number; cellWidth: number }) => f.cols * f.cellWidth + (f.cols - 1) * opts.gap;

describe('tiles that fill the window', () => {
  it.each([976, 1352, 1872, 2512])('a %s px grid: the row spans the width, tiles at least the minimum', (w) => {
    const f = gridFit(w, opts);
    expect(rowWidth(f)).toBeCloseTo(w, 6);
    expect(f.tile).toBeGreaterThanOrEqual(48);
    // One more column would not fit at the minimum tile.
    expect((f.cols + 1) * (6 * 48 + 38) + f.cols * 12).toBeGreaterThan(w);
    // Each cell holds its six tiles and chrome exactly.
    expect(6 * f.tile + 38).toBeCloseTo(f.cellWidth, 6);
  });

  it('1352 px (a 1400 px window) gives 4 columns of 48.5 px tiles', () => {
    expect(gridFit(1352, opts)).toEqual({ cols: 4, tile: 48.5, cellWidth: 329 });
  });

  it('with fewer maps than columns the cells grow, up to the largest tile', () => {
    const f = gridFit(2512, { ...opts, count: 2, maxTile: 100 });
    expect(f.cols).toBe(2);
    expect(f.tile).toBe(100);
  });

  it('Evolution thumbnails grow with the width within their bounds', () => {
    const o = { label: 56, pad: 14, min: 40, max: 256 };
    expect(evolutionThumb(1300, 8, o)).toBe(Math.round((1300 - 56) / 8 - 14));
    expect(evolutionThumb(2500, 8, o)).toBeGreaterThan(evolutionThumb(1300, 8, o));
    expect(evolutionThumb(300, 8, o)).toBe(40);
    expect(evolutionThumb(9000, 8, o)).toBe(256);
  });

  it('the feature strip stacks the blocks for many epochs and puts them side by side when columns are wide', () => {
    const o = { pad: 44, min: 28, max: 96, filter: false };
    // 8 epochs in 1318 px: (1318/8 - 44)/3 = 40.2 stacked beats (164.75 - 44)/6 = 20.1 side by side.
    expect(stripFit(1318, 560, 8, o)).toEqual({ tile: 40, side: false });
    // 4 epochs in 2478 px and 560 px of height: stacked is held to 560/6 = 93.3, side by side reaches 96.
    expect(stripFit(2478, 560, 4, o)).toEqual({ tile: 96, side: true });
    // conv1's filter adds a block's height: 560/9 = 62.2 stacked.
    expect(stripFit(1318, 560, 4, { ...o, filter: true })).toEqual({ tile: 62, side: false });
    // Too narrow for the minimum: the strip scrolls at 28 px tiles.
    expect(stripFit(300, 560, 8, o).tile).toBe(28);
  });
});
