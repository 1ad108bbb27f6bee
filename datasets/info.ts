/** The dataset summary recorded in run.json (DatasetInfo) and a one-line description for logs. */
import type { DatasetInfo } from '../server/protocol.js';
import type { DatasetSplit, LoadedDataset } from './types.js';

/** Builds the DatasetInfo of server/protocol.ts from a loaded dataset and its split. */
export function datasetInfo(ds: LoadedDataset, split: DatasetSplit): DatasetInfo {
  return {
    name: ds.name,
    shape: [ds.train.height, ds.train.width, ds.train.channels],
    classes: [...ds.classes],
    trainCount: split.train.count,
    validationCount: split.validation.count,
    probeCount: split.probe.count,
    source: ds.source,
  };
}

/** "fashion-mnist: 60000 train + 10000 test images of 28x28x1, 10 classes, from /usr/share/..." */
export function describeDataset(ds: LoadedDataset, split?: DatasetSplit): string {
  const { height, width, channels } = ds.train;
  const counts = split
    ? `${split.train.count} train / ${split.validation.count} validation / ${split.probe.count} probe`
    : `${ds.train.count} train${ds.test ? ` + ${ds.test.count} test` : ''}`;
  return `${ds.name}: ${counts} images of ${height}x${width}x${channels}, ${ds.classes.length} classes, from ${ds.source}`;
}
