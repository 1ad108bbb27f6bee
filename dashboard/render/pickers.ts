/** Layer and method pickers shared by the snapshot views; they raise zf-navigate. */
import { html, type TemplateResult } from 'lit';
import { navigateFrom } from '../events.js';

export function layerPicker(host: HTMLElement, layers: string[], current: string): TemplateResult {
  return html`<div class="seg" role="group" aria-label="Layer">
    ${layers.map(
      (l) =>
        html`<button aria-pressed=${l === current ? 'true' : 'false'} data-layer=${l} @click=${() => navigateFrom(host, { layer: l })}>${l}</button>`,
    )}
  </div>`;
}

/**
 * Projection methods present in the snapshot (deconvnet / backprop / guided). With one method the
 * toggle still shows (pressed, alone) and says how to record the others.
 */
export function methodPicker(host: HTMLElement, methods: string[], current: string): TemplateResult {
  if (methods.length < 2)
    return html`<div class="seg" role="group" aria-label="Projection method" title="This run recorded one projection method; train with --methods deconvnet,backprop,guided to compare them here.">
      <button aria-pressed="true" data-method=${methods[0] ?? 'deconvnet'} data-only>${methods[0] ?? 'deconvnet'} (only method recorded)</button>
    </div>`;
  return html`<div class="seg" role="group" aria-label="Projection method">
    ${methods.map(
      (m) =>
        html`<button aria-pressed=${m === current ? 'true' : 'false'} data-method=${m} @click=${() => navigateFrom(host, { method: m })}>${m}</button>`,
    )}
  </div>`;
}

/** The method to show: the requested one when present, else deconvnet, else the first. */
export function pickMethod(methods: string[], requested: string | undefined): string {
  if (requested && methods.includes(requested)) return requested;
  return methods.includes('deconvnet') ? 'deconvnet' : (methods[0] ?? 'deconvnet');
}
