/**
 * <zf-compare>: two runs side by side on the same layer and epoch (ZF Fig. 6: conv1 11x11/4
 * against 7x7/2) — each feature's strongest projection, conv1's filters, and the health figures
 * that tell them apart (aliasing, dead filters, weight change, validation accuracy). The runs'
 * snapshot epochs need not match: each side shows its snapshot nearest the epoch asked for, and
 * the view says so when they differ. Downloads: each side's mosaic (PNG).
 */
import { css, html, LitElement } from 'lit';
import type { LayerSnapshot } from '../../server/protocol.js';
import { SnapshotsController } from '../controllers/snapshots-controller.js';
import { blobUrl } from '../data/api.js';
import { navigateFrom } from '../events.js';
import { canvasPng, type ExportItem, safeName } from '../export/download.js';
import { drawMontage, mosaicLayout } from '../export/montage.js';
import { alignEpochs } from '../state/epochs.js';
import { aliasingHint, aliasingLevel } from '../state/aliasing.js';
import { legend } from '../../training/viz/diagnostics/rules.js';
import { rulesOf } from '../render/marks.js';
import { weightCell } from '../state/atlas.js';
import { convLabel, metricValue, num, pct } from '../state/format.js';
import type { DashboardState, SnapshotRef } from '../state/reducer.js';
import { formatHash, type NavState } from '../state/url.js';
import { layerPicker, methodPicker, pickMethod } from '../render/pickers.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { tile } from '../render/tile.js';
import { shared } from '../theme.js';

export class ZfCompare extends LitElement {
  static override styles = [
    shared,
    css`
      .sides {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 16px;
        align-items: start;
      }
      .mosaic {
        display: flex;
        flex-wrap: wrap;
        gap: 3px;
        margin: 6px 0 14px;
      }
      h3 {
        margin-top: 12px;
      }
      .figures {
        display: grid;
        grid-template-columns: repeat(4, auto);
        gap: 6px 18px;
        margin: 10px 0;
      }
      .figures strong {
        display: block;
        font-size: 18px;
      }
      .banner {
        padding: 8px 12px;
        border-radius: 8px;
        margin: 0 0 12px;
      }
      .is-dead {
        outline: 2px solid var(--bad);
        opacity: 0.6;
      }
    `,
  ];

  static override properties = { state: { attribute: false }, nav: { attribute: false } };
  declare state: DashboardState;
  declare nav: NavState;

  readonly #snaps = new SnapshotsController(this);
  /** Each side's mosaic as shown, for downloads. */
  #mosaics = new Map<string, { snap: LayerSnapshot; url: string }>();

  exportItems(): ExportItem[] {
    return [...this.#mosaics].map(([runId, { snap, url }]) => ({
      id: `mosaic-${runId}`,
      label: `${runId}: ${snap.layer} strongest projections at epoch ${snap.epoch} (PNG)`,
      make: async () => ({
        blob: await canvasPng(
          await drawMontage(
            mosaicLayout(
              snap.maps.filter((m) => m.top.length).map((m) => ({ url, grid: snap.atlas, col: 0, row: m.index })),
              48,
              16,
            ),
          ),
        ),
        name: `${safeName(runId, snap.layer, `epoch${snap.epoch}`)}-mosaic.png`,
      }),
    }));
  }

  override render() {
    const { runs } = this.state;
    if (runs.length < 2)
      return emptyState('Compare needs two runs.', 'Start a second trainer, e.g. with conv1 11x11/4 against 7x7/2.');
    const a = this.nav.run!;
    const b = this.nav.compare ?? runs.find((r) => r.runId !== a)!.runId;
    const da = this.state.data[a];
    const layers = da?.layers ?? [];
    const layer = this.nav.layer && layers.includes(this.nav.layer) ? this.nav.layer : (layers[0] ?? 'conv1');
    const methods = da?.epochs.length ? (da.snapshots[da.epochs.at(-1)!]?.[layer]?.methods ?? []) : [];
    const method = pickMethod(methods, this.nav.method);
    const db = this.state.data[b];
    const at = (d: typeof da) => (d ? d.epochs.filter((e) => d.snapshots[e]?.[layer]) : []);
    const align = alignEpochs(at(da), at(db), this.nav.epoch);
    this.#mosaics = new Map();
    return html`<div class="toolbar">${layerPicker(this, layers, layer)} ${methodPicker(this, methods, method)}
        <label class="muted">compare with
          <select aria-label="Second run" @change=${(e: Event) => navigateFrom(this, { compare: (e.target as HTMLSelectElement).value })}>
            ${runs.filter((r) => r.runId !== a).map((r) => html`<option value=${r.runId} ?selected=${r.runId === b}>${r.runId}</option>`)}
          </select></label></div>
      ${
        align.differs && align.a !== undefined && align.b !== undefined
          ? html`<p class="banner warn" data-epoch-note>The runs have no snapshot at the same epoch here: ${a} is shown at epoch ${align.a}, ${b} at epoch ${align.b}, each the nearest to epoch ${align.target}.</p>`
          : ''
      }
      <div class="sides">${[a, b].map((id, i) => html`<div class="panel" data-side=${id} data-epoch=${(i ? align.b : align.a) ?? ''}>${this.#side(id, layer, method, i ? align.b : align.a, align.target)}</div>`)}</div>`;
  }

  #side(runId: string, layer: string, method: string, epoch: number | undefined, target: number | undefined) {
    const run = this.state.runs.find((r) => r.runId === runId);
    const d = this.state.data[runId];
    if (!run) return emptyState(`No run named ${runId}.`);
    const head = html`<h2>${runId} <span class="muted">conv1 ${convLabel(run.config.conv1)}</span></h2>`;
    if (!d?.loaded) return html`${head}${loadingState('snapshots')}`;
    const ref = epoch !== undefined ? d.snapshots[epoch]?.[layer] : undefined;
    if (epoch === undefined || !ref) return html`${head}${emptyState(`No ${layer} snapshot yet.`)}`;
    const conv1Ref = d.snapshots[epoch]?.[d.layers[0]!];
    const need = this.#snaps.need([ref.indexUrl, ...(conv1Ref ? [conv1Ref.indexUrl] : [])]);
    if (need.error) return html`${head}${errorState(need.error, () => this.#snaps.retry())}`;
    const s = need.ready.get(ref.indexUrl);
    const c1 = conv1Ref ? need.ready.get(conv1Ref.indexUrl) : undefined;
    if (!s || (conv1Ref && !c1)) return html`${head}${loadingState(`${layer} at epoch ${epoch}`)}`;
    const valAcc = d.epochMetrics.filter((p) => p.epoch <= epoch).at(-1)?.values.val_acc;
    const file = s.files.projections[method] ?? Object.values(s.files.projections)[0]!;
    const url = blobUrl(ref, file, runId);
    // The same on-screen size on both sides, whatever each run's tile size (fractional scale is fine pixelated).
    const scale = 48 / s.atlas.tile;
    const aliasing = c1?.health.aliasing;
    const noise = c1?.health.aliasingNoise;
    this.#mosaics.set(runId, { snap: s, url });
    return html`${head}
      <div class="muted">epoch ${epoch}${target !== undefined && epoch !== target ? ` (the nearest snapshot to epoch ${target})` : ''} · ${layer} · ${method}</div>
      <div class="figures">
        <div title=${legend('aliasing', rulesOf(c1?.health))}><span class="muted">conv1 aliasing (white noise)</span><strong data-aliasing=${aliasingLevel(c1?.health)}>${pct(aliasing)} <span class="muted">(${pct(noise)})</span></strong></div>
        <div title=${legend('dead', rulesOf(s.health))}><span class="muted">dead in ${layer}</span><strong data-dead-count>${s.health.deadCount} / ${s.maps.length}</strong></div>
        <div title=${legend('representationChange')}><span class="muted">${layer} representation change / epoch</span><strong>${num(s.health.representationChange, 4)}</strong></div>
        <div><span class="muted">val accuracy</span><strong>${metricValue('val_acc', valAcc)}</strong></div>
      </div>
      <p class="muted">${aliasingHint(run.config.conv1, c1?.health)}</p>
      ${c1 && c1 !== s ? html`<h3>conv1 filters</h3>${this.#filters(c1, conv1Ref!, runId)}` : ''}
      <h3>${layer}: each feature's strongest projection</h3>
      <div class="mosaic" data-mosaic>
        ${s.maps.map((m) =>
          m.top.length
            ? // A click opens the feature's page in that run (the keyboard way there is the grid's dialog).
              html`<a tabindex="-1" data-feature=${m.index} href=${formatHash({ view: 'feature', run: runId, layer: s.layer, feature: m.index, epoch: s.epoch, method })}>${tile(url, s.atlas, 0, m.index, scale, `feature ${m.index}: open its page`)}</a>`
            : html`<div class="tile is-dead" title=${`feature ${m.index}: dead`} style=${`width:${s.atlas.tile * scale}px;height:${s.atlas.tile * scale}px`}></div>`,
        )}
      </div>`;
  }

  #filters(s: LayerSnapshot, ref: SnapshotRef, runId: string) {
    if (!s.files.weights || !s.weightsGrid) return '';
    const g = s.weightsGrid;
    const url = blobUrl(ref, s.files.weights, runId);
    const scale = 28 / g.tile;
    return html`<div class="mosaic" data-weights>
      ${s.maps.map((m) => {
        const c = weightCell(g, m.index);
        return html`<div class=${m.health.dead ? 'is-dead' : ''}>${tile(url, g, c.col, c.row, scale, `conv1 filter ${m.index}`)}</div>`;
      })}
    </div>`;
  }
}

customElements.define('zf-compare', ZfCompare);
