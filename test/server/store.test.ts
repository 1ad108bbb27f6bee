import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, appendFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../server/store/index.js';
import { ZfError } from '../../server/errors.js';
import { toWire } from '../../training/reporter/wire.js';
import { appendTo, metrics, runStarted, snapshot, tempDir, range } from './fixtures.js';

async function filled(dir: string, n: number): Promise<Store> {
  const store = await Store.open(dir);
  await store.append('r1', 1, runStarted());
  for (let i = 2; i <= n; i++) await store.append('r1', i, metrics(i));
  return store;
}

describe('Store', () => {
  it('stores events in seq order and lists the run with its summary', async () => {
    const store = await filled(tempDir(), 4);
    await appendTo(store, 'r1', 5, snapshot(1));
    await store.append('r1', 6, { type: 'run-ended', status: 'finished', endedAt: '2026-01-01T01:00:00.000Z' });
    expect((await store.events('r1')).map((e) => e.seq)).toEqual(range(1, 6));
    const run = store.getRun('r1')!;
    expect(run).toMatchObject({
      runId: 'r1',
      status: 'finished',
      lastSeq: 6,
      snapshotEpochs: [1],
      trainerOnline: false,
    });
    expect(run.lastMetrics).toEqual({ epoch: 4, loss: 1 / 5, acc: 0.5 });
    expect(store.listRuns().map((r) => r.runId)).toEqual(['r1']);
  });

  it('stores a re-sent event once and answers duplicate', async () => {
    const store = await filled(tempDir(), 3);
    expect(await store.append('r1', 2, metrics(99))).toBe('duplicate');
    expect((await store.events('r1')).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await store.events('r1', 1, 'metrics'))[0]).toMatchObject({ epoch: 2 });
  });

  it('refuses a gap in the seqs with seq-gap naming the expected and found seq', async () => {
    const store = await filled(tempDir(), 3);
    const err = await store.append('r1', 5, metrics(5)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZfError);
    expect((err as ZfError).code).toBe('seq-gap');
    expect((err as ZfError).message).toBe('event.seq: expected 4 (run r1 has 1..3 stored), found 5');
  });

  it('refuses a first event that is not run-started with unknown-run', async () => {
    const store = await Store.open(tempDir());
    const err = (await store.append('ghost', 1, metrics(1)).catch((e: unknown) => e)) as ZfError;
    expect(err.code).toBe('unknown-run');
    expect(err.message).toContain('first event must be run-started, found metrics');
    expect(store.getRun('ghost')).toBeUndefined();
    expect(existsSync(join(store.logdir, 'ghost', 'events.jsonl'))).toBe(false);
  });

  it('writes snapshot blobs as files and replaces them by URLs in the stored event', async () => {
    const store = await filled(tempDir(), 1);
    const ev = snapshot(3);
    const stored = await appendTo(store, 'r1', 2, ev);
    expect(stored).toEqual({
      type: 'snapshot',
      seq: 2,
      epoch: 3,
      layer: 'conv1',
      methods: ['deconvnet'],
      indexUrl: '/api/runs/r1/snapshots/3/conv1',
      blobs: {
        'conv1.patches.png': '/blobs/r1/3/conv1.patches.png',
        'conv1.deconvnet.png': '/blobs/r1/3/conv1.deconvnet.png',
      },
    });
    const file = readFileSync(join(store.logdir, 'r1', 'snapshots', '3', 'conv1.patches.png'));
    expect(file.equals(ev.blobs[0]!.data)).toBe(true);
    expect(await store.snapshotIndex('r1', 3, 'conv1')).toEqual(ev.index);
    expect(store.snapshots('r1')).toEqual([{ epoch: 3, layers: ['conv1'] }]);
    expect(readFileSync(join(store.logdir, 'r1', 'events.jsonl'), 'utf8')).not.toContain('PNG');
  });

  it('survives a reopen: events, summary and snapshot index come back from disk', async () => {
    const dir = tempDir();
    const a = await filled(dir, 5);
    await appendTo(a, 'r1', 6, snapshot(2));
    await a.close();
    const b = await Store.open(dir);
    expect((await b.events('r1')).map((e) => e.seq)).toEqual(range(1, 6));
    expect(b.getRun('r1')).toMatchObject({
      status: 'running',
      lastSeq: 6,
      snapshotEpochs: [2],
      lastMetrics: { epoch: 5 },
    });
    expect((await b.snapshotIndex('r1', 2, 'conv1'))?.layer).toBe('conv1');
    expect(await b.append('r1', 6, metrics(1))).toBe('duplicate');
    expect(await b.append('r1', 7, metrics(7))).not.toBe('duplicate');
  });

  it('drops a line cut short by a crash and rebuilds a stale run.json from the events', async () => {
    const dir = tempDir();
    const a = await filled(dir, 3);
    await a.close();
    writeFileSync(join(dir, 'r1', 'run.json'), '{"stale": true');
    appendFileSync(join(dir, 'r1', 'events.jsonl'), '{"type":"metrics","epoch":4,"val');
    const b = await Store.open(dir);
    expect(b.getRun('r1')).toMatchObject({ lastSeq: 3, status: 'running' });
    await b.append('r1', 4, metrics(4));
    await b.close();
    const lines = readFileSync(join(dir, 'r1', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4]);
    expect(JSON.parse(readFileSync(join(dir, 'r1', 'run.json'), 'utf8')).lastSeq).toBe(4);
  });

  it('refuses blob paths that could leave the snapshot folder', async () => {
    const store = await Store.open(tempDir());
    for (const [run, epoch, file] of [
      ['r1', '1', '../run.json'],
      ['r1', '1', '..'],
      ['r1', '1', '.hidden'],
      ['r1', '1', 'a/b.png'],
      ['..', '1', 'x.png'],
      ['r1', '../1', 'x.png'],
      ['r1', '-1', 'x.png'],
    ]) {
      expect(() => store.blobPath(run!, epoch!, file!), `${run}/${epoch}/${file}`).toThrow(ZfError);
    }
    expect(store.blobPath('r1', 2, 'conv1.patches.png')).toBe(
      join(store.logdir, 'r1', 'snapshots', '2', 'conv1.patches.png'),
    );
  });

  it('reports a trainer online only while connected', async () => {
    const store = await filled(tempDir(), 1);
    const release = store.trainerConnected('r1');
    expect(store.getRun('r1')?.trainerOnline).toBe(true);
    release();
    expect(store.getRun('r1')?.trainerOnline).toBe(false);
  });

  it('calls event listeners only after the event is readable, in seq order', async () => {
    const store = await filled(tempDir(), 1);
    const seen: [number, number][] = [];
    store.onEvent((runId, ev) => seen.push([ev.seq, store.lastSeq(runId)]));
    await Promise.all(range(2, 20).map((s) => store.append('r1', s, metrics(s))));
    expect(seen).toEqual(range(2, 20).map((s) => [s, s]));
  });

  it('keeps only recent lines in memory and reads older ones back from events.jsonl', async () => {
    const dir = tempDir();
    const store = await Store.open(dir, undefined, { cacheLines: 10 });
    await store.append('r1', 1, runStarted());
    for (let i = 2; i <= 100; i++) await store.append('r1', i, i % 7 ? metrics(i, i) : metrics(i));
    expect((await store.events('r1')).map((e) => e.seq)).toEqual(range(1, 100));
    expect((await store.events('r1', 3)).map((e) => e.seq)).toEqual(range(4, 100));
    expect((await store.events('r1', 95)).map((e) => e.seq)).toEqual(range(96, 100));
    const epochLevel = (await store.events('r1', 0, 'metrics')).filter(
      (e) => e.type === 'metrics' && e.batch === undefined,
    );
    expect(epochLevel.map((e) => e.seq)).toEqual(range(1, 100).filter((i) => i > 1 && i % 7 === 0));
    let got: string[] = [];
    await store.history('r1', 50, (lines, last) => {
      got = lines;
      expect(last).toBe(100);
    });
    expect(got.map((l) => JSON.parse(l).seq)).toEqual(range(51, 100));
    await store.close();
    const again = await Store.open(dir, undefined, { cacheLines: 10 });
    expect((await again.events('r1', 40)).map((e) => e.seq)).toEqual(range(41, 100));
  });

  it('filters by type whatever the key order of the event the trainer sent', async () => {
    const store = await filled(tempDir(), 1);
    await store.append('r1', 2, { epoch: 1, values: { loss: 1 }, type: 'metrics' } as never);
    expect((await store.events('r1', 0, 'metrics')).map((e) => e.seq)).toEqual([2]);
  });

  it('writes a checkpoint and a probe set into the run folder, and leaves a file alone that already holds the same bytes', async () => {
    const store = await filled(tempDir(), 1);
    const dir = join(store.logdir, 'r1', 'checkpoints', '3');
    // A trainer sharing the logdir saved this checkpoint itself before the event came.
    mkdirSync(dir, { recursive: true });
    const meta = Buffer.from('{"epoch":3}');
    const weights = Buffer.alloc(64, 1);
    writeFileSync(join(dir, 'meta.json'), meta);
    writeFileSync(join(dir, 'weights.bin'), weights);
    const stamp = (f: string) => statSync(join(dir, f)).ino;
    const before = [stamp('meta.json'), stamp('weights.bin')];
    const ckpt = (w: Buffer) => ({
      type: 'checkpoint' as const,
      epoch: 3,
      blobs: [
        { name: 'meta.json', data: meta },
        { name: 'weights.bin', data: w },
      ],
    });
    expect(await appendTo(store, 'r1', 2, ckpt(weights))).toMatchObject({ type: 'checkpoint', seq: 2, epoch: 3 });
    expect([stamp('meta.json'), stamp('weights.bin')]).toEqual(before);
    // Other bytes (a redone epoch) replace the file, atomically; the unchanged one stays.
    const other = Buffer.alloc(64, 2);
    await appendTo(store, 'r1', 3, ckpt(other));
    expect(readFileSync(join(dir, 'weights.bin')).equals(other)).toBe(true);
    expect(stamp('weights.bin')).not.toBe(before[1]);
    expect(stamp('meta.json')).toBe(before[0]);
    expect(readdirSync(dir).sort()).toEqual(['meta.json', 'weights.bin']);
    await appendTo(store, 'r1', 4, {
      type: 'probe',
      blobs: [
        { name: 'probe.json', data: Buffer.from('{}') },
        { name: 'inputs.bin', data: Buffer.alloc(8) },
      ],
    });
    expect(readdirSync(join(store.logdir, 'r1', 'probe')).sort()).toEqual(['inputs.bin', 'probe.json']);
    // The stored line names the files; their bytes are only in the files.
    const line = readFileSync(join(store.logdir, 'r1', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .at(-1)!;
    expect(JSON.parse(line).blobs.map((b: { name: string; bytes: number }) => [b.name, b.bytes])).toEqual([
      ['probe.json', 2],
      ['inputs.bin', 8],
    ]);
  });

  it('refuses an event whose bytes do not match the files it names, naming both', async () => {
    const store = await filled(tempDir(), 1);
    const { event } = toWire(snapshot(1));
    const err = (await store.append('r1', 2, event, [Buffer.alloc(3)]).catch((e: unknown) => e)) as ZfError;
    expect(err.code).toBe('bad-blob');
    expect(err.message).toMatch(
      /^event\(snapshot\) seq 2: names 3 file\(s\) \(conv1\.patches\.png \d+ bytes, conv1\.deconvnet\.png \d+ bytes, conv1\.json \d+ bytes\), given 1 \(3 bytes\)$/,
    );
    expect(store.lastSeq('r1')).toBe(1);
    // The layer's index travels as a file: one that is not a LayerSnapshot is refused before anything is written.
    const bad = toWire(snapshot(1));
    const i = bad.event.type === 'snapshot' ? bad.event.blobs.findIndex((b) => b.name === 'conv1.json') : -1;
    bad.data[i] = Buffer.from('{"files":{}}'.padEnd(bad.data[i]!.byteLength, ' '));
    const err2 = (await store.append('r1', 2, bad.event, bad.data).catch((e: unknown) => e)) as ZfError;
    expect([err2.code, err2.message]).toEqual([
      'bad-blob',
      'event(snapshot).blobs (conv1.json).maps: expected an array',
    ]);
    expect(existsSync(join(store.logdir, 'r1', 'snapshots', '1'))).toBe(false);
  });
});
