/**
 * A trainer on "another machine" (`zfscope train --server URL` with its own logdir) gets what the
 * server's analyses need onto the server: each snapshot epoch's checkpoint and the probe set travel
 * as binary frames and land in the server's logdir, byte for byte, so an analysis request on that
 * run succeeds there; a resent upload changes nothing.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisView, RunInfo, StoredEvent } from '../../server/protocol.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { loadProbe } from '../../training/analyses/run-files.js';
import { checkpointUpload } from '../../training/uploads.js';
import { queuedFrame, toWire } from '../../training/reporter/wire.js';
import { PROTOCOL_VERSION } from '../../server/protocol.js';
import { TINY, exitOf, spawnCli } from '../e2e/helpers.js';
import { TestClient, tempDir } from './fixtures.js';

const RUN = 'remote';
const serverDir = tempDir('zf-remote-server-');
const trainerDir = tempDir('zf-remote-trainer-');
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({
    logdir: serverDir,
    port: 0,
    ingestToken: 't',
    log: () => undefined,
    analysisBackend: 'cpu',
  });
  const trainer = spawnCli([
    'train',
    '--server',
    server.url,
    '--token',
    't',
    '--logdir',
    trainerDir,
    '--run-id',
    RUN,
    '--epochs',
    '2',
    '--snapshots',
    '1,2',
    ...TINY,
  ]);
  expect(await exitOf(trainer), trainer.output()).toBe(0);
}, 240_000);
afterAll(() => server?.close());

const bytesOf = (a: Uint8Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const events = async (): Promise<StoredEvent[]> =>
  (await (await fetch(`${server.url}/api/runs/${RUN}/events`)).json()) as StoredEvent[];

describe('a run trained on another machine', () => {
  it("has each snapshot epoch's checkpoint in the server's logdir, byte for byte the trainer's", () => {
    for (const epoch of [1, 2]) {
      const mine = join(trainerDir, RUN, 'checkpoints', String(epoch));
      const theirs = join(serverDir, RUN, 'checkpoints', String(epoch));
      expect(readdirSync(theirs).sort()).toEqual(['meta.json', 'weights.bin']);
      for (const f of ['meta.json', 'weights.bin'])
        expect(readFileSync(join(theirs, f)).equals(readFileSync(join(mine, f))), `${epoch}/${f}`).toBe(true);
    }
    // Only what analyses read: not the trainer's resume state.
    expect(existsSync(join(serverDir, RUN, 'checkpoints', 'latest'))).toBe(false);
  });

  it('has the probe set, equal to the one rebuilt from the dataset (the trainer never wrote it locally)', async () => {
    expect(readdirSync(join(serverDir, RUN, 'probe')).sort()).toEqual([
      'images.bin',
      'inputs.bin',
      'mean.bin',
      'probe.json',
    ]);
    expect(existsSync(join(trainerDir, RUN, 'probe'))).toBe(false);
    const info = JSON.parse(readFileSync(join(serverDir, RUN, 'run.json'), 'utf8')) as RunInfo;
    // Oracle: the probe a server without the stored files rebuilds from run.json's config.
    const stored = await loadProbe(info, undefined, join(serverDir, RUN));
    const rebuilt = await loadProbe(info);
    expect('preprocess' in stored && 'preprocess' in rebuilt).toBe(true);
    if (!('preprocess' in stored) || !('preprocess' in rebuilt)) return;
    expect(stored.preprocess.scale).toBe(rebuilt.preprocess.scale);
    expect(bytesOf(stored.preprocess.mean).equals(bytesOf(rebuilt.preprocess.mean))).toBe(true);
    expect(bytesOf(stored.probe.images.images).equals(bytesOf(rebuilt.probe.images.images))).toBe(true);
    expect([...stored.probe.images.labels]).toEqual([...rebuilt.probe.images.labels]);
    for (const i of [0, stored.probe.images.count - 1]) {
      const a = stored.probe.input(i);
      const b = rebuilt.probe.input(i);
      expect(bytesOf(a.dataSync() as Float32Array).equals(bytesOf(b.dataSync() as Float32Array))).toBe(true);
      a.dispose();
      b.dispose();
    }
  });

  it('records the uploads as events: the probe once after run-started, a checkpoint after each snapshot epoch', async () => {
    const evs = await events();
    expect(evs.filter((e) => e.type === 'probe')).toHaveLength(1);
    expect(evs.filter((e) => e.type === 'checkpoint').map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2]);
    const types = evs.map((e) => e.type);
    expect(types.indexOf('probe')).toBe(types.indexOf('run-started') + 1);
    expect(JSON.stringify(evs)).not.toContain('base64');
  });

  it('answers an analysis request on that run from the server', async () => {
    const res = await fetch(`${server.url}/api/runs/${RUN}/analyses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ analysis: 'reconstruction', epoch: 2, params: { image: 3, steps: 8 } }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = (await res.json()) as AnalysisView;
    let view: AnalysisView;
    const until = Date.now() + 120_000;
    do {
      await new Promise((r) => setTimeout(r, 50));
      view = (await (await fetch(`${server.url}/api/runs/${RUN}/analyses/${id}`)).json()) as AnalysisView;
    } while (view.status !== 'done' && view.status !== 'failed' && Date.now() < until);
    expect(view.status, JSON.stringify(view.error)).toBe('done');
    const layers = view.result!.layers as Record<string, { pixelError: number; image: string }>;
    expect(Object.keys(layers)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5']);
    const png = await fetch(`${server.url}${layers.conv1!.image}`);
    expect(png.status).toBe(200);
  }, 150_000);

  it('stores a resent upload once: the same seq is a duplicate, the same bytes under a new seq rewrite nothing', async () => {
    const before = await events();
    const ckpt = before.find((e) => e.type === 'checkpoint')!;
    const weights = join(serverDir, RUN, 'checkpoints', '1', 'weights.bin');
    const stamp = () => {
      const st = statSync(weights);
      return [st.ino, st.mtimeMs];
    };
    const was = stamp();
    const upload = toWire(await checkpointUpload(join(trainerDir, RUN, 'checkpoints', '1'), 1));
    const c = await TestClient.connect(`${server.url}/ingest`);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, runId: RUN, token: 't' });
    const welcome = await c.next('welcome');
    for (const seq of [ckpt.seq, welcome.lastSeq + 1]) {
      const q = queuedFrame(RUN, seq, upload);
      c.ws.send(q.frame);
      for (const b of q.blobs ?? []) c.ws.send(b);
      await c.until((f) => f.some((x) => x.type === 'ack' && x.seq === seq));
    }
    c.close();
    const after = await events();
    expect(after.length).toBe(before.length + 1);
    expect(after.filter((e) => e.seq === ckpt.seq)).toHaveLength(1);
    expect(stamp()).toEqual(was);
  });
});
