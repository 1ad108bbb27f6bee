/**
 * Bench part `datasets`: loads the full Fashion-MNIST (70,000 images from the four .gz files of
 * Debian's dataset-fashion-mnist) and reports the median load time of 3 runs and the resident
 * memory the loaded dataset holds over the raw image bytes (target <= 1.5 s and <= 2x), plus the
 * same ratio taken right after the load, before the gzip input is collected. Each run is a fresh
 * child process so that memory freed by an earlier run cannot hide the next one's growth.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchPart } from '../parts.js';
import { DEBIAN_FASHION_MNIST } from '../../datasets/fashion-mnist.js';
import { loadDataset } from '../../datasets/index.js';

interface Measure {
  loadS: number;
  rssAdded: number;
  /** Resident growth right after the load returned, the compressed input still counted. */
  peakAdded: number;
  rawBytes: number;
  count: number;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** One measurement, in this process (the child side). */
async function measureOnce(): Promise<Measure> {
  gc();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const ds = await loadDataset('fashion-mnist', { path: DEBIAN_FASHION_MNIST });
  const loadS = (performance.now() - t0) / 1000;
  const peakAdded = process.memoryUsage().rss - rss0;
  // The gzip input is garbage by now, but V8 releases big backing stores only after a GC and a
  // turn of the event loop: measure what the loaded dataset keeps, once that has happened.
  gc();
  await new Promise((r) => setTimeout(r, 100));
  gc();
  const rssAdded = process.memoryUsage().rss - rss0;
  const rawBytes = ds.train.images.length + (ds.test?.images.length ?? 0);
  return { loadS, rssAdded, peakAdded, rawBytes, count: ds.train.count + (ds.test?.count ?? 0) };
}

function inChild(): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--measure'], {
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as Measure));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`measuring child exited with ${code}`)));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const part: BenchPart = {
  name: 'datasets',
  description: 'full Fashion-MNIST (70,000 images, .gz) load time and memory',
  async run(log) {
    if (!existsSync(`${DEBIAN_FASHION_MNIST}/train-images-idx3-ubyte.gz`)) {
      log(`skipped: ${DEBIAN_FASHION_MNIST} is absent (apt-get install dataset-fashion-mnist)`);
      return { skipped: `${DEBIAN_FASHION_MNIST} absent; apt-get install dataset-fashion-mnist` };
    }
    const runs: Measure[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await inChild();
      log(
        `run ${i + 1}: ${m.count} images in ${m.loadS.toFixed(3)} s, +${(m.rssAdded / 1e6).toFixed(1)} MB resident (+${(m.peakAdded / 1e6).toFixed(1)} MB just after the load) for ${(m.rawBytes / 1e6).toFixed(1)} MB of pixels`,
      );
      runs.push(m);
    }
    return {
      fashion_mnist_images: runs[0]!.count,
      fashion_mnist_load_s: Number(median(runs.map((r) => r.loadS)).toFixed(3)),
      fashion_mnist_rss_ratio: Number(median(runs.map((r) => r.rssAdded / r.rawBytes)).toFixed(2)),
      fashion_mnist_rss_ratio_before_gc: Number(median(runs.map((r) => r.peakAdded / r.rawBytes)).toFixed(2)),
      target_load_s: 1.5,
      target_rss_ratio: 2,
    };
  },
};
export default part;

if (process.argv.includes('--measure') && process.send) {
  measureOnce().then(
    (m) => process.send!(m, () => process.exit(0)),
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
