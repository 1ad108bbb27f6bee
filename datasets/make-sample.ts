/**
 * Regenerates datasets/sample/ from the full Fashion-MNIST:
 *   npx tsx datasets/make-sample.ts [SOURCE_DIR]   (default /usr/share/datasets/fashion-mnist)
 * The selection is deterministic and balanced: the first 600 training images of each class and
 * the first 100 test images of each class, in the official file order. Output is gzip level 9
 * IDX, byte-identical from run to run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DEBIAN_FASHION_MNIST, FASHION_MNIST_CLASSES } from './fashion-mnist.js';
import { loadIdxFolder } from './idx.js';
import { SAMPLE_PER_CLASS } from './sample.js';
import type { ImageSet } from './types.js';

/** Indices of the first `perClass` images of each class, ascending. */
export function firstPerClass(labels: Uint8Array, classes: number, perClass: number): number[] {
  const taken = new Array<number>(classes).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (taken[labels[i]!]! < perClass) {
      taken[labels[i]!]!++;
      picked.push(i);
    }
  }
  if (taken.some((t) => t < perClass)) throw new Error(`some class has fewer than ${perClass} images`);
  return picked;
}

/** Serialises images (3 dims) or labels (1 dim) as IDX bytes. */
export function encodeIdx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, k) => {
    header.writeUInt32BE(d, 4 + 4 * k);
  });
  return Buffer.concat([header, data]);
}

function writeSubset(set: ImageSet, perClass: number, prefix: string, out: string): void {
  const idx = firstPerClass(set.labels, FASHION_MNIST_CLASSES.length, perClass);
  const size = set.height * set.width;
  const images = new Uint8Array(idx.length * size);
  const labels = new Uint8Array(idx.length);
  idx.forEach((i, k) => {
    images.set(set.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = set.labels[i]!;
  });
  const gz = (b: Buffer) => gzipSync(b, { level: 9 });
  writeFileSync(
    join(out, `${prefix}-images-idx3-ubyte.gz`),
    gz(encodeIdx([idx.length, set.height, set.width], images)),
  );
  writeFileSync(join(out, `${prefix}-labels-idx1-ubyte.gz`), gz(encodeIdx([idx.length], labels)));
  console.log(`${prefix}: ${idx.length} images (${perClass} per class)`);
}

function main(): void {
  const source = process.argv[2] ?? DEBIAN_FASHION_MNIST;
  const out = fileURLToPath(new URL('./sample/', import.meta.url));
  const ds = loadIdxFolder(source, 'fashion-mnist', FASHION_MNIST_CLASSES);
  mkdirSync(out, { recursive: true });
  writeSubset(ds.train, SAMPLE_PER_CLASS.train, 'train', out);
  writeSubset(ds.test!, SAMPLE_PER_CLASS.test, 't10k', out);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
