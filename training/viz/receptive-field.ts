/**
 * Receptive-field arithmetic (size, jump and offset per layer, from the input up) and the crop window of a unit. For each spatial layer:
 *   jump_l = jump_{l-1} * s_l,  size_l = size_{l-1} + (k_l - 1) * jump_{l-1},
 *   offset_l = offset_{l-1} - pad_top_l * jump_{l-1},
 * with TF's asymmetric 'same' padding pad_top = floor(max((out - 1) * s + k - in, 0) / 2).
 * Unit i of layer l covers input rows [i * jump + offset, i * jump + offset + size - 1].
 */
import type * as tf from '@tensorflow/tfjs';
import type { ReceptiveField } from '../../server/protocol.js';

type Pair = [number, number];

/** A layer's geometry along rows and columns, and its receptive field per axis. */
export interface LayerGeometry {
  name: string;
  kind: 'conv' | 'pool' | 'same-size';
  kernel: Pair;
  stride: Pair;
  inSize: Pair;
  outSize: Pair;
  padTop: Pair;
  /** Rows, then columns. */
  rf: [ReceptiveField, ReceptiveField];
}

const pair = (v: unknown): Pair => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

/** Output size and top/left padding of one axis, as TF computes them. */
export function axisGeometry(
  n: number,
  k: number,
  s: number,
  padding: 'same' | 'valid',
): { out: number; padTop: number } {
  if (padding === 'same') {
    const out = Math.ceil(n / s);
    return { out, padTop: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) };
  }
  return { out: Math.floor((n - k) / s) + 1, padTop: 0 };
}

function step(rf: ReceptiveField, k: number, s: number, padTop: number): ReceptiveField {
  return { jump: rf.jump * s, size: rf.size + (k - 1) * rf.jump, offset: rf.offset - padTop * rf.jump };
}

/**
 * The geometry of every spatial layer of a model (from its input up to the first non-spatial layer,
 * e.g. Flatten), in order. Layers that keep the size (ReLU, Activation, Dropout) pass the field on.
 */
export function receptiveFields(model: tf.LayersModel): LayerGeometry[] {
  const shape = model.inputs[0]!.shape;
  let size: Pair = [Number(shape[1]), Number(shape[2])];
  let rf: [ReceptiveField, ReceptiveField] = [
    { size: 1, jump: 1, offset: 0 },
    { size: 1, jump: 1, offset: 0 },
  ];
  const out: LayerGeometry[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    if (cls === 'Conv2D' || cls === 'MaxPooling2D') {
      const kernel = pair(cls === 'Conv2D' ? cfg.kernelSize : cfg.poolSize);
      const stride = pair(cfg.strides ?? cfg.poolSize);
      const padding = cfg.padding === 'same' ? 'same' : 'valid';
      const g = [0, 1].map((a) => axisGeometry(size[a]!, kernel[a]!, stride[a]!, padding));
      const outSize: Pair = [g[0]!.out, g[1]!.out];
      const padTop: Pair = [g[0]!.padTop, g[1]!.padTop];
      rf = [step(rf[0], kernel[0], stride[0], padTop[0]), step(rf[1], kernel[1], stride[1], padTop[1])];
      out.push({
        name: layer.name,
        kind: cls === 'Conv2D' ? 'conv' : 'pool',
        kernel,
        stride,
        inSize: size,
        outSize,
        padTop,
        rf,
      });
      size = outSize;
    } else if (cls === 'InputLayer' || cls === 'ReLU' || cls === 'Activation' || cls === 'Dropout') {
      if (cls !== 'InputLayer') {
        out.push({
          name: layer.name,
          kind: 'same-size',
          kernel: [1, 1],
          stride: [1, 1],
          inSize: size,
          outSize: size,
          padTop: [0, 0],
          rf,
        });
      }
    } else {
      break;
    }
  }
  return out;
}

/** Where a unit's tile comes from: the receptive field, and the tile-sized window shown for it. */
export interface UnitWindow {
  /** The receptive field before clipping: [y0, x0, size]. */
  rf: [number, number, number];
  /** True when the receptive field crosses the image border. */
  clipped: boolean;
  /** Top-left corner of the tile window in input pixels (may be negative: padded with grey). */
  top: number;
  left: number;
  tile: number;
}

/** The tile size of a layer: the receptive field, but never larger than the image. */
export function tileSize(rf: ReceptiveField, height: number, width: number): number {
  return Math.min(rf.size, height, width);
}

/**
 * The window of unit (y, x): the receptive field itself when it fits in the image (padded with grey
 * where it crosses the border); when the field is larger than the image, the tile-sized part of it
 * that overlaps the image most.
 */
export function unitWindow(
  rf: [ReceptiveField, ReceptiveField],
  y: number,
  x: number,
  height: number,
  width: number,
): UnitWindow {
  const tile = Math.min(tileSize(rf[0], height, width), tileSize(rf[1], height, width));
  const y0 = y * rf[0].jump + rf[0].offset;
  const x0 = x * rf[1].jump + rf[1].offset;
  const place = (start: number, size: number) => Math.min(Math.max(0, start), start + size - tile);
  return {
    rf: [y0, x0, rf[0].size],
    clipped: y0 < 0 || x0 < 0 || y0 + rf[0].size > height || x0 + rf[1].size > width,
    top: place(y0, rf[0].size),
    left: place(x0, rf[1].size),
    tile,
  };
}

/**
 * Copy a tile x tile window at (top, left) out of one HWC image, `fill` where the window leaves it.
 * `src` holds the image at `offset`.
 */
export function cropTile<T extends Float32Array | Uint8Array>(
  src: T,
  offset: number,
  height: number,
  width: number,
  channels: number,
  top: number,
  left: number,
  tile: number,
  fill: number,
  out: T,
): T {
  for (let ty = 0; ty < tile; ty++) {
    const sy = top + ty;
    for (let tx = 0; tx < tile; tx++) {
      const sx = left + tx;
      const o = (ty * tile + tx) * channels;
      const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
      const s = offset + (sy * width + sx) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = inside ? src[s + c]! : fill;
    }
  }
  return out;
}
