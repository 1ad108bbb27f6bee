/**
 * REST routes (server/API.md): runs, events, metrics, snapshot indexes, atlases and exports.
 * Views of stored data only; every error is `{error: {code, message}}` with an HTTP status.
 */
import express, { type Request, type Response, type Router } from 'express';
import { promises as fsp } from 'node:fs';
import { PNG } from 'pngjs';
import { PROTOCOL_VERSION, TRAINER_EVENT_TYPES } from '../protocol.js';
import type {
  HealthResponse,
  RunInfo,
  RunStatusResponse,
  SnapshotExportResponse,
  SnapshotListResponse,
  TrainerEventType,
} from '../protocol.js';
import { FILE_NAME_RE, checkRunId } from '../guards.js';
import { messageOf, httpError } from '../errors.js';
import type { StoreReader } from '../store/index.js';
import { montage } from './montage.js';

const EVENT_TYPES: readonly TrainerEventType[] = TRAINER_EVENT_TYPES;

function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}

function runOf(store: StoreReader, req: Request): RunInfo {
  const runId = param(req, 'runId');
  try {
    checkRunId(runId);
  } catch (err) {
    throw httpError(400, 'bad-request', messageOf(err));
  }
  const run = store.getRun(runId);
  if (!run) throw httpError(404, 'unknown-run', `no run ${JSON.stringify(runId)} in this logdir`);
  return run;
}

function intQuery(req: Request, name: string, fallback: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw))
    throw httpError(400, 'bad-request', `?${name}: expected a non-negative integer, found ${JSON.stringify(raw)}`);
  return Number(raw);
}

function epochParam(req: Request): number {
  const raw = param(req, 'epoch');
  if (!/^\d{1,9}$/.test(raw))
    throw httpError(400, 'bad-request', `epoch: expected a non-negative integer, found ${JSON.stringify(raw)}`);
  return Number(raw);
}

async function snapshotOf(store: StoreReader, req: Request) {
  const run = runOf(store, req);
  const epoch = epochParam(req);
  const layer = param(req, 'layer');
  if (!FILE_NAME_RE.test(layer))
    throw httpError(400, 'bad-request', `layer: expected a name of [A-Za-z0-9._-], found ${JSON.stringify(layer)}`);
  const index = await store.snapshotIndex(run.runId, epoch, layer);
  if (!index) {
    const have = store.snapshots(run.runId).find((s) => s.epoch === epoch)?.layers ?? [];
    throw httpError(
      404,
      'not-found',
      `run ${run.runId} has no snapshot of layer ${layer} at epoch ${epoch} (layers there: ${have.join(', ') || 'none'})`,
    );
  }
  return { run, epoch, layer, index };
}

/** The /api routes and /blobs. */
export function apiRoutes(store: StoreReader): Router {
  const r = express.Router();
  r.get(
    '/api/health',
    (_req, res) => void res.json({ ok: true, protocolVersion: PROTOCOL_VERSION } satisfies HealthResponse),
  );
  r.get('/api/runs', (_req, res) => void res.json(store.listRuns()));
  r.get('/api/runs/:runId', (req, res) => void res.json(runOf(store, req)));
  r.get('/api/runs/:runId/status', (req, res) => {
    const { runId, status, trainerOnline, lastSeq, endedAt, error } = runOf(store, req);
    res.json({ runId, status, trainerOnline, lastSeq, endedAt, error } satisfies RunStatusResponse);
  });
  r.get('/api/runs/:runId/events', async (req, res) => {
    const run = runOf(store, req);
    const type = req.query.type;
    if (type !== undefined && !EVENT_TYPES.includes(type as TrainerEventType)) {
      throw httpError(
        400,
        'bad-request',
        `?type: expected one of ${EVENT_TYPES.join(', ')}, found ${JSON.stringify(type)}`,
      );
    }
    res.json(await store.events(run.runId, intQuery(req, 'afterSeq', 0), type as TrainerEventType | undefined));
  });
  r.get(
    '/api/runs/:runId/metrics',
    async (req, res) => void res.json(await store.events(runOf(store, req).runId, 0, 'metrics')),
  );
  r.get(
    '/api/runs/:runId/snapshots',
    (req, res) => void res.json(store.snapshots(runOf(store, req).runId) satisfies SnapshotListResponse),
  );
  r.get('/api/runs/:runId/snapshots/:epoch/:layer', async (req, res) => {
    res.json((await snapshotOf(store, req)).index);
  });
  r.get('/api/runs/:runId/snapshots/:epoch/:layer/export', async (req, res) => exportSnapshot(store, req, res));
  r.get('/blobs/:runId/:epoch/:file', async (req, res) => {
    let path: string | undefined;
    try {
      path = store.blobFile(param(req, 'runId'), param(req, 'epoch'), param(req, 'file'));
    } catch (err) {
      throw httpError(400, 'bad-blob', (err as Error).message);
    }
    // Links, temp files and anything outside the logdir are not there, as far as /blobs goes.
    if (!path)
      throw httpError(
        404,
        'not-found',
        `no blob ${param(req, 'file')} at epoch ${param(req, 'epoch')} of run ${param(req, 'runId')}`,
      );
    // A blob's name and epoch fix its content: cache it for good (ETag for revalidation all the same).
    res.sendFile(path, { maxAge: '365d', immutable: true, dotfiles: 'deny' });
  });
  r.all(/^\/api(\/.*)?$/, (req) => {
    throw httpError(404, 'not-found', `no route ${req.method} ${req.path}; see server/API.md`);
  });
  return r;
}

async function exportSnapshot(store: StoreReader, req: Request, res: Response): Promise<void> {
  const { run, epoch, layer, index } = await snapshotOf(store, req);
  const format = req.query.format ?? 'png';
  const names = [
    index.files.patches,
    ...index.methods.map((m) => index.files.projections[m]).filter((f): f is string => !!f),
  ];
  const urls = names.map((n) => `/blobs/${run.runId}/${epoch}/${n}`);
  if (format === 'json') {
    res.json({ runId: run.runId, epoch, layer, snapshot: index, images: urls } satisfies SnapshotExportResponse);
    return;
  }
  if (format !== 'png')
    throw httpError(400, 'bad-request', `?format: expected png or json, found ${JSON.stringify(format)}`);
  const panels: PNG[] = [];
  for (const name of names) {
    const file = store.blobFile(run.runId, epoch, name);
    const buf = file ? await fsp.readFile(file).catch(() => undefined) : undefined;
    if (!buf)
      throw httpError(404, 'not-found', `snapshot ${layer} at epoch ${epoch} names ${name}, which is not stored`);
    panels.push(PNG.sync.read(buf));
  }
  const png = PNG.sync.write(montage(panels, Math.max(2, Math.round(index.atlas.tile / 4))));
  res.setHeader('Content-Type', 'image/png');
  res.setHeader('Content-Disposition', `inline; filename="${run.runId}-epoch${epoch}-${layer}.png"`);
  res.send(png);
}
