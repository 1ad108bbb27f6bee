/**
 * The host's content width as a Lit ReactiveController (ResizeObserver): views that size their
 * tiles to the window read `width` in render and are asked to render again when it changes.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class ResizeController implements ReactiveController {
  /** Content-box width in CSS pixels; 0 until the first measurement. */
  width = 0;
  #observer?: ResizeObserver;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
  }

  hostConnected(): void {
    this.width = this.host.clientWidth;
    this.#observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w === this.width) return;
      this.width = w;
      this.host.requestUpdate();
    });
    this.#observer.observe(this.host);
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
  }
}
