import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunInfo } from '../../server/protocol.js';
import type { ReportEvent } from '../../training/reporter/index.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { TestClient, metrics, runStarted, snapshot, tempDir } from './fixtures.js';

const WRITER = fileURLToPath(new URL('./logdir-writer.ts', import.meta.url));

/** A trainer process writing a run into the logdir; `cmd` resolves after it answered. */
function writer(logdir: string, runId: string) {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', WRITER, logdir, runId], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let oks = 0;
  const waiters: (() => void)[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    oks += (d.toString().match(/ok/g) ?? []).length;
    for (const w of waiters.splice(0)) w();
  });
  const answered = (n: number) =>
    new Promise<void>((r) => (oks >= n ? r() : waiters.push(() => (oks >= n ? r() : void answered(n).then(r)))));
  let sent = 1;
  return {
    proc,
    ready: answered(1),
    async cmd(c: { send?: ReportEvent; close?: true }) {
      proc.stdin!.write(`${JSON.stringify(c)}\n`);
      await answered(++sent);
    },
  };
}

const LAYERS = ['conv1', 'conv2'];
const layer = (epoch: number, name: string): ReportEvent => ({
  ...snapshot(epoch, name),
  epochLayers: LAYERS,
});

async function runOf(server: RunningServer, runId: string, pred: (r: RunInfo) => boolean): Promise<RunInfo> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${server.url}/api/runs/${runId}`);
    if (res.ok) {
      const run = (await res.json()) as RunInfo;
      if (pred(run)) return run;
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} never matched; last ${res.status}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

describe('serve follows a logdir that other processes write', () => {
  let server: RunningServer;
  let logdir: string;
  beforeAll(async () => {
    logdir = tempDir();
    server = await startServer({ logdir, log: () => undefined, watchMs: 50 });
  });
  afterAll(() => server.close());

  it('a run written after the server started shows up, streams live, and ends "finished" with its trainer offline', async () => {
    const w = writer(logdir, 'later');
    await w.ready;
    await w.cmd({ send: runStarted() });
    await w.cmd({ send: metrics(1) });
    const running = await runOf(server, 'later', (r) => r.lastSeq === 2);
    expect([running.status, running.trainerOnline]).toEqual(['running', true]);

    const dash = await TestClient.connect(`${server.url}/live`);
    await dash.next('hello');
    dash.send({ type: 'subscribe', runId: 'later' });
    expect((await dash.next('history')).events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    await w.cmd({ send: layer(1, 'conv1') });
    await w.cmd({ send: layer(1, 'conv2') });
    await w.cmd({ send: { type: 'run-ended', status: 'finished', endedAt: '2026-01-01T01:00:00.000Z' } });
    await w.cmd({ close: true });
    const done = await runOf(server, 'later', (r) => r.status === 'finished' && r.trainerOnline === false);
    expect(done.snapshotEpochs).toEqual([1]);
    await dash.until((f) => f.filter((x) => x.type === 'event').length === 3);
    expect(dash.frames.filter((x) => x.type === 'event').map((x) => x.event.seq)).toEqual([3, 4, 5]);
    expect((await fetch(`${server.url}/api/runs/later/snapshots/1/conv2`)).status).toBe(200);
    dash.close();
  });

  it('a trainer killed with -9 leaves its run "running" with the trainer offline; a half-written snapshot stays unseen', async () => {
    const w = writer(logdir, 'killed');
    await w.ready;
    await w.cmd({ send: runStarted() });
    await w.cmd({ send: layer(1, 'conv1') });
    expect((await runOf(server, 'killed', (r) => r.trainerOnline === true)).status).toBe('running');
    w.proc.kill('SIGKILL');
    const after = await runOf(server, 'killed', (r) => r.trainerOnline === false);
    expect([after.status, after.lastSeq, after.snapshotEpochs]).toEqual(['running', 1, []]);
  });
});
