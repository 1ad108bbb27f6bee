/**
 * <zf-feature-page>: one feature map followed through training, at a URL of its own (run, layer,
 * feature): its top-9 projections above their patches at every snapshot epoch in one scrollable
 * strip (ZF Fig. 2 and Fig. 4 together), conv1's filter itself where it is a conv1 map, its health
 * over the epochs, previous / next feature and layer, and the analyses registered for features.
 * Keys: ← → epoch, ↑ ↓ feature, [ ] layer, Esc back to the grid.
 */
import { html } from 'lit';
import type { LayerSnapshot, JumpReason } from '../../server/protocol.js';
import { ResizeController } from '../controllers/resize-controller.js';
import { RunView } from './run-view.js';
import { blobUrl, preloadAtlases } from '../data/api.js';
import { navigateFrom } from '../events.js';
import { canvasPng, type ExportItem, safeName } from '../export/download.js';
import { drawMontage, stripLayout } from '../export/montage.js';
import { toCsv } from '../export/table.js';
import { FEATURE_ANALYSES } from '../feature-analyses.js';
import { weightCell } from '../state/atlas.js';
import { nearestEpoch, stepEpoch, stepIn } from '../state/epochs.js';
import { evolutionMarks } from '../state/evolution.js';
import { stripFit } from '../state/fit.js';
import { num } from '../state/format.js';
import type { SnapshotRef } from '../state/reducer.js';
import { isTyping } from '../render/dialog.js';
import { featureHealthRows, featureHealthTable, type HealthAt } from '../render/feature-health.js';
import { layerPicker, methodPicker, pickMethod } from '../render/pickers.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { blankTile, tile } from '../render/tile.js';
import { shared } from '../theme.js';
import { featurePageStyles } from './zf-feature-page.styles.js';

export class ZfFeaturePage extends RunView {
  static override styles = [shared, featurePageStyles];

  readonly #size = new ResizeController(this);
  #shown?: {
    layer: string;
    index: number;
    epochs: number[];
    cols: { snap: LayerSnapshot; ref: SnapshotRef }[];
    method: string;
    health: HealthAt[];
  };
  #focused = false;
  #onKey = (e: KeyboardEvent) => this.#keydown(e);

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.#onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.#onKey);
  }

  /** `g` and the skip link: focus the strip (`preventScroll` when the page does it on its own). */
  focusView(preventScroll = false): boolean {
    const strip = this.renderRoot.querySelector<HTMLElement>('.strip');
    strip?.focus({ preventScroll });
    return !!strip;
  }

  override updated(): void {
    // Bring the current epoch's column into the strip's view, scrolling the strip only (not the page).
    const strip = this.renderRoot.querySelector<HTMLElement>('.strip');
    const cur = this.renderRoot.querySelector<HTMLElement>('.col.cur');
    if (strip && cur) {
      const left = cur.offsetLeft - strip.offsetLeft;
      if (left < strip.scrollLeft) strip.scrollLeft = left;
      else if (left + cur.offsetWidth > strip.scrollLeft + strip.clientWidth)
        strip.scrollLeft = left + cur.offsetWidth - strip.clientWidth;
    }
    // Arriving from a dialog's link, focus would fall back to the page body: put it on the strip.
    if (!this.#focused && this.focusView(true)) this.#focused = true;
  }

  #keydown(e: KeyboardEvent): void {
    const s = this.#shown;
    if (!s || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isTyping(e)) return;
    // Keys inside a modal (the keys overlay) belong to it.
    if (e.composedPath().some((n) => n instanceof HTMLDialogElement)) return;
    const layers = this.data!.layers;
    const indices = s.cols.at(-1)!.snap.maps.map((m) => m.index);
    const epoch = this.#epoch(s.epochs);
    let patch: Parameters<typeof navigateFrom>[1] | undefined;
    if (e.key === 'ArrowLeft') patch = { epoch: stepEpoch(s.epochs, epoch, -1) };
    else if (e.key === 'ArrowRight') patch = { epoch: stepEpoch(s.epochs, epoch, 1) };
    else if (e.key === 'ArrowUp') patch = { feature: stepIn(indices, s.index, -1) };
    else if (e.key === 'ArrowDown') patch = { feature: stepIn(indices, s.index, 1) };
    else if (e.key === '[' || e.key === ']') patch = this.#layerPatch(layers, s.layer, e.key === '[' ? -1 : 1);
    else if (e.key === 'Escape') patch = { view: 'grid', feature: null };
    if (!patch) return;
    e.preventDefault();
    navigateFrom(this, patch);
  }

  /** Another layer, keeping the feature index where that layer has it. */
  #layerPatch(layers: string[], layer: string, delta: number) {
    const next = stepIn(layers, layer, delta)!;
    const d = this.data!;
    const ref = d.epochs
      .map((e) => d.snapshots[e]?.[next])
      .filter((r) => r)
      .at(-1);
    const snap = ref ? this.snaps.need([ref.indexUrl]).ready.get(ref.indexUrl) : undefined;
    const count = snap?.maps.length ?? Infinity;
    return { layer: next, feature: Math.min(this.#shown?.index ?? 0, count - 1) };
  }

  #epoch(epochs: number[]): number {
    return this.nav.epoch === undefined ? epochs.at(-1)! : nearestEpoch(epochs, this.nav.epoch)!;
  }

  override render() {
    const d = this.data;
    const run = this.run;
    if (!d?.loaded || !run) return loadingState('snapshots');
    if (!d.epochs.length) return emptyState('No snapshots yet.', 'A feature’s page needs at least one snapshot epoch.');
    const layer = this.nav.layer && d.layers.includes(this.nav.layer) ? this.nav.layer : d.layers[0]!;
    const epochs = d.epochs.filter((e) => d.snapshots[e]?.[layer]);
    const refs = epochs.map((e) => d.snapshots[e]![layer]!);
    const method = pickMethod(refs.at(-1)!.methods, this.nav.method);
    const need = this.snaps.need(refs.map((r) => r.indexUrl));
    // Every epoch's atlases, in parallel with the indexes (the strip needs them all).
    for (const r of refs) if (!need.ready.has(r.indexUrl)) preloadAtlases(r, method);
    const index = this.nav.feature ?? 0;
    const current = this.#epoch(epochs);
    const toolbar = html`<div class="toolbar">
      <a class="btn" href=${`#${new URLSearchParams({ view: 'grid', run: run.runId, layer, epoch: String(current) })}`} data-back>← ${layer} grid</a>
      ${layerPicker(this, d.layers, layer)} ${methodPicker(this, refs.at(-1)!.methods, method)}</div>`;
    if (need.error) return html`${toolbar}${errorState(need.error, () => this.snaps.retry())}`;
    const snaps = refs.map((r) => need.ready.get(r.indexUrl));
    if (snaps.some((s) => !s))
      return html`${toolbar}${loadingState(`${layer} feature ${index} across ${epochs.length} epochs`)}`;
    const all = snaps as LayerSnapshot[];
    const last = all.at(-1)!;
    const indices = last.maps.map((m) => m.index);
    if (!indices.includes(index))
      return html`${toolbar}${emptyState(`${layer} has no feature ${index}.`, `Its features are 0 to ${indices.length - 1}.`)}`;
    const marks = evolutionMarks(all, index);
    const health: HealthAt[] = all.map((s, i) => ({
      epoch: s.epoch,
      health: s.maps.find((m) => m.index === index)?.health,
      mark: marks[i],
    }));
    this.#shown = { layer, index, epochs, cols: all.map((snap, i) => ({ snap, ref: refs[i]! })), method, health };
    const li = d.layers.indexOf(layer);
    const prevF = stepIn(indices, index, -1)!;
    const nextF = stepIn(indices, index, 1)!;
    const conv1 = last.layerIndex === 0 && !!last.files.weights && !!last.weightsGrid;
    // Tiles as large as let every epoch fit the width and the strip the window's height (less the
    // header, toolbar and labels), blocks stacked or side by side; narrower windows scroll.
    const fit = stripFit((this.#size.width || 1200) - 34, window.innerHeight - 340, epochs.length, {
      pad: 44,
      min: 28,
      max: 96,
      filter: conv1,
    });
    const t = fit.tile;
    const dead = last.maps.find((m) => m.index === index)?.health.dead;
    return html`${toolbar}
      <div class="head">
        <h2 data-feature-title>${layer} · feature ${index} <span class="muted">of ${indices.length} · ${method}</span> ${dead ? html`<span class="badge dead">dead at epoch ${last.epoch}</span>` : ''}</h2>
        <div class="steps" role="group" aria-label="Step">
          <button class="btn" data-prev-feature ?disabled=${prevF === index} @click=${() => navigateFrom(this, { feature: prevF })}>↑ feature ${prevF}</button>
          <button class="btn" data-next-feature ?disabled=${nextF === index} @click=${() => navigateFrom(this, { feature: nextF })}>↓ feature ${nextF}</button>
          <button class="btn" data-prev-layer ?disabled=${li === 0} @click=${() => navigateFrom(this, this.#layerPatch(d.layers, layer, -1))}>[ ${d.layers[li - 1] ?? layer}</button>
          <button class="btn" data-next-layer ?disabled=${li === d.layers.length - 1} @click=${() => navigateFrom(this, this.#layerPatch(d.layers, layer, 1))}>${d.layers[li + 1] ?? layer} ]</button>
        </div>
      </div>
      <section class="panel">
        <h3>Top-9 at every snapshot epoch: ${method} projections ${fit.side ? 'beside' : 'above'} the image patches${conv1 ? ', the filter below' : ''}</h3>
        <div class="strip ${fit.side ? 'side' : ''}" tabindex="0" role="group" aria-label=${`${layer} feature ${index} across ${epochs.length} snapshot epochs; arrow keys step`} data-strip data-epoch=${current} data-index=${index}>
          ${all.map((s, i) => this.#column(s, refs[i]!, run.runId, method, index, t, s.epoch === current, conv1, marks[i]!.jump))}
        </div>
      </section>
      <section class="panel"><h3>Health over the epochs</h3><div class="scroll">${featureHealthTable(health, current)}</div></section>
      <section class="panel" data-analyses><h3>Analyses</h3>
        ${
          FEATURE_ANALYSES.length
            ? FEATURE_ANALYSES.filter(
                (a) => a.applies?.({ run, layer, feature: index, epoch: current, epochs }) ?? true,
              ).map(
                (a) =>
                  html`<div data-analysis=${a.id}><h3>${a.title}</h3>${a.render({ run, layer, feature: index, epoch: current, epochs })}</div>`,
              )
            : html`<p class="muted">No per-feature analyses in this build (optimal input and occlusion appear here once they are registered).</p>`
        }
      </section>`;
  }

  #column(
    s: LayerSnapshot,
    ref: SnapshotRef,
    runId: string,
    method: string,
    index: number,
    t: number,
    cur: boolean,
    conv1: boolean,
    jump: JumpReason | null,
  ) {
    const map = s.maps.find((m) => m.index === index);
    const scale = t / s.atlas.tile;
    const proj = blobUrl(ref, s.files.projections[method] ?? Object.values(s.files.projections)[0]!, runId);
    const patches = blobUrl(ref, s.files.patches, runId);
    const n = map?.top.length ?? 0;
    const block = (url: string, what: string) =>
      html`<div class="block">${[0, 1, 2, 3, 4, 5, 6, 7, 8].map((r) => (r < n ? tile(url, s.atlas, r, index, scale, `${what} ${r + 1} at epoch ${s.epoch}`) : blankTile(t)))}</div>`;
    const g = s.weightsGrid;
    return html`<div class="col ${cur ? 'cur' : ''}" data-epoch=${s.epoch}>
      <button class="ep" aria-pressed=${cur ? 'true' : 'false'} @click=${() => navigateFrom(this, { epoch: s.epoch })}>epoch ${s.epoch}${jump ? html` <span class="badge warn" data-jump=${jump} title=${jump === 'new-source' ? 'jump: the strongest activation now comes from another image' : 'jump: same top image, the response changed'}>${jump === 'new-source' ? '⟳' : '△'} jump</span>` : ''}</button>
      ${n ? html`<div class="pair">${block(proj, 'projection')}${block(patches, 'patch')}</div>` : html`<div class="never" style=${`width:${3 * t + 4}px;height:${3 * t + 4}px`}>never active on the probe set</div>`}
      ${conv1 && g && s.files.weights ? html`<div class="filter">${tile(blobUrl(ref, s.files.weights, runId), g, weightCell(g, index).col, weightCell(g, index).row, (3 * t + 4) / g.tile, `conv1 filter ${index} at epoch ${s.epoch}`)}</div>` : ''}
      <div class="muted small">${map?.top[0] ? html`top image ${map.top[0].image} · ${num(map.top[0].value, 2)}` : '—'}</div>
    </div>`;
  }

  /** Downloads: the strip as shown (PNG) and the health table (CSV). */
  exportItems(): ExportItem[] {
    const s = this.#shown;
    if (!s || !this.run) return [];
    const runId = this.run.runId;
    const base = safeName(runId, s.layer, `feature${s.index}`);
    const scale = Math.max(1, Math.round(48 / Math.max(...s.cols.map((c) => c.snap.atlas.tile))));
    const cols = s.cols.map(({ snap, ref }) => ({
      snap,
      projUrl: blobUrl(ref, snap.files.projections[s.method] ?? Object.values(snap.files.projections)[0]!, runId),
      patchUrl: blobUrl(ref, snap.files.patches, runId),
      ...(snap.layerIndex === 0 && snap.files.weights ? { weightsUrl: blobUrl(ref, snap.files.weights, runId) } : {}),
    }));
    return [
      {
        id: 'strip',
        label: `${s.layer} feature ${s.index} at ${s.epochs.length} epochs, ${s.method} (PNG)`,
        make: async () => ({
          blob: await canvasPng(await drawMontage(stripLayout(cols, s.index, scale))),
          name: `${base}-${s.method}-epochs.png`,
        }),
      },
      {
        id: 'feature-health-csv',
        label: `${s.layer} feature ${s.index}: health over the epochs (CSV)`,
        make: async () => {
          const t = featureHealthRows(s.health);
          return { blob: new Blob([toCsv(t.header, t.rows)], { type: 'text/csv' }), name: `${base}-health.csv` };
        },
      },
    ];
  }
}

customElements.define('zf-feature-page', ZfFeaturePage);
