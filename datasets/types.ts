import { ZfError } from '../server/errors.js';
/**
 * The dataset interface: every format (IDX, CIFAR binary, image folders) loads into this.
 * Images are uint8 NHWC, row-major: image i, row y, column x, channel c is at
 * ((i * height + y) * width + x) * channels + c.
 */
export interface ImageSet {
  /** uint8 pixels, NHWC. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export interface LoadedDataset {
  /** Registry name, e.g. "fashion-mnist". */
  name: string;
  classes: string[];
  /** Training images (before the validation split). */
  train: ImageSet;
  /** The official test set when the format has one. */
  test?: ImageSet;
  /** Where it was read from (a path, or "embedded sample"). */
  source: string;
}

/** A seeded, deterministic split of a loaded dataset, plus the fixed probe set. */
export interface DatasetSplit {
  train: ImageSet;
  validation: ImageSet;
  /** The images snapshots are computed on: the same at every epoch of a run. */
  probe: ImageSet;
  /** Indices of the probe images in the dataset's train (or test) set, for provenance. */
  probeIndices: Uint32Array;
}

export interface LoadOptions {
  /** Explicit path given by the user (--data). */
  path?: string;
  /** Allow a download from the official address when nothing local is found. */
  download?: boolean;
  /** Progress messages (downloads, decoding). */
  onProgress?: (message: string) => void;
  /** Image folders only: resize every image to [height, width] (default: the first image's size). */
  imageSize?: [number, number];
}

/** One entry of the DATASETS registry. */
export interface DatasetSource {
  name: string;
  description: string;
  /** [height, width, channels], or null when it depends on the files (image folders). */
  shape: [number, number, number] | null;
  load(options: LoadOptions): Promise<LoadedDataset>;
}

/** An error about the user's data: names the file and what was wrong; the CLI prints only the message. */
export class DatasetError extends ZfError {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super('dataset', message);
  }
}
