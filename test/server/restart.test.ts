import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../server/index.js';
import { Store } from '../../server/store/index.js';
import { WebSocketReporter } from '../../training/reporter/index.js';
import { TestClient, metrics, range, runStarted, seenSeqs, snapshot, tempDir } from './fixtures.js';
import { spawnServer } from './child.js';

const quiet = () => undefined;

function storedSeqs(logdir: string, runId: string): number[] {
  return readFileSync(join(logdir, runId, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).seq);
}

describe('server restart', () => {
  it('keeps the history across a restart and serves it over REST and /live', async () => {
    const logdir = tempDir();
    const a = await startServer({ logdir, log: quiet });
    const rep = new WebSocketReporter({ url: a.url, runId: 'run-a', token: a.ingestToken, log: quiet });
    await rep.send(runStarted());
    for (let e = 1; e <= 3; e++) await rep.send(metrics(e));
    await rep.send(snapshot(1));
    await rep.send({ type: 'run-ended', status: 'finished', endedAt: '2026-01-01T02:00:00.000Z' });
    await rep.flush(5000);
    await rep.close();
    await a.close();

    const b = await startServer({ logdir, log: quiet });
    try {
      const runs = (await (await fetch(`${b.url}/api/runs`)).json()) as {
        runId: string;
        status: string;
        lastSeq: number;
        trainerOnline: boolean;
      }[];
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ runId: 'run-a', status: 'finished', lastSeq: 6, trainerOnline: false });
      const ms = (await (await fetch(`${b.url}/api/runs/run-a/metrics`)).json()) as { epoch: number }[];
      expect(ms.map((m) => m.epoch)).toEqual([1, 2, 3]);
      const png = await fetch(`${b.url}/blobs/run-a/1/conv1.patches.png`);
      expect(png.status).toBe(200);
      const d = await TestClient.connect(`${b.url}/live`);
      expect((await d.next('hello')).runs[0].runId).toBe('run-a');
      d.send({ type: 'subscribe', runId: 'run-a', afterSeq: 0 });
      const history = await d.next('history');
      expect(history.events.map((e: { seq: number; type: string }) => `${e.seq}:${e.type}`)).toEqual([
        '1:run-started',
        '2:metrics',
        '3:metrics',
        '4:metrics',
        '5:snapshot',
        '6:run-ended',
      ]);
      d.close();
    } finally {
      await b.close();
    }
  });

  it('reports a running run whose trainer is gone as trainerOnline false after a restart', async () => {
    const logdir = tempDir();
    const a = await startServer({ logdir, log: quiet });
    const rep = new WebSocketReporter({ url: a.url, runId: 'r', token: a.ingestToken, log: quiet });
    await rep.send(runStarted());
    await rep.flush(5000);
    expect(a.store.getRun('r')?.trainerOnline).toBe(true);
    await rep.close();
    await a.close();
    const store = await Store.open(logdir);
    expect(store.getRun('r')).toMatchObject({ status: 'running', trainerOnline: false });
  });

  it('loses nothing and stores nothing twice when the server is killed and restarted mid-run', async () => {
    const logdir = tempDir();
    const flags = ['--logdir', logdir, '--token', 'secret'];
    let server = await spawnServer([...flags, '--port', '0']);
    const port = server.port;
    const rep = new WebSocketReporter({
      url: server.url,
      runId: 'k',
      token: 'secret',
      log: quiet,
      minBackoffMs: 20,
      maxBackoffMs: 200,
      maxInMemory: 16,
    });
    const total = 400;
    await rep.send(runStarted());
    for (let i = 2; i <= total; i++) {
      await rep.send(i % 100 === 0 ? snapshot(i) : metrics(i, i));
      if (i === 150) {
        server.proc.kill('SIGKILL');
        await server.exited;
      }
      if (i === 250) server = await spawnServer([...flags, '--port', String(port)]);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    await rep.flush(20_000);
    await rep.close();
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(storedSeqs(logdir, 'k')).toEqual(range(1, total));
    const store = await Store.open(logdir);
    expect((await store.events('k')).filter((e) => e.type === 'snapshot').map((e) => e.seq)).toEqual([
      100, 200, 300, 400,
    ]);
  });

  it('flushes on SIGTERM: run.json is up to date and the process exits 0', async () => {
    const logdir = tempDir();
    const server = await spawnServer(['--logdir', logdir, '--port', '0', '--token', 't']);
    const rep = new WebSocketReporter({ url: server.url, runId: 's', token: 't', log: quiet });
    await rep.send(runStarted());
    for (let e = 1; e <= 50; e++) await rep.send(metrics(e));
    await rep.flush(5000);
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('SIGTERM: stopping');
    await rep.close(100).catch(() => undefined);
    const info = JSON.parse(readFileSync(join(logdir, 's', 'run.json'), 'utf8'));
    expect(info).toMatchObject({ lastSeq: 51, lastMetrics: { epoch: 50 } });
    expect(storedSeqs(logdir, 's')).toEqual(range(1, 51));
  });
});

describe('live subscription across a restart', () => {
  it('a dashboard that reconnects to the restarted server with afterSeq gets only the rest', async () => {
    const logdir = tempDir();
    const a = await startServer({ logdir, log: quiet, ingestToken: 't' });
    const port = a.port;
    const rep = new WebSocketReporter({
      url: a.url,
      runId: 'x',
      token: 't',
      log: quiet,
      minBackoffMs: 20,
      maxBackoffMs: 100,
    });
    await rep.send(runStarted());
    for (let e = 1; e <= 9; e++) await rep.send(metrics(e));
    await rep.flush(5000);
    const d1 = await TestClient.connect(`${a.url}/live`);
    d1.send({ type: 'subscribe', runId: 'x' });
    await d1.until((f) => seenSeqs(f, 'x').length === 10);
    await a.close();
    await d1.closed;
    for (let e = 10; e <= 14; e++) await rep.send(metrics(e));
    const b = await startServer({ logdir, log: quiet, ingestToken: 't', port });
    try {
      await rep.flush(10_000);
      const d2 = await TestClient.connect(`${b.url}/live`);
      d2.send({ type: 'subscribe', runId: 'x', afterSeq: 10 });
      await d2.until((f) => seenSeqs(f, 'x').length === 5);
      expect([...seenSeqs(d1.frames, 'x'), ...seenSeqs(d2.frames, 'x')]).toEqual(range(1, 15));
      d2.close();
    } finally {
      await rep.close();
      await b.close();
    }
  });
});
