/**
 * REST routes of analyses on stored checkpoints (server/API.md "Analyses"): which epochs have a
 * checkpoint, which analyses exist, asking a question (POST; 200 with the stored result, else 202
 * with its progress), polling it, the run's stored results, and their PNGs.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisRequestBody, AnalysisView } from '../protocol.js';
import { RUN_ID_RE } from '../guards.js';
import { describe, httpError } from '../errors.js';
import { ANALYSES, AnalysisError } from '../../training/analyses/index.js';
import { checkpointEpochs, readRunInfo } from '../../training/analyses/run-files.js';
import { analysisDir, listStored } from '../../training/analyses/store.js';
import { doneView, type AnalysisService } from '../analyses/service.js';

const KEY_RE = /^[a-z0-9-]+-[0-9a-f]{12}$/;
const FILE_RE = /^[A-Za-z0-9._-]+\.png$/;

function runId(req: Request): string {
  const id = String(req.params.runId ?? '');
  if (!RUN_ID_RE.test(id))
    throw httpError(400, 'bad-request', `runId: expected [A-Za-z0-9][A-Za-z0-9._-]*, found ${JSON.stringify(id)}`);
  return id;
}

function epochOf(raw: unknown, where: string): number {
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string' && /^\d{1,9}$/.test(raw)) return Number(raw);
  throw httpError(400, 'bad-request', `${where}: expected a non-negative integer epoch, found ${describe(raw)}`);
}

function keyOf(req: Request): string {
  const key = String(req.params.key ?? '');
  if (!KEY_RE.test(key))
    throw httpError(
      400,
      'bad-request',
      `analysis id: expected <epoch>/<analysis>-<12 hex>, found ${JSON.stringify(key)}`,
    );
  return key;
}

/** Checks the POST body's shape (its values are checked against the analysis and the run next). */
function bodyOf(body: unknown): AnalysisRequestBody {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw httpError(
      400,
      'bad-request',
      `body: expected a JSON object {analysis, epoch, params}, found ${describe(body)}`,
    );
  const b = body as Record<string, unknown>;
  if (typeof b.analysis !== 'string')
    throw httpError(
      400,
      'bad-request',
      `body.analysis: expected one of ${Object.keys(ANALYSES).join(', ')}, found ${describe(b.analysis)}`,
    );
  const epoch = epochOf(b.epoch, 'body.epoch');
  if (b.params !== undefined && (!b.params || typeof b.params !== 'object' || Array.isArray(b.params))) {
    throw httpError(
      400,
      'bad-request',
      `body.params: expected an object of parameter values, found ${describe(b.params)}`,
    );
  }
  return { analysis: b.analysis, epoch, ...(b.params ? { params: b.params as AnalysisRequestBody['params'] } : {}) };
}

const send = (res: Response, view: AnalysisView) =>
  void res.status(view.status === 'done' || view.status === 'failed' ? 200 : 202).json(view);

/** The analysis routes; AnalysisErrors become their status and code. */
export function analysisRoutes(service: AnalysisService, logdir: string): Router {
  const r = express.Router();
  r.get(
    '/api/analyses',
    (_req, res) =>
      void res.json(
        Object.values(ANALYSES).map((a) => ({ name: a.name, description: a.description, params: a.params })),
      ),
  );
  r.get('/api/runs/:runId/checkpoints', async (req, res) => {
    const id = runId(req);
    await readRunInfo(logdir, id);
    res.json({ runId: id, epochs: await checkpointEpochs(logdir, id) });
  });
  r.post('/api/runs/:runId/analyses', express.json({ limit: '16kb' }), async (req, res) => {
    send(res, await service.request(runId(req), bodyOf(req.body)));
  });
  r.get('/api/runs/:runId/analyses', async (req, res) => {
    const id = runId(req);
    await readRunInfo(logdir, id);
    const name = typeof req.query.analysis === 'string' ? req.query.analysis : undefined;
    res.json((await listStored(logdir, id, name)).map(doneView));
  });
  r.get('/api/runs/:runId/analyses/:epoch/:key', async (req, res) => {
    const id = runId(req);
    const epoch = epochOf(req.params.epoch, 'epoch');
    const view = await service.status(id, epoch, keyOf(req));
    if (!view)
      throw httpError(
        404,
        'not-found',
        `run ${id} has no analysis ${epoch}/${String(req.params.key)}: ask for it with POST /api/runs/${id}/analyses`,
      );
    send(res, view);
  });
  r.get('/api/runs/:runId/analyses/:epoch/:key/:file', async (req, res) => {
    const id = runId(req);
    const epoch = epochOf(req.params.epoch, 'epoch');
    const file = String(req.params.file ?? '');
    if (!FILE_RE.test(file))
      throw httpError(
        400,
        'bad-request',
        `file: expected a .png name of [A-Za-z0-9._-], found ${JSON.stringify(file)}`,
      );
    const path = join(analysisDir(logdir, id, epoch, keyOf(req)), file);
    if (!(await fsp.stat(path).catch(() => undefined))?.isFile())
      throw httpError(404, 'not-found', `no file ${file} in analysis ${epoch}/${String(req.params.key)} of run ${id}`);
    // A stored result never changes (its folder is its question).
    res.sendFile(path, { maxAge: '365d', immutable: true });
  });
  r.use((err: unknown, _req: Request, _res: Response, next: NextFunction) => {
    if (err instanceof AnalysisError) return next(httpError(err.status, err.code, err.message));
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed')
      return next(httpError(400, 'bad-request', `body: not valid JSON (${e.message ?? ''})`));
    if (e.type === 'entity.too.large') return next(httpError(413, 'bad-request', 'body: larger than 16 kB'));
    next(err);
  });
  return r;
}
