import { describe, expect, it } from 'vitest';
import type { LayerSnapshot } from '../../server/protocol.js';
import { gridLayout, mosaicLayout, stripLayout } from '../../dashboard/export/montage.js';
import { seriesRows, toCsv, toRecords } from '../../dashboard/export/table.js';

describe('CSV and JSON of a chart', () => {
  it('quotes what needs quoting, leaves missing values empty, ends lines with CRLF', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 1.5],
          ['say "hi"', null],
          ['', Number.NaN],
        ],
      ),
    ).toBe('a,b\r\n"x,y",1.5\r\n"say ""hi""",\r\n,\r\n');
  });

  it('writes series as long rows and records keyed by the header', () => {
    const rows = seriesRows([
      {
        label: 'loss',
        points: [
          { x: 0.5, y: 2 },
          { x: 1, y: null },
        ],
      },
      { label: 'acc', points: [{ x: 1, y: 0.25 }] },
    ]);
    expect(rows).toEqual([
      ['loss', 0.5, 2],
      ['loss', 1, null],
      ['acc', 1, 0.25],
    ]);
    expect(toRecords(['series', 'x', 'y'], rows.slice(2))).toEqual([{ series: 'acc', x: 1, y: 0.25 }]);
  });
});

/** A layer of `n` maps with 9 activations each except map 1 (dead), tiles of `tile` px. */
function layer(n: number, tile: number, epoch = 1): LayerSnapshot {
  return {
    epoch,
    layer: 'conv1',
    layerIndex: 0,
    shape: [8, 8, n],
    rf: { size: tile, jump: 1, offset: 0 },
    atlas: { tile, cols: 9, rows: n },
    methods: ['deconvnet'],
    maps: Array.from({ length: n }, (_, i) => ({
      index: i,
      top:
        i === 1
          ? []
          : Array.from({ length: 9 }, () => ({
              value: 1,
              image: 0,
              label: 0,
              y: 0,
              x: 0,
              rf: [0, 0, tile] as [number, number, number],
              clipped: false,
            })),
      health: {} as never,
    })),
    health: {} as never,
    files: { patches: 'p.png', projections: { deconvnet: 'd.png' }, weights: 'w.png' },
    weightsGrid: { tile: 5, cols: 4, rows: 1 },
  };
}

describe('montage layouts', () => {
  it('the grid: rank r of map m is cut from (r, m) and drawn in its cell, patches beside projections', () => {
    const l = gridLayout(layer(10, 7), 'proj', 'patch', 2, 4);
    const d = 14;
    const side = 3 * d + 4;
    expect([l.width, l.height]).toEqual([8 + 4 * (2 * side + 16), 8 + 3 * (side + 8)]);
    // Map 1 is dead: 9 maps x 9 ranks x 2 atlases.
    expect(l.tiles.length).toBe(9 * 9 * 2);
    const t = l.tiles.find((x) => x.url === 'patch' && x.row === 5 && x.col === 4)!;
    // Map 5 is the second cell of the second row; rank 4 the middle of its patch block.
    expect([t.x, t.y, t.size]).toEqual([8 + 1 * (2 * side + 16) + side + 8 + (d + 2), 8 + (side + 8) + (d + 2), d]);
  });

  it('the strip: one column per epoch, projections above patches, conv1 filter below', () => {
    const cols = [1, 2, 5].map((e) => ({
      snap: layer(4, 6, e),
      projUrl: `p${e}`,
      patchUrl: `q${e}`,
      weightsUrl: `w${e}`,
    }));
    const l = stripLayout(cols, 2, 3);
    const side = 3 * 18 + 4;
    expect([l.width, l.height]).toEqual([8 + 3 * (side + 8), 8 + 2 * side + 8 + 8 + side + 8]);
    const filter = l.tiles.find((t) => t.url === 'w5')!;
    expect([filter.col, filter.row, filter.x, filter.size]).toEqual([2, 0, 8 + 2 * (side + 8), side]);
    expect(l.tiles.filter((t) => t.url === 'q2').map((t) => t.row)).toEqual(Array(9).fill(2));
  });

  it('a mosaic wraps at its column count', () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({
      url: 'u',
      grid: { tile: 4, cols: 9, rows: 5 },
      col: 0,
      row: i,
    }));
    const l = mosaicLayout(entries, 10, 2);
    expect([l.width, l.height]).toEqual([8 + 2 * 10 + 2 + 8, 8 + 3 * 12 - 2 + 8]);
    expect(l.tiles.map((t) => [t.x, t.y])).toEqual([
      [8, 8],
      [20, 8],
      [8, 20],
      [20, 20],
      [8, 32],
    ]);
  });
});
