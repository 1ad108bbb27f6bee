/**
 * PNG atlases: a grid of equal square tiles (tile of (map m, rank r) at x = r * tile, y = m * tile,
 * as server/protocol.ts fixes), grey or RGB. Projections are shown with ZF-style symmetric contrast:
 * v = 0.5 + P / (2 max|P|) over the colour channels together, so 0 is mid-grey; images with other
 * than 1 or 3 channels are shown as the mean over channels. Encoding is deterministic (pngjs, fixed
 * options), so the same pixels give the same bytes.
 */
import { PNG } from 'pngjs';

/** Output colour channels for `channels` input channels: 3 stays RGB, anything else is grey. */
export const displayChannels = (channels: number): 1 | 3 => (channels === 3 ? 3 : 1);

export class Atlas {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;

  constructor(
    readonly cols: number,
    readonly rows: number,
    readonly tile: number,
    readonly channels: 1 | 3,
    background = 0,
  ) {
    this.width = cols * tile;
    this.height = rows * tile;
    this.pixels = new Uint8Array(this.width * this.height * channels).fill(background);
  }

  /** Write a tile (tile x tile x `channels` values in 0..255, display channels already) at (col, row). */
  put(col: number, row: number, data: ArrayLike<number>): void {
    const { tile, channels, width } = this;
    for (let y = 0; y < tile; y++) {
      const dst = ((row * tile + y) * width + col * tile) * channels;
      for (let i = 0; i < tile * channels; i++) this.pixels[dst + i] = data[y * tile * channels + i]!;
    }
  }

  /** PNG bytes (8-bit grey or RGB, no alpha). */
  png(): Uint8Array {
    const png = new PNG({
      width: this.width,
      height: this.height,
      colorType: this.channels === 3 ? 2 : 0,
      inputHasAlpha: false,
      inputColorType: this.channels === 3 ? 2 : 0,
      bitDepth: 8,
    } as ConstructorParameters<typeof PNG>[0]);
    png.data = Buffer.from(this.pixels.buffer, this.pixels.byteOffset, this.pixels.byteLength);
    // A fixed Sub filter: several times faster than pngjs's adaptive choice per row (and than Paeth), about as small.
    const out = PNG.sync.write(png, {
      colorType: this.channels === 3 ? 2 : 0,
      inputColorType: this.channels === 3 ? 2 : 0,
      inputHasAlpha: false,
      bitDepth: 8,
      filterType: 1,
    } as Parameters<typeof PNG.sync.write>[1]);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
}

/** Reduce an n-pixel, `channels`-channel array to display channels (mean over channels unless 1 or 3). */
export function toDisplay(src: ArrayLike<number>, pixels: number, channels: number): Float32Array {
  if (channels === 1 || channels === 3) return Float32Array.from(src as ArrayLike<number>);
  const out = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += src[p * channels + c]!;
    out[p] = s / channels;
  }
  return out;
}

/** Symmetric contrast: 0.5 + v / (2 * scale), to 0..255; scale 0 gives mid-grey everywhere. */
export function symmetricBytes(values: ArrayLike<number>, scale: number): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = scale > 0 ? 0.5 + values[i]! / (2 * scale) : 0.5;
    out[i] = Math.round(255 * Math.max(0, Math.min(1, v)));
  }
  return out;
}

/** max |v| over an array. */
export function maxAbs(values: ArrayLike<number>, start = 0, end = values.length): number {
  let m = 0;
  for (let i = start; i < end; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/**
 * The filters of a conv kernel [kh, kw, cin, cout] as one grid image, filter f at (f % cols, f / cols),
 * each with its own symmetric contrast (colour when cin is 3).
 */
export function weightsAtlas(kernel: Float32Array, kh: number, kw: number, cin: number, cout: number, cols = 8): Atlas {
  const tile = Math.max(kh, kw);
  const ch = displayChannels(cin);
  const c = Math.min(cols, cout);
  const atlas = new Atlas(c, Math.ceil(cout / c), tile, ch, 0);
  const filter = new Float32Array(tile * tile * cin);
  for (let f = 0; f < cout; f++) {
    filter.fill(0);
    for (let u = 0; u < kh; u++)
      for (let v = 0; v < kw; v++)
        for (let k = 0; k < cin; k++) {
          filter[(u * tile + v) * cin + k] = kernel[((u * kw + v) * cin + k) * cout + f]!;
        }
    const shown = toDisplay(filter, tile * tile, cin);
    atlas.put(f % c, Math.floor(f / c), symmetricBytes(shown, maxAbs(shown)));
  }
  return atlas;
}
