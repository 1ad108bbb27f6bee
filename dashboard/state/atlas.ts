/**
 * Geometry of atlas tiles on screen. The tile of (map m, rank r) sits at x = r*tile, y = m*tile in
 * every atlas of a layer (protocol.ts, LayerSnapshot); conv1's weights grid is row-major over
 * `cols` columns. A tile is shown as a CSS background scaled by an integer factor (pixelated).
 */

export interface Grid {
  tile: number;
  cols: number;
  rows: number;
}

/** Smallest integer scale that shows a tile at least `min` pixels wide (ZF tiles are 7..32 px). */
export function tileScale(tile: number, min = 48): number {
  return Math.max(1, Math.ceil(min / Math.max(1, tile)));
}

/** Inline CSS that shows cell (col, row) of an atlas at `scale`. */
export function tileStyle(url: string, grid: Grid, col: number, row: number, scale: number): string {
  const d = grid.tile * scale;
  return (
    `width:${d}px;height:${d}px;background-image:url("${url}");` +
    `background-size:${grid.cols * d}px ${grid.rows * d}px;background-position:${-col * d}px ${-row * d}px`
  );
}

/** conv1 filter m in the weights grid. */
export function weightCell(grid: Grid, m: number): { col: number; row: number } {
  return { col: m % grid.cols, row: Math.floor(m / grid.cols) };
}
