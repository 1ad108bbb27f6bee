/**
 * `zfscope train`: check the flags, open a reporter (a server over WebSocket, or the logdir
 * directly) and wait until it accepts the run, then pick the backend, load the data, train, and
 * stop cleanly on Ctrl-C (finish the step, checkpoint, report). Every fatal error is a one-line
 * ZfError (FatalError, ReporterError, ResumeError, ...) with its exit code; nothing is trained
 * before the flags, the logdir and the destination are known good.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunConfig } from '../../../server/protocol.js';
import { checkRunId } from '../../../server/guards.js';
import { EXIT_RUNTIME, FatalError, UsageError, fatalOf, messageOf } from '../../../server/errors.js';
import type { FlagSpec, ParsedFlags } from '../flags.js';
import { flagCommand, type Command } from '../command.js';
import { SERVER_FLAGS, TRAIN_FLAGS, capNote, defaultRunId, runConfigFrom, type TrainFlags } from '../options.js';
import { initBackend, type BackendChoice } from '../../backend/index.js';
import { loadDataset, splitDataset, datasetInfo } from '../../../datasets/index.js';
import { StoreReporter, WebSocketReporter, ingestUrl, type Reporter } from '../../reporter/index.js';
import { ResumeError, trainRun } from '../../train.js';
import { findRun, keptAfterCheckpoint, saveLocalConfig, storedAfter, type KeptResults } from '../../resume.js';
import { loadUnacked, readCheckpointMeta, recoverCheckpoint, type CheckpointMeta } from '../../checkpoint.js';
import { progressPrinter } from '../progress.js';

export { ResumeError } from '../../train.js';

/** A run id flag, checked by the one run-id check the store and server use. */
function runIdFlag(value: string, flag: string): string {
  try {
    return checkRunId(value, flag);
  } catch (err) {
    throw new UsageError(messageOf(err));
  }
}

/** The logdir must be a folder (created if missing) that this process can write. */
function prepareLogdir(logdir: string, runId: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(logdir, { throwIfNoEntry: false });
  } catch {
    throw new UsageError(`--logdir ${logdir}: expected a folder, but part of that path is a file`);
  }
  if (st && !st.isDirectory()) throw new UsageError(`--logdir ${logdir}: expected a folder, found a file`);
  try {
    mkdirSync(join(logdir, runId), { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST')
      throw new UsageError(`--logdir ${logdir}: expected a folder, but part of that path is a file`);
    throw new FatalError(
      `--logdir ${logdir}: cannot create the run folder ${join(logdir, runId)}: ${messageOf(err)}`,
      EXIT_RUNTIME,
    );
  }
}

export async function runTrainCommand(
  flags: ParsedFlags,
  extra: { onReady?: (runId: string) => void } = {},
): Promise<number> {
  const logdir = resolve((flags.logdir as string | undefined) ?? 'runs');
  const server = flags.server as string | undefined;
  const token = (flags.token as string | undefined) ?? process.env.ZFSCOPE_TOKEN ?? process.env.ZFSCOPE_INGEST_TOKEN;
  if (server && !token)
    throw new UsageError('--server needs --token (the ingest token the server printed at start), or $ZFSCOPE_TOKEN');
  if (server) ingestUrl(server); // throws naming --server
  const resumeId = flags.resume === undefined ? undefined : runIdFlag(flags.resume as string, '--resume');
  const runIdGiven = flags['run-id'] === undefined ? undefined : runIdFlag(flags['run-id'] as string, '--run-id');
  if (resumeId && runIdGiven && resumeId !== runIdGiven)
    throw new UsageError(`--run-id ${runIdGiven} with --resume ${resumeId}: a resumed run keeps its id; drop --run-id`);

  let config: RunConfig & { trainLimit?: number };
  let runId: string;
  let meta: CheckpointMeta | null = null;
  const checkpointDir = (id: string) => join(logdir, id, 'checkpoints');
  if (resumeId) {
    const info = await findRun(resumeId, logdir, server, token);
    if (info.status === 'finished')
      throw new ResumeError(`--resume ${resumeId}: that run already finished all ${info.config.epochs} epochs`);
    config = info.config;
    runId = resumeId;
    const latest = join(checkpointDir(runId), 'latest');
    meta = (await recoverCheckpoint(latest)) ? await readCheckpointMeta(latest) : null;
    if (!meta)
      throw new ResumeError(
        `--resume ${runId}: no checkpoint at ${latest}; the run never completed a step or was not trained here`,
      );
  } else {
    config = runConfigFrom(flags as TrainFlags);
    runId = runIdGiven ?? defaultRunId(config);
  }
  prepareLogdir(logdir, runId);
  if (!resumeId) await saveLocalConfig(logdir, runId, config);

  const out = progressPrinter();
  const replay =
    meta?.seq !== undefined
      ? { upTo: meta.seq, frames: await loadUnacked(join(checkpointDir(runId), 'latest')) }
      : undefined;
  const seqOpts = { resume: Boolean(resumeId), ...(replay ? { replay } : {}) };
  const reporter: Reporter = server
    ? new WebSocketReporter({
        url: server,
        runId,
        token: token!,
        spoolFile: join(logdir, runId, 'spool.jsonl'),
        ...seqOpts,
        log: (l) => out.log(l),
        // How long to wait for a first welcome (tests shorten it).
        ...(Number(process.env.ZFSCOPE_CONNECT_TIMEOUT_MS) > 0
          ? { connectTimeoutMs: Number(process.env.ZFSCOPE_CONNECT_TIMEOUT_MS) }
          : {}),
      })
    : new StoreReporter(logdir, runId, seqOpts);

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
  try {
    // Before any work: a wrong token, a taken run id or an unreachable server ends the command here.
    const stored = await reporter.ready();
    let kept: KeptResults | undefined;
    // Only what was stored after the checkpoint's seq can be kept (none when the destination lags behind it).
    if (meta?.seq !== undefined && meta.epochMetrics && stored > meta.seq) {
      kept = keptAfterCheckpoint(
        meta,
        await storedAfter(runId, meta.seq, logdir, server, token),
        config.snapshotEpochs.includes(meta.epoch),
      );
    }

    // zfscope says which backend it uses and why; tfjs' own "install tfjs-node" banner would only repeat it.
    tf.env().set('PROD', true);
    const backend = await initBackend(
      (flags.backend as BackendChoice | undefined) ??
        (process.env.ZFSCOPE_BACKEND as BackendChoice | undefined) ??
        'auto',
      (l) => out.log(l),
    );
    out.log(`zfscope: backend ${backend.name} (${backend.description})`);
    const loaded = await loadDataset(config.dataset, {
      ...(flags.data ? { path: flags.data as string } : {}),
      download: Boolean(flags.download),
      onProgress: (m) => out.log(m),
    });
    const split = splitDataset(loaded, {
      seed: config.seed,
      probeSize: config.probeSize,
      ...(config.trainLimit ? { trainLimit: config.trainLimit } : {}),
    });
    const info = datasetInfo(loaded, split);
    const capped = capNote(
      config.trainLimit ?? 0,
      loaded.train.count,
      flags['train-limit'] !== undefined,
      config.preset,
    );
    out.log(
      `zfscope: run ${runId}: ${info.name} ${info.shape.join('x')}, ${split.train.count} train${capped} / ${split.validation.count} validation / ${split.probe.count} probe images, conv1 ${config.conv1.kernel}x${config.conv1.kernel}/${config.conv1.stride}, ${config.epochs} epoch${config.epochs === 1 ? '' : 's'}, snapshots at ${config.snapshotEpochs.join(',')}`,
    );
    extra.onReady?.(runId);

    const result = await trainRun({
      runId,
      config,
      split,
      dataset: info,
      backend: backend.name,
      reporter,
      checkpointDir: checkpointDir(runId),
      resume: Boolean(resumeId),
      signal: stop.signal,
      ...(kept ? { kept } : {}),
      onProgress: (p) => out.update(p),
      log: (l) => out.log(`zfscope: ${l}`),
      ...(flags.threads !== undefined ? { threads: flags.threads as 'auto' | 1 | 2 } : {}),
    });
    out.done();
    let unacked = false;
    await reporter.flush(30_000).catch((e: Error) => {
      unacked = true;
      out.log(
        `zfscope: ${e.message}; the run's last checkpoint keeps what they need: run with --resume ${runId} once the server is back to send them`,
      );
    });
    const m = result.finalMetrics;
    if (result.status === 'failed') {
      const fatal = fatalOf(result.cause);
      if (fatal) throw new FatalError(fatal.message, fatal.exitCode);
      out.log(`zfscope: run ${runId} failed: ${result.error}`);
      return EXIT_RUNTIME;
    }
    if (unacked) return EXIT_RUNTIME;
    if (result.status === 'stopped') {
      out.log(`zfscope: run ${runId} stopped after epoch ${result.epochsDone}; continue with --resume ${runId}`);
      return 130;
    }
    out.log(
      `zfscope: run ${runId} finished: ${m ? `val acc ${(m.val_acc! * 100).toFixed(1)}%, val loss ${m.val_loss!.toFixed(3)}` : ''}`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Always: a reporter left open (a socket, a reconnect timer) would keep the process alive.
    await reporter.close().catch(() => undefined);
  }
}

const FLAGS: FlagSpec[] = [
  ...TRAIN_FLAGS,
  { name: 'server', arg: 'URL', help: 'report to a zfscope server (default: write into --logdir)' },
  SERVER_FLAGS.find((f) => f.name === 'token')!,
];

export const trainCommand: Command = flagCommand({
  name: 'train',
  summary: 'run only a trainer, reporting to --server URL or straight into --logdir',
  usage: 'zfscope train [options]',
  description: 'Train a small ZF-net and snapshot its features at the chosen epochs.',
  flags: FLAGS,
  run: (flags) => runTrainCommand(flags),
});
