import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadIdxFolder, parseIdx } from '../../datasets/idx.js';
import { datasetError, idxBytes, noise, tempDir, writeIdxSet } from './helpers.js';

const CLASSES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('IDX loading', () => {
  for (const gzip of [false, true]) {
    it(`round-trips pixels and labels exactly from ${gzip ? 'gzip' : 'raw'} files`, () => {
      const fx = writeIdxSet(dir, { gzip, n: 30, m: 12 });
      const ds = loadIdxFolder(dir, 'fixture', CLASSES);
      expect(ds.train).toMatchObject({ count: 30, height: 5, width: 4, channels: 1 });
      expect(ds.test).toMatchObject({ count: 12, height: 5, width: 4, channels: 1 });
      expect(Array.from(ds.train.images)).toEqual(Array.from(fx.trainImages));
      expect(Array.from(ds.train.labels)).toEqual(Array.from(fx.trainLabels));
      expect(Array.from(ds.test!.images)).toEqual(Array.from(fx.testImages));
      expect(Array.from(ds.test!.labels)).toEqual(Array.from(fx.testLabels));
      expect(ds.source).toBe(dir);
    });
  }

  it('reads gzip by its magic bytes even without a .gz name', () => {
    const data = noise(2 * 3 * 3, 9);
    const parsed = parseIdx(idxBytes([2, 3, 3], data), 'x', 3);
    expect(parsed.dims).toEqual([2, 3, 3]);
    expect(Array.from(parsed.data)).toEqual(Array.from(data));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), gzipSync(idxBytes([2, 3, 3], data)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes([2], Uint8Array.of(1, 2)));
    const ds = loadIdxFolder(dir, 'fixture', CLASSES);
    expect(Array.from(ds.train.images)).toEqual(Array.from(data));
    expect(ds.test).toBeUndefined();
  });

  it('rejects a wrong magic number, naming the file, the numbers and the likely mix-up', () => {
    writeIdxSet(dir, { gzip: false });
    const file = join(dir, 'train-images-idx3-ubyte');
    writeFileSync(file, idxBytes([30], new Uint8Array(30))); // a labels file under the images name
    const err = datasetError(() => loadIdxFolder(dir, 'fixture', CLASSES));
    expect(err.message).toContain(file);
    expect(err.message).toContain('wrong magic number 0x00000801, expected 0x00000803');
    expect(err.message).toContain('looks like the labels file');
    expect(err.file).toBe(file);
    const junk = datasetError(() => parseIdx(Buffer.from('PK\x03\x04zipfile'), 'junk.bin', 1));
    expect(junk.message).toBe(
      'junk.bin: wrong magic number 0x504b0304, expected 0x00000801 (an IDX file of uint8 labels); check the file names or fetch the files again',
    );
  });

  it('rejects a truncated raw file with the sizes it expected and found', () => {
    writeIdxSet(dir, { gzip: false, n: 30 });
    const file = join(dir, 'train-images-idx3-ubyte');
    writeFileSync(file, idxBytes([30, 5, 4], noise(30 * 20, 1)).subarray(0, 16 + 100));
    const err = datasetError(() => loadIdxFolder(dir, 'fixture', CLASSES));
    expect(err.message).toBe(
      `${file} is truncated: its header says 30x5x4 (600 bytes of data) but only 100 bytes follow; fetch it again`,
    );
  });

  it('rejects a truncated gzip file as truncated or corrupt', () => {
    writeIdxSet(dir, { gzip: true, n: 30 });
    const file = join(dir, 'train-images-idx3-ubyte.gz');
    const whole = gzipSync(idxBytes([30, 5, 4], noise(600, 1)));
    writeFileSync(file, whole.subarray(0, whole.length - 20));
    const err = datasetError(() => loadIdxFolder(dir, 'fixture', CLASSES));
    expect(err.message).toContain(`${file} is not a valid gzip file`);
    expect(err.message).toContain('truncated or corrupt');
  });

  it('rejects an image/label count mismatch, naming both files and both counts', () => {
    writeIdxSet(dir, { gzip: false, n: 30 });
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes([29], new Uint8Array(29)));
    const err = datasetError(() => loadIdxFolder(dir, 'fixture', CLASSES));
    expect(err.message).toBe(
      `image/label count mismatch: ${join(dir, 'train-images-idx3-ubyte')} holds 30 images but ${join(dir, 'train-labels-idx1-ubyte')} holds 29 labels; the two files must come from the same set`,
    );
  });

  it('rejects a label outside the classes, naming its index', () => {
    writeIdxSet(dir, { gzip: false, n: 30 });
    const labels = new Uint8Array(30);
    labels[17] = 10;
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes([30], labels));
    const err = datasetError(() => loadIdxFolder(dir, 'fixture', CLASSES));
    expect(err.message).toContain('label 10 at index 17 is outside 0..9');
  });

  it('rejects half a test set instead of loading without it', () => {
    writeIdxSet(dir, { gzip: true });
    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    const err = datasetError(() => loadIdxFolder(dir, 'fixture', CLASSES));
    expect(err.message).toContain('t10k-labels-idx1-ubyte.gz (or its uncompressed form) is missing next to');
  });

  it('rejects trailing bytes after the data', () => {
    const err = datasetError(() =>
      parseIdx(Buffer.concat([idxBytes([3], Uint8Array.of(1, 2, 3)), Buffer.of(0)]), 'l.idx', 1),
    );
    expect(err.message).toBe('l.idx has 1 unexpected bytes after its 3 data; it is not a valid IDX file');
  });
});
