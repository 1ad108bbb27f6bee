/**
 * Reads what the findings need from a logdir, read-only: the run's config (run.json), its stored
 * snapshot indexes and its diagnostics events. Errors name the run, the logdir and the file.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerSnapshot, RunInfo, StoredEvent } from '../../server/protocol.js';
import { RUN_ID_RE } from '../../server/guards.js';
import { runPaths } from '../../server/store/files.js';
import { UsageError } from '../../server/errors.js';
import type { DiagnosticsEvent } from './findings.js';
import { ZfError } from '../../server/errors.js';

export interface LoadedRun {
  runId: string;
  info: RunInfo;
  snapshots: Map<number, Map<string, LayerSnapshot>>;
  diagnostics: DiagnosticsEvent[];
  /** End-of-epoch metrics by epoch (validation accuracy and loss for the comparison). */
  epochMetrics: Map<number, Record<string, number>>;
}

/** A user-facing error: one line, exit code 1. */
export class FindingsError extends ZfError {
  constructor(message: string) {
    super('findings', message);
  }
}

async function runsIn(logdir: string): Promise<string[]> {
  try {
    return (await readdir(logdir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && RUN_ID_RE.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

export async function loadRun(logdir: string, runId: string): Promise<LoadedRun> {
  if (!RUN_ID_RE.test(runId))
    throw new UsageError(
      `RUN: expected a run id of [A-Za-z0-9._-] (starting with a letter or digit), found '${runId}'`,
    );
  const paths = runPaths(logdir, runId);
  let infoText: string;
  try {
    infoText = await readFile(paths.info, 'utf8');
  } catch {
    const known = await runsIn(logdir);
    throw new FindingsError(
      `no run '${runId}' in ${logdir}${known.length ? ` (runs there: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''})` : ' (it holds no runs; see --logdir)'}`,
    );
  }
  let info: RunInfo;
  try {
    info = JSON.parse(infoText) as RunInfo;
  } catch (err) {
    throw new FindingsError(`${paths.info}: not valid JSON (${(err as Error).message})`);
  }
  const lines = (await readFile(paths.events, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim());
  const snapshots = new Map<number, Map<string, LayerSnapshot>>();
  const diagnostics: DiagnosticsEvent[] = [];
  const epochMetrics = new Map<number, Record<string, number>>();
  for (const [i, line] of lines.entries()) {
    let e: StoredEvent;
    try {
      e = JSON.parse(line) as StoredEvent;
    } catch {
      // A torn last line (a killed writer) is not an event.
      if (i === lines.length - 1) continue;
      throw new FindingsError(`${paths.events}: line ${i + 1} is not valid JSON`);
    }
    if (e.type === 'snapshot') {
      const file = join(paths.epochDir(e.epoch), `${e.layer}.json`);
      let index: LayerSnapshot;
      try {
        index = JSON.parse(await readFile(file, 'utf8')) as LayerSnapshot;
      } catch (err) {
        throw new FindingsError(
          `${file}: cannot read the snapshot index the run's events list (${(err as Error).message})`,
        );
      }
      if (!snapshots.has(e.epoch)) snapshots.set(e.epoch, new Map());
      snapshots.get(e.epoch)!.set(e.layer, index);
    } else if (e.type === 'diagnostics') {
      const { seq, ...d } = e;
      diagnostics.push(d);
    } else if (e.type === 'metrics' && e.batch === undefined) {
      epochMetrics.set(e.epoch, e.values);
    }
  }
  if (snapshots.size === 0)
    throw new FindingsError(
      `run '${runId}' in ${logdir} has no snapshots yet (its first snapshot epoch is ${info.config?.snapshotEpochs?.[0] ?? 'unknown'})`,
    );
  return { runId, info, snapshots: new Map([...snapshots].sort((a, b) => a[0] - b[0])), diagnostics, epochMetrics };
}
