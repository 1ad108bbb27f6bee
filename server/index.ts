/**
 * The zfscope monitoring server: REST + the built dashboard (express) and the WebSocket endpoints
 * /ingest (trainers) and /live (dashboards) on one port, over a logdir Store.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { Store } from './store/index.js';
import { BLOB_FRAME } from './protocol.js';
import { MAX_BLOBS } from './guards.js';
import { ZfError, listenError, messageOf } from './errors.js';
import { createApp, viewerAllowed } from './rest/app.js';
import { edgeRefusal, type EdgeOptions } from './edge.js';
import { handleIngest } from './socket/ingest.js';
import { LiveHub } from './socket/live.js';
import { startHeartbeat } from './socket/heartbeat.js';
import type { SocketLimits } from './socket/frames.js';
import { AnalysisService } from './analyses/service.js';
import type { BackendChoice } from '../training/backend/index.js';

export { Store } from './store/index.js';
export type { SocketLimits } from './socket/frames.js';

export interface ServerOptions {
  /** The logdir (created if missing). */
  logdir: string;
  /** Interface to bind; default 127.0.0.1 (local only). */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Token trainers must present on /ingest; generated (and returned) when absent. */
  ingestToken?: string;
  /** When set, REST (except /api/health), /blobs and /live need it. */
  viewerToken?: string;
  /** The built dashboard; default dist/dashboard-app found relative to this file (source or dist/). */
  dashboardDir?: string;
  log?: (line: string) => void;
  /** Ping interval; a peer that misses one ping is dropped. Default 30 000. */
  heartbeatMs?: number;
  /** Overrides of the socket limits (defaults: 1 MB text frames, 64 MB per file, 64 files and 128 MB per event, 50 000 ingest / 200 live frames per s, 32 MB per dashboard backlog, 10 s to hello). */
  limits?: Partial<SocketLimits>;
  /** An already opened store to serve (the server then does not close it). */
  store?: Store;
  /** Tensor backend of the analysis worker (default auto). */
  analysisBackend?: BackendChoice;
  /** How often to look for what other processes write into the logdir (Store.watch); 0: never. Default 1000. */
  watchMs?: number;
  /** Browser origins allowed besides this server's own and loopback ones ('*': any). */
  allowOrigins?: string[];
  /** Host names allowed besides IP addresses and localhost when there is no viewer token ('*': any). */
  allowHosts?: string[];
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  port: number;
  ingestToken: string;
  store: Store;
  /** Stops accepting, flushes pending writes, closes every socket and the store. */
  close(): Promise<void>;
}

/** Largest frame a dashboard may send on /live. */
const LIVE_MAX_PAYLOAD = 64 * 1024;

export const DEFAULT_LIMITS: SocketLimits = {
  maxMessageBytes: 1024 * 1024,
  maxBlobBytes: 64 * 1024 * 1024,
  maxBlobs: MAX_BLOBS,
  maxEventBytes: 128 * 1024 * 1024,
  ingestFramesPerSec: 50_000,
  liveFramesPerSec: 200,
  maxBufferedBytes: 32 * 1024 * 1024,
  helloTimeoutMs: 10_000,
};

/** dist/dashboard-app, whether this file runs from server/ (source, via tsx) or dist/server/. */
export function defaultDashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromDist = resolve(here, '../dashboard-app'); // here = dist/server
  const fromSource = resolve(here, '../dist/dashboard-app'); // here = server
  if (existsSync(resolve(fromDist, 'index.html'))) return fromDist;
  if (existsSync(resolve(fromSource, 'index.html'))) return fromSource;
  // Not built yet: the path it will have once `npm run build` runs (the app checks on each request).
  return /[\\/]dist[\\/]server$/.test(here) ? fromDist : fromSource;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Starts the server; resolves once it listens. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => console.error(`[zfscope serve] ${line}`));
  const limits: SocketLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const ingestToken = opts.ingestToken ?? randomBytes(18).toString('base64url');
  const ownStore = !opts.store;
  const store = opts.store ?? (await Store.open(opts.logdir, log));
  const analyses = new AnalysisService({
    logdir: store.logdir,
    log,
    ...(opts.analysisBackend ? { backend: opts.analysisBackend } : {}),
  });
  store.watch(opts.watchMs ?? 1000);
  const edge: EdgeOptions = {
    ...(opts.allowOrigins ? { allowOrigins: opts.allowOrigins } : {}),
    ...(opts.allowHosts ? { allowHosts: opts.allowHosts } : {}),
    ...(opts.viewerToken ? { viewerToken: opts.viewerToken } : {}),
  };
  const app = createApp({
    store,
    viewerToken: opts.viewerToken,
    dashboardDir: opts.dashboardDir ?? defaultDashboardDir(),
    log,
    analyses,
    edge,
    ingestToken,
  });
  const http = createServer(app);
  // Twice the typed limit: frames between the two get a 'too-large' error frame, past it ws cuts them
  // (1009). A trainer's files come in binary frames of up to maxBlobBytes (ingest raises its own
  // socket's limit to that after the hello).
  const wsOpts = { noServer: true, maxPayload: limits.maxMessageBytes * 2, perMessageDeflate: false };
  const ingest = new WebSocketServer({
    ...wsOpts,
    maxPayload: Math.max(wsOpts.maxPayload, limits.maxBlobBytes + BLOB_FRAME.headerBytes),
  });
  // Dashboards send small frames (subscribe, unsubscribe): no need to buffer megabytes for them.
  const live = new WebSocketServer({ ...wsOpts, maxPayload: Math.min(wsOpts.maxPayload, LIVE_MAX_PAYLOAD) });
  const hub = new LiveHub(store, limits, log);
  let closing = false;
  const stopHeartbeat = startHeartbeat([ingest, live], opts.heartbeatMs ?? 30_000, log);

  const peerOf = (req: IncomingMessage) => `${req.socket.remoteAddress}:${req.socket.remotePort}`;
  ingest.on('connection', (ws, req: IncomingMessage) =>
    handleIngest(ws, { store, token: ingestToken, limits, log, closing: () => closing }, peerOf(req)),
  );
  live.on('connection', (ws, req: IncomingMessage) => {
    const ok = viewerAllowed(opts.viewerToken, req.url, req.headers.authorization, ingestToken);
    hub.handle(
      ws,
      peerOf(req),
      ok ? undefined : new ZfError('unauthorized', 'this server needs the viewer token: connect to /live?token=...'),
    );
  });
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', (err) => log(`upgrade ${req.url}: ${err.message}`));
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const wss = path === '/ingest' ? ingest : path === '/live' ? live : undefined;
    if (!wss) return refuseUpgrade(socket, 404, 'Not Found');
    const refusal = edgeRefusal(req.headers, edge);
    if (refusal) {
      log(`upgrade ${path} from ${peerOf(req)} refused: ${refusal}`);
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    log(`http client error: ${messageOf(err)}`);
    // Say why before closing (as node does without a handler): 431 for headers past the limit.
    if (socket.writable && !(socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

  try {
    await new Promise<void>((resolveListen, reject) => {
      http.once('error', reject);
      http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolveListen();
      });
    });
  } catch (err) {
    stopHeartbeat();
    hub.close();
    if (ownStore) await store.close();
    throw listenError(err, opts.host ?? '127.0.0.1', opts.port ?? 0);
  }
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const host = opts.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      const httpClosed = new Promise<void>((r) => http.close(() => r()));
      stopHeartbeat();
      await analyses.close();
      // Let in-flight appends finish (their acks still go out), then say goodbye.
      await store.flush();
      hub.close();
      for (const ws of ingest.clients) ws.close(1001, 'server shutting down');
      const sockets = [...ingest.clients, ...live.clients];
      await Promise.race([
        Promise.all(
          sockets.map(
            (ws) => new Promise<void>((r) => (ws.readyState === ws.CLOSED ? r() : ws.once('close', () => r()))),
          ),
        ),
        new Promise((r) => setTimeout(r, 1000).unref()),
      ]);
      for (const ws of sockets) ws.terminate();
      ingest.close();
      live.close();
      http.closeAllConnections();
      await httpClosed;
      if (ownStore) await store.close();
      else await store.flush();
    })());
  return { url, port, ingestToken, store, close };
}
