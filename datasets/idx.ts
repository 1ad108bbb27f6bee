/**
 * IDX files (MNIST, Fashion-MNIST): `train-images-idx3-ubyte[.gz]` and friends, gzip or raw.
 * The format: magic 00 00 08 NDIMS (08 = unsigned bytes), NDIMS big-endian int32 sizes, then the
 * bytes. Pixels are returned as a view into the decompressed buffer: no copy of the 47 MB.
 */
import { join } from 'node:path';
import { readMaybeGzip, pathKind } from './files.js';
import { DatasetError, type ImageSet, type LoadedDataset } from './types.js';

/** A parsed IDX file: its dimensions and a view of its data bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const ROLE = { 1: 'labels', 3: 'images' } as const;

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Parses IDX bytes that must hold `ndims` dimensions of uint8 (3 for images, 1 for labels).
 * Throws a DatasetError naming `file` on a wrong magic number, a truncated file or extra bytes.
 */
export function parseIdx(bytes: Uint8Array, file: string, ndims: 1 | 3): IdxArray {
  const expected = 0x0800 + ndims;
  const what = `an IDX file of uint8 ${ROLE[ndims]}`;
  if (bytes.length < 4) {
    throw new DatasetError(`${file} is too short to be ${what} (${bytes.length} bytes); fetch it again`, file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expected) {
    const hint = magic === 0x0800 + (4 - ndims) ? `; it looks like the ${ROLE[(4 - ndims) as 1 | 3]} file` : '';
    throw new DatasetError(
      `${file}: wrong magic number ${hex32(magic)}, expected ${hex32(expected)} (${what})${hint}; check the file names or fetch the files again`,
      file,
    );
  }
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new DatasetError(
      `${file} is truncated: its header needs ${header} bytes, the file has ${bytes.length}; fetch it again`,
      file,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d));
  const need = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - header;
  if (have < need) {
    throw new DatasetError(
      `${file} is truncated: its header says ${dims.join('x')} (${need} bytes of data) but only ${have} bytes follow; fetch it again`,
      file,
    );
  }
  if (have > need) {
    throw new DatasetError(
      `${file} has ${have - need} unexpected bytes after its ${dims.join('x')} data; it is not a valid IDX file`,
      file,
    );
  }
  return { dims, data: bytes.subarray(header, header + need) };
}

/** Reads and parses one IDX file, gunzipping it when it is gzip-compressed. */
export function readIdx(path: string, ndims: 1 | 3): IdxArray {
  return parseIdx(readMaybeGzip(path, `IDX ${ROLE[ndims]} file`), path, ndims);
}

/** The file names an IDX set is found under, in order of preference. */
function candidates(prefix: 'train' | 't10k', part: 'images' | 'labels'): string[] {
  const n = part === 'images' ? 3 : 1;
  const bases = [`${prefix}-${part}-idx${n}-ubyte`, `${prefix}-${part}.idx${n}-ubyte`];
  return bases.flatMap((b) => [`${b}.gz`, b]);
}

function findFile(dir: string, prefix: 'train' | 't10k', part: 'images' | 'labels'): string | undefined {
  for (const name of candidates(prefix, part)) {
    const p = join(dir, name);
    if (pathKind(p) === 'file') return p;
  }
  return undefined;
}

/** True when `dir` holds at least the training images of an IDX set (the labels are checked at load). */
export function hasIdxFiles(dir: string): boolean {
  return findFile(dir, 'train', 'images') !== undefined;
}

/** The file names to tell a user about when none is found. */
export const IDX_FILE_NAMES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

/** Pairs an images file and a labels file into an ImageSet, checking counts and label range. */
export function readIdxPair(imagesPath: string, labelsPath: string, classCount: number): ImageSet {
  const images = readIdx(imagesPath, 3);
  const labels = readIdx(labelsPath, 1);
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new DatasetError(
      `image/label count mismatch: ${imagesPath} holds ${count} images but ${labelsPath} holds ${labels.dims[0]} labels; the two files must come from the same set`,
      labelsPath,
    );
  }
  checkLabels(labels.data, classCount, labelsPath);
  return { images: images.data, labels: labels.data, count, height, width, channels: 1 };
}

/** Throws when a label is outside 0..classCount-1, naming its index. */
export function checkLabels(labels: Uint8Array, classCount: number, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= classCount) {
      throw new DatasetError(
        `${file}: label ${labels[i]} at index ${i} is outside 0..${classCount - 1} (${classCount} classes)`,
        file,
      );
    }
  }
}

/**
 * Loads an IDX folder: the train pair is required; the t10k pair is optional, but half of it
 * (images without labels or the reverse) is an error, never a silent partial load.
 */
export function loadIdxFolder(dir: string, name: string, classes: string[]): LoadedDataset {
  const pair = (prefix: 'train' | 't10k') => ({
    images: findFile(dir, prefix, 'images'),
    labels: findFile(dir, prefix, 'labels'),
  });
  const train = pair('train');
  const test = pair('t10k');
  for (const [prefix, p] of [
    ['train', train],
    ['t10k', test],
  ] as const) {
    const required = prefix === 'train';
    if ((required || p.images || p.labels) && !(p.images && p.labels)) {
      const missing = candidates(prefix, p.images ? 'labels' : 'images')[0]!;
      throw new DatasetError(
        `${dir}: ${missing} (or its uncompressed form) is missing${p.images || p.labels ? ` next to ${p.images ?? p.labels}` : ''}; expected ${IDX_FILE_NAMES.join(', ')}`,
        join(dir, missing),
      );
    }
  }
  return {
    name,
    classes,
    train: readIdxPair(train.images!, train.labels!, classes.length),
    test: test.images && test.labels ? readIdxPair(test.images, test.labels, classes.length) : undefined,
    source: dir,
  };
}
