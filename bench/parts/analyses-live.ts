/**
 * The second figure of bench part `analyses`: while the server's worker computes an analysis (a
 * reconstruction from every conv layer of the default small ZF-net), snapshot events from a trainer
 * (two ~100 KB atlases each) still reach live dashboards; latency from the trainer's send to each
 * dashboard's receipt, p50 / p99, counting only snapshots sent while the analysis was running.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import WebSocket from 'ws';
import type { AnalysisView } from '../../server/protocol.js';
import { startServer } from '../../server/index.js';
import { datasetInfo, loadDataset, splitDataset } from '../../datasets/index.js';
import { saveCheckpoint } from '../../training/checkpoint.js';
import { buildZfNet, summarizeModel } from '../../training/model/zfnet.js';
import { zfNetConfig } from '../../training/model/config.js';
import { StoreReporter, WebSocketReporter } from '../../training/reporter/index.js';
import { benchRunStarted, snapshotEvent } from './server.js';

const DASHBOARDS = 5;
const SNAPSHOTS = 40;

/** A run of the default small ZF-net on the sample dataset with a checkpoint at epoch 1. */
async function writeRun(logdir: string): Promise<void> {
  const ds = await loadDataset('sample');
  const split = splitDataset(ds, { seed: 1, probeSize: 100, trainLimit: 2000 });
  const model = buildZfNet(zfNetConfig({ inputShape: [28, 28, 1], classes: 10 }), 1);
  const config = {
    dataset: 'sample',
    epochs: 1,
    snapshotEpochs: [1],
    batchSize: 64,
    learningRate: 0.01,
    momentum: 0.9,
    conv1: { kernel: 7, stride: 2 },
    widths: [32, 64, 96, 96, 64, 256, 256],
    probeSize: 100,
    methods: ['deconvnet'],
    seed: 1,
    trainLimit: 2000,
  };
  const rep = new StoreReporter(logdir, 'model');
  await rep.send({
    type: 'run-started',
    config,
    dataset: datasetInfo(ds, split),
    model: summarizeModel(model),
    backend: 'wasm',
    startedAt: new Date().toISOString(),
  });
  await rep.close();
  const opt = tf.train.momentum(0.01, 0.9);
  await saveCheckpoint(join(logdir, 'model', 'checkpoints', '1'), model, opt, {
    epoch: 1,
    batch: 0,
    learningRate: 0.01,
  });
  model.dispose();
  opt.dispose();
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function liveLatencyWhileAnalysing(log: (line: string) => void): Promise<Record<string, number>> {
  const logdir = mkdtempSync(join(tmpdir(), 'zf-bench-live-'));
  try {
    await writeRun(logdir);
    const s = await startServer({ logdir, port: 0, log: () => undefined, analysisBackend: 'wasm' });
    try {
      const trainer = new WebSocketReporter({ url: s.url, runId: 'live', token: s.ingestToken, log: () => undefined });
      await trainer.send(benchRunStarted('wasm', [28, 28, 1]));
      await trainer.flush(10_000);
      const sentAt = new Map<number, number>();
      const latencies: number[] = [];
      let received = 0;
      const dashboards = await Promise.all(
        Array.from({ length: DASHBOARDS }, async () => {
          const ws = new WebSocket(`${s.url.replace('http', 'ws')}/live`, { perMessageDeflate: false });
          await new Promise((r) => ws.once('open', r));
          ws.on('message', (data) => {
            const f = JSON.parse(data.toString()) as { type: string; event?: { type: string; epoch: number } };
            if (f.type === 'event' && f.event?.type === 'snapshot') {
              const t = sentAt.get(f.event.epoch);
              if (t !== undefined) latencies.push(performance.now() - t);
              received++;
            }
          });
          // From seq 1 on: the history is the run-started event only, then the live tail.
          ws.send(JSON.stringify({ type: 'subscribe', runId: 'live', afterSeq: 1 }));
          return ws;
        }),
      );
      const api = async (path: string, body?: unknown) =>
        (await (
          await fetch(
            `${s.url}${path}`,
            body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {},
          )
        ).json()) as AnalysisView;
      let view = await api('/api/runs/model/analyses', { analysis: 'reconstruction', epoch: 1, params: { image: 0 } });
      while (!(view.status === 'running' && view.progress.done > 0)) {
        if (view.status === 'failed' || view.status === 'done')
          throw new Error(`analysis ${view.status} before the measurement: ${JSON.stringify(view.error)}`);
        await new Promise((r) => setTimeout(r, 50));
        view = await api(`/api/runs/model/analyses/${view.id}`);
      }
      const blob = randomBytes(100_000);
      let during = 0;
      for (let i = 1; i <= SNAPSHOTS; i++) {
        const target = received + DASHBOARDS;
        sentAt.set(i, performance.now());
        await trainer.send(snapshotEvent(i, blob));
        const deadline = performance.now() + 10_000;
        while (received < target && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
        if ((await api(`/api/runs/model/analyses/${view.id}`)).status === 'running') during = i;
        else break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await trainer.close();
      for (const ws of dashboards) ws.terminate();
      const kept = latencies.slice(0, during * DASHBOARDS).sort((a, b) => a - b);
      if (!kept.length)
        throw new Error(
          `no live snapshot was measured while the analysis ran (${during} sent during it, ${received} receipts in all)`,
        );
      const p50 = pct(kept, 50);
      const p99 = pct(kept, 99);
      log(
        `live snapshots while the analysis ran: ${during} of ${SNAPSHOTS} sent, ${kept.length} receipts by ${DASHBOARDS} dashboards, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
      );
      return {
        live_snapshots_during_analysis: during,
        live_p50_ms: Number(p50.toFixed(1)),
        live_p99_ms: Number(p99.toFixed(1)),
      };
    } finally {
      await s.close();
    }
  } finally {
    rmSync(logdir, { recursive: true, force: true });
  }
}
