/**
 * CIFAR-10, binary version: `data_batch_1.bin` .. `data_batch_5.bin` and `test_batch.bin`, each a
 * run of 3073-byte records (1 label byte, then 1024 red, 1024 green, 1024 blue bytes, row-major).
 * Accepts the folder with the files, the folder above `cifar-10-batches-bin/`, or the
 * `cifar-10-binary.tar.gz` archive itself. Planar records are interleaved into NHWC here.
 */
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeFsError, isGzip, gunzipOrThrow, pathKind, readFileOrThrow } from './files.js';
import { checkLabels } from './idx.js';
import { readTar } from './tar.js';
import type { LocatedSource } from './locate.js';
import { DatasetError, type ImageSet, type LoadedDataset } from './types.js';

/** The standard class names, used when batches.meta.txt is absent. */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
const ARCHIVE = 'cifar-10-binary.tar.gz';
const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

/** One batch file's bytes and the name to report it by. */
interface Batch {
  file: string;
  bytes: Uint8Array;
}

/** Decodes CIFAR binary batches (in order) into one NHWC ImageSet. */
export function decodeCifarBatches(batches: Batch[], classCount = 10): ImageSet {
  let count = 0;
  for (const { file, bytes } of batches) {
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new DatasetError(
        `${file} is truncated or not a CIFAR-10 binary batch: ${bytes.length} bytes is not a whole number of ${RECORD}-byte records; fetch it again`,
        file,
      );
    }
    count += bytes.length / RECORD;
  }
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  let i = 0;
  for (const { file, bytes } of batches) {
    const n = bytes.length / RECORD;
    for (let r = 0; r < n; r++, i++) {
      const rec = r * RECORD;
      labels[i] = bytes[rec]!;
      const out = i * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        images[out + 3 * p] = bytes[rec + 1 + p]!;
        images[out + 3 * p + 1] = bytes[rec + 1 + PLANE + p]!;
        images[out + 3 * p + 2] = bytes[rec + 1 + 2 * PLANE + p]!;
      }
    }
    checkLabels(labels.subarray(i - n, i), classCount, file);
  }
  return { images, labels, count, height: SIDE, width: SIDE, channels: 3 };
}

/** Class names from batches.meta.txt (one a line) when it holds exactly ten, else the standard ones. */
function parseMeta(text: string | undefined): string[] {
  const names = (text ?? '')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length === CIFAR10_CLASSES.length ? names : CIFAR10_CLASSES;
}

/** The folder that actually holds the batch files: `dir` or `dir/cifar-10-batches-bin`. */
export function cifarFolder(dir: string): string | undefined {
  for (const d of [dir, join(dir, 'cifar-10-batches-bin')]) {
    if (pathKind(join(d, CIFAR10_TRAIN_FILES[0]!)) === 'file') return d;
  }
  return undefined;
}

function fromBatches(get: (name: string) => Batch | undefined, where: string, meta: string | undefined): LoadedDataset {
  const train = CIFAR10_TRAIN_FILES.map((name) => {
    const b = get(name);
    if (!b)
      throw new DatasetError(
        `${where}: ${name} is missing; CIFAR-10 needs ${CIFAR10_TRAIN_FILES.join(', ')} (and ${CIFAR10_TEST_FILE})`,
        join(where, name),
      );
    return b;
  });
  const classes = parseMeta(meta);
  const test = get(CIFAR10_TEST_FILE);
  return {
    name: 'cifar10',
    classes,
    train: decodeCifarBatches(train, classes.length),
    test: test ? decodeCifarBatches([test], classes.length) : undefined,
    source: where,
  };
}

/** Loads CIFAR-10 from a folder (see cifarFolder) or from the official .tar.gz / .tar archive. */
export function loadCifar10(path: string): LoadedDataset {
  if (pathKind(path) === 'file') {
    let bytes: Uint8Array = readFileOrThrow(path, 'CIFAR-10 archive');
    if (isGzip(bytes)) bytes = gunzipOrThrow(bytes as Buffer, path);
    const entries = readTar(bytes, path);
    const byBase = new Map(
      [...entries].map(([name, data]) => [basename(name), { file: `${path}:${name}`, bytes: data }]),
    );
    const meta = byBase.get('batches.meta.txt');
    return fromBatches((n) => byBase.get(n), path, meta ? Buffer.from(meta.bytes).toString('utf8') : undefined);
  }
  const dir = cifarFolder(path);
  if (!dir && pathKind(join(path, ARCHIVE)) === 'file') return loadCifar10(join(path, ARCHIVE));
  if (!dir) {
    throw new DatasetError(
      `${path}: no CIFAR-10 binary batches found (looked for ${CIFAR10_TRAIN_FILES[0]} there and in cifar-10-batches-bin/); pass the folder of the binary version or cifar-10-binary.tar.gz`,
      path,
    );
  }
  const get = (name: string): Batch | undefined => {
    const file = join(dir, name);
    return pathKind(file) === 'file' ? { file, bytes: readFileOrThrow(file, 'CIFAR-10 batch') } : undefined;
  };
  const metaPath = join(dir, 'batches.meta.txt');
  const meta =
    pathKind(metaPath) === 'file' ? readFileOrThrow(metaPath, 'CIFAR-10 class list').toString('utf8') : undefined;
  return fromBatches(get, dir, meta);
}

/** Unpacks the downloaded archive into `dir/cifar-10-batches-bin/` (each file written then renamed), then drops it. */
export function unpackCifarArchive(dir: string): void {
  const archive = join(dir, ARCHIVE);
  const entries = readTar(gunzipOrThrow(readFileOrThrow(archive, 'CIFAR-10 archive'), archive), archive);
  const out = join(dir, 'cifar-10-batches-bin');
  try {
    mkdirSync(out, { recursive: true });
    for (const [name, bytes] of entries) {
      const base = basename(name);
      if (!base.endsWith('.bin') && base !== 'batches.meta.txt') continue;
      writeFileSync(join(out, `${base}.tmp`), bytes);
      renameSync(join(out, `${base}.tmp`), join(out, base));
    }
    unlinkSync(archive);
  } catch (err) {
    throw new DatasetError(
      `cannot unpack ${archive} into ${out}: ${describeFsError(err)}; free some space or unpack it yourself`,
      archive,
    );
  }
}

export const CIFAR10: LocatedSource = {
  name: 'cifar10',
  wellKnown: [],
  holds: (dir) => cifarFolder(dir) !== undefined || pathKind(join(dir, ARCHIVE)) === 'file',
  read: (path) => loadCifar10(path),
  remote: [
    {
      name: ARCHIVE,
      urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
      md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    },
  ],
  afterDownload: unpackCifarArchive,
  advice: [`put the binary version (${ARCHIVE}, or its cifar-10-batches-bin folder) in ~/.cache/zfscope/cifar10`],
};
