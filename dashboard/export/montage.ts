/**
 * Montages: the tiles a view shows, drawn from their atlases into one PNG at a chosen integer
 * scale (pixelated, as on screen). Layouts are pure (`*Layout` return where each tile goes);
 * `drawMontage` is the only part that touches the DOM.
 */
import type { LayerSnapshot } from '../../server/protocol.js';
import type { Grid } from '../state/atlas.js';

/** One tile: cell (col, row) of the atlas at `url`, drawn at (x, y) as a size x size square. */
export interface MontageTile {
  url: string;
  grid: Grid;
  col: number;
  row: number;
  x: number;
  y: number;
  size: number;
}

/** A whole montage: its size in pixels and every tile in it. */
export interface MontageLayout {
  width: number;
  height: number;
  tiles: MontageTile[];
}

const GAP = 2;
const PAD = 8;

/** A 3x3 block of ranks 0..n-1 of map `m` from one atlas, its top-left at (x, y). */
function block(url: string, grid: Grid, m: number, n: number, x: number, y: number, d: number): MontageTile[] {
  const out: MontageTile[] = [];
  for (let r = 0; r < Math.min(9, n); r++)
    out.push({ url, grid, col: r, row: m, x: x + (r % 3) * (d + GAP), y: y + Math.floor(r / 3) * (d + GAP), size: d });
  return out;
}

/** Side of a 3x3 block of tiles of size d. */
export const blockSide = (d: number): number => 3 * d + 2 * GAP;

/**
 * The layer grid (ZF Fig. 2): per feature map its top-9 projections beside their patches, maps in
 * rows of `cols` cells.
 */
export function gridLayout(
  s: LayerSnapshot,
  projUrl: string,
  patchUrl: string,
  scale: number,
  cols = 8,
): MontageLayout {
  const d = s.atlas.tile * scale;
  const cellW = 2 * blockSide(d) + PAD;
  const cellH = blockSide(d);
  const c = Math.max(1, Math.min(cols, s.maps.length));
  const tiles: MontageTile[] = [];
  s.maps.forEach((m, i) => {
    const x = PAD + (i % c) * (cellW + PAD);
    const y = PAD + Math.floor(i / c) * (cellH + PAD);
    tiles.push(
      ...block(projUrl, s.atlas, m.index, m.top.length, x, y, d),
      ...block(patchUrl, s.atlas, m.index, m.top.length, x + blockSide(d) + PAD, y, d),
    );
  });
  const rows = Math.ceil(s.maps.length / c);
  return { width: PAD + c * (cellW + PAD), height: PAD + rows * (cellH + PAD), tiles };
}

/** Evolution (ZF Fig. 4): a row per feature map, a column per snapshot epoch, the strongest projection each. */
export function evolutionLayout(
  snaps: LayerSnapshot[],
  urls: string[],
  indices: number[],
  scale: number,
): MontageLayout {
  const d = Math.max(...snaps.map((s) => s.atlas.tile)) * scale;
  const tiles: MontageTile[] = [];
  indices.forEach((index, row) => {
    snaps.forEach((s, col) => {
      const map = s.maps.find((m) => m.index === index);
      if (map?.top.length)
        tiles.push({
          url: urls[col]!,
          grid: s.atlas,
          col: 0,
          row: index,
          x: PAD + col * (d + PAD),
          y: PAD + row * (d + PAD),
          size: d,
        });
    });
  });
  return { width: PAD + snaps.length * (d + PAD), height: PAD + indices.length * (d + PAD), tiles };
}

/**
 * One feature across epochs (the feature page's strip): a column per epoch, its top-9 projections
 * above its top-9 patches, and conv1's filter below when there is one.
 */
export function stripLayout(
  cols: { snap: LayerSnapshot; projUrl: string; patchUrl: string; weightsUrl?: string }[],
  index: number,
  scale: number,
): MontageLayout {
  const d = Math.max(...cols.map((c) => c.snap.atlas.tile)) * scale;
  const side = blockSide(d);
  const tiles: MontageTile[] = [];
  let height = PAD;
  cols.forEach((c, i) => {
    const x = PAD + i * (side + PAD);
    const map = c.snap.maps.find((m) => m.index === index);
    const n = map?.top.length ?? 0;
    tiles.push(
      ...block(c.projUrl, c.snap.atlas, index, n, x, PAD, d),
      ...block(c.patchUrl, c.snap.atlas, index, n, x, PAD + side + PAD, d),
    );
    let bottom = PAD + 2 * side + PAD;
    const g = c.snap.weightsGrid;
    if (c.weightsUrl && g) {
      tiles.push({
        url: c.weightsUrl,
        grid: g,
        col: index % g.cols,
        row: Math.floor(index / g.cols),
        x,
        y: bottom + PAD,
        size: side,
      });
      bottom += PAD + side;
    }
    height = Math.max(height, bottom + PAD);
  });
  return { width: PAD + cols.length * (side + PAD), height, tiles };
}

/** A mosaic (Compare): one tile per entry, `cols` to a row. */
export function mosaicLayout(
  entries: Omit<MontageTile, 'x' | 'y' | 'size'>[],
  size: number,
  cols: number,
): MontageLayout {
  const c = Math.max(1, Math.min(cols, entries.length));
  const tiles = entries.map((e, i) => ({
    ...e,
    x: PAD + (i % c) * (size + GAP),
    y: PAD + Math.floor(i / c) * (size + GAP),
    size,
  }));
  return {
    width: 2 * PAD + c * size + (c - 1) * GAP,
    height: 2 * PAD + Math.ceil(entries.length / c) * (size + GAP) - GAP,
    tiles,
  };
}

/** Draws a layout: each atlas loaded once, tiles copied without smoothing onto the dashboard's background. */
export async function drawMontage(layout: MontageLayout, background = '#0f1217'): Promise<HTMLCanvasElement> {
  const images = new Map<string, Promise<HTMLImageElement>>();
  const load = (url: string) => {
    let p = images.get(url);
    if (!p) {
      const img = new Image();
      img.src = url;
      p = img.decode().then(
        () => img,
        () => {
          throw new Error(`export: could not load ${url}`);
        },
      );
      images.set(url, p);
    }
    return p;
  };
  const loaded = await Promise.all(layout.tiles.map((t) => load(t.url)));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(layout.width));
  canvas.height = Math.max(1, Math.round(layout.height));
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  layout.tiles.forEach((t, i) => {
    ctx.drawImage(
      loaded[i]!,
      t.col * t.grid.tile,
      t.row * t.grid.tile,
      t.grid.tile,
      t.grid.tile,
      t.x,
      t.y,
      t.size,
      t.size,
    );
  });
  return canvas;
}
