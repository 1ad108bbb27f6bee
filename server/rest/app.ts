/** The express app: viewer-token check, REST routes, the built dashboard, and JSON errors. */
import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreReader } from '../store/index.js';
import { ZfError, messageOf, httpError } from '../errors.js';
import { tokenMatches } from '../auth.js';
import { apiRoutes } from './routes.js';
import { analysisRoutes } from './analyses.js';
import type { AnalysisService } from '../analyses/service.js';
import { edgeRefusal, type EdgeOptions } from '../edge.js';

export interface AppOptions {
  store: StoreReader;
  viewerToken?: string;
  dashboardDir: string;
  log: (line: string) => void;
  /** Analyses on stored checkpoints (routes absent without it). */
  analyses?: AnalysisService;
  /** Origin and Host checks (edge.ts); default: the defaults there. */
  edge?: EdgeOptions;
  /** The ingest token also reads (a trainer resuming its run asks REST for it). */
  ingestToken?: string;
}

/** The token a request carries: `?token=` or `Authorization: Bearer`. */
export function requestToken(url: string | undefined, authorization: string | undefined): string | undefined {
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (bearer) return bearer.trim();
  const q = new URL(url ?? '/', 'http://x').searchParams.get('token');
  return q ?? undefined;
}

/** Whether a request may read: always without a viewer token, else with it (or with the ingest token: a trainer may read its runs). */
export function viewerAllowed(
  viewerToken: string | undefined,
  url: string | undefined,
  authorization: string | undefined,
  ingestToken?: string,
): boolean {
  if (!viewerToken) return true;
  const given = requestToken(url, authorization);
  return (
    given !== undefined &&
    (tokenMatches(given, viewerToken) || (ingestToken !== undefined && tokenMatches(given, ingestToken)))
  );
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>zfscope</title>
<h1>zfscope server</h1><p>The dashboard is not built. Run <code>npm run build</code> and reload.
The REST API is at <a href="api/runs">/api/runs</a>.</p>`;

/** Builds the express app. */
export function createApp(opts: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const refusal = edgeRefusal(req.headers, opts.edge ?? (opts.viewerToken ? { viewerToken: opts.viewerToken } : {}));
    next(refusal ? httpError(403, 'forbidden', refusal) : undefined);
  });
  app.use(['/api', '/blobs'], (req: Request, _res: Response, next: NextFunction) => {
    if (req.path === '/health' && req.baseUrl === '/api') return next();
    if (!viewerAllowed(opts.viewerToken, req.originalUrl, req.headers.authorization, opts.ingestToken)) {
      return next(
        httpError(
          401,
          'unauthorized',
          'this server needs the viewer token: add ?token=... or Authorization: Bearer ...',
        ),
      );
    }
    next();
  });
  if (opts.analyses) app.use(analysisRoutes(opts.analyses, opts.store.logdir));
  app.use(apiRoutes(opts.store));
  app.use(express.static(opts.dashboardDir, { index: 'index.html', fallthrough: true }));
  // Single-page app: unknown paths get index.html so client-side routes survive a reload.
  app.get(/.*/, (_req, res) => {
    const index = join(opts.dashboardDir, 'index.html');
    if (existsSync(index)) res.sendFile(index);
    else res.status(200).type('html').send(NOT_BUILT);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let status = 500;
    let code = 'internal';
    let message = messageOf(err);
    if (err instanceof ZfError) ({ status, code, message } = err);
    else if ((err as { status?: number }).status === 404) ({ status, code } = { status: 404, code: 'not-found' });
    else opts.log(`http ${req.method} ${req.originalUrl}: ${message}`);
    if (res.headersSent) return void res.end();
    res.status(status).json({ error: { code, message } });
  });
  return app;
}
