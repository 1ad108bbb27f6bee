import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { defaultDashboardDir, startServer, type RunningServer } from '../../server/index.js';
import { fileURLToPath } from 'node:url';
import { StoreReporter } from '../../training/reporter/index.js';
import { PROTOCOL_VERSION } from '../../server/protocol.js';
import { metrics, runStarted, snapshot, tempDir } from './fixtures.js';

let server: RunningServer;
const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

beforeAll(async () => {
  const dashboardDir = tempDir();
  writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>zf dashboard</title>');
  mkdirSync(join(dashboardDir, 'assets'));
  writeFileSync(join(dashboardDir, 'assets', 'app.js'), 'console.log(1)');
  server = await startServer({ logdir: tempDir(), dashboardDir, log: () => undefined });
  const rep = new StoreReporter(server.store, 'r1');
  await rep.send(runStarted('2026-01-01T00:00:00.000Z'));
  await rep.send(metrics(1, 0));
  await rep.send(metrics(1));
  await rep.send(snapshot(1));
  await rep.send(metrics(2));
  await rep.close();
  const rep2 = new StoreReporter(server.store, 'r2');
  await rep2.send(runStarted('2026-02-01T00:00:00.000Z'));
  await rep2.close();
});
afterAll(() => server.close());

describe('REST', () => {
  it('lists runs newest first and serves one run and its status', async () => {
    const runs = (await (await get('/api/runs')).json()) as { runId: string }[];
    expect(runs.map((r) => r.runId)).toEqual(['r2', 'r1']);
    expect(await (await get('/api/runs/r1')).json()).toMatchObject({
      runId: 'r1',
      lastSeq: 5,
      snapshotEpochs: [1],
      lastMetrics: { epoch: 2 },
    });
    expect(await (await get('/api/runs/r1/status')).json()).toEqual({
      runId: 'r1',
      status: 'running',
      trainerOnline: false,
      lastSeq: 5,
    });
    expect(await (await get('/api/health')).json()).toEqual({ ok: true, protocolVersion: PROTOCOL_VERSION });
  });

  it('serves events after a seq and of a type, and the metrics', async () => {
    const evs = (await (await get('/api/runs/r1/events?afterSeq=2')).json()) as { seq: number }[];
    expect(evs.map((e) => e.seq)).toEqual([3, 4, 5]);
    const snaps = (await (await get('/api/runs/r1/events?type=snapshot')).json()) as { seq: number }[];
    expect(snaps.map((e) => e.seq)).toEqual([4]);
    const ms = (await (await get('/api/runs/r1/metrics')).json()) as { seq: number; batch?: number }[];
    expect(ms.map((e) => [e.seq, e.batch])).toEqual([
      [2, 0],
      [3, undefined],
      [5, undefined],
    ]);
  });

  it('serves the snapshot index per epoch and layer', async () => {
    expect(await (await get('/api/runs/r1/snapshots')).json()).toEqual([{ epoch: 1, layers: ['conv1'] }]);
    const index = (await (await get('/api/runs/r1/snapshots/1/conv1')).json()) as { layer: string; maps: unknown[] };
    expect(index.layer).toBe('conv1');
    expect(index.maps).toHaveLength(2);
  });

  it('serves atlases as immutable with an ETag, and 304 on revalidation', async () => {
    const res = await get('/blobs/r1/1/conv1.patches.png');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = res.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect([png.width, ...png.data.subarray(0, 4)]).toEqual([4, 255, 0, 0, 255]);
    // fetch adds Cache-Control: no-cache to conditional requests unless told otherwise (as browsers revalidate).
    const again = await get('/blobs/r1/1/conv1.patches.png', {
      headers: { 'If-None-Match': etag, 'Cache-Control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
  });

  it('exports a snapshot as a PNG montage: patches, a grey gap, then each projection', async () => {
    const res = await get('/api/runs/r1/snapshots/1/conv1/export');
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    // Two 4x4 atlases (tile 2): gap = max(2, tile/4) = 2 -> 4 + 2 + 4 = 10 wide.
    expect([png.width, png.height]).toEqual([10, 4]);
    const px = (x: number, y: number) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)];
    expect(px(0, 0)).toEqual([255, 0, 0]);
    expect(px(3, 3)).toEqual([255, 0, 0]);
    expect(px(4, 2)).toEqual([128, 128, 128]);
    expect(px(5, 0)).toEqual([128, 128, 128]);
    expect(px(6, 0)).toEqual([0, 0, 255]);
    expect(px(9, 3)).toEqual([0, 0, 255]);
    const json = (await (await get('/api/runs/r1/snapshots/1/conv1/export?format=json')).json()) as {
      images: string[];
      snapshot: { layer: string };
    };
    expect(json.images).toEqual(['/blobs/r1/1/conv1.patches.png', '/blobs/r1/1/conv1.deconvnet.png']);
    expect(json.snapshot.layer).toBe('conv1');
  });

  it('answers errors as {error: {code, message}} with an HTTP status', async () => {
    const cases: [string, number, string, string][] = [
      ['/api/runs/nope', 404, 'unknown-run', 'no run "nope" in this logdir'],
      [
        '/api/runs/r1/snapshots/2/conv1',
        404,
        'not-found',
        'run r1 has no snapshot of layer conv1 at epoch 2 (layers there: none)',
      ],
      [
        '/api/runs/r1/snapshots/1/conv9',
        404,
        'not-found',
        'run r1 has no snapshot of layer conv9 at epoch 1 (layers there: conv1)',
      ],
      ['/api/runs/r1/snapshots/x/conv1', 400, 'bad-request', 'epoch: expected a non-negative integer, found "x"'],
      ['/api/runs/r1/events?afterSeq=-2', 400, 'bad-request', '?afterSeq: expected a non-negative integer, found "-2"'],
      [
        '/api/runs/r1/events?type=loss',
        400,
        'bad-request',
        '?type: expected one of run-started, metrics, snapshot, diagnostics, experiments, checkpoint, probe, run-ended, found "loss"',
      ],
      [
        '/api/runs/r1/snapshots/1/conv1/export?format=gif',
        400,
        'bad-request',
        '?format: expected png or json, found "gif"',
      ],
      ['/api/unknown', 404, 'not-found', 'no route GET /api/unknown; see server/API.md'],
      ['/blobs/r1/1/nothing.png', 404, 'not-found', 'no blob nothing.png at epoch 1 of run r1'],
      [
        '/blobs/r1/1/..%2F..%2Fr1%2Frun.json',
        400,
        'bad-blob',
        'blob file: expected a name of [A-Za-z0-9._-] not starting with a dot, found "../../r1/run.json"',
      ],
      [
        '/blobs/r1/..%2F1/conv1.patches.png',
        400,
        'bad-blob',
        'blob epoch: expected a non-negative integer, found "../1"',
      ],
      [
        '/blobs/r1/1/.hidden',
        400,
        'bad-blob',
        'blob file: expected a name of [A-Za-z0-9._-] not starting with a dot, found ".hidden"',
      ],
    ];
    for (const [path, status, code, message] of cases) {
      const res = await get(path);
      expect([path, res.status, await res.json()]).toEqual([path, status, { error: { code, message } }]);
    }
  });

  it('serves the built dashboard, with index.html for client-side routes', async () => {
    expect(await (await get('/')).text()).toContain('zf dashboard');
    expect(await (await get('/assets/app.js')).text()).toBe('console.log(1)');
    expect(await (await get('/runs/r1/conv1')).text()).toContain('zf dashboard');
  });

  it('finds the built dashboard at dist/dashboard-app by default when running from source', () => {
    expect(defaultDashboardDir()).toBe(
      join(fileURLToPath(new URL('../../', import.meta.url)), 'dist', 'dashboard-app'),
    );
  });

  it('says how to build the dashboard when it is not built', async () => {
    const s = await startServer({ logdir: tempDir(), dashboardDir: join(tempDir(), 'missing'), log: () => undefined });
    try {
      expect(await (await fetch(`${s.url}/`)).text()).toContain('npm run build');
    } finally {
      await s.close();
    }
  });

  it('needs the viewer token for REST and blobs when one is set, but not for health', async () => {
    const s = await startServer({ logdir: server.store.logdir, viewerToken: 'v', log: () => undefined });
    try {
      const denied = await fetch(`${s.url}/api/runs`);
      expect(denied.status).toBe(401);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      expect((await fetch(`${s.url}/blobs/r1/1/conv1.patches.png`)).status).toBe(401);
      expect((await fetch(`${s.url}/api/runs?token=v`)).status).toBe(200);
      expect((await fetch(`${s.url}/blobs/r1/1/conv1.patches.png?token=v`)).status).toBe(200);
      expect((await fetch(`${s.url}/api/runs`, { headers: { Authorization: 'Bearer v' } })).status).toBe(200);
      expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
