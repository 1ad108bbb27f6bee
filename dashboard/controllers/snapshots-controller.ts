/**
 * Loads LayerSnapshot indexes for a view: `need(urls)` is called from render, returns what has
 * arrived, starts what has not, and asks the host to render again when a request settles. The
 * pending / error parts let every view render its loading and error states on purpose.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LayerSnapshot } from '../../server/protocol.js';
import { cachedSnapshot, fetchSnapshot } from '../data/api.js';

export interface Needed {
  /** By indexUrl; only those that arrived. */
  ready: Map<string, LayerSnapshot>;
  pending: boolean;
  error?: string;
}

export class SnapshotsController implements ReactiveController {
  #errors = new Map<string, string>();
  #inflight = new Set<string>();

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  need(urls: string[]): Needed {
    const ready = new Map<string, LayerSnapshot>();
    let pending = false;
    let error: string | undefined;
    for (const url of urls) {
      const s = cachedSnapshot(url);
      if (s) {
        ready.set(url, s);
        continue;
      }
      const e = this.#errors.get(url);
      if (e) {
        error ??= e;
        continue;
      }
      pending = true;
      if (this.#inflight.has(url)) continue;
      this.#inflight.add(url);
      fetchSnapshot(url)
        .catch((err: unknown) => this.#errors.set(url, err instanceof Error ? err.message : String(err)))
        .finally(() => {
          this.#inflight.delete(url);
          this.host.requestUpdate();
        });
    }
    return { ready, pending, ...(error ? { error } : {}) };
  }

  /** Forget errors so the next render retries (e.g. after the connection came back). */
  retry(): void {
    if (this.#errors.size) {
      this.#errors.clear();
      this.host.requestUpdate();
    }
  }
}
