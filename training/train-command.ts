/**
 * `zfscope train`: pick the backend, load the data, open a reporter (a server over WebSocket, or
 * the logdir directly), train, and stop cleanly on Ctrl-C (finish the step, checkpoint, report).
 */
import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { readFile, readdir } from 'node:fs/promises';
import type { RunConfig, RunInfo } from '../server/protocol.js';
import { UsageError, type ParsedFlags } from './flags.js';
import { defaultRunId, runConfigFrom, type TrainFlags } from './options.js';
import { initBackend, type BackendChoice } from './backend/index.js';
import { loadDataset, splitDataset, datasetInfo } from '../datasets/index.js';
import { StoreReporter, WebSocketReporter, type Reporter } from './reporter/index.js';
import { trainRun } from './train.js';
import { progressPrinter } from './progress.js';

export class ResumeError extends Error {
  override name = 'ResumeError';
}

/** The "<epoch>/<layer>" snapshots a run already has, from the server (REST) or the logdir. */
async function storedSnapshots(runId: string, logdir: string, server?: string, token?: string): Promise<Set<string>> {
  const out = new Set<string>();
  if (server) {
    const url = new URL(`/api/runs/${encodeURIComponent(runId)}/snapshots`, server.replace(/^ws/, 'http'));
    const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    if (res.ok) for (const s of (await res.json()) as Array<{ epoch: number; layers: string[] }>) for (const l of s.layers) out.add(`${s.epoch}/${l}`);
    return out;
  }
  const dir = join(logdir, runId, 'snapshots');
  for (const epoch of await readdir(dir).catch(() => [] as string[])) {
    for (const f of await readdir(join(dir, epoch)).catch(() => [] as string[])) {
      if (/^[^.]+\.json$/.test(f)) out.add(`${epoch}/${f.slice(0, -5)}`);
    }
  }
  return out;
}

/** The stored RunInfo of a run to resume: from the server (REST) or the local logdir. */
async function findRun(runId: string, logdir: string, server?: string, token?: string): Promise<RunInfo> {
  if (server) {
    const url = new URL(`/api/runs/${encodeURIComponent(runId)}`, server.replace(/^ws/, 'http'));
    const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {}).catch((e: Error) => {
      throw new ResumeError(`--resume ${runId}: cannot reach the server at ${server}: ${e.message}`);
    });
    if (!res.ok) throw new ResumeError(`--resume ${runId}: the server at ${server} answered ${res.status} for that run; list runs at ${new URL('/api/runs', url)}`);
    return (await res.json()) as RunInfo;
  }
  const file = join(logdir, runId, 'run.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunInfo;
  } catch {
    throw new ResumeError(`--resume ${runId}: ${file} not found; the runs in --logdir ${logdir} are its sub-folders`);
  }
}

export async function runTrainCommand(flags: ParsedFlags, extra: { onReady?: (runId: string) => void } = {}): Promise<number> {
  const logdir = resolve((flags.logdir as string | undefined) ?? 'runs');
  const server = flags.server as string | undefined;
  const token = (flags.token as string | undefined) ?? process.env.ZFSCOPE_TOKEN ?? process.env.ZFSCOPE_INGEST_TOKEN;
  if (server && !token) throw new UsageError('--server needs --token (the ingest token the server printed at start), or $ZFSCOPE_TOKEN');
  const resumeId = flags.resume as string | undefined;

  let config: RunConfig & { trainLimit?: number };
  let runId: string;
  if (resumeId) {
    const info = await findRun(resumeId, logdir, server, token);
    if (info.status === 'finished') throw new ResumeError(`--resume ${resumeId}: that run already finished all ${info.config.epochs} epochs`);
    config = info.config;
    runId = resumeId;
  } else {
    config = runConfigFrom(flags as TrainFlags);
    runId = (flags['run-id'] as string | undefined) ?? defaultRunId(config);
  }

  const out = progressPrinter();
  // zfscope says which backend it uses and why; tfjs' own "install tfjs-node" banner would only repeat it.
  tf.env().set('PROD', true);
  const backend = await initBackend((flags.backend as BackendChoice | undefined) ?? (process.env.ZFSCOPE_BACKEND as BackendChoice | undefined) ?? 'auto', (l) => out.log(l));
  out.log(`zfscope: backend ${backend.name} (${backend.description})`);

  const loaded = await loadDataset(config.dataset, {
    ...(flags.data ? { path: flags.data as string } : {}),
    download: Boolean(flags.download),
    onProgress: (m) => out.log(m),
  });
  const split = splitDataset(loaded, { seed: config.seed, probeSize: config.probeSize, ...(config.trainLimit ? { trainLimit: config.trainLimit } : {}) });
  const info = datasetInfo(loaded, split);
  out.log(`zfscope: run ${runId}: ${info.name} ${info.shape.join('x')}, ${split.train.count} train / ${split.validation.count} validation / ${split.probe.count} probe images, conv1 ${config.conv1.kernel}x${config.conv1.kernel}/${config.conv1.stride}, ${config.epochs} epochs, snapshots at ${config.snapshotEpochs.join(',')}`);

  const reporter: Reporter = server
    ? new WebSocketReporter({ url: server, runId, token: token!, spoolFile: join(logdir, runId, 'spool.jsonl'), resume: Boolean(resumeId), log: (l) => out.log(l) })
    : new StoreReporter(logdir, runId, { resume: Boolean(resumeId) });

  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      out.log('zfscope: stopping after this step (checkpoint, then exit); press Ctrl-C again to quit at once');
      stop.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  extra.onReady?.(runId);
  try {
    const result = await trainRun({
      runId, config, split, dataset: info, backend: backend.name, reporter,
      checkpointDir: join(logdir, runId, 'checkpoints'), resume: Boolean(resumeId), signal: stop.signal,
      ...(resumeId ? { storedSnapshots: await storedSnapshots(runId, logdir, server, token) } : {}),
      onProgress: (p) => out.update(p),
      log: (l) => out.log(`zfscope: ${l}`),
      ...(flags.threads !== undefined ? { threads: flags.threads as 'auto' | 1 | 2 } : {}),
    });
    out.done();
    await reporter.flush(30_000).catch((e: Error) => out.log(`zfscope: some events are not yet acknowledged (${e.message}); they stay in ${join(logdir, runId, 'spool.jsonl')} and are re-sent by --resume`));
    await reporter.close();
    const m = result.finalMetrics;
    if (result.status === 'finished') {
      out.log(`zfscope: run ${runId} finished: ${m ? `val acc ${(m.val_acc! * 100).toFixed(1)}%, val loss ${m.val_loss!.toFixed(3)}` : ''}`);
      return 0;
    }
    if (result.status === 'stopped') {
      out.log(`zfscope: run ${runId} stopped after epoch ${result.epochsDone}; continue with --resume ${runId}`);
      return 130;
    }
    out.log(`zfscope: run ${runId} failed: ${result.error}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
