/**
 * The embedded default: a balanced subset of the real Fashion-MNIST shipped in datasets/sample/
 * (see its README for the licence and make-sample.ts for how it is made), so a fresh clone runs
 * offline with no apt step and no download.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FASHION_MNIST_CLASSES } from './fashion-mnist.js';
import { loadIdxFolder } from './idx.js';
import { DatasetError, type LoadedDataset } from './types.js';

/** Images per class in the sample: train and test. */
export const SAMPLE_PER_CLASS = { train: 600, test: 100 } as const;

/** The sample folder, whether running from the sources (datasets/) or from the build (dist/datasets/). */
export function sampleFolder(): string {
  const tries = ['./sample/', '../../datasets/sample/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  const found = tries.find((dir) => existsSync(`${dir}train-images-idx3-ubyte.gz`));
  if (!found)
    throw new DatasetError(
      `the embedded sample is missing (looked in ${tries.join(', ')}); restore datasets/sample from git`,
      tries[0],
    );
  return found;
}

/** Loads the embedded sample: 6,000 train + 1,000 test Fashion-MNIST images, 28x28x1, 10 classes. */
export function loadSample(): LoadedDataset {
  const dir = sampleFolder();
  const ds = loadIdxFolder(dir, 'sample', FASHION_MNIST_CLASSES);
  return {
    ...ds,
    source: `embedded sample (${dir}: Fashion-MNIST subset, ${ds.train.count} train + ${ds.test?.count ?? 0} test)`,
  };
}
