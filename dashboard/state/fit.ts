/**
 * Tile sizes that fill the window. Pure: given the width a view has, how many cells fit in a row
 * and how large each tile can be so the row spans the width (views then use all of it, at 1024 px
 * as at 2560 px).
 */

/**
 * The layer grid: cells of two 3x3 blocks (projections | patches) plus `chrome` pixels of padding,
 * `gap` apart. Columns are as many as fit at the minimum tile size `minTile`; the tile then grows
 * (fractional pixels are fine: tiles are drawn pixelated) until the row spans `width`.
 */
export function gridFit(
  width: number,
  opts: { minTile: number; maxTile: number; chrome: number; gap: number; innerGap: number; count: number },
): { cols: number; tile: number; cellWidth: number } {
  const cellAt = (d: number) => 6 * d + opts.innerGap + opts.chrome;
  const w = Math.max(cellAt(opts.minTile), width);
  let cols = Math.max(1, Math.floor((w + opts.gap) / (cellAt(opts.minTile) + opts.gap)));
  // Fewer maps than columns: the cells grow to the largest tile rather than leaving columns empty.
  cols = Math.min(cols, Math.max(1, opts.count));
  const cellWidth = (w - (cols - 1) * opts.gap) / cols;
  const tile = Math.min(opts.maxTile, (cellWidth - opts.innerGap - opts.chrome) / 6);
  return { cols, tile, cellWidth: tile === opts.maxTile ? cellAt(tile) : cellWidth };
}

/** Evolution: a label column and one thumbnail per epoch, each thumbnail as large as fits, within [min, max]. */
export function evolutionThumb(
  width: number,
  epochs: number,
  opts: { label: number; pad: number; min: number; max: number },
): number {
  const per = (width - opts.label) / Math.max(1, epochs) - opts.pad;
  return Math.round(Math.min(opts.max, Math.max(opts.min, per)));
}

/**
 * The feature page's strip: one column per epoch, the 3x3 projections and the 3x3 patches either
 * stacked (narrow columns, many epochs) or side by side (wide columns), whichever gives the larger
 * tiles within the width per epoch and the height left (`height`, with conv1's filter below
 * adding a block's height). Tiles stay within [min, max]; below min the strip scrolls.
 */
export function stripFit(
  width: number,
  height: number,
  epochs: number,
  opts: { pad: number; min: number; max: number; filter: boolean },
): { tile: number; side: boolean } {
  const per = width / Math.max(1, epochs) - opts.pad;
  const rows = (n: number) => (opts.filter ? n + 3 : n);
  const stacked = Math.min(opts.max, height / rows(6), per / 3);
  const side = Math.min(opts.max, height / rows(3), per / 6);
  const best = side > stacked ? { tile: side, side: true } : { tile: stacked, side: false };
  return { tile: Math.round(Math.max(opts.min, best.tile)), side: best.side };
}
