/**
 * A small bilinear resampler for the invariance experiment (ZF Fig. 5): vertical shift, zoom about
 * the centre (a centre crop resized to the full image) and rotation about the centre. Pure
 * TypeScript on HWC arrays, so it behaves the same on every backend (tfjs-node registers no image
 * transform). Each output pixel reads the source at the inverse-transformed position; positions
 * outside the image read 0 (the mean colour in mean-subtracted input).
 */

export type TransformKind = 'shift' | 'scale' | 'rotation';

/** Coordinates this close to an integer are that integer: cos 90° and sin 360° are not exactly 0 in floats. */
const SNAP = 1e-9;
const snap = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v - r) < SNAP ? r : v;
};

/**
 * The source position (sy, sx) that output pixel (y, x) reads for transform `kind` with value `v`:
 * shift: the image moves down by v pixels; scale: zoom by v about the centre; rotation: v degrees
 * counter-clockwise as displayed (rows grow downwards).
 */
export function sourceOf(kind: TransformKind, v: number, y: number, x: number, h: number, w: number): [number, number] {
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  switch (kind) {
    case 'shift':
      return [y - v, x];
    case 'scale':
      return [snap(cy + (y - cy) / v), snap(cx + (x - cx) / v)];
    case 'rotation': {
      const t = (v * Math.PI) / 180;
      const cos = Math.cos(t);
      const sin = Math.sin(t);
      const dy = y - cy;
      const dx = x - cx;
      // The inverse of a counter-clockwise rotation on screen: rotate the output position clockwise.
      return [snap(cy + sin * dx + cos * dy), snap(cx + cos * dx - sin * dy)];
    }
  }
}

/** `src` (h x w x c) transformed; bilinear, 0 outside the image. */
export function transformImage(
  src: Float32Array,
  shape: [number, number, number],
  kind: TransformKind,
  v: number,
  out = new Float32Array(src.length),
): Float32Array {
  const [h, w, c] = shape;
  const at = (y: number, x: number, ch: number) =>
    y < 0 || y >= h || x < 0 || x >= w ? 0 : src[(y * w + x) * c + ch]!;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [sy, sx] = sourceOf(kind, v, y, x, h, w);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const fy = sy - y0;
      const fx = sx - x0;
      for (let ch = 0; ch < c; ch++) {
        let s = (1 - fy) * (1 - fx) * at(y0, x0, ch);
        if (fx) s += (1 - fy) * fx * at(y0, x0 + 1, ch);
        if (fy) s += fy * (1 - fx) * at(y0 + 1, x0, ch);
        if (fx && fy) s += fy * fx * at(y0 + 1, x0 + 1, ch);
        out[(y * w + x) * c + ch] = s;
      }
    }
  }
  return out;
}

/** The values of each transform at the defaults: shift ±h/4 px in 1 px steps, zoom 1 to 1.8 by 0.1, rotation 0° to 350° by 10°. */
export function defaultValues(h: number, steps: { shift?: number; scale?: number; rotation?: number } = {}) {
  const range = Math.round(h / 4);
  const shiftStep = steps.shift ?? 1;
  const scaleStep = steps.scale ?? 0.1;
  const rotationStep = steps.rotation ?? 10;
  const shift: number[] = [];
  for (let v = -range; v <= range + 1e-9; v += shiftStep) shift.push(Math.round(v * 1000) / 1000);
  const scale: number[] = [];
  for (let v = 1; v <= 1.8 + 1e-9; v += scaleStep) scale.push(Math.round(v * 1000) / 1000);
  const rotation: number[] = [];
  for (let v = 0; v < 360 - 1e-9; v += rotationStep) rotation.push(Math.round(v * 1000) / 1000);
  return { shift, scale, rotation };
}
