/**
 * Bilinear resizing of uint8 HWC images, with half-pixel centres (as tf.image.resizeBilinear with
 * halfPixelCenters, and PIL): output pixel (y, x) samples the input at ((y + 0.5) * inH / outH - 0.5, ...),
 * clamped to the border. Used by image folders whose pictures differ in size.
 */

/** Returns a new outH x outW x channels image resized from src (inH x inW x channels). */
export function resizeBilinear(
  src: Uint8Array,
  inH: number,
  inW: number,
  channels: number,
  outH: number,
  outW: number,
): Uint8Array {
  const out = new Uint8Array(outH * outW * channels);
  if (inH === outH && inW === outW) {
    out.set(src.subarray(0, out.length));
    return out;
  }
  // Precompute the column taps once per image: they are the same for every row.
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const fxs = new Float64Array(outW);
  for (let x = 0; x < outW; x++) {
    const sx = Math.min(Math.max((x + 0.5) * (inW / outW) - 0.5, 0), inW - 1);
    x0s[x] = Math.floor(sx);
    x1s[x] = Math.min(x0s[x]! + 1, inW - 1);
    fxs[x] = sx - x0s[x]!;
  }
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(Math.max((y + 0.5) * (inH / outH) - 0.5, 0), inH - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, inH - 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = fxs[x]!;
      const a = (y0 * inW + x0s[x]!) * channels;
      const b = (y0 * inW + x1s[x]!) * channels;
      const c = (y1 * inW + x0s[x]!) * channels;
      const d = (y1 * inW + x1s[x]!) * channels;
      const o = (y * outW + x) * channels;
      for (let k = 0; k < channels; k++) {
        const top = src[a + k]! + (src[b + k]! - src[a + k]!) * fx;
        const bottom = src[c + k]! + (src[d + k]! - src[c + k]!) * fx;
        out[o + k] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
  return out;
}
