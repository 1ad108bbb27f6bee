/**
 * What a resumed run continues from: the stored run (its config and status) and which of the
 * checkpointed epoch's results are already stored. A checkpoint that closes an epoch is saved
 * before that epoch's metrics and snapshot are reported (training/train.ts), so those results are
 * a function of the checkpoint: the ones stored right after its seq are kept, everything stored
 * later (a half epoch of the next one, a snapshot cut short) is dropped through run-started's
 * resumeSeq and redone.
 */
import { dirname, join } from 'node:path';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { RunConfig, RunInfo, StoredEvent } from '../server/protocol.js';
import { Store } from '../server/store/index.js';
import type { CheckpointMeta } from './checkpoint.js';
import { ResumeError } from './train.js';

/** The checkpointed epoch's results already stored right after the checkpoint's seq. */
export interface KeptResults {
  metrics: boolean;
  snapshot: boolean;
  /** The snapshot's diagnostics event, stored right after its layers. */
  diagnostics: boolean;
  /** Stored events kept after the checkpoint's seq (resumeSeq = seq + count). */
  count: number;
}

/**
 * Which results of the epoch a checkpoint closes are stored, from the visible events after its seq
 * (ascending): the epoch's metrics at seq + 1, then a whole snapshot of that epoch (the store shows
 * a snapshot epoch only once complete), then its diagnostics. What follows (the figure experiments,
 * the checkpoint upload) is sent again.
 */
export function keptAfterCheckpoint(
  meta: Pick<CheckpointMeta, 'epoch' | 'seq' | 'epochMetrics'>,
  after: StoredEvent[],
  snapshotDue: boolean,
): KeptResults {
  const kept: KeptResults = { metrics: false, snapshot: false, diagnostics: false, count: 0 };
  if (meta.seq === undefined || !meta.epochMetrics) return kept;
  let seq = meta.seq;
  let i = 0;
  const first = after[0];
  if (
    !(
      first &&
      first.seq === seq + 1 &&
      first.type === 'metrics' &&
      first.epoch === meta.epoch &&
      first.batch === undefined
    )
  )
    return kept;
  kept.metrics = true;
  seq = first.seq;
  i = 1;
  if (!snapshotDue) return { ...kept, count: seq - meta.seq };
  let layers = 0;
  for (; i < after.length; i++) {
    const e = after[i]!;
    if (e.seq !== seq + 1 || e.type !== 'snapshot' || e.epoch !== meta.epoch) break;
    seq = e.seq;
    layers++;
  }
  kept.snapshot = layers > 0;
  // The diagnostics follow the layers: kept too, or hidden by resumeSeq and never shown again.
  const d = after[i];
  if (kept.snapshot && d?.type === 'diagnostics' && d.seq === seq + 1 && d.epoch === meta.epoch) {
    kept.diagnostics = true;
    seq = d.seq;
  }
  return { ...kept, count: seq - meta.seq };
}

const authHeaders = (token?: string): RequestInit => (token ? { headers: { authorization: `Bearer ${token}` } } : {});

async function getJson<T>(what: string, runId: string, server: string, path: string, token?: string): Promise<T> {
  const url = new URL(path, server.replace(/^ws/, 'http'));
  const res = await fetch(url, authHeaders(token)).catch((e: Error) => {
    throw new ResumeError(`--resume ${runId}: cannot reach the server at ${server}: ${e.message}`);
  });
  if (!res.ok)
    throw new ResumeError(
      `--resume ${runId}: the server at ${server} answered ${res.status} for ${what}; list runs at ${new URL('/api/runs', url)}`,
    );
  return (await res.json()) as T;
}

/** Where a trainer keeps the config of its run beside the checkpoints (a resume may find the server without the run). */
export function localConfigPath(logdir: string, runId: string): string {
  return join(logdir, runId, 'checkpoints', 'config.json');
}

/** Saves the config a new run trains with, for a resume whose server never stored the run. */
export async function saveLocalConfig(logdir: string, runId: string, config: RunConfig): Promise<void> {
  const path = localConfigPath(logdir, runId);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp-${process.pid}`, JSON.stringify(config, null, 1));
  await rename(`${path}.tmp-${process.pid}`, path);
}

/**
 * The stored RunInfo of a run to resume: from the server (REST, with the ingest token) or the local
 * logdir. A server that does not know the run (it was down while the run's events were sent: they
 * wait in the checkpoint) gives way to the config saved beside the checkpoints.
 */
export async function findRun(runId: string, logdir: string, server?: string, token?: string): Promise<RunInfo> {
  if (server) {
    try {
      return await getJson<RunInfo>('that run', runId, server, `/api/runs/${encodeURIComponent(runId)}`, token);
    } catch (err) {
      const local = await readFile(localConfigPath(logdir, runId), 'utf8').catch(() => undefined);
      if (!local || !/answered 404/.test((err as Error).message)) throw err;
      return { runId, status: 'running', config: JSON.parse(local) as RunConfig } as RunInfo;
    }
  }
  const file = join(logdir, runId, 'run.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunInfo;
  } catch {
    const local = await readFile(localConfigPath(logdir, runId), 'utf8').catch(() => undefined);
    if (local) return { runId, status: 'running', config: JSON.parse(local) as RunConfig } as RunInfo;
    throw new ResumeError(`--resume ${runId}: ${file} not found; the runs in --logdir ${logdir} are its sub-folders`);
  }
}

/** The run's visible stored events after a seq, from the server or the logdir. */
export async function storedAfter(
  runId: string,
  afterSeq: number,
  logdir: string,
  server?: string,
  token?: string,
): Promise<StoredEvent[]> {
  if (server)
    return getJson<StoredEvent[]>(
      'its events',
      runId,
      server,
      `/api/runs/${encodeURIComponent(runId)}/events?afterSeq=${afterSeq}`,
      token,
    );
  const store = await Store.open(logdir, () => undefined, { only: [runId] });
  try {
    return await store.events(runId, afterSeq);
  } finally {
    await store.close();
  }
}
