/**
 * The data-provider seam: views never build URLs or call fetch themselves. Snapshot indexes are
 * fetched once and cached (they never change once stored); atlases are plain image URLs the
 * browser caches (the server sends them immutable). A viewer token in the page URL (?token=...)
 * is passed on to every request.
 */
import type { ApiErrorBody, ApiErrorCode, LayerSnapshot } from '../../server/protocol.js';
import { ZfError } from '../../server/errors.js';
import type { SnapshotRef } from '../state/reducer.js';

const token = new URLSearchParams(location.search).get('token');

/** Adds the viewer token, when the page was opened with one. */
export function withToken(url: string): string {
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/** ws(s)://host/live for this page's origin. */
export function liveUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return withToken(`${proto}//${location.host}/live`);
}

/** URL of one of a snapshot's files (atlas or weights), from the event's blob map. */
export function blobUrl(ref: SnapshotRef, file: string, runId: string): string {
  return withToken(ref.blobs[file] ?? `/blobs/${encodeURIComponent(runId)}/${ref.epoch}/${encodeURIComponent(file)}`);
}

/** URL of a figure experiment's picture (a PNG under /blobs) from the event's picture map; undefined when it names none. */
export function pictureUrl(x: { pictures: Record<string, string> }, name: string): string | undefined {
  const url = x.pictures[name];
  return typeof url === 'string' ? withToken(url) : undefined;
}

const preloaded = new Map<string, HTMLImageElement>();

/**
 * Starts loading a layer's atlases from the snapshot event alone, before its index arrives: the
 * engine names them `<layer>.<method>.png` and `<layer>.patches.png` (training/viz/snapshot.ts),
 * and the event's blob map lists them. Names it does not list are skipped.
 */
export function preloadAtlases(ref: SnapshotRef, method: string): void {
  for (const name of [`${ref.layer}.${method}.png`, `${ref.layer}.patches.png`]) {
    const url = ref.blobs[name];
    if (url) preload(withToken(url));
  }
}

/** Starts loading (and decoding) an atlas before any tile asks for it; once per URL. */
export function preload(url: string): void {
  if (preloaded.has(url)) return;
  const img = new Image();
  img.src = url;
  img.decode().catch(() => undefined); // a broken atlas shows as a blank tile; the index already loaded
  preloaded.set(url, img);
}

/** A failed request, with the route and what the server said. */
export class ApiError extends ZfError {
  constructor(
    readonly url: string,
    status: number,
    message: string,
    code: ApiErrorCode = status === 404 ? 'not-found' : 'internal',
  ) {
    super(code, message, { status });
  }
}

const cache = new Map<string, Promise<LayerSnapshot>>();
const done = new Map<string, LayerSnapshot>();

/** The LayerSnapshot JSON behind an indexUrl; one request per URL for the page's lifetime (failures are retried). */
export function fetchSnapshot(indexUrl: string): Promise<LayerSnapshot> {
  let p = cache.get(indexUrl);
  if (!p) {
    p = fetchJson<LayerSnapshot>(indexUrl).then((s) => {
      done.set(indexUrl, s);
      return s;
    });
    p.catch(() => cache.delete(indexUrl));
    cache.set(indexUrl, p);
  }
  return p;
}

/** The snapshot if it has already arrived (synchronous, for render). */
export function cachedSnapshot(indexUrl: string): LayerSnapshot | undefined {
  return done.get(indexUrl);
}

async function fetchJson<T>(url: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(withToken(url));
  } catch (err) {
    throw new ApiError(url, 0, `GET ${url}: server unreachable (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!res.ok) {
    let detail = res.statusText;
    let code: ApiErrorCode | undefined;
    try {
      const body = (await res.json()) as Partial<ApiErrorBody>;
      if (body.error?.message) {
        detail = `${body.error.code} ${body.error.message}`;
        code = body.error.code;
      }
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(url, res.status, `GET ${url}: HTTP ${res.status} ${detail}`, code);
  }
  return (await res.json()) as T;
}
