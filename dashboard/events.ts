/** The one custom event views raise: a request to change what is shown (merged into the URL by <zf-app>). */
import type { NavPatch } from './state/url.js';

export type NavigateEvent = CustomEvent<NavPatch>;

declare global {
  interface HTMLElementEventMap {
    'zf-navigate': NavigateEvent;
  }
}

/** Dispatch from any element inside the app's shadow trees; it bubbles out to <zf-app>. */
export function navigateFrom(el: HTMLElement, patch: NavPatch): void {
  el.dispatchEvent(new CustomEvent('zf-navigate', { detail: patch, bubbles: true, composed: true }));
}
