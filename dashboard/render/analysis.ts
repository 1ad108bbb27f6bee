/** Template helpers of <zf-analysis>: one answer (progress bar, image or error) and a reconstruction row. */
import { html, nothing, type TemplateResult } from 'lit';
import type { AnalysisView } from '../../server/protocol.js';
import { analysisImage } from '../data/analyses.js';
import { num } from '../state/format.js';

/** One question's state in a view: following it (view), or failed (error). */
export interface Asked {
  view?: AnalysisView;
  error?: string;
}

/** A done answer's image, or its progress bar while queued or running, or its error. */
export function answer(
  a: Asked | undefined,
  image: (v: AnalysisView) => unknown,
  label: string,
): TemplateResult | typeof nothing {
  if (!a) return nothing;
  if (a.error) return html`<p class="error" role="alert" data-state="error">${a.error}</p>`;
  const v = a.view;
  if (v?.status === 'done') return html`<img src=${analysisImage(image(v))} alt=${label} data-state="done" />`;
  const frac = v && v.status === 'running' ? v.progress.done / Math.max(1, v.progress.total) : 0;
  const text = !v
    ? 'asking…'
    : v.status === 'queued'
      ? `queued${v.position ? ` (${v.position} ahead)` : ''}`
      : `${v.progress.done}/${v.progress.total}${v.progress.note ? ` · ${v.progress.note}` : ''}`;
  return html`<div class="bar" role="progressbar" aria-label=${`${label}: computing`} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(frac * 100)}>
      <span style=${`width:${Math.round(frac * 100)}%`}></span>
    </div>
    <span class="muted" data-state="progress">${text}</span>`;
}

/** "epoch 2 · objective 0.01 → 0.04" under an optimal input (and "never fired" when it never did). */
export function optimalCaption(v: AnalysisView | undefined): TemplateResult | typeof nothing {
  if (v?.status !== 'done') return nothing;
  const obj = v.result!.objective as number[];
  const warm = v.result!.warmupSteps as number;
  return html`<span class="muted">epoch ${v.epoch} · objective ${num(obj[0]!, 2)} → ${num(obj.at(-1)!, 2)}${warm >= (v.params.steps as number) ? ' · never fired' : ''}</span>`;
}

type Layers = Record<string, { pixelError: number; image: string; deconvnet: string }>;

/** The seed's figure for one epoch: the probe image, then per conv layer its inversion over its whole-layer deconvnet. */
export function reconstructionRow(epoch: number, a: Asked): TemplateResult {
  const v = a.view;
  if (v?.status !== 'done')
    return html`<div class="row" data-epoch=${epoch}><span class="muted">epoch ${epoch}</span>${answer(a, () => '', `reconstruction at epoch ${epoch}`)}</div>`;
  const layers = v.result!.layers as Layers;
  return html`<div class="row layers" data-epoch=${epoch} aria-label=${`reconstruction from each layer at epoch ${epoch}`}>
    <figure><img src=${analysisImage(v.result!.original)} alt="the probe image" /><span class="muted">image ${v.result!.image as number} · epoch ${epoch}</span></figure>
    ${Object.entries(layers).map(
      ([name, l]) => html`<figure data-layer=${name}>
        <img src=${analysisImage(l.image)} alt=${`reconstruction from ${name}`} />
        <img src=${analysisImage(l.deconvnet)} alt=${`whole-layer deconvnet of ${name}`} />
        <span class="muted">${name} · pixel error ${num(l.pixelError, 2)}</span>
      </figure>`,
    )}
  </div>`;
}
