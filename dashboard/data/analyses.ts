/**
 * The data-provider seam for analyses on stored checkpoints: ask a question (the server answers at
 * once from its store, or with progress), poll it until it is done, list what a run already has.
 * Views never build these URLs themselves.
 */
import type { AnalysisRequestBody, AnalysisView, ApiErrorBody } from '../../server/protocol.js';
import { ApiError, withToken } from './api.js';

const runPath = (runId: string) => `/api/runs/${encodeURIComponent(runId)}`;

async function call<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(
      withToken(url),
      body === undefined
        ? { method }
        : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
  } catch (err) {
    throw new ApiError(
      url,
      0,
      `${method} ${url}: server unreachable (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const json = (await res.json().catch(() => ({}))) as T & Partial<ApiErrorBody>;
  if (!res.ok)
    throw new ApiError(
      url,
      res.status,
      json.error?.message ?? `${method} ${url}: HTTP ${res.status}`,
      json.error?.code,
    );
  return json;
}

/** Asks a question; a stored answer comes back done, else queued or running. */
export function requestAnalysis(runId: string, body: AnalysisRequestBody): Promise<AnalysisView> {
  return call<AnalysisView>('POST', `${runPath(runId)}/analyses`, body);
}

/** Where a question stands. */
export function analysisStatus(runId: string, id: string): Promise<AnalysisView> {
  return call<AnalysisView>('GET', `${runPath(runId)}/analyses/${id}`);
}

/** The epochs with a checkpoint (what an analysis can be asked at). */
export async function checkpointEpochs(runId: string): Promise<number[]> {
  return (await call<{ epochs: number[] }>('GET', `${runPath(runId)}/checkpoints`)).epochs;
}

/** The run's stored results of one analysis. */
export function storedAnalyses(runId: string, analysis: string): Promise<AnalysisView[]> {
  return call<AnalysisView[]>('GET', `${runPath(runId)}/analyses?analysis=${encodeURIComponent(analysis)}`);
}

/**
 * Asks and follows a question to its end, reporting every view on the way (progress); resolves with
 * the done view, rejects with the failure's message. `signal` stops following (not the server).
 */
export async function followAnalysis(
  runId: string,
  body: AnalysisRequestBody,
  onView: (v: AnalysisView) => void,
  signal?: AbortSignal,
): Promise<AnalysisView> {
  let view = await requestAnalysis(runId, body);
  for (;;) {
    onView(view);
    if (view.status === 'done') return view;
    if (view.status === 'failed') throw new ApiError(view.id, 200, view.error?.message ?? 'the analysis failed');
    await new Promise((r) => setTimeout(r, 250));
    if (signal?.aborted) throw new DOMException('stopped following', 'AbortError');
    try {
      view = await analysisStatus(runId, view.id);
    } catch (err) {
      // A server restarted mid-question forgets what was queued: ask again (a stored answer comes back at once).
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      view = await requestAnalysis(runId, body);
    }
  }
}

/** A result's URL with the viewer token. */
export const analysisImage = (url: unknown): string => withToken(String(url));
