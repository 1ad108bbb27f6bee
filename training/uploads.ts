/**
 * What a trainer reporting to a server on another machine sends besides its events, so that the
 * server can run analyses on the run: each snapshot epoch's checkpoint and the probe set, as
 * `checkpoint` and `probe` events whose files travel as binary frames. They go through the same
 * queue as every event (spooled while the server is away, re-sent until stored, stored once), and
 * a failure to build or fit one is logged and skipped: training never waits on it or stops for it.
 */
import type * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageSet } from '../datasets/types.js';
import { messageOf } from '../server/errors.js';
import type { BlobData, Reporter, ReportEvent } from './reporter/index.js';
import type { Preprocess } from './data.js';
import { probeFiles } from './model-checkpoint.js';

/** The files of a checkpoint folder that analyses read (meta.json, weights.bin, model.json when present), as stored. */
export async function checkpointUpload(dir: string, epoch: number): Promise<ReportEvent> {
  const names = ['weights.bin', 'model.json', 'meta.json'].filter(
    (n) => n !== 'model.json' || existsSync(join(dir, n)),
  );
  const blobs: BlobData[] = [];
  for (const name of names) blobs.push({ name, data: await readFile(join(dir, name)) });
  return { type: 'checkpoint', epoch, blobs };
}

/** A trainer's probe set: its model inputs (made by `toInput`) with the raw pixels and the preprocessing that made them. */
export function probeUpload(probe: ImageSet, toInput: (idx: number[]) => tf.Tensor4D, pre: Preprocess): ReportEvent {
  const x = toInput(Array.from({ length: probe.count }, (_, i) => i));
  try {
    const files = probeFiles(
      [probe.count, probe.height, probe.width, probe.channels],
      x.dataSync() as Float32Array,
      probe.labels,
      { images: probe.images, mean: pre.mean, scale: pre.scale },
    );
    return { type: 'probe', blobs: Object.entries(files).map(([name, data]) => ({ name, data })) };
  } finally {
    x.dispose();
  }
}

/**
 * Queues an upload on the reporter. A file past the destination's limit (known from the server's
 * welcome) is not sent: the server would refuse the event and stop the run's reporting. Logs and
 * returns false instead of throwing.
 */
export async function sendUpload(
  reporter: Reporter,
  make: () => Promise<ReportEvent> | ReportEvent,
  what: string,
  log: (line: string) => void,
): Promise<boolean> {
  try {
    const event = await make();
    const limits = reporter.fileLimits?.();
    const files = 'blobs' in event ? event.blobs : [];
    const total = files.reduce((n, b) => n + b.data.byteLength, 0);
    const big = limits ? files.find((b) => b.data.byteLength > limits.maxBlobBytes) : undefined;
    let why: string | undefined;
    if (big) why = `${big.name} is ${big.data.byteLength} bytes, over its maxBlobBytes of ${limits!.maxBlobBytes}`;
    else if (limits && total > limits.maxEventBytes)
      why = `its files are ${total} bytes in all, over its maxEventBytes of ${limits.maxEventBytes}`;
    if (why) {
      log(`${what}: not sent to the server: ${why}; analyses on the server will not have it`);
      return false;
    }
    await reporter.send(event);
    return true;
  } catch (err) {
    log(`${what}: not sent to the server: ${messageOf(err)}`);
    return false;
  }
}
