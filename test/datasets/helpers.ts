/**
 * Fixture writers for the dataset tests: each real format written byte by byte from the spec,
 * independently of the loaders under test (which only read).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import { DatasetError } from '../../datasets/types.js';

/** A fresh temporary folder; removed by the returned cleanup. */
export function tempDir(prefix = 'zfscope-ds-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Pseudo-random but reproducible bytes (an LCG), so fixtures are not all-zero or periodic. */
export function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** IDX bytes: magic 00 00 08 NDIMS, big-endian sizes, data. */
export function idxBytes(dims: number[], data: Uint8Array, magic = 0x0800 + dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => {
    header.writeUInt32BE(d, 4 + 4 * k);
  });
  return Buffer.concat([header, Buffer.from(data)]);
}

export interface IdxFixture {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

/** Writes a small IDX set (train n x 5x4, test m x 5x4, 10 classes), gzip or raw. */
export function writeIdxSet(
  dir: string,
  opts: { gzip: boolean; n?: number; m?: number; classes?: number },
): IdxFixture {
  const { gzip, n = 30, m = 12, classes = 10 } = opts;
  const h = 5,
    w = 4;
  const fx: IdxFixture = {
    trainImages: noise(n * h * w, 1),
    trainLabels: Uint8Array.from({ length: n }, (_, i) => (i * 7) % classes),
    testImages: noise(m * h * w, 2),
    testLabels: Uint8Array.from({ length: m }, (_, i) => (i * 3) % classes),
  };
  const put = (name: string, bytes: Buffer) =>
    writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  mkdirSync(dir, { recursive: true });
  put('train-images-idx3-ubyte', idxBytes([n, h, w], fx.trainImages));
  put('train-labels-idx1-ubyte', idxBytes([n], fx.trainLabels));
  put('t10k-images-idx3-ubyte', idxBytes([m, h, w], fx.testImages));
  put('t10k-labels-idx1-ubyte', idxBytes([m], fx.testLabels));
  return fx;
}

/** One CIFAR batch: n records of label + planar R, G, B (32x32 each). Returns the bytes and the NHWC oracle. */
export function cifarBatch(n: number, seed: number): { bytes: Buffer; nhwc: Uint8Array; labels: Uint8Array } {
  const bytes = Buffer.from(noise(n * 3073, seed));
  const labels = new Uint8Array(n);
  const nhwc = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++) {
    bytes[i * 3073] = (i + seed) % 10;
    labels[i] = bytes[i * 3073]!;
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++)
        for (let c = 0; c < 3; c++)
          nhwc[i * 3072 + (y * 32 + x) * 3 + c] = bytes[i * 3073 + 1 + c * 1024 + y * 32 + x]!;
  }
  return { bytes, nhwc, labels };
}

/** Encodes an RGB (or grey, channels 1) image as PNG. */
export function pngBytes(width: number, height: number, pixels: Uint8Array, channels: 1 | 3): Buffer {
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) png.data[4 * p + c] = pixels[p * channels + (channels === 1 ? 0 : c)]!;
    png.data[4 * p + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** Encodes an RGB image as JPEG at the given quality. */
export function jpegBytes(width: number, height: number, rgb: Uint8Array, quality = 95): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    data[4 * p] = rgb[3 * p]!;
    data[4 * p + 1] = rgb[3 * p + 1]!;
    data[4 * p + 2] = rgb[3 * p + 2]!;
    data[4 * p + 3] = 255;
  }
  return jpeg.encode({ width, height, data }, quality).data;
}

/** A smooth RGB gradient (JPEG keeps smooth images close; noise would not survive compression). */
export function gradient(width: number, height: number, phase: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      out[o] = (x * 255) / (width - 1);
      out[o + 1] = (y * 255) / (height - 1);
      out[o + 2] = (phase * 40 + 30) % 256;
    }
  return out;
}

/** Runs fn and returns the DatasetError it throws (failing the test when it throws nothing or something else). */
export function datasetError(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetError);
    return err as DatasetError;
  }
  throw new Error('expected a DatasetError, nothing was thrown');
}

/** Awaits p and returns the DatasetError it rejects with (failing the test when it resolves or rejects otherwise). */
export async function datasetRejection(p: Promise<unknown>): Promise<DatasetError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetError);
    return err as DatasetError;
  }
  throw new Error('expected a DatasetError, the promise resolved');
}
