/**
 * The seeded train / validation split and the fixed probe set. Validation is always carved out of
 * the training images; the probe set (the images snapshots are computed on) is drawn from the
 * official test set when there is one, else from the validation images, so it never overlaps the
 * images being trained on. Same dataset + same seed = the same split, on any machine.
 */
import { deriveSeed, seededPermutation } from './rng.js';
import { DatasetError, type DatasetSplit, type ImageSet, type LoadedDataset } from './types.js';

export interface SplitOptions {
  seed: number;
  /** Share of the training images held out for validation, in [0, 1) (default 0.1). */
  validationShare?: number;
  /** Number of probe images (default 64; fewer when the pool is smaller). */
  probeSize?: number;
  /** Keep at most this many training images (after the validation cut), for quick runs. */
  trainLimit?: number;
}

/** Copies the images at `indices` (in that order) into a new ImageSet. */
export function gatherImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = set.height * set.width * set.channels;
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    images.set(set.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = set.labels[i]!;
  }
  return { ...set, images, labels, count: indices.length };
}

/**
 * Picks `size` indices from `order` (a seeded permutation of the pool), round-robin over classes,
 * so every class is represented in the probe set as evenly as the pool allows.
 */
function balancedPick(order: Uint32Array, labels: Uint8Array, size: number): Uint32Array {
  const byClass = new Map<number, number[]>();
  for (const i of order) {
    const list = byClass.get(labels[i]!) ?? [];
    list.push(i);
    byClass.set(labels[i]!, list);
  }
  const queues = [...byClass.keys()].sort((a, b) => a - b).map((c) => byClass.get(c)!);
  const picked: number[] = [];
  for (let round = 0; picked.length < size; round++) {
    let any = false;
    for (const q of queues) {
      if (round < q.length && picked.length < size) {
        picked.push(q[round]!);
        any = true;
      }
    }
    if (!any) break;
  }
  return Uint32Array.from(picked);
}

function checkNumber(name: string, value: number, ok: boolean, expected: string): void {
  if (!ok) throw new DatasetError(`split option ${name} must be ${expected}, got ${value}`);
}

/** Splits `ds` per the rules above; throws a DatasetError for out-of-range options. */
export function splitDataset(ds: LoadedDataset, opts: SplitOptions): DatasetSplit {
  const { seed, validationShare = 0.1, probeSize = 64, trainLimit } = opts;
  checkNumber('seed', seed, Number.isInteger(seed), 'an integer');
  checkNumber('validationShare', validationShare, validationShare >= 0 && validationShare < 1, 'in [0, 1)');
  checkNumber('probeSize', probeSize, Number.isInteger(probeSize) && probeSize >= 1, 'a positive integer');
  if (trainLimit !== undefined)
    checkNumber('trainLimit', trainLimit, Number.isInteger(trainLimit) && trainLimit >= 1, 'a positive integer');
  const n = ds.train.count;
  // At least one validation image whenever a share is asked for, and at least one to train on.
  const nVal = validationShare > 0 ? Math.min(n - 1, Math.max(1, Math.round(n * validationShare))) : 0;
  if (n < 2 && validationShare > 0) {
    throw new DatasetError(`${ds.source}: ${n} training image(s) cannot be split into train and validation`);
  }
  const order = seededPermutation(n, deriveSeed(seed, 1));
  const valIdx = order.subarray(0, nVal);
  const trainIdx = order.subarray(nVal, trainLimit === undefined ? n : Math.min(n, nVal + trainLimit));
  const validation = gatherImages(ds.train, valIdx);
  const poolSet = ds.test ?? ds.train;
  const pool = ds.test ? seededPermutation(ds.test.count, deriveSeed(seed, 2)) : valIdx;
  if (pool.length === 0) {
    throw new DatasetError(
      `${ds.source}: no test set and no validation images to draw the probe set from; use a validationShare above 0`,
    );
  }
  // The validation images are already in seeded order; reshuffling them with the probe stream keeps the two draws independent.
  const shuffledPool = ds.test
    ? pool
    : Uint32Array.from(seededPermutation(pool.length, deriveSeed(seed, 2)), (k) => pool[k]!);
  const probeIndices = balancedPick(shuffledPool, poolSet.labels, probeSize);
  return {
    train: gatherImages(ds.train, trainIdx),
    validation,
    probe: gatherImages(poolSet, probeIndices),
    probeIndices,
  };
}
