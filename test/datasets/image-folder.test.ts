import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadImageFolder } from '../../datasets/image-folder.js';
import { resizeBilinear } from '../../datasets/resize.js';
import { datasetError, gradient, jpegBytes, noise, pngBytes, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function put(cls: string, name: string, bytes: Buffer): string {
  mkdirSync(join(dir, cls), { recursive: true });
  const file = join(dir, cls, name);
  writeFileSync(file, bytes);
  return file;
}

describe('image folders', () => {
  it('round-trips RGB PNGs exactly, classes sorted by folder name, files by name', () => {
    const imgs = [0, 1, 2].map((k) => noise(6 * 5 * 3, k + 1));
    put('zebra', 'b.png', pngBytes(5, 6, imgs[0]!, 3));
    put('ant', 'b.png', pngBytes(5, 6, imgs[1]!, 3));
    put('ant', 'a.png', pngBytes(5, 6, imgs[2]!, 3));
    put('ant', 'notes.txt', Buffer.from('ignored'));
    put('.hidden', 'x.png', pngBytes(5, 6, imgs[0]!, 3));
    const ds = loadImageFolder(dir);
    expect(ds.classes).toEqual(['ant', 'zebra']);
    expect(ds.train).toMatchObject({ count: 3, height: 6, width: 5, channels: 3 });
    expect(Array.from(ds.train.labels)).toEqual([0, 0, 1]);
    expect(Array.from(ds.train.images)).toEqual([...imgs[2]!, ...imgs[1]!, ...imgs[0]!]);
  });

  it('follows symbolic links to class folders', () => {
    const other = tempDir();
    try {
      const img = noise(3 * 3 * 3, 8);
      mkdirSync(join(other.dir, 'cats'));
      writeFileSync(join(other.dir, 'cats', 'a.png'), pngBytes(3, 3, img, 3));
      symlinkSync(join(other.dir, 'cats'), join(dir, 'cats'));
      const ds = loadImageFolder(dir);
      expect(ds.classes).toEqual(['cats']);
      expect(Array.from(ds.train.images)).toEqual(Array.from(img));
    } finally {
      other.cleanup();
    }
  });

  it('keeps one channel when every image is grey', () => {
    const a = noise(4 * 4, 5);
    const b = noise(4 * 4, 6);
    put('c0', 'a.png', pngBytes(4, 4, a, 1));
    put('c1', 'b.PNG', pngBytes(4, 4, b, 1));
    const ds = loadImageFolder(dir);
    expect(ds.train.channels).toBe(1);
    expect(Array.from(ds.train.images)).toEqual([...a, ...b]);
  });

  it('decodes JPEGs within a tolerance (lossy) and mixes them with PNGs', () => {
    const rgb = gradient(16, 12, 1);
    put('jpeg', 'a.jpg', jpegBytes(16, 12, rgb, 95));
    put('png', 'a.png', pngBytes(16, 12, gradient(16, 12, 2), 3));
    const ds = loadImageFolder(dir);
    const first = ds.train.images.subarray(0, 16 * 12 * 3);
    let worst = 0;
    for (let i = 0; i < rgb.length; i++) worst = Math.max(worst, Math.abs(first[i]! - rgb[i]!));
    expect(worst).toBeLessThanOrEqual(12);
    expect(Array.from(ds.train.images.subarray(16 * 12 * 3))).toEqual(Array.from(gradient(16, 12, 2)));
  });

  it("resizes images of other sizes to the first image's size with bilinear", () => {
    const big = noise(8 * 10 * 3, 3);
    put('a', '1.png', pngBytes(5, 4, noise(4 * 5 * 3, 2), 3));
    put('b', '1.png', pngBytes(10, 8, big, 3));
    const ds = loadImageFolder(dir);
    expect(ds.train).toMatchObject({ count: 2, height: 4, width: 5, channels: 3 });
    expect(Array.from(ds.train.images.subarray(60))).toEqual(Array.from(resizeBilinear(big, 8, 10, 3, 4, 5)));
  });

  it('resizes to options.imageSize when given', () => {
    put('a', '1.png', pngBytes(5, 4, noise(4 * 5 * 3, 2), 3));
    const ds = loadImageFolder(dir, { imageSize: [8, 10] });
    expect(ds.train).toMatchObject({ height: 8, width: 10 });
  });

  it('rejects an empty class folder, naming it', () => {
    put('a', '1.png', pngBytes(2, 2, noise(12, 1), 3));
    mkdirSync(join(dir, 'b'));
    put('b', 'readme.txt', Buffer.from('no images here'));
    const err = datasetError(() => loadImageFolder(dir));
    expect(err.message).toBe(
      `class folder ${join(dir, 'b')} is empty: it holds no .png, .jpg or .jpeg files; add images or remove the folder`,
    );
  });

  it('rejects a corrupt PNG, naming the file', () => {
    put('a', '1.png', pngBytes(2, 2, noise(12, 1), 3));
    const whole = pngBytes(8, 8, noise(8 * 8 * 3, 4), 3);
    const file = put('a', '2.png', whole.subarray(0, whole.length - 30));
    const err = datasetError(() => loadImageFolder(dir));
    expect(err.message).toMatch(
      new RegExp(`^${file.replace(/[.]/g, '\\.')} is a corrupt PNG \\(.+\\); remove or replace it$`),
    );
    expect(err.file).toBe(file);
  });

  it('rejects a truncated JPEG rather than decoding half a picture', () => {
    const whole = jpegBytes(16, 16, gradient(16, 16, 3));
    const file = put('a', 'cut.jpg', whole.subarray(0, Math.floor(whole.length / 2)));
    const err = datasetError(() => loadImageFolder(dir));
    expect(err.message).toContain(`${file} is a corrupt JPEG (`);
  });

  it('rejects a file that is neither PNG nor JPEG despite its name', () => {
    const file = put('a', 'fake.jpg', Buffer.from('GIF89a not really'));
    const err = datasetError(() => loadImageFolder(dir));
    expect(err.message).toBe(
      `${file} is neither a PNG nor a JPEG (its first bytes are not a PNG or JPEG signature); remove it or convert it`,
    );
  });

  it('rejects a path that does not exist, and a folder without class sub-folders', () => {
    const missing = join(dir, 'nope');
    expect(datasetError(() => loadImageFolder(missing)).message).toBe(
      `${missing}: no such folder; the folder dataset expects a folder with one sub-folder of PNG/JPEG images per class`,
    );
    writeFileSync(join(dir, 'loose.png'), pngBytes(2, 2, noise(12, 1), 3));
    expect(datasetError(() => loadImageFolder(dir)).message).toContain(`${dir} has no class sub-folders`);
  });
});
