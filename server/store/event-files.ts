/**
 * The files an event carries, written before its line is appended (an event line on disk always
 * has its files): a snapshot's atlases and index, and the figure experiments' pictures, into
 * runs/<run>/snapshots/<epoch>/, a checkpoint
 * into runs/<run>/checkpoints/<epoch>/, a probe set into runs/<run>/probe/. Each file is written
 * atomically; the file that marks a folder complete (meta.json, probe.json) goes last. A checkpoint
 * or probe file that already holds the same bytes is not written again: a trainer that shares the
 * server's logdir (`zfscope start`) saved it there itself, and a resent event changes nothing.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobRef, TrainerEvent } from '../protocol.js';
import { sha256Hex } from '../socket/blob-frame.js';
import { refuseLink, runPaths, writeAtomicSync } from './files.js';

/** Folders known to exist (RunState.dirs), so each is looked at once. */
type KnownDirs = Set<string>;

/** Makes `dir` (and `parent`) after checking neither is a planted link that would take writes out of the logdir. */
function ensureDir(dirs: KnownDirs, parent: string, dir: string): void {
  if (dirs.has(dir)) return;
  refuseLink(parent);
  refuseLink(dir);
  mkdirSync(dir, { recursive: true });
  dirs.add(dir);
}

/** Whether `path` is a regular file holding exactly the bytes of `ref`. */
function sameContent(path: string, ref: BlobRef): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && st.size === ref.bytes && sha256Hex(readFileSync(path)) === ref.sha256;
  } catch {
    return false;
  }
}

/** Writes the files of `refs` into `dir`, `last` after the others; with `skipSame`, not those already holding the bytes. */
function writeFolder(
  dir: string,
  refs: readonly BlobRef[],
  data: readonly Uint8Array[],
  last: string,
  skipSame = true,
): void {
  const order = refs.map((_, i) => i).sort((a, b) => Number(refs[a]!.name === last) - Number(refs[b]!.name === last));
  for (const i of order) {
    const path = join(dir, refs[i]!.name);
    refuseLink(path);
    if (!skipSame || !sameContent(path, refs[i]!)) writeAtomicSync(path, data[i]!);
  }
}

/**
 * Why a snapshot event's index file is unusable (not JSON, not a LayerSnapshot with files and
 * maps), or undefined when it is fine: checked before anything is stored.
 */
export function indexFileError(event: TrainerEvent, data: readonly Uint8Array[]): string | undefined {
  if (event.type !== 'snapshot') return undefined;
  const name = `${event.layer}.json`;
  const i = event.blobs.findIndex((b) => b.name === name);
  const where = `event(snapshot).blobs (${name})`;
  if (i < 0 || !data[i]) return `${where}: expected the layer's index, found none`;
  let index: unknown;
  try {
    index = JSON.parse(Buffer.from(data[i]!).toString('utf8'));
  } catch {
    return `${where}: expected a LayerSnapshot as JSON, found bytes that are not JSON`;
  }
  const o = index as { files?: unknown; maps?: unknown } | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return `${where}: expected a LayerSnapshot object`;
  if (typeof o.files !== 'object' || o.files === null) return `${where}.files: expected an object`;
  if (!Array.isArray(o.maps)) return `${where}.maps: expected an array`;
  return undefined;
}

/** Writes the files of one event (nothing for events without files). */
export function writeEventFiles(
  logdir: string,
  runId: string,
  dirs: KnownDirs,
  event: TrainerEvent,
  data: readonly Uint8Array[],
): void {
  const paths = runPaths(logdir, runId);
  switch (event.type) {
    case 'snapshot': {
      const dir = paths.epochDir(event.epoch);
      ensureDir(dirs, paths.snapshots, dir);
      // The index last: it names the atlases.
      writeFolder(dir, event.blobs, data, `${event.layer}.json`, false);
      return;
    }
    case 'experiments': {
      // Next to the epoch's atlases (served by /blobs like them); written again when the event is resent.
      const dir = paths.epochDir(event.epoch);
      ensureDir(dirs, paths.snapshots, dir);
      writeFolder(dir, event.blobs, data, '', false);
      return;
    }
    case 'checkpoint': {
      const parent = join(paths.dir, 'checkpoints');
      const dir = join(parent, String(event.epoch));
      ensureDir(dirs, parent, dir);
      writeFolder(dir, event.blobs, data, 'meta.json');
      return;
    }
    case 'probe': {
      const dir = join(paths.dir, 'probe');
      ensureDir(dirs, paths.dir, dir);
      writeFolder(dir, event.blobs, data, 'probe.json');
      return;
    }
    default:
      return;
  }
}
