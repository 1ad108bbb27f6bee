import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../server/index.js';
import { Store } from '../../server/store/index.js';
import { MemoryReporter, StoreReporter, WebSocketReporter, ingestUrl } from '../../training/reporter/index.js';
import { SpillQueue } from '../../training/reporter/spill-queue.js';
import { encodeRecord, queuedFrame } from '../../training/reporter/wire.js';
import { metrics, range, runStarted, snapshot, tempDir } from './fixtures.js';

const quiet = () => undefined;

describe('SpillQueue', () => {
  it('keeps the head in memory, spills the rest and gives it back in order as acks make room', async () => {
    const file = join(tempDir(), 'spool.bin');
    const q = new SpillQueue(file, 3, 1 << 20);
    await Promise.all(range(1, 10).map((seq) => q.push({ seq, frame: `frame-${seq}` })));
    expect(q.inMemory().map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(q.spilledCount).toBe(7);
    // The spool holds the spilled frames as records, back to back.
    const records = range(4, 10).map((seq) => encodeRecord({ seq, frame: `frame-${seq}` }));
    expect(readFileSync(file).equals(Buffer.concat(records))).toBe(true);
    const seen: number[] = [];
    for (let acked = 0; acked < 10; ) {
      const head = q.inMemory();
      if (!head.length) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      seen.push(...head.map((f) => f.seq));
      expect(head.map((f) => f.frame)).toEqual(head.map((f) => `frame-${f.seq}`));
      acked = head.at(-1)!.seq;
      q.ackUpTo(acked);
    }
    expect(seen).toEqual(range(1, 10));
    await q.close();
    expect(existsSync(file)).toBe(false);
  });

  it('spills binary frames with their event and gives them back byte for byte', async () => {
    const q = new SpillQueue(join(tempDir(), 's.bin'), 1, 1 << 20);
    const blob = (n: number) => Buffer.from(Array.from({ length: 300 }, (_, i) => (i * n) % 256));
    await q.push({ seq: 1, frame: 'one', blobs: [blob(1)] });
    await q.push({ seq: 2, frame: 'two', blobs: [blob(2), blob(3)] });
    await q.push({ seq: 3, frame: 'three' });
    expect(q.spilledCount).toBe(2);
    const all = await q.frames();
    expect(all.map((f) => [f.seq, f.frame, (f.blobs ?? []).length])).toEqual([
      [1, 'one', 1],
      [2, 'two', 2],
      [3, 'three', 0],
    ]);
    expect(all[1]!.blobs![1]!.equals(blob(3))).toBe(true);
    q.ackUpTo(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(q.inMemory()[0]!.blobs![0]!.equals(blob(2))).toBe(true);
    q.ackUpTo(3);
    await q.close();
  });

  it('bounds memory by bytes as well as by count', async () => {
    const q = new SpillQueue(join(tempDir(), 's.jsonl'), 100, 10);
    await q.push({ seq: 1, frame: 'x'.repeat(50) });
    await q.push({ seq: 2, frame: 'y' });
    expect(q.inMemory().map((f) => f.seq)).toEqual([1]);
    q.ackUpTo(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(q.inMemory().map((f) => f.frame)).toEqual(['y']);
    await q.close();
  });
});

describe('WebSocketReporter', () => {
  it('queues while the server is down (spilling to the spool) and delivers everything once it is up', async () => {
    const logdir = tempDir();
    const probe = await startServer({ logdir, ingestToken: 't', log: quiet });
    const port = probe.port;
    await probe.close();
    const spoolFile = join(tempDir(), 'spool.bin');
    const rep = new WebSocketReporter({
      url: `http://127.0.0.1:${port}`,
      runId: 'late',
      token: 't',
      spoolFile,
      maxInMemory: 4,
      log: quiet,
      minBackoffMs: 20,
      maxBackoffMs: 50,
    });
    await rep.send(runStarted());
    for (let i = 2; i <= 30; i++) await rep.send(i === 15 ? snapshot(1) : metrics(i));
    expect(rep.pending).toBe(30);
    expect(statSync(spoolFile).size).toBeGreaterThan(0);
    const server = await startServer({ logdir, ingestToken: 't', port, log: quiet });
    try {
      await rep.flush(10_000);
      expect(rep.ackedSeq).toBe(30);
      expect((await server.store.events('late')).map((e) => e.seq)).toEqual(range(1, 30));
      // The spilled snapshot's atlases came through the spool as binary frames: served byte for byte.
      for (const b of snapshot(1).blobs) {
        const res = await fetch(`${server.url}/blobs/late/1/${b.name}`);
        expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(b.data)), b.name).toBe(true);
      }
    } finally {
      await server.close();
    }
    // Down again: what is queued meanwhile (files too) is re-sent once the server is back, once.
    for (let i = 31; i <= 40; i++) await rep.send(i === 35 ? snapshot(2) : metrics(i));
    const again = await startServer({ logdir, ingestToken: 't', port, log: quiet });
    try {
      await rep.flush(10_000);
      expect((await again.store.events('late')).map((e) => e.seq)).toEqual(range(1, 40));
      const lines = readFileSync(join(logdir, 'late', 'events.jsonl'), 'utf8')
        .trim()
        .split('\n');
      expect(lines.map((l) => JSON.parse(l).seq)).toEqual(range(1, 40));
      const atlas = snapshot(2).blobs[1]!;
      const res = await fetch(`${again.url}/blobs/late/2/${atlas.name}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(atlas.data))).toBe(true);
      await rep.close();
      expect(existsSync(spoolFile)).toBe(false);
    } finally {
      await again.close();
    }
  });

  it('resumes a run after the seq the server already has', async () => {
    const server = await startServer({ logdir: tempDir(), ingestToken: 't', log: quiet });
    try {
      const a = new WebSocketReporter({ url: server.url, runId: 'r', token: 't', log: quiet });
      await a.send(runStarted());
      await a.send(metrics(1));
      await a.close();
      const b = new WebSocketReporter({ url: server.url, runId: 'r', token: 't', resume: true, log: quiet });
      await b.send(runStarted());
      await b.send(metrics(2));
      await b.close();
      expect((await server.store.events('r')).map((e) => `${e.seq}:${e.type}`)).toEqual([
        '1:run-started',
        '2:metrics',
        '3:run-started',
        '4:metrics',
      ]);
    } finally {
      await server.close();
    }
  });

  it('refuses to overwrite a run that already has events when not resuming', async () => {
    const server = await startServer({ logdir: tempDir(), ingestToken: 't', log: quiet });
    try {
      const a = new WebSocketReporter({ url: server.url, runId: 'r', token: 't', log: quiet });
      await a.send(runStarted());
      await a.send(metrics(1));
      await a.close();
      const b = new WebSocketReporter({ url: server.url, runId: 'r', token: 't', log: quiet });
      await b.send(runStarted());
      await expect(b.flush(5000)).rejects.toThrow(
        `--run-id r: the server at ${server.url} already has a run r (2 events); pick another --run-id, or continue it with --resume r`,
      );
      await b.close().catch(() => undefined);
      expect(server.store.lastSeq('r')).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('stops with the server message on a wrong token instead of retrying forever', async () => {
    const server = await startServer({ logdir: tempDir(), ingestToken: 't', log: quiet });
    try {
      const rep = new WebSocketReporter({ url: server.url, runId: 'r', token: 'wrong', log: quiet });
      await rep.send(runStarted());
      await expect(rep.flush(5000)).rejects.toThrow(
        `--token: the server at ${server.url} refused it: hello.token: expected the server's ingest token, found a wrong one`,
      );
      await expect(rep.send(metrics(1))).rejects.toThrow('--token: the server at');
      await rep.close().catch(() => undefined);
    } finally {
      await server.close();
    }
  });

  it('stops when a restarted server has lost events it had acknowledged', async () => {
    const a = await startServer({ logdir: tempDir(), ingestToken: 't', log: quiet });
    const port = a.port;
    const rep = new WebSocketReporter({
      url: a.url,
      runId: 'r',
      token: 't',
      log: quiet,
      minBackoffMs: 20,
      maxBackoffMs: 50,
    });
    await rep.send(runStarted());
    await rep.send(metrics(1));
    await rep.flush(5000);
    await a.close();
    const b = await startServer({ logdir: tempDir(), ingestToken: 't', port, log: quiet });
    try {
      await rep.send(metrics(2));
      await expect(rep.flush(5000)).rejects.toThrow(
        'run r: the server now has events only up to seq 0 but had acknowledged up to 2',
      );
      expect(b.store.lastSeq('r')).toBe(0);
      await rep.close().catch(() => undefined);
    } finally {
      await b.close();
    }
  });

  it('drops a server that stops answering pings and connects again', async () => {
    // A peer that accepts the connection and then says nothing, not even pong: a hung server.
    const silent = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: false });
    let connections = 0;
    silent.on('connection', () => connections++);
    await new Promise((r) => silent.once('listening', r));
    const lines: string[] = [];
    const rep = new WebSocketReporter({
      url: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
      runId: 'r',
      token: 't',
      heartbeatMs: 100,
      minBackoffMs: 10,
      maxBackoffMs: 20,
      log: (l) => lines.push(l),
    });
    try {
      const deadline = Date.now() + 5000;
      while (connections < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(connections).toBeGreaterThanOrEqual(2);
      expect(lines).toContain('server silent for 100 ms; reconnecting');
    } finally {
      await rep.close(10).catch(() => undefined);
      for (const c of silent.clients) c.terminate();
      await new Promise((r) => silent.close(r));
    }
  });

  it('rejects an invalid event at send, before it is queued', async () => {
    const rep = new WebSocketReporter({ url: 'http://127.0.0.1:9', runId: 'r', token: 't', log: quiet });
    await expect(rep.send({ type: 'metrics', epoch: -1, values: {} })).rejects.toThrow(
      'event(metrics).epoch: expected an integer from 0 to 999999999, found number -1',
    );
    expect(rep.pending).toBe(0);
    await rep.close();
  });

  it('derives the ingest URL from http(s) and ws(s) base URLs', () => {
    expect(ingestUrl('http://h:1')).toBe('ws://h:1/ingest');
    expect(ingestUrl('https://h/zf/')).toBe('wss://h/zf/ingest');
    expect(ingestUrl('ws://h:1/ingest')).toBe('ws://h:1/ingest');
    expect(() => ingestUrl('ftp://h')).toThrow('expected an http(s) or ws(s) URL, found ftp://h');
  });
});

describe('resuming from a checkpoint that saved unacknowledged events', () => {
  it('re-sends the ones the server lacks, then numbers on after the checkpoint', async () => {
    const server = await startServer({ logdir: tempDir(), ingestToken: 't', log: quiet, watchMs: 0 });
    try {
      const frames = [runStarted(), metrics(1, 1), metrics(1)].map((event, i) =>
        queuedFrame('r', i + 1, { event, data: [] }),
      );
      await server.store.append('r', 1, runStarted()); // the server got only seq 1 before the trainer died
      const rep = new WebSocketReporter({
        url: server.url,
        runId: 'r',
        token: 't',
        resume: true,
        replay: { upTo: 3, frames },
        log: quiet,
      });
      expect(await rep.ready()).toBe(1);
      await rep.send(metrics(2, 1));
      await rep.close();
      expect(
        (await server.store.events('r')).map((e) => [
          e.seq,
          e.type === 'metrics' ? `${e.epoch}/${e.batch ?? '-'}` : e.type,
        ]),
      ).toEqual([
        [1, 'run-started'],
        [2, '1/1'],
        [3, '1/-'],
        [4, '2/1'],
      ]);
      const lost = new WebSocketReporter({
        url: server.url,
        runId: 'r',
        token: 't',
        resume: true,
        replay: { upTo: 9, frames },
        log: quiet,
      });
      await expect(lost.ready()).rejects.toThrow(
        '--resume r: the run has events up to seq 4 stored and the checkpoint needs up to 9, but seq 5 was neither stored nor saved with the checkpoint',
      );
      await lost.close().catch(() => undefined);
    } finally {
      await server.close();
    }
  });
});

describe('MemoryReporter and StoreReporter', () => {
  it('MemoryReporter numbers events from startSeq + 1 and checks them', async () => {
    const rep = new MemoryReporter({ startSeq: 10 });
    await rep.send(metrics(1));
    await rep.send(snapshot(1));
    expect(rep.events.map((e) => e.seq)).toEqual([11, 12]);
    expect(rep.ofType('snapshot')[0]!.layer).toBe('conv1');
    await expect(rep.send({ type: 'nope' } as never)).rejects.toThrow('event.type: expected one of');
  });

  it('StoreReporter writes a logdir directly, resumes, and refuses to clobber a run', async () => {
    const logdir = tempDir();
    const a = new StoreReporter(logdir, 'run');
    await a.send(runStarted());
    await a.send(metrics(1));
    await a.close();
    const clobber = new StoreReporter(logdir, 'run');
    await expect(clobber.send(runStarted())).rejects.toThrow(
      `--run-id run: ${logdir} already has a run run (2 events); pick another --run-id, or continue it with --resume run`,
    );
    await clobber.close();
    const b = new StoreReporter(logdir, 'run', { resume: true });
    await b.send(metrics(2));
    await b.close();
    const store = await Store.open(logdir);
    expect((await store.events('run')).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(store.getRun('run')?.lastMetrics).toEqual({ epoch: 2, loss: 1 / 3, acc: 0.5 });
  });

  it('StoreReporter on a server store feeds live dashboards and marks the trainer online', async () => {
    const server = await startServer({ logdir: tempDir(), log: quiet });
    try {
      const rep = new StoreReporter(server.store, 'inproc');
      await rep.send(runStarted());
      await rep.flush();
      expect(server.store.getRun('inproc')?.trainerOnline).toBe(true);
      await rep.close();
      expect(server.store.getRun('inproc')?.trainerOnline).toBe(false);
    } finally {
      await server.close();
    }
  });
});
