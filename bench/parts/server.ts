/**
 * Bench part `server`: the monitoring server in a child process (so its RSS is its own), a
 * WebSocketReporter and 100 /live dashboards in this one.
 * - Four bursts of 10,000 per-batch metrics events, each from first send to last ack.
 * - ingest_events_per_s: the last burst; ingest_cold_events_per_s: the first.
 * - server_rss_growth_mb: server RSS growth (after a GC) over the last burst, i.e. whether memory
 *   keeps growing with events; server_rss_first_10k_growth_mb: over the first (heap and allocator
 *   warm-up); server_heap_growth_mb: live JS memory (heap used + buffers) over the last burst.
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
import type { ReportEvent } from '../../training/reporter/index.js';
import { WebSocketReporter } from '../../training/reporter/index.js';

const DASHBOARDS = 100;
const SNAPSHOTS = 40;
const METRICS_EVENTS = 10_000;
const BURSTS = 4;

/** Starts the server in a child (from dist/ as .js, or from source through tsx) and talks to it over IPC. */
async function startChild(logdir: string, token: string) {
  const js = fileURLToPath(new URL('../../server/index.js', import.meta.url));
  const entry = existsSync(js) ? js : fileURLToPath(new URL('../../server/index.ts', import.meta.url));
  const code = `
    const { startServer } = await import(${JSON.stringify(entry)});
    const s = await startServer({ logdir: ${JSON.stringify(logdir)}, ingestToken: ${JSON.stringify(token)}, log: () => {} });
    process.on('message', async (m) => {
      if (m === 'rss') { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 50)); globalThis.gc?.(); const u = process.memoryUsage(); process.send({ rss: u.rss, heap: u.heapUsed + u.arrayBuffers }); }
      if (m === 'close') { await s.close(); process.exit(0); }
    });
    process.send({ url: s.url });`;
  const args = [
    '--expose-gc',
    ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []),
    '--input-type=module',
    '-e',
    code,
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve) =>
      proc.once('message', (m) => resolve(m as Record<string, unknown>)),
    );
  const { url } = (await next()) as { url: string };
  return {
    url,
    /** RSS and live JS memory (heap used + array buffers) in MB, after a full GC. */
    memory: async () => {
      const wait = next();
      proc.send('rss');
      const m = await wait;
      return { rss: (m.rss as number) / 1024 / 1024, heap: (m.heap as number) / 1024 / 1024 };
    },
    close: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.send('close');
      await exited;
    },
  };
}

/** The run-started event of a bench run: no training, only the fields the server requires. */
export function benchRunStarted(backend: string, shape: [number, number, number]): ReportEvent {
  return {
    type: 'run-started',
    config: {
      dataset: 'bench',
      epochs: 1,
      snapshotEpochs: [],
      batchSize: 64,
      learningRate: 0.01,
      momentum: 0.9,
      conv1: { kernel: 7, stride: 2 },
      widths: [],
      probeSize: 0,
      methods: [],
      seed: 1,
    },
    dataset: { name: 'bench', shape, classes: [], trainCount: 0, validationCount: 0, probeCount: 0, source: 'bench' },
    model: { layers: [], params: 0 },
    backend,
    startedAt: new Date().toISOString(),
  };
}

/** A snapshot event of one small layer, its two atlases the given PNG bytes (shared by the server benches). */
export function snapshotEvent(epoch: number, blob: Uint8Array): ReportEvent {
  return {
    type: 'snapshot',
    epoch,
    layer: 'conv2',
    index: {
      epoch,
      layer: 'conv2',
      layerIndex: 1,
      shape: [8, 8, 16],
      rf: { size: 15, jump: 4, offset: -5 },
      atlas: { tile: 16, cols: 9, rows: 16 },
      methods: ['deconvnet'],
      maps: [],
      health: { deadCount: 0, deadShare: 0, meanActiveShare: 0.5, meanWeightChange: null },
      files: { patches: 'conv2.patches.png', projections: { deconvnet: 'conv2.deconvnet.png' } },
    },
    blobs: [
      { name: 'conv2.patches.png', data: blob },
      { name: 'conv2.deconvnet.png', data: blob },
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
      await rep.send(benchRunStarted('cpu', [32, 32, 3]));
      const burst = async (epoch: number) => {
        const t0 = performance.now();
        for (let i = 0; i < METRICS_EVENTS; i++) {
          void rep.send({
            type: 'metrics',
            epoch: epoch + Math.floor(i / 500),
            batch: i % 500,
            values: { loss: 1 / (i + 1), acc: i / METRICS_EVENTS, lr: 0.01 },
          });
        }
        await rep.flush(120_000);
        return (performance.now() - t0) / 1000;
      };
      // The first 10,000 events also grow V8's heap and the allocator to their working size; the
      // last of four bursts shows whether memory keeps growing with events (it should not).
      const m0 = await server.memory();
      const coldSeconds = await burst(1);
      const m1 = await server.memory();
      const samples = [m0, m1];
      let ingestSeconds = 0;
      for (let b = 2; b <= BURSTS; b++) {
        ingestSeconds = await burst(100 * b);
        samples.push(await server.memory());
      }
      const last = samples.at(-1)!;
      const before = samples.at(-2)!;
      const ingest = METRICS_EVENTS / ingestSeconds;
      log(
        `ingest: ${METRICS_EVENTS} events in ${coldSeconds.toFixed(2)} s cold, ${ingestSeconds.toFixed(2)} s warm = ${Math.round(ingest)} events/s`,
      );
      log(`server RSS after each 10,000 events: ${samples.map((m) => m.rss.toFixed(1)).join(', ')} MB`);
      log(`server live JS memory (heap used + buffers): ${samples.map((m) => m.heap.toFixed(1)).join(', ')} MB`);

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
          // After what is stored (the bursts): only the snapshots to come. A cursor past the run's last
          // seq would hold back every later event up to it.
          ws.send(JSON.stringify({ type: 'subscribe', runId: 'bench', afterSeq: 1 + BURSTS * METRICS_EVENTS }));
          return ws;
        }),
      );
      await new Promise((r) => setTimeout(r, 300));
      const blob = randomBytes(100_000); // ~100 KB per atlas, two atlases
      let seq = 1 + BURSTS * METRICS_EVENTS;
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
      log(
        `fan-out: ${latencies.length}/${SNAPSHOTS * DASHBOARDS} receipts, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
      );
      return {
        fanout_p50_ms: Number(p50.toFixed(2)),
        fanout_p99_ms: Number(p99.toFixed(2)),
        fanout_receipts: latencies.length,
        ingest_events_per_s: Math.round(ingest),
        ingest_cold_events_per_s: Math.round(METRICS_EVENTS / coldSeconds),
        server_rss_start_mb: Number(m0.rss.toFixed(1)),
        server_rss_growth_mb: Number((last.rss - before.rss).toFixed(1)),
        server_rss_first_10k_growth_mb: Number((m1.rss - m0.rss).toFixed(1)),
        server_heap_growth_mb: Number((last.heap - before.heap).toFixed(2)),
      };
    } finally {
      await server.close();
      rmSync(logdir, { recursive: true, force: true });
    }
  },
};

export default part;
