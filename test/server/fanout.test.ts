import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Store, startServer } from '../../server/index.js';
import { WebSocketReporter } from '../../training/reporter/index.js';
import { TestClient, metrics, range, runStarted, seenSeqs, snapshot, tempDir } from './fixtures.js';

const quiet = () => undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live fan-out', () => {
  it('50 dashboards, some joining late and some reconnecting, each see every event once, in order', async () => {
    // A small line cache, so late joiners read part of their history from disk while events stream in.
    const store = await Store.open(tempDir(), quiet, { cacheLines: 20 });
    const server = await startServer({ logdir: store.logdir, store, log: quiet });
    const rep = new WebSocketReporter({ url: server.url, runId: 'f', token: server.ingestToken, log: quiet });
    const total = 300;
    try {
      await rep.send(runStarted());
      await rep.flush(5000);
      const early = await Promise.all(range(1, 20).map(() => TestClient.connect(`${server.url}/live`)));
      for (const d of early) d.send({ type: 'subscribe', runId: 'f', afterSeq: 0 });
      /** Reconnecting dashboards: the seqs seen over all their connections. */
      const reconnecting: { seqs: number[]; client: TestClient }[] = [];
      const late: TestClient[] = [];
      for (let seq = 2; seq <= total; seq++) {
        // Events arrive while dashboards subscribe: the history/live boundary is exercised on purpose.
        void rep.send(seq % 50 === 0 ? snapshot(seq) : metrics(seq, seq));
        if (seq % 20 === 0 && late.length < 15) {
          const d = await TestClient.connect(`${server.url}/live`);
          d.send({ type: 'subscribe', runId: 'f', afterSeq: 0 });
          late.push(d);
        }
        if (seq % 20 === 10 && reconnecting.length < 15) {
          const d = await TestClient.connect(`${server.url}/live`);
          d.send({ type: 'subscribe', runId: 'f' });
          reconnecting.push({ seqs: [], client: d });
        }
        if (seq % 40 === 0) {
          // Every reconnecting dashboard drops and comes back asking for what it has not seen.
          for (const r of reconnecting) {
            const seen = [...r.seqs, ...seenSeqs(r.client.frames, 'f')];
            r.client.ws.terminate();
            r.seqs = seen;
            const d = await TestClient.connect(`${server.url}/live`);
            d.send({ type: 'subscribe', runId: 'f', afterSeq: seen.at(-1) ?? 0 });
            r.client = d;
          }
        }
        if (seq % 10 === 0) await sleep(1);
      }
      await rep.flush(10_000);
      const everyone = [...early, ...late, ...reconnecting.map((r) => r.client)];
      expect(everyone).toHaveLength(50);
      for (const d of everyone) await d.until((f) => seenSeqs(f, 'f').at(-1) === total);
      for (const d of [...early, ...late]) expect(seenSeqs(d.frames, 'f')).toEqual(range(1, total));
      for (const r of reconnecting) expect([...r.seqs, ...seenSeqs(r.client.frames, 'f')]).toEqual(range(1, total));
      // Snapshot events carry URLs, never image bytes.
      const snap = early[0]!.frames.find((f) => f.type === 'event' && f.event.type === 'snapshot');
      expect(snap.event.blobs['conv1.patches.png']).toMatch(/^\/blobs\/f\/\d+\/conv1\.patches\.png$/);
      for (const d of everyone) d.close();
    } finally {
      await rep.close();
      await server.close();
      await store.close();
    }
  });

  it('a dashboard that stops reading is dropped and the others keep receiving', async () => {
    const lines: string[] = [];
    const server = await startServer({
      logdir: tempDir(),
      log: (l) => lines.push(l),
      limits: { maxBufferedBytes: 1024 * 1024 },
    });
    const rep = new WebSocketReporter({ url: server.url, runId: 's', token: server.ingestToken, log: quiet });
    try {
      await rep.send(runStarted());
      await rep.flush(5000);
      const good = await TestClient.connect(`${server.url}/live`);
      good.send({ type: 'subscribe', runId: 's' });
      await good.next('history');
      // A stalled peer: its TCP socket stops being read, so the server's send buffer fills.
      const stalled = new WebSocket(`${server.url.replace('http', 'ws')}/live`);
      await new Promise((r) => stalled.once('open', r));
      stalled.send(JSON.stringify({ type: 'subscribe', runId: 's' }));
      await sleep(50);
      (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
      // 400 events of 32 KB, paced so the good dashboard is never more than 20 behind: only the
      // stalled one can pass the 1 MB backlog limit (once the kernel's socket buffers are full).
      const big = 'x'.repeat(32 * 1024);
      for (let i = 2; i <= 400; i++) {
        void rep.send({ type: 'metrics', epoch: i, values: { [big]: i } });
        if (i % 20 === 0) await good.until((f) => seenSeqs(f, 's').at(-1) === i, 20_000);
      }
      await rep.flush(20_000);
      await good.until((f) => seenSeqs(f, 's').at(-1) === 400, 20_000);
      expect(seenSeqs(good.frames, 's')).toEqual(range(1, 400));
      expect(lines.filter((l) => l.includes('dropping the slow dashboard'))).toHaveLength(1);
      stalled.terminate();
      good.close();
    } finally {
      await rep.close();
      await server.close();
    }
  });

  it('drops a dead peer that does not answer pings', async () => {
    const lines: string[] = [];
    const server = await startServer({ logdir: tempDir(), log: (l) => lines.push(l), heartbeatMs: 100 });
    try {
      const d = await TestClient.connect(`${server.url}/live`);
      // ws answers pings automatically; silence that, as a frozen browser tab would.
      (d.ws as unknown as { pong: () => void }).pong = () => undefined;
      (d.ws as unknown as { _receiver: { removeAllListeners(e: string): void } })._receiver.removeAllListeners('ping');
      const code = await d.closed;
      expect(code).toBe(1006);
      expect(lines.some((l) => l.includes('did not answer the last ping'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
