/**
 * The images analyses return, as PNG bytes: input-space arrays shown either with the projections'
 * symmetric contrast (0 is mid-grey: optimal inputs, deconvnet projections) or, with the run's
 * preprocessing, as the pixels they stand for (reconstructions beside their original).
 */
import { PNG } from 'pngjs';
import type { Preprocess } from '../data.js';
import { displayChannels, maxAbs, symmetricBytes, toDisplay } from '../viz/atlas.js';

/** PNG bytes of `bytes` (h x w x 1 or 3, 0..255). */
export function encodePng(bytes: Uint8Array, h: number, w: number, channels: 1 | 3): Uint8Array {
  const colorType = channels === 3 ? 2 : 0;
  const png = new PNG({
    width: w,
    height: h,
    colorType,
    inputColorType: colorType,
    inputHasAlpha: false,
    bitDepth: 8,
  } as ConstructorParameters<typeof PNG>[0]);
  png.data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = PNG.sync.write(png, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: false,
    bitDepth: 8,
  } as Parameters<typeof PNG.sync.write>[1]);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** An h x w x c array with symmetric contrast over all its channels (0 -> grey, ±max|v| -> black/white). */
export function symmetricPng(values: Float32Array, h: number, w: number, c: number): Uint8Array {
  const shown = toDisplay(values, h * w, c);
  return encodePng(symmetricBytes(shown, maxAbs(shown)), h, w, displayChannels(c));
}

/** A model input shown as the pixels it stands for: mean + x / scale, clipped to 0..255. */
export function pixelPng(values: Float32Array, h: number, w: number, c: number, pre: Preprocess): Uint8Array {
  const raw = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) raw[i] = Math.max(0, Math.min(255, pre.mean[i]! + values[i]! / pre.scale));
  const shown = toDisplay(raw, h * w, c);
  return encodePng(
    Uint8Array.from(shown, (v) => Math.round(v)),
    h,
    w,
    displayChannels(c),
  );
}
