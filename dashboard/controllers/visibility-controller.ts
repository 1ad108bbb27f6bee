/**
 * Virtualization for long grids: one IntersectionObserver per host marks rows (elements with a
 * `data-row` attribute) that came within `margin` of the viewport; the host renders only those
 * rows' tiles, so a 96-map layer loads and paints only what is seen. Rows stay rendered once seen
 * (their atlases are shared and already decoded, so dropping them would save nothing).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class VisibilityController implements ReactiveController {
  readonly seen = new Set<string>();
  #observer?: IntersectionObserver;
  #observed = new WeakSet<Element>();

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly margin = '600px',
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.#observer = new IntersectionObserver(
      (entries) => {
        let changed = false;
        for (const e of entries) {
          const key = (e.target as HTMLElement).dataset.row;
          if (e.isIntersecting && key !== undefined && !this.seen.has(key)) {
            this.seen.add(key);
            changed = true;
          }
        }
        if (changed) this.host.requestUpdate();
      },
      { rootMargin: this.margin },
    );
    this.#observed = new WeakSet();
  }

  hostUpdated(): void {
    const root = this.host.shadowRoot ?? this.host;
    for (const el of root.querySelectorAll('[data-row]')) {
      if (this.#observed.has(el)) continue;
      this.#observed.add(el);
      this.#observer?.observe(el);
    }
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
  }

  /** Forget what was seen (a new layer or run): rows are observed afresh. */
  reset(): void {
    this.seen.clear();
  }
}
