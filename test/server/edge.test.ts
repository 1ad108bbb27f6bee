import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, existsSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../server/index.js';
import { backoffDelay } from '../../server/socket/frames.js';
import { edgeRefusal } from '../../server/edge.js';
import { Store } from '../../server/store/index.js';
import { TestClient, metrics, runStarted, snapshot, tempDir } from './fixtures.js';

const outside = () => mkdtempSync(join(tmpdir(), 'zf-outside-'));
const SECRET = 'secret: do not serve';

/** A raw GET with chosen headers (fetch cannot set Host). */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens /live with these headers; resolves with the HTTP status of a refusal, or 101. */
function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/live`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
}

describe('no path leaves the logdir', () => {
  let server: RunningServer;
  let logdir: string;
  beforeAll(async () => {
    logdir = tempDir();
    server = await startServer({ logdir, log: () => undefined, watchMs: 0 });
    await Promise.all([runStarted(), snapshot(1)].map((e, i) => server.store.append('r', i + 1, e)));
    const secret = join(outside(), 'shadow');
    writeFileSync(secret, SECRET);
    const epoch = join(logdir, 'r', 'snapshots', '1');
    symlinkSync(secret, join(epoch, 'evil.png'));
    writeFileSync(join(epoch, 'conv1.patches.png.123.4.tmp'), 'half a file');
  });
  afterAll(() => server.close());

  it('/blobs serves real files only: not a link planted in the run folder, not a temp file left by a kill', async () => {
    expect((await fetch(`${server.url}/blobs/r/1/conv1.patches.png`)).status).toBe(200);
    for (const name of ['evil.png', 'conv1.patches.png.123.4.tmp']) {
      const res = await fetch(`${server.url}/blobs/r/1/${name}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain(SECRET);
    }
  });

  it('a symlinked index is not read (and its bytes never reach an error message)', async () => {
    const store = await Store.open(tempDir());
    await Promise.all([runStarted(), snapshot(1)].map((e, i) => store.append('s', i + 1, e)));
    const index = join(store.logdir, 's', 'snapshots', '1', 'conv1.json');
    const secret = join(outside(), 'index');
    writeFileSync(secret, `${SECRET} {`);
    const { rmSync } = await import('node:fs');
    rmSync(index);
    symlinkSync(secret, index);
    expect(await store.snapshotIndex('s', 1, 'conv1')).toBeUndefined();
    await store.close();
  });

  it('writes do not follow a symlinked epoch folder or events.jsonl', async () => {
    const store = await Store.open(tempDir());
    await store.append('w', 1, runStarted());
    const away = outside();
    symlinkSync(away, join(store.logdir, 'w', 'snapshots'));
    await expect(store.append('w', 2, snapshot(2))).rejects.toThrow(
      'is a symbolic link; the store does not follow links out of its logdir',
    );
    expect(readdirSync(away)).toEqual([]);
    const other = join(outside(), 'events.jsonl');
    mkdirSync(join(store.logdir, 'v'));
    symlinkSync(other, join(store.logdir, 'v', 'events.jsonl'));
    await expect(store.append('v', 1, runStarted())).rejects.toThrow('is a symbolic link');
    expect(existsSync(other)).toBe(false);
    await store.close();
  });
});

describe('Origin and Host: a web page cannot read the runs', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      logdir: tempDir(),
      log: () => undefined,
      watchMs: 0,
      allowOrigins: ['https://notebook.example'],
      allowHosts: ['gpu-box.lan'],
    });
  });
  afterAll(() => server.close());

  it('/live refuses a foreign Origin with 403 and takes this server, loopback and allowed ones', async () => {
    const own = server.url;
    expect(await upgrade(own, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade(own, { origin: own })).toBe(101);
    expect(await upgrade(own, { origin: 'http://localhost:5173' })).toBe(101);
    expect(await upgrade(own, { origin: 'https://notebook.example' })).toBe(101);
    expect(await upgrade(own, {})).toBe(101); // not a browser
  });

  it('REST refuses a rebindable Host name and a foreign Origin', async () => {
    const port = server.port;
    const cases: [Record<string, string>, number][] = [
      [{ host: `evil.example:${port}` }, 403],
      [{ host: `127.0.0.1:${port}` }, 200],
      [{ host: `localhost:${port}` }, 200],
      [{ host: `gpu-box.lan:${port}` }, 200],
      [{ host: `192.168.1.7:${port}` }, 200],
      [{ host: `127.0.0.1:${port}`, origin: 'http://evil.example' }, 403],
    ];
    for (const [headers, status] of cases) {
      const res = await get(`${server.url}/api/runs`, headers);
      expect([headers, res.status]).toEqual([headers, status]);
      if (status === 403) expect(JSON.parse(res.body).error.code).toBe('forbidden');
    }
    expect(JSON.parse((await get(`${server.url}/api/runs`, { host: `evil.example:${port}` })).body).error.message).toBe(
      `Host "evil.example:${port}": expected an IP address or localhost (a DNS name could be rebound to this server); allow it with --allow-host evil.example`,
    );
  });

  it('with a viewer token a Host name is fine (the token guards), an Origin still is checked', () => {
    expect(edgeRefusal({ host: 'box.example:6006' }, { viewerToken: 'v' })).toBeUndefined();
    expect(
      edgeRefusal({ host: 'box.example:6006', origin: 'http://box.example:6006' }, { viewerToken: 'v' }),
    ).toBeUndefined();
    expect(edgeRefusal({ host: 'box.example:6006', origin: 'http://evil.example' }, { viewerToken: 'v' })).toContain(
      'Origin "http://evil.example"',
    );
  });
});

describe('memory and numeric bounds at the socket edge', () => {
  let server: RunningServer;
  const lines: string[] = [];
  beforeAll(async () => {
    server = await startServer({
      logdir: tempDir(),
      ingestToken: 't',
      log: (l) => lines.push(l),
      watchMs: 0,
      limits: { maxBufferedBytes: 64 * 1024, liveFramesPerSec: 10_000 },
    });
  });
  afterAll(() => server.close());

  it('a frame past 64 KB before the hello is cut without being buffered (1009); after it, megabytes are fine', async () => {
    const early = await TestClient.connect(`${server.url}/ingest`);
    early.send('x'.repeat(1 << 20));
    expect(await early.closed).toBe(1009);
    const ok = await TestClient.connect(`${server.url}/ingest`);
    ok.send({ type: 'hello', protocolVersion: 1, runId: 'big', token: 't' });
    await ok.next('welcome');
    ok.send({ type: 'event', runId: 'big', seq: 1, event: { ...runStarted(), pad: 'x'.repeat(1 << 20) } });
    await ok.next('ack');
    ok.close();
  });

  it('epochs and seqs past what REST serves are refused', async () => {
    const c = await TestClient.connect(`${server.url}/ingest`);
    c.send({ type: 'hello', protocolVersion: 1, runId: 'num', token: 't' });
    await c.next('welcome');
    c.send({ type: 'event', runId: 'num', seq: 1, event: { ...snapshot(1), epoch: 1e300 } });
    const err = await c.next('error');
    expect(err.message).toBe('event(snapshot).epoch: expected an integer from 0 to 999999999, found number 1e+300');
  });

  it('a dashboard that subscribes again and again without reading is dropped, history frames included', async () => {
    await server.store.append('h', 1, runStarted());
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        server.store.append('h', i + 2, { ...metrics(1, i + 1), values: { loss: 1, pad: i } } as never),
      ),
    );
    const c = await TestClient.connect(`${server.url}/live`);
    await c.next('hello');
    // Stop reading: the server's send buffer fills with history frames.
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 400; i++) c.send({ type: 'subscribe', runId: 'h' });
    const deadline = Date.now() + 10_000;
    while (!lines.some((l) => l.includes('dropping the slow dashboard')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(lines.filter((l) => l.includes('dropping the slow dashboard'))).toHaveLength(1);
  });

  it('a flood of bad /live frames is answered, but logs a few lines only', async () => {
    const before = lines.length;
    const c = await TestClient.connect(`${server.url}/live`);
    await c.next('hello');
    for (let i = 0; i < 200; i++) c.send({ type: 'nope' });
    await c.until((f) => f.filter((x) => x.type === 'error').length === 200);
    expect(lines.length - before).toBeLessThanOrEqual(6);
    c.close();
  });

  it('oversized request headers get 431, not a reset', async () => {
    const res = await get(`${server.url}/api/health`, { 'x-big': 'x'.repeat(64 * 1024) });
    expect(res.status).toBe(431);
  });

  it.each([
    [100, 5000, 0, 75],
    [100, 5000, 1, 125],
    [5000, 5000, 1, 5000],
    [5000, 5000, 0, 3750],
    [4000, 5000, 1, 5000],
  ])(
    'reconnect backoff %i ms (max %i, jitter %f) waits %i ms: never past the documented maximum',
    (backoff, max, random, delay) => {
      expect(backoffDelay(backoff, max, random)).toBe(delay);
    },
  );
});

describe('train --resume against a server with a viewer token', () => {
  it('REST answers the ingest token (a trainer reads its own runs), and still 401 without a token', async () => {
    const server = await startServer({
      logdir: tempDir(),
      ingestToken: 'ing',
      viewerToken: 'view',
      log: () => undefined,
      watchMs: 0,
    });
    try {
      await server.store.append('r', 1, runStarted());
      expect((await fetch(`${server.url}/api/runs/r`, { headers: { authorization: 'Bearer ing' } })).status).toBe(200);
      expect((await fetch(`${server.url}/api/runs/r`, { headers: { authorization: 'Bearer view' } })).status).toBe(200);
      expect((await fetch(`${server.url}/api/runs/r`)).status).toBe(401);
      expect((await fetch(`${server.url}/api/runs/r`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
        401,
      );
    } finally {
      await server.close();
    }
  });
});
