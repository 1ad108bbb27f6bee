/**
 * Results of analyses in the run's folder, one folder per question:
 *
 *   runs/<run>/analyses/<epoch>/<analysis>-<hash of params>/result.json   (StoredAnalysis)
 *   runs/<run>/analyses/<epoch>/<analysis>-<hash of params>/<name>.png
 *
 * written into a temporary folder and renamed into place, so a reader (or a restart) sees a whole
 * result or none; the same question is then answered from here without recomputing.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analysisKey } from './params.js';
import type { AnalysisParams, AnalysisResult } from './types.js';

/** result.json: the request, and the result's numbers with image references as file names. */
export interface StoredAnalysis {
  analysis: string;
  run: string;
  epoch: number;
  params: AnalysisParams;
  key: string;
  /** The analysis's data; every string that names one of `files` refers to that file. */
  result: Record<string, unknown>;
  files: string[];
  createdAt: string;
  seconds: number;
}

export function analysisDir(logdir: string, runId: string, epoch: number, key: string): string {
  return join(logdir, runId, 'analyses', String(epoch), key);
}

/** The stored result of that question, or undefined. */
export async function readStored(
  logdir: string,
  runId: string,
  epoch: number,
  analysis: string,
  params: AnalysisParams,
): Promise<StoredAnalysis | undefined> {
  const file = join(analysisDir(logdir, runId, epoch, analysisKey(analysis, params)), 'result.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StoredAnalysis;
  } catch {
    return undefined;
  }
}

/** Replaces, anywhere in `value`, strings that are keys of `names` by their mapping. */
export function mapNames(value: unknown, names: Map<string, string>): unknown {
  if (typeof value === 'string') return names.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => mapNames(v, names));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapNames(v, names)]));
  return value;
}

let counter = 0;

/** Stores a result atomically; when another writer got there first, theirs stays and is returned. */
export async function writeStored(
  logdir: string,
  req: { analysis: string; run: string; epoch: number; params: AnalysisParams },
  result: AnalysisResult,
  seconds: number,
): Promise<StoredAnalysis> {
  const key = analysisKey(req.analysis, req.params);
  const dir = analysisDir(logdir, req.run, req.epoch, key);
  const names = new Map(Object.keys(result.images).map((n) => [n, `${n}.png`]));
  const stored: StoredAnalysis = {
    ...req,
    key,
    result: mapNames(result.data, names) as Record<string, unknown>,
    files: [...names.values()],
    createdAt: new Date().toISOString(),
    seconds,
  };
  const tmp = `${dir}.tmp-${process.pid}-${++counter}`;
  await mkdir(tmp, { recursive: true });
  try {
    for (const [name, bytes] of Object.entries(result.images)) await writeFile(join(tmp, `${name}.png`), bytes);
    await writeFile(join(tmp, 'result.json'), JSON.stringify(stored, null, 1));
    if (existsSync(join(dir, 'result.json'))) {
      await rm(tmp, { recursive: true, force: true });
      return JSON.parse(await readFile(join(dir, 'result.json'), 'utf8')) as StoredAnalysis;
    }
    await rm(dir, { recursive: true, force: true }); // a folder without result.json is a leftover
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return stored;
}

/** Every stored result of a run (optionally of one analysis), oldest epoch first. */
export async function listStored(logdir: string, runId: string, analysis?: string): Promise<StoredAnalysis[]> {
  const root = join(logdir, runId, 'analyses');
  const out: StoredAnalysis[] = [];
  const epochs = (await readdir(root).catch(() => [] as string[]))
    .filter((e) => /^\d+$/.test(e))
    .sort((a, b) => Number(a) - Number(b));
  for (const e of epochs) {
    for (const key of await readdir(join(root, e)).catch(() => [] as string[])) {
      if (key.includes('.tmp-') || (analysis && !key.startsWith(`${analysis}-`))) continue;
      const text = await readFile(join(root, e, key, 'result.json'), 'utf8').catch(() => undefined);
      if (text) out.push(JSON.parse(text) as StoredAnalysis);
    }
  }
  return out;
}
