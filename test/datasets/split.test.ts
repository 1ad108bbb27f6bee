import { describe, expect, it } from 'vitest';
import { datasetInfo, describeDataset } from '../../datasets/info.js';
import { splitDataset } from '../../datasets/split.js';
import { DatasetError, type ImageSet, type LoadedDataset } from '../../datasets/types.js';

/** n images of 2x2x1 whose first pixel is the image's own index (mod 256) and second its index / 256: traceable. */
function set(n: number, classes: number, offset = 0): ImageSet {
  const images = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    images[i * 4] = (i + offset) % 256;
    images[i * 4 + 1] = Math.floor((i + offset) / 256);
  }
  return {
    images,
    labels: Uint8Array.from({ length: n }, (_, i) => i % classes),
    count: n,
    height: 2,
    width: 2,
    channels: 1,
  };
}

const ids = (s: ImageSet) => Array.from({ length: s.count }, (_, i) => s.images[i * 4]! + 256 * s.images[i * 4 + 1]!);
const classes = ['a', 'b', 'c', 'd', 'e'];
const withTest: LoadedDataset = { name: 'x', classes, train: set(1000, 5), test: set(200, 5, 5000), source: 'mem' };
const noTest: LoadedDataset = { name: 'y', classes, train: set(1000, 5), source: 'mem' };

describe('splitDataset', () => {
  it('gives the same split and probe set for the same seed', () => {
    const a = splitDataset(withTest, { seed: 7, probeSize: 20 });
    const b = splitDataset(withTest, { seed: 7, probeSize: 20 });
    expect(ids(a.train)).toEqual(ids(b.train));
    expect(ids(a.validation)).toEqual(ids(b.validation));
    expect(Array.from(a.probeIndices)).toEqual(Array.from(b.probeIndices));
    expect(Array.from(a.probe.images)).toEqual(Array.from(b.probe.images));
  });

  it('gives a different split and probe set for another seed', () => {
    const a = splitDataset(withTest, { seed: 7, probeSize: 20 });
    const b = splitDataset(withTest, { seed: 8, probeSize: 20 });
    expect(ids(a.validation)).not.toEqual(ids(b.validation));
    expect(Array.from(a.probeIndices)).not.toEqual(Array.from(b.probeIndices));
  });

  it('partitions the training images: validation share, no overlap, nothing lost', () => {
    const s = splitDataset(noTest, { seed: 1, validationShare: 0.2 });
    expect(s.validation.count).toBe(200);
    expect(s.train.count).toBe(800);
    const all = [...ids(s.train), ...ids(s.validation)].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // Labels travel with their images.
    ids(s.train).forEach((id, k) => {
      expect(s.train.labels[k]).toBe(id % 5);
    });
  });

  it('draws the probe set from the test set when there is one, balanced over classes', () => {
    const s = splitDataset(withTest, { seed: 3, probeSize: 15 });
    expect(s.probe.count).toBe(15);
    expect(ids(s.probe)).toEqual(Array.from(s.probeIndices, (i) => i + 5000));
    const perClass = [0, 0, 0, 0, 0];
    s.probe.labels.forEach((l) => {
      perClass[l]!++;
    });
    expect(perClass).toEqual([3, 3, 3, 3, 3]);
    Array.from(s.probeIndices).forEach((i, k) => {
      expect(s.probe.labels[k]).toBe(withTest.test!.labels[i]);
    });
  });

  it('draws the probe set from the validation images when there is no test set', () => {
    const s = splitDataset(noTest, { seed: 3, probeSize: 30 });
    const validation = new Set(ids(s.validation));
    expect(s.probe.count).toBe(30);
    for (const i of s.probeIndices) expect(validation.has(i)).toBe(true);
    expect(ids(s.probe)).toEqual(Array.from(s.probeIndices));
  });

  it('caps the probe set at the pool size and the training set at trainLimit', () => {
    const s = splitDataset(withTest, { seed: 1, probeSize: 500, trainLimit: 50 });
    expect(s.probe.count).toBe(200);
    expect(s.train.count).toBe(50);
    expect(s.validation.count).toBe(100);
  });

  it('rejects options out of range, naming the option', () => {
    expect(() => splitDataset(withTest, { seed: 1, validationShare: 1 })).toThrow(
      new DatasetError('split option validationShare must be in [0, 1), got 1'),
    );
    expect(() => splitDataset(withTest, { seed: 1, probeSize: 0 })).toThrow(
      'split option probeSize must be a positive integer, got 0',
    );
    expect(() => splitDataset(withTest, { seed: 1.5 })).toThrow('split option seed must be an integer, got 1.5');
  });

  it('summarises the dataset and split as the DatasetInfo of run.json', () => {
    const s = splitDataset(withTest, { seed: 1, probeSize: 10 });
    expect(datasetInfo(withTest, s)).toEqual({
      name: 'x',
      shape: [2, 2, 1],
      classes,
      trainCount: 900,
      validationCount: 100,
      probeCount: 10,
      source: 'mem',
    });
    expect(describeDataset(withTest)).toBe('x: 1000 train + 200 test images of 2x2x1, 5 classes, from mem');
  });
});
