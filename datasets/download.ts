/**
 * Downloads a dataset file into the cache: mirrors tried in order, each attempt retried with
 * back-off and resumed with an HTTP Range request from what is already on disk (`NAME.part`),
 * redirects followed, the result checked against a known MD5 / SHA-256, then renamed into place
 * atomically so a half-written file is never taken for a dataset.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describeFsError } from './files.js';
import { DatasetError } from './types.js';

/** A file a dataset can be downloaded as. */
export interface RemoteFile {
  /** File name in the destination folder. */
  name: string;
  /** Mirrors, tried in order. */
  urls: string[];
  md5?: string;
  sha256?: string;
}

export interface DownloadOptions {
  /** Attempts per mirror (default 3). */
  retries?: number;
  /** Wait before attempt n+1 is n times this (default 1000 ms). */
  retryDelayMs?: number;
  /** Give up on a connection silent for this long (default 30 s). */
  timeoutMs?: number;
  onProgress?: (message: string) => void;
}

/** An attempt's failure; `retryable` is false for answers a retry would not change (404, 403). */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

const MB = 1024 * 1024;

/** A text progress bar: `name [######----] 60% 15.9/26.4 MB`. */
export function progressBar(name: string, done: number, total: number | undefined): string {
  if (!total) return `${name} ${(done / MB).toFixed(1)} MB`;
  const share = Math.min(1, done / total);
  const filled = Math.round(share * 20);
  return `${name} [${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${Math.floor(share * 100)}% ${(done / MB).toFixed(1)}/${(total / MB).toFixed(1)} MB`;
}

function request(url: string, headers: Record<string, string>, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { headers }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new AttemptError(`no data for ${timeoutMs / 1000} s`, true)));
    req.on('error', (err) => reject(err instanceof AttemptError ? err : new AttemptError(err.message, true)));
  });
}

/** One attempt: fetches url into part, appending from its current size when the server allows. */
async function attempt(
  url: string,
  part: string,
  file: RemoteFile,
  opts: Required<Pick<DownloadOptions, 'timeoutMs'>> & DownloadOptions,
): Promise<void> {
  let offset = sizeOf(part);
  let res: http.IncomingMessage;
  for (let hops = 0; ; hops++) {
    res = await request(url, offset > 0 ? { range: `bytes=${offset}-` } : {}, opts.timeoutMs);
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location && hops < 5) {
      res.resume();
      url = new URL(location, url).toString();
      continue;
    }
    break;
  }
  const status = res.statusCode ?? 0;
  if (status === 416) {
    // The part on disk is not a prefix the server recognises: start over.
    res.resume();
    removeQuietly(part);
    throw new AttemptError(`the server refused to resume at byte ${offset} (HTTP 416)`, true);
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new AttemptError(
      `HTTP ${status} ${res.statusMessage ?? ''}`.trim(),
      status >= 500 || status === 429 || status === 408,
    );
  }
  if (status === 200) offset = 0; // the server ignored the Range: rewrite from the start
  const length = Number(res.headers['content-length'] ?? NaN);
  const total = Number.isFinite(length) ? offset + length : undefined;
  let received = offset;
  let lastShown = -1;
  const show = () => {
    const step = total ? Math.floor((received / total) * 10) : Math.floor(received / (5 * MB));
    if (step !== lastShown) {
      lastShown = step;
      opts.onProgress?.(progressBar(file.name, received, total));
    }
  };
  show();
  try {
    await pipeline(
      res,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          received += chunk.length;
          show();
          yield chunk;
        }
      },
      createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' }),
    );
  } catch (err) {
    throw new AttemptError(
      `connection lost after ${received} bytes (${err instanceof Error ? err.message : String(err)})`,
      true,
    );
  }
  if (total !== undefined && sizeOf(part) < total) {
    throw new AttemptError(`response ended early: ${sizeOf(part)} of ${total} bytes`, true);
  }
}

async function digest(path: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Checks part against the file's known checksum; returns a description of the mismatch, or null. */
async function checksumProblem(part: string, file: RemoteFile): Promise<string | null> {
  for (const algorithm of ['sha256', 'md5'] as const) {
    const want = file[algorithm];
    if (!want) continue;
    const got = await digest(part, algorithm);
    if (got !== want.toLowerCase()) return `checksum mismatch: expected ${algorithm} ${want}, got ${got}`;
  }
  return null;
}

/**
 * Downloads `file` into `destDir/file.name` and returns that path. Throws a DatasetError naming
 * the file, every URL tried and the last problem when no mirror yields the right bytes.
 */
export async function downloadFile(file: RemoteFile, destDir: string, options: DownloadOptions = {}): Promise<string> {
  const opts = { retries: 3, retryDelayMs: 1000, timeoutMs: 30_000, ...options };
  try {
    mkdirSync(destDir, { recursive: true });
  } catch (err) {
    throw new DatasetError(
      `cannot create the download folder ${destDir}: ${describeFsError(err)}; set $ZFSCOPE_DATA to a writable folder, or pass the data with --data`,
      destDir,
    );
  }
  const dest = join(destDir, file.name);
  const part = `${dest}.part`;
  const problems: string[] = [];
  for (const url of file.urls) {
    for (let n = 1; n <= opts.retries; n++) {
      try {
        opts.onProgress?.(`downloading ${url}${sizeOf(part) ? ` (resuming at byte ${sizeOf(part)})` : ''}`);
        await attempt(url, part, file, opts);
      } catch (err) {
        const e = err instanceof AttemptError ? err : new AttemptError(String(err), true);
        problems.push(`${url} (attempt ${n}): ${e.message}`);
        opts.onProgress?.(
          `download of ${file.name} failed: ${e.message}${e.retryable && n < opts.retries ? '; retrying' : ''}`,
        );
        if (!e.retryable) break;
        if (n < opts.retries) await new Promise((r) => setTimeout(r, opts.retryDelayMs * n));
        continue;
      }
      const mismatch = await checksumProblem(part, file);
      if (mismatch) {
        // Bad bytes cannot be resumed from: drop them, and let the next mirror try.
        removeQuietly(part);
        problems.push(`${url}: ${mismatch}`);
        opts.onProgress?.(`${file.name}: ${mismatch}; deleted the download`);
        break;
      }
      renameSync(part, dest);
      opts.onProgress?.(`downloaded ${file.name} to ${dest}`);
      return dest;
    }
  }
  throw new DatasetError(
    `could not download ${file.name}: ${problems.join('; ')}. Check the network, or fetch the file yourself into ${destDir} (or any folder passed with --data)`,
    dest,
  );
}
