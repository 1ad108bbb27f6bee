/**
 * Fashion-MNIST (Zalando, MIT licence): 60,000 + 10,000 28x28 greyscale IDX images, 10 classes.
 * Debian's `dataset-fashion-mnist` installs the four .gz files in /usr/share/datasets/fashion-mnist/.
 */
import { hasIdxFiles, loadIdxFolder } from './idx.js';
import type { LocatedSource } from './locate.js';

export const FASHION_MNIST_CLASSES = [
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
];

/** Where Debian's package puts the full set. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

const BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** MD5s published in the dataset's README (Debian's recompressed files differ, so only downloads are checked). */
const FILES: [string, string][] = [
  ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
  ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
  ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
  ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
];

export const FASHION_MNIST: LocatedSource = {
  name: 'fashion-mnist',
  wellKnown: [DEBIAN_FASHION_MNIST],
  holds: hasIdxFiles,
  read: (dir) => loadIdxFolder(dir, 'fashion-mnist', FASHION_MNIST_CLASSES),
  remote: FILES.map(([name, md5]) => ({ name, urls: [BASE + name], md5 })),
  advice: ['apt-get install dataset-fashion-mnist'],
};
