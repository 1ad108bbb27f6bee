import { describe, expect, it } from 'vitest';
import type { LayerSnapshot } from '../../server/protocol.js';
import { tileScale, tileStyle, weightCell } from '../../dashboard/state/atlas.js';
import { evolutionMarks } from '../../dashboard/state/evolution.js';

describe('atlas tiles on screen', () => {
  it.each([
    [7, 49],
    [11, 55],
    [23, 69],
    [32, 64],
    [48, 48],
    [64, 64],
  ])('a %i px tile shows at %i px (integer scale, at least 48)', (t, shown) => expect(t * tileScale(t)).toBe(shown));

  it('positions map m, rank r at (-r*d, -m*d) of an atlas scaled by the same factor', () => {
    expect(tileStyle('/a.png', { tile: 7, cols: 9, rows: 32 }, 2, 5, 8)).toBe(
      'width:56px;height:56px;background-image:url("/a.png");background-size:504px 1792px;background-position:-112px -280px',
    );
  });

  it('finds conv1 filter m row-major in the weights grid', () => {
    expect(weightCell({ tile: 7, cols: 8, rows: 4 }, 0)).toEqual({ col: 0, row: 0 });
    expect(weightCell({ tile: 7, cols: 8, rows: 4 }, 13)).toEqual({ col: 5, row: 1 });
  });
});

function layer(
  epoch: number,
  maps: { image?: number; jump?: 'new-source' | 'same-source'; z?: number }[],
): LayerSnapshot {
  return {
    epoch,
    maps: maps.map((m, index) => ({
      index,
      top:
        m.image === undefined
          ? []
          : [{ value: 1, image: m.image, label: 0, y: 0, x: 0, rf: [0, 0, 7], clipped: false }],
      health: { jump: m.jump ?? null, jumpZ: m.z ?? null },
    })),
  } as unknown as LayerSnapshot;
}

describe('evolution marks', () => {
  const snaps = [
    layer(1, [{ image: 4 }, { image: 1 }]),
    layer(2, [
      { image: 4, z: 0.1 },
      { image: 1, jump: 'same-source', z: 7 },
    ]),
    layer(5, [{ image: 9, jump: 'new-source', z: 6 }, {}]),
    layer(10, [
      { image: 8, z: 0.4 },
      { image: 1, z: 0.2 },
    ]),
  ];

  it("carry the trainer's jump verdict and tell a new top image apart from a jump", () => {
    expect(evolutionMarks(snaps, 0).map((m) => [m.epoch, m.topImageChanged, m.jump])).toEqual([
      [1, false, null],
      [2, false, null],
      [5, true, 'new-source'],
      // a new top image without a jump stays a new top image only
      [10, true, null],
    ]);
    expect(evolutionMarks(snaps, 1).map((m) => [m.topImageChanged, m.jump, m.jumpZ])).toEqual([
      [false, null, null],
      [false, 'same-source', 7],
      // dead at epoch 5: no top image, so no change, and epoch 10 compares with epoch 2's image
      [false, null, null],
      [false, null, 0.2],
    ]);
  });
});
