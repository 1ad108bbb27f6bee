/**
 * The fault test: a real trainer and server, killed with -9 where it hurts. Whatever the schedule
 * (seeded, printed), a finished run reads the same everywhere: every event once and in order,
 * every snapshot epoch whole, one model per epoch (fault-helpers.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunInfo, StoredEvent } from '../../server/protocol.js';
import { Store } from '../../server/store/index.js';
import { reduce, initialState, type DashboardState } from '../../dashboard/state/reducer.js';
import { spawnServer, type ChildServer } from '../server/child.js';
import { TestClient } from '../server/fixtures.js';
import { TINY, exitOf, spawnCli, until } from './helpers.js';
import { expectWholeRun, faultSeed, prng } from './fault-helpers.js';

const EPOCHS = 3;
/** Each restart costs a server start-up: a few kills keep the test short. */
const MAX_SERVER_KILLS = 3;
const TRAIN = ['--epochs', String(EPOCHS), '--snapshots', '1,2,3', ...TINY];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The epoch a checkpoint folder closes, 0 when there is none (yet). */
function checkpointEpoch(dir: string): number {
  try {
    return (JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { epoch: number }).epoch;
  } catch {
    return 0;
  }
}

/** Kills the child with -9 as soon as `cond` holds (looked at every few ms: a tiny snapshot is quick). */
async function killWhen(child: ChildProcess, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (!cond()) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(
        `the moment to kill never came (exit ${child.exitCode}): ${(child as ChildProcess & { output(): string }).output()}`,
      );
    await sleep(5);
  }
  child.kill('SIGKILL');
  await exitOf(child);
}

describe('kill -9 at any moment: nothing half-done anywhere', () => {
  it('a trainer writing the logdir, killed mid-snapshot and resumed, while serve watches: logdir, REST and dashboard agree', async () => {
    const logdir = mkdtempSync(join(tmpdir(), 'zf-fault-logdir-'));
    const server = await spawnServer(['--logdir', logdir, '--port', '0']);
    const api = async <T>(path: string): Promise<T> => (await (await fetch(`${server.url}${path}`)).json()) as T;
    const runInfo = async () => {
      const res = await fetch(`${server.url}/api/runs/r`);
      return res.ok ? ((await res.json()) as RunInfo) : undefined;
    };
    let dash: TestClient | undefined;
    try {
      const first = spawnCli(['train', '--logdir', logdir, '--run-id', 'r', ...TRAIN]);
      // The repro: the moment a layer file of epoch 2 is there, before its event line.
      await killWhen(first, () => existsSync(join(logdir, 'r', 'snapshots', '2', 'conv2.json')));
      await until('serve sees the run', runInfo);
      dash = await TestClient.connect(`${server.url}/live`);
      await dash.next('hello');
      dash.send({ type: 'subscribe', runId: 'r' });
      await dash.next('history');
      const offline = await until('trainer offline', async () =>
        (await runInfo())?.trainerOnline === false ? runInfo() : undefined,
      );
      // Killed mid-snapshot (most runs) or just after: either way no epoch is shown in part.
      for (const snap of await api<{ epoch: number; layers: string[] }[]>('/api/runs/r/snapshots'))
        expect(snap.layers, `epoch ${snap.epoch} after the kill`).toHaveLength(5);
      expect(offline!.snapshotEpochs!.length).toBeLessThanOrEqual(2);

      const second = spawnCli(['train', '--logdir', logdir, '--resume', 'r']);
      expect(await exitOf(second), second.output()).toBe(0);
      // The watcher sees the run end and the writer's lease go on separate polls: wait for both.
      const done = await until('serve sees the end', async () =>
        (await runInfo())?.status === 'finished' && (await runInfo())?.trainerOnline === false ? runInfo() : undefined,
      );
      expect([done!.trainerOnline, done!.snapshotEpochs]).toEqual([false, [1, 2, 3]]);

      const rest = (await (await fetch(`${server.url}/api/runs/r/events`)).json()) as StoredEvent[];
      const fromDisk = await (async () => {
        const s = await Store.open(logdir, () => undefined, { only: ['r'] });
        const e = await s.events('r');
        await s.close();
        return e;
      })();
      expect(rest).toEqual(fromDisk);
      await expectWholeRun(rest, { epochs: EPOCHS, logdir, checkpoints: join(logdir, 'r', 'checkpoints'), runId: 'r' });

      // The dashboard, fed live through the kill and the resume, ends where REST is.
      await dash.until((f) => f.some((x) => x.type === 'event' && x.event.type === 'run-ended'));
      const state = dash.frames.reduce((s: DashboardState, frame) => reduce(s, { type: 'frame', frame }), initialState);
      const d = state.data.r!;
      expect(d.epochs).toEqual([1, 2, 3]);
      for (const e of d.epochs)
        expect(Object.keys(d.snapshots[e]!).sort()).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5']);
      const shownMetrics = rest.filter((e) => e.type === 'metrics');
      expect(d.batchMetrics.length + d.epochMetrics.length).toBe(shownMetrics.length);
      expect(d.epochMetrics.map((p) => p.values.val_acc)).toEqual(
        shownMetrics.flatMap((e) => (e.type === 'metrics' && e.batch === undefined ? [e.values.val_acc] : [])),
      );
    } finally {
      dash?.close();
      server.proc.kill('SIGTERM');
      await server.exited;
    }
  });

  it('a trainer over WebSocket while the server is killed -9 at random moments, and once itself mid-snapshot', async () => {
    const seed = faultSeed('server kills');
    const rand = prng(seed);
    const serverDir = mkdtempSync(join(tmpdir(), 'zf-fault-server-'));
    const trainerDir = mkdtempSync(join(tmpdir(), 'zf-fault-trainer-'));
    let server: ChildServer = await spawnServer(['--logdir', serverDir, '--port', '0', '--token', 'T']);
    const url = server.url;
    const restart = async () => {
      server = await spawnServer(['--logdir', serverDir, '--port', String(server.port), '--token', 'T']);
    };
    let kills = 0;
    let stopKilling = false;
    // The server dies at random moments and comes back on the same port, all run long.
    const killer = (async () => {
      while (!stopKilling && kills < MAX_SERVER_KILLS) {
        await sleep(300 + rand() * 1500);
        if (stopKilling) break;
        server.proc.kill('SIGKILL');
        await server.exited;
        kills++;
        await sleep(rand() * 500);
        await restart();
      }
    })();
    try {
      // A trainer that starts while the server is down waits for it (the 10 s default is for a server
      // that is not there at all, tested in fatal-exits.test.ts; here it is only restarting, slowly on 2 loaded cores).
      const train = (args: string[]) =>
        spawnCli(['train', '--server', url, '--token', 'T', '--logdir', trainerDir, ...args], {
          ZFSCOPE_CONNECT_TIMEOUT_MS: '60000',
        });
      const first = train(['--run-id', 's', ...TRAIN]);
      // Mid-snapshot as the trainer sees it: epoch 2 is checkpointed and its snapshot under way
      // (with the server down, what reached it may lag far behind).
      await killWhen(first, () => checkpointEpoch(join(trainerDir, 's', 'checkpoints', 'latest')) >= 2);
      // Resuming needs the server up for its REST look at the run: retried while it is down.
      let second = train(['--resume', 's']);
      let code = await exitOf(second);
      let outputs = second.output();
      for (let i = 0; i < 5 && code !== 0 && /cannot reach the (zfscope )?server/.test(second.output()); i++) {
        second = train(['--resume', 's']);
        code = await exitOf(second);
        outputs += `\n--- retry ${i + 1}\n${second.output()}`;
      }
      expect(code, `seed ${seed}\n${outputs}`).toBe(0);
    } finally {
      stopKilling = true;
      await killer;
    }
    expect(kills, `seed ${seed}: the server was killed`).toBeGreaterThan(0);
    server.proc.kill('SIGTERM');
    await server.exited;
    const store = await Store.open(serverDir, () => undefined, { only: ['s'] });
    const events = await store.events('s');
    expect(store.getRun('s')?.status, `seed ${seed}`).toBe('finished');
    await store.close();
    await expectWholeRun(events, {
      epochs: EPOCHS,
      logdir: serverDir,
      checkpoints: join(trainerDir, 's', 'checkpoints'),
      runId: 's',
    });
  });
});
