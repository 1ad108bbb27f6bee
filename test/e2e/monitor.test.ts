import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitor } from '../../index.js';
import { startServer } from '../../server/index.js';
import { loadDataset } from '../../datasets/index.js';
import type { LayerSnapshot, RunInfo } from '../../server/protocol.js';
import { checkRequest, runChecked } from '../../training/analyses/runner.js';
import { storedEvents } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A user's own model: not a ZF-net, with a separate ReLU layer and two conv layers. */
function userModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 5, strides: 2, padding: 'same', name: 'c1' }),
      tf.layers.reLU({ name: 'r1' }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'p1' }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', padding: 'same', name: 'c2' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

async function data(n: number) {
  const ds = await loadDataset('sample');
  const x = tf.tidy(() =>
    tf
      .tensor4d(ds.train.images.subarray(0, n * 784), [n, 28, 28, 1])
      .div(255)
      .sub(0.5),
  ) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d(Array.from(ds.train.labels.subarray(0, n)), 'int32'), 10).toFloat();
  return { x, y, labels: ds.train.labels.subarray(0, n) };
}

describe('monitor(): zfscope for your own model', () => {
  it('reports metrics and snapshots every conv layer of a model.fit to a server', async () => {
    const server = await startServer({ logdir: mkdtempSync(join(tmpdir(), 'zf-mon-')), port: 0 });
    try {
      const model = userModel();
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const { x, y, labels } = await data(64);
      const probe = x.slice(0, 12) as tf.Tensor4D;
      const callbacks = monitor(model, {
        server: server.url,
        token: server.ingestToken,
        runId: 'mine',
        snapshotEpochs: [1, 2],
        probe: { inputs: probe, labels: labels.subarray(0, 12) },
      });
      await model.fit(x, y, { epochs: 2, batchSize: 16, callbacks, verbose: 0 });

      const run = (await (await fetch(`${server.url}/api/runs/mine`)).json()) as RunInfo;
      expect(run.status).toBe('finished');
      expect(run.config.conv1).toEqual({ kernel: 5, stride: 2 });
      expect(run.model.layers.filter((l) => l.kind === 'conv').map((l) => l.name)).toEqual(['c1', 'c2']);
      const snaps = (await (await fetch(`${server.url}/api/runs/mine/snapshots`)).json()) as Array<{
        epoch: number;
        layers: string[];
      }>;
      expect(snaps.map((s) => [s.epoch, [...s.layers].sort()])).toEqual([
        [1, ['c1', 'c2']],
        [2, ['c1', 'c2']],
      ]);
      const c2 = (await (await fetch(`${server.url}/api/runs/mine/snapshots/2/c2`)).json()) as LayerSnapshot;
      expect(c2.maps).toHaveLength(6);
      const metrics = storedEvents(server.store.logdir, 'mine').filter(
        (e) => e.type === 'metrics' && e.batch === undefined,
      );
      expect(metrics.map((e) => (e.type === 'metrics' ? Object.keys(e.values).sort() : []))).toEqual([
        ['acc', 'loss'],
        ['acc', 'loss'],
      ]);
      // What the server's analyses need travelled too: the topology and weights at each snapshot
      // epoch and the probe set, so an analysis runs on the server's logdir alone.
      const runDir = join(server.store.logdir, 'mine');
      for (const epoch of ['1', '2'])
        expect(readdirSync(join(runDir, 'checkpoints', epoch)).sort()).toEqual([
          'meta.json',
          'model.json',
          'weights.bin',
        ]);
      expect(readdirSync(join(runDir, 'probe')).sort()).toEqual(['inputs.bin', 'probe.json']);
      const inputs = readFileSync(join(runDir, 'probe', 'inputs.bin'));
      const sent = probe.dataSync() as Float32Array;
      expect(inputs.equals(Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength))).toBe(true);
      const req = await checkRequest(server.store.logdir, {
        run: 'mine',
        epoch: 2,
        analysis: 'reconstruction',
        params: { image: 1, steps: 4 },
      });
      const { stored } = await runChecked(server.store.logdir, req);
      expect(Object.keys((stored.result as { layers: object }).layers)).toEqual(['c1', 'c2']);
      tf.dispose([x, y, probe]);
      model.dispose();
    } finally {
      await server.close();
    }
  });
});

describe('the README example (examples/monitor-own-model.ts)', () => {
  it('runs and leaves a monitored run with snapshots at epochs 1 and 3', async () => {
    const { spawnSync } = await import('node:child_process');
    const logdir = mkdtempSync(join(tmpdir(), 'zf-example-'));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'examples/monitor-own-model.ts', '--logdir', logdir, '--run-id', 'ex', '--images', '256'],
      {
        encoding: 'utf8',
        env: { ...process.env, ZFSCOPE_BACKEND: 'wasm' },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('monitored run ex: done');
    const snaps = storedEvents(logdir, 'ex').filter((e) => e.type === 'snapshot');
    expect(snaps.map((e) => (e.type === 'snapshot' ? `${e.epoch}/${e.layer}` : '')).sort()).toEqual([
      '1/conv1',
      '1/conv2',
      '3/conv1',
      '3/conv2',
    ]);
  });
});
