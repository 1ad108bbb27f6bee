/**
 * Bench part `server`: the monitoring server in a child process (so its RSS is its own), a
 * WebSocketReporter and 100 /live dashboards in this one.
 * - ingest_events_per_s: 10,000 per-batch metrics events, send to last ack.
 * - server_rss_growth_mb: server RSS after those 10,000 events minus before (after a GC each time).
 * - fanout_p50_ms / fanout_p99_ms: a snapshot event (about 200 KB of PNGs) from reporter send to
 *   receipt by each of 100 subscribed dashboards, over 40 snapshots.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { BenchPart } from '../parts.js';
import type { TrainerEvent } from '../../server/protocol.js';
import { WebSocketReporter } from '../../training/reporter/index.js';

const DASHBOARDS = 100;
const SNAPSHOTS = 40;
const METRICS_EVENTS = 10_000;

/** Starts the server in a child (from dist/ as .js, or from source through tsx) and talks to it over IPC. */
async function startChild(logdir: string, token: string) {
  const js = fileURLToPath(new URL('../../server/index.js', import.meta.url));
  const entry = existsSync(js) ? js : fileURLToPath(new URL('../../server/index.ts', import.meta.url));
  const code = `
    const { startServer } = await import(${JSON.stringify(entry)});
    const s = await startServer({ logdir: ${JSON.stringify(logdir)}, ingestToken: ${JSON.stringify(token)}, log: () => {} });
    process.on('message', async (m) => {
      if (m === 'rss') { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 50)); globalThis.gc?.(); process.send({ rss: process.memoryUsage().rss }); }
      if (m === 'close') { await s.close(); process.exit(0); }
    });
    process.send({ url: s.url });`;
  const args = ['--expose-gc', ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), '--input-type=module', '-e', code];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<Record<string, unknown>>((resolve) => proc.once('message', (m) => resolve(m as Record<string, unknown>)));
  const { url } = (await next()) as { url: string };
  return {
    url,
    rssMb: async () => {
      const wait = next();
      proc.send('rss');
      return ((await wait).rss as number) / 1024 / 1024;
    },
    close: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.send('close');
      await exited;
    },
  };
}

function snapshotEvent(epoch: number, blob: string): TrainerEvent {
  return {
    type: 'snapshot',
    epoch,
    layer: 'conv2',
    index: {
      epoch, layer: 'conv2', layerIndex: 1, shape: [8, 8, 16], rf: { size: 15, jump: 4, offset: -5 }, atlas: { tile: 16, cols: 9, rows: 16 },
      methods: ['deconvnet'], maps: [],
      health: { deadCount: 0, deadShare: 0, meanActiveShare: 0.5, meanWeightChange: null, meanJumpScore: null },
      files: { patches: 'conv2.patches.png', projections: { deconvnet: 'conv2.deconvnet.png' } },
    },
    blobs: [
      { name: 'conv2.patches.png', base64: blob },
      { name: 'conv2.deconvnet.png', base64: blob },
    ],
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const part: BenchPart = {
  name: 'server',
  description: 'ingest rate, server RSS over 10,000 events, snapshot fan-out latency to 100 dashboards',
  async run(log) {
    const logdir = mkdtempSync(join(tmpdir(), 'zfscope-bench-server-'));
    const token = 'bench';
    const server = await startChild(logdir, token);
    try {
      const rep = new WebSocketReporter({ url: server.url, runId: 'bench', token, log });
      await rep.send({
        type: 'run-started', backend: 'cpu', startedAt: new Date().toISOString(), model: { layers: [], params: 0 },
        dataset: { name: 'bench', shape: [32, 32, 3], classes: [], trainCount: 0, validationCount: 0, probeCount: 0, source: 'bench' },
        config: { dataset: 'bench', epochs: 1, snapshotEpochs: [], batchSize: 64, learningRate: 0.01, momentum: 0.9, conv1: { kernel: 7, stride: 2 }, widths: [], probeSize: 0, methods: [], seed: 1 },
      });
      // Warm up (JIT, socket buffers) before the baseline.
      for (let i = 0; i < 1000; i++) void rep.send({ type: 'metrics', epoch: 0, batch: i, values: { loss: 1, acc: 0.5, lr: 0.01 } });
      await rep.flush();
      const rssBefore = await server.rssMb();
      const t0 = performance.now();
      for (let i = 0; i < METRICS_EVENTS; i++) {
        void rep.send({ type: 'metrics', epoch: 1 + Math.floor(i / 500), batch: i % 500, values: { loss: 1 / (i + 1), acc: i / METRICS_EVENTS, lr: 0.01 } });
      }
      await rep.flush(120_000);
      const ingestSeconds = (performance.now() - t0) / 1000;
      const rssAfter = await server.rssMb();
      const ingest = METRICS_EVENTS / ingestSeconds;
      log(`ingest: ${METRICS_EVENTS} events in ${ingestSeconds.toFixed(2)} s = ${Math.round(ingest)} events/s; server RSS ${rssBefore.toFixed(1)} -> ${rssAfter.toFixed(1)} MB`);

      const sentAt = new Map<number, number>();
      const latencies: number[] = [];
      let received = 0;
      const wsUrl = `${server.url.replace('http', 'ws')}/live`;
      const dashboards = await Promise.all(
        Array.from({ length: DASHBOARDS }, async () => {
          const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
          await new Promise((r) => ws.once('open', r));
          ws.on('message', (data) => {
            const f = JSON.parse(data.toString()) as { type: string; event?: { type: string; seq: number } };
            if (f.type === 'event' && f.event?.type === 'snapshot') {
              latencies.push(performance.now() - sentAt.get(f.event.seq)!);
              received++;
            }
          });
          ws.send(JSON.stringify({ type: 'subscribe', runId: 'bench', afterSeq: 1e9 }));
          return ws;
        }),
      );
      await new Promise((r) => setTimeout(r, 300));
      const blob = randomBytes(75_000).toString('base64'); // ~100 KB of base64 per atlas, two atlases
      let seq = 1 + 1000 + METRICS_EVENTS;
      for (let i = 0; i < SNAPSHOTS; i++) {
        seq++;
        const target = received + DASHBOARDS;
        sentAt.set(seq, performance.now());
        await rep.send(snapshotEvent(i, blob));
        const deadline = performance.now() + 10_000;
        while (received < target && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      }
      await rep.close();
      for (const ws of dashboards) ws.terminate();
      latencies.sort((a, b) => a - b);
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      log(`fan-out: ${latencies.length}/${SNAPSHOTS * DASHBOARDS} receipts, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`);
      return {
        fanout_p50_ms: Number(p50.toFixed(2)),
        fanout_p99_ms: Number(p99.toFixed(2)),
        fanout_receipts: latencies.length,
        ingest_events_per_s: Math.round(ingest),
        server_rss_before_mb: Number(rssBefore.toFixed(1)),
        server_rss_growth_mb: Number((rssAfter - rssBefore).toFixed(1)),
      };
    } finally {
      await server.close();
      rmSync(logdir, { recursive: true, force: true });
    }
  },
};

export default part;
