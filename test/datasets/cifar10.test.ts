import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CIFAR10, CIFAR10_CLASSES, loadCifar10 } from '../../datasets/cifar10.js';
import { locateAndLoad } from '../../datasets/locate.js';
import { DatasetError } from '../../datasets/types.js';
import { cifarBatch, tempDir } from './helpers.js';
import { startServer } from './server.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

/** Writes five train batches of 3, 2, 2, 1, 2 records and a test batch of 4; returns the oracles. */
function writeCifar(folder: string) {
  mkdirSync(folder, { recursive: true });
  const train = [3, 2, 2, 1, 2].map((n, k) => cifarBatch(n, 10 + k));
  train.forEach((b, k) => {
    writeFileSync(join(folder, `data_batch_${k + 1}.bin`), b.bytes);
  });
  const test = cifarBatch(4, 99);
  writeFileSync(join(folder, 'test_batch.bin'), test.bytes);
  const concat = (xs: Uint8Array[]) => Array.from(xs).flatMap((x) => Array.from(x));
  return { trainNhwc: concat(train.map((b) => b.nhwc)), trainLabels: concat(train.map((b) => b.labels)), test };
}

async function rejection(fn: () => unknown): Promise<DatasetError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetError);
    return err as DatasetError;
  }
  throw new Error('expected a DatasetError, nothing was thrown');
}

describe('CIFAR-10 binary loading', () => {
  it('interleaves planar records into NHWC and keeps labels, batch order and the test batch', () => {
    const fx = writeCifar(dir);
    const ds = loadCifar10(dir);
    expect(ds.train).toMatchObject({ count: 10, height: 32, width: 32, channels: 3 });
    expect(Array.from(ds.train.images)).toEqual(fx.trainNhwc);
    expect(Array.from(ds.train.labels)).toEqual(fx.trainLabels);
    expect(Array.from(ds.test!.images)).toEqual(Array.from(fx.test.nhwc));
    expect(Array.from(ds.test!.labels)).toEqual(Array.from(fx.test.labels));
    expect(ds.classes).toEqual(CIFAR10_CLASSES);
  });

  it('finds the batches in cifar-10-batches-bin/ and takes class names from batches.meta.txt', () => {
    const fx = writeCifar(join(dir, 'cifar-10-batches-bin'));
    const names = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'];
    writeFileSync(join(dir, 'cifar-10-batches-bin', 'batches.meta.txt'), `${names.join('\n')}\n\n`);
    const ds = loadCifar10(dir);
    expect(ds.classes).toEqual(names);
    expect(Array.from(ds.train.labels)).toEqual(fx.trainLabels);
  });

  it('reads the official .tar.gz archive as made by the system tar', () => {
    const fx = writeCifar(join(dir, 'src', 'cifar-10-batches-bin'));
    const archive = join(dir, 'cifar-10-binary.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', join(dir, 'src'), 'cifar-10-batches-bin']);
    const ds = loadCifar10(archive);
    expect(Array.from(ds.train.images)).toEqual(fx.trainNhwc);
    expect(Array.from(ds.test!.labels)).toEqual(Array.from(fx.test.labels));
  });

  it('rejects a truncated batch, naming the file and the record size', async () => {
    writeCifar(dir);
    const file = join(dir, 'data_batch_3.bin');
    writeFileSync(file, cifarBatch(2, 1).bytes.subarray(0, 3073 + 1000));
    const err = await rejection(() => loadCifar10(dir));
    expect(err.message).toBe(
      `${file} is truncated or not a CIFAR-10 binary batch: 4073 bytes is not a whole number of 3073-byte records; fetch it again`,
    );
  });

  it('rejects a missing train batch instead of loading the others', async () => {
    writeCifar(dir);
    rmSync(join(dir, 'data_batch_4.bin'));
    const err = await rejection(() => loadCifar10(dir));
    expect(err.message).toContain('data_batch_4.bin is missing');
  });

  it('rejects a folder with no batches, saying what it looked for', async () => {
    const err = await rejection(() => loadCifar10(dir));
    expect(err.message).toContain(
      `${dir}: no CIFAR-10 binary batches found (looked for data_batch_1.bin there and in cifar-10-batches-bin/)`,
    );
  });
});

describe('CIFAR-10 download', () => {
  it('downloads the archive into the cache, unpacks the batches and removes the archive', async () => {
    const fx = writeCifar(join(dir, 'src', 'cifar-10-batches-bin'));
    const archive = join(dir, 'served.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', join(dir, 'src'), 'cifar-10-batches-bin']);
    const body = readFileSync(archive);
    const server = await startServer({ '/cifar-10-binary.tar.gz': { body } });
    try {
      const remote = [
        {
          name: 'cifar-10-binary.tar.gz',
          urls: [`${server.url}/cifar-10-binary.tar.gz`],
          md5: createHash('md5').update(body).digest('hex'),
        },
      ];
      const ds = await locateAndLoad(
        { ...CIFAR10, remote },
        { download: true },
        { ZFSCOPE_DATA: join(dir, 'data') },
        { retryDelayMs: 5 },
      );
      const cache = join(dir, 'data', 'cifar10');
      expect(ds.source).toBe(join(cache, 'cifar-10-batches-bin'));
      expect(Array.from(ds.train.labels)).toEqual(fx.trainLabels);
      expect(existsSync(join(cache, 'cifar-10-binary.tar.gz'))).toBe(false);
      // The next load finds the unpacked batches without the network.
      expect((await locateAndLoad(CIFAR10, {}, { ZFSCOPE_DATA: join(dir, 'data') })).train.count).toBe(10);
    } finally {
      await server.close();
    }
  });
});
