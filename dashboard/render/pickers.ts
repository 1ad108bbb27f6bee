/** Layer and method pickers shared by the snapshot views; they raise zf-navigate. */
import { html, type TemplateResult } from 'lit';
import { navigateFrom } from '../events.js';

export function layerPicker(host: HTMLElement, layers: string[], current: string): TemplateResult {
  return html`<div class="seg" role="group" aria-label="Layer">
    ${layers.map(
      (l) => html`<button aria-pressed=${l === current ? 'true' : 'false'} data-layer=${l} @click=${() => navigateFrom(host, { layer: l })}>${l}</button>`,
    )}
  </div>`;
}

/** Projection methods present in the snapshot (deconvnet / backprop / guided). */
export function methodPicker(host: HTMLElement, methods: string[], current: string): TemplateResult {
  if (methods.length < 2) return html`<span class="muted">${methods[0] ?? ''}</span>`;
  return html`<div class="seg" role="group" aria-label="Projection method">
    ${methods.map(
      (m) => html`<button aria-pressed=${m === current ? 'true' : 'false'} data-method=${m} @click=${() => navigateFrom(host, { method: m })}>${m}</button>`,
    )}
  </div>`;
}

/** The method to show: the requested one when present, else deconvnet, else the first. */
export function pickMethod(methods: string[], requested: string | undefined): string {
  if (requested && methods.includes(requested)) return requested;
  return methods.includes('deconvnet') ? 'deconvnet' : (methods[0] ?? 'deconvnet');
}
