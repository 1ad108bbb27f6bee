/**
 * One request on a stored run, start to end, the same for the CLI and the server's worker: check
 * it against run.json (named errors before any tensor), answer from the store when it was asked
 * before, else load the checkpoint and the probe set, run the analysis and store the result.
 */
import { join } from 'node:path';
import type { RunInfo } from '../../server/protocol.js';
import { analysisNamed } from './index.js';
import { resolveParams } from './params.js';
import { checkpointDir, loadNetwork, loadProbe, readRunInfo, targetOf, type ProbeData } from './run-files.js';
import { readStored, writeStored, type StoredAnalysis } from './store.js';
import type { AnalysisParams } from './types.js';

export interface AnalysisRequest {
  run: string;
  epoch: number;
  analysis: string;
  params?: Record<string, unknown>;
}

/** A request checked against the run: full params, and what is needed to run it. */
export interface CheckedRequest {
  run: string;
  epoch: number;
  analysis: string;
  params: AnalysisParams;
  info: RunInfo;
  checkpoint: string;
}

/** Checks a request (unknown analysis, parameter, run, epoch, layer, feature, class, image: each an AnalysisError naming it). */
export async function checkRequest(logdir: string, req: AnalysisRequest): Promise<CheckedRequest> {
  const analysis = analysisNamed(req.analysis);
  const params = resolveParams(analysis, req.params ?? {});
  const info = await readRunInfo(logdir, req.run);
  const checkpoint = await checkpointDir(logdir, req.run, req.epoch);
  analysis.check(targetOf(info), params);
  return { run: req.run, epoch: req.epoch, analysis: analysis.name, params, info, checkpoint };
}

export interface RunOptions {
  onProgress?: (done: number, total: number, note?: string) => void;
  /** Where the dataset's files are, when not where the run found them. */
  dataPath?: string;
  /** Probe sets already rebuilt, by run id (the server's worker keeps them between requests). */
  probes?: Map<string, Promise<ProbeData | Omit<ProbeData, 'preprocess'>>>;
}

/** Answers a checked request from the store, or computes and stores it. `cached` says which. */
export async function runChecked(
  logdir: string,
  req: CheckedRequest,
  o: RunOptions = {},
): Promise<{ stored: StoredAnalysis; cached: boolean }> {
  const hit = await readStored(logdir, req.run, req.epoch, req.analysis, req.params);
  if (hit) return { stored: hit, cached: true };
  const t0 = performance.now();
  let probe = o.probes?.get(req.run);
  if (!probe) {
    probe = loadProbe(req.info, o.dataPath, join(logdir, req.run));
    probe.catch(() => o.probes?.delete(req.run));
    o.probes?.set(req.run, probe);
  }
  const data = await probe;
  const model = await loadNetwork(req.info, req.checkpoint);
  try {
    const result = await analysisNamed(req.analysis).run(
      {
        ...targetOf(req.info),
        model,
        probe: data.probe,
        ...('preprocess' in data ? { preprocess: data.preprocess } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      },
      req.params,
    );
    const stored = await writeStored(logdir, req, result, (performance.now() - t0) / 1000);
    return { stored, cached: false };
  } finally {
    model.dispose();
  }
}
