/**
 * <zf-layer-grid>: one layer at one epoch, every feature map as a cell with its top-9 projections
 * beside the image patches that caused them (ZF Fig. 2). Method toggle, dead filters marked, jump
 * scores shown, a cell opens large (Enter or click), arrow keys move between cells (one cell in
 * the tab order: the last one focused). Cells fill the window's width (tiles grow with it) and
 * render their tiles only once near the viewport (IntersectionObserver), so atlases load lazily.
 * Downloads: the layer's atlases as stored, and the montage shown.
 */
import { css, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { FeatureMapSnapshot, LayerSnapshot } from '../../server/protocol.js';
import { RunView } from './run-view.js';
import { ResizeController } from '../controllers/resize-controller.js';
import { VisibilityController } from '../controllers/visibility-controller.js';
import { blobUrl, preload, preloadAtlases } from '../data/api.js';
import { navigateFrom } from '../events.js';
import { type ExportItem, fetchBlob, safeName, canvasPng } from '../export/download.js';
import { drawMontage, gridLayout } from '../export/montage.js';
import { toCsv } from '../export/table.js';
import { gridFit } from '../state/fit.js';
import { jumpBadge, rulesOf, stateBadge } from '../render/marks.js';
import { pct } from '../state/format.js';
import { resolveEpoch, type SnapshotRef } from '../state/reducer.js';
import { formatHash } from '../state/url.js';
import { layerPicker, methodPicker, pickMethod } from '../render/pickers.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { blankTile, tile } from '../render/tile.js';
import { shared } from '../theme.js';
import './zf-feature-dialog.js';

/** Gap between cells, between a cell's two blocks, and a cell's padding + border (px): what gridFit needs. */
const GAP = 12;
const INNER = 8;
const CHROME = 22;

export class ZfLayerGrid extends RunView {
  static override styles = [
    shared,
    css`
      .grid {
        display: grid;
        grid-template-columns: repeat(var(--cols), var(--cell-w));
        gap: ${GAP}px;
      }
      .cell {
        background: var(--panel);
        border: 1px solid var(--line);
        border-radius: 8px;
        padding: 8px 10px 10px;
        cursor: pointer;
      }
      .cell:hover {
        border-color: #3a4657;
      }
      .cell:focus {
        outline: 3px solid var(--accent);
        outline-offset: 2px;
      }
      .cell.is-dead {
        border-style: dashed;
      }
      .cell header {
        display: flex;
        gap: 8px;
        align-items: center;
        font-size: 12px;
        margin-bottom: 6px;
        color: var(--fg-dim);
      }
      .cell header b {
        color: var(--fg);
      }
      .pair {
        display: flex;
        gap: ${INNER}px;
      }
      .block {
        display: grid;
        grid-template-columns: repeat(3, auto);
        gap: 2px;
      }
      .dead-note {
        display: flex;
        align-items: center;
        justify-content: center;
        color: var(--bad);
        font-size: 12px;
        background: repeating-linear-gradient(135deg, transparent 0 8px, rgba(240, 115, 107, 0.05) 8px 16px);
        border-radius: 4px;
      }
      .legend {
        font-size: 12px;
      }
    `,
  ];

  readonly #visible = new VisibilityController(this);
  readonly #size = new ResizeController(this);
  /** The cell in the tab order (roving tabindex): the last one focused. */
  #focusIndex = 0;
  /** The feature whose dialog was open at the last render, to give focus back to its cell. */
  #wasOpen?: number;
  /** What the current render shows, for downloads. */
  #shown?: { snap: LayerSnapshot; ref: SnapshotRef; method: string; runId: string };

  /** `g` and the skip link: focus the grid's current cell. */
  focusView(): boolean {
    const cell = this.renderRoot.querySelector<HTMLElement>('.cell[tabindex="0"]');
    cell?.focus();
    return !!cell;
  }

  override updated(): void {
    const open = this.nav.feature;
    if (this.#wasOpen !== undefined && open === undefined) {
      // The dialog may have stepped to another feature: that cell becomes the one in the tab order.
      const cells = [...this.renderRoot.querySelectorAll<HTMLElement>('.cell')];
      const j = cells.findIndex((c) => c.dataset.index === String(this.#wasOpen));
      if (j >= 0) {
        cells[this.#focusIndex]?.setAttribute('tabindex', '-1');
        cells[j]!.tabIndex = 0;
        this.#focusIndex = j;
        cells[j]!.focus();
      }
    }
    this.#wasOpen = open;
  }

  #keydown(e: KeyboardEvent, count: number): void {
    const cells = [...this.renderRoot.querySelectorAll<HTMLElement>('.cell')];
    const i = cells.indexOf(e.target as HTMLElement);
    if (i < 0) return;
    // Columns from layout: cells sharing the first cell's top edge.
    const cols = Math.max(1, cells.filter((c) => c.offsetTop === cells[0]!.offsetTop).length);
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: cols,
      ArrowUp: -cols,
      Home: -i,
      End: count - 1 - i,
    };
    if (e.key in moves) {
      e.preventDefault();
      const j = Math.min(count - 1, Math.max(0, i + moves[e.key]!));
      cells[i]!.tabIndex = -1;
      cells[j]!.tabIndex = 0;
      this.#focusIndex = j;
      cells[j]!.focus();
      cells[j]!.scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      navigateFrom(this, { feature: Number(cells[i]!.dataset.index) });
    }
  }

  override render() {
    const d = this.data;
    if (!d?.loaded || !this.run) return loadingState('snapshots');
    if (!d.epochs.length)
      return emptyState(
        'No snapshots yet.',
        `The trainer takes the first at epoch ${this.run.config.snapshotEpochs[0] ?? 1}.`,
      );
    const layers = d.layers;
    const layer = this.nav.layer && layers.includes(this.nav.layer) ? this.nav.layer : layers[0]!;
    // Resolve among the epochs that hold this layer: a live snapshot arrives layer by layer, and
    // the view should not jump to another layer while the rest of the epoch is on its way.
    const epoch = resolveEpoch(
      d.epochs.filter((e) => d.snapshots[e]?.[layer]),
      this.nav.epoch,
    )!;
    const ref = d.snapshots[epoch]![layer]!;
    const method = pickMethod(ref.methods, this.nav.method);
    const need = this.snaps.need([ref.indexUrl]);
    const snap = need.ready.get(ref.indexUrl);
    // The atlases are the heavy part: start them now, in parallel with the index.
    if (!snap) preloadAtlases(ref, method);
    // With a cell open, ← → step through epochs: have the layer's other snapshots ready.
    if (this.nav.feature !== undefined)
      this.snaps.need(d.epochs.filter((e) => d.snapshots[e]?.[layer]).map((e) => d.snapshots[e]![layer]!.indexUrl));
    const toolbar = html`<div class="toolbar">
      ${layerPicker(this, layers, layer)} ${methodPicker(this, ref.methods, method)}
      ${snap ? html`<span class="muted legend">epoch ${epoch} · ${snap.maps.length} maps · ${snap.health.deadCount} dead · RF ${snap.rf.size}px · left: ${method} projections, right: image patches</span>` : ''}
    </div>`;
    if (need.error) return html`${toolbar}${errorState(need.error, () => this.snaps.retry())}`;
    if (!snap) return html`${toolbar}${loadingState(`${layer} at epoch ${epoch}`)}`;
    // Fetch the two atlases now, in parallel with laying out the grid, not once the first tile is painted.
    preload(blobUrl(ref, snap.files.projections[method]!, this.run.runId));
    preload(blobUrl(ref, snap.files.patches, this.run.runId));
    const open = this.nav.feature !== undefined ? snap.maps.find((m) => m.index === this.nav.feature) : undefined;
    this.#shown = { snap, ref, method, runId: this.run.runId };
    const fit = this.#fit(snap);
    this.#focusIndex = Math.min(this.#focusIndex, snap.maps.length - 1);
    return html`${toolbar}
      <div class="grid" role="group" aria-label=${`${layer} feature maps at epoch ${epoch}`} style=${`--cell-w:${fit.cellWidth}px;--cols:${fit.cols}`}
        data-layer=${layer} data-epoch=${epoch} @keydown=${(e: KeyboardEvent) => this.#keydown(e, snap.maps.length)}>
        ${repeat(
          snap.maps,
          (m) => `${this.run!.runId}/${layer}/${m.index}`,
          (m, i) => this.#cell(snap, ref, method, m, i, fit.tile),
        )}
      </div>
      ${
        open
          ? html`<zf-feature-dialog .snapshot=${snap} .ref=${ref} .runId=${this.run.runId} .method=${method} .map=${open} .classes=${this.run.dataset.classes}
            .epochs=${d.epochs.filter((e) => d.snapshots[e]?.[layer])} .indices=${snap.maps.map((m) => m.index)}
            .pageHref=${formatHash({ ...this.nav, view: 'feature', run: this.run.runId, layer, feature: open.index, epoch })}></zf-feature-dialog>`
          : ''
      }`;
  }

  /** Columns and tile size that make the rows span the view's width. */
  #fit(s: LayerSnapshot) {
    return gridFit(this.#size.width || this.clientWidth || 1200, {
      minTile: 48,
      maxTile: 12 * s.atlas.tile,
      chrome: CHROME,
      gap: GAP,
      innerGap: INNER + 8,
      count: s.maps.length,
    });
  }

  /** Downloads: both atlases as stored, the montage as shown (at the on-screen scale, whole), the maps' health as CSV. */
  exportItems(): ExportItem[] {
    const shown = this.#shown;
    if (!shown) return [];
    const { snap, ref, method, runId } = shown;
    const proj = blobUrl(ref, snap.files.projections[method]!, runId);
    const patches = blobUrl(ref, snap.files.patches, runId);
    const base = safeName(runId, snap.layer, `epoch${snap.epoch}`);
    const scale = Math.max(1, Math.round(this.#fit(snap).tile / snap.atlas.tile));
    return [
      {
        id: 'atlas-projections',
        label: `${snap.layer} atlas at epoch ${snap.epoch}: ${method} projections (PNG, as stored)`,
        make: async () => ({ blob: await fetchBlob(proj), name: `${base}-${method}-atlas.png` }),
      },
      {
        id: 'atlas-patches',
        label: `${snap.layer} atlas at epoch ${snap.epoch}: image patches (PNG, as stored)`,
        make: async () => ({ blob: await fetchBlob(patches), name: `${base}-patches-atlas.png` }),
      },
      {
        id: 'montage',
        label: `${snap.layer} montage at epoch ${snap.epoch}: projections beside patches (PNG, ${scale}x)`,
        make: async () => ({
          blob: await canvasPng(await drawMontage(gridLayout(snap, proj, patches, scale))),
          name: `${base}-${method}-montage.png`,
        }),
      },
      {
        id: 'health-csv',
        label: `${snap.layer} feature health at epoch ${snap.epoch} (CSV)`,
        make: async () => {
          const header = [
            'feature',
            'dead',
            'active_share',
            'max_activation',
            'weight_change',
            'turnover',
            'projection_change',
            'response_change',
            'jump_z',
            'jump',
            'state',
          ];
          const rows = snap.maps.map((m) => [
            m.index,
            m.health.dead,
            m.health.activeShare,
            m.health.maxActivation,
            m.health.weightChange,
            m.health.turnover,
            m.health.projectionChange,
            m.health.responseChange ?? null,
            m.health.jumpZ ?? null,
            m.health.jump ?? '',
            m.health.state ?? '',
          ]);
          return { blob: new Blob([toCsv(header, rows)], { type: 'text/csv' }), name: `${base}-health.csv` };
        },
      },
    ];
  }

  #cell(s: LayerSnapshot, ref: SnapshotRef, method: string, m: FeatureMapSnapshot, i: number, size: number) {
    const key = `${this.run!.runId}/${s.layer}/${m.index}`;
    const scale = size / s.atlas.tile;
    const seen = this.#visible.seen.has(key);
    const h = m.health;
    const proj = blobUrl(ref, s.files.projections[method]!, this.run!.runId);
    const patches = blobUrl(ref, s.files.patches, this.run!.runId);
    const ranks = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    return html`<div class="cell ${h.dead ? 'is-dead' : ''}" role="button" tabindex=${i === this.#focusIndex ? '0' : '-1'} data-row=${key} data-index=${m.index}
        @click=${() => {
          this.#focusIndex = i;
          navigateFrom(this, { feature: m.index });
        }}>
      <header>
        <b>#${m.index}</b>
        ${h.dead ? '' : html`<span title="share of probe positions where the map is > 0">active ${pct(h.activeShare)}</span>`}
        ${stateBadge(h, rulesOf(s.health))} ${jumpBadge(h, rulesOf(s.health))}
      </header>
      ${
        !m.top.length
          ? html`<div class="placeholder dead-note" style=${`width:${2 * (3 * size + 4) + INNER}px;height:${3 * size + 4}px`}>never active on the probe set</div>`
          : seen
            ? // The tiles are named in the dialog; here the cell's name is its header (what it says on screen).
              html`<div class="pair" aria-hidden="true">
            ${[proj, patches].map(
              (url, b) => html`<div class="block">
                ${ranks.map((r) => (r < m.top.length ? tile(url, s.atlas, r, m.index, scale, `${b ? 'patch' : 'projection'} ${r + 1} of feature ${m.index}`) : blankTile(size)))}
              </div>`,
            )}
          </div>`
            : // Off screen: one box of the same size instead of 18 tiles keeps a 96-map layer cheap to lay out.
              html`<div class="placeholder" style=${`width:${2 * (3 * size + 4) + INNER}px;height:${3 * size + 4}px`}></div>`
      }
    </div>`;
  }
}

customElements.define('zf-layer-grid', ZfLayerGrid);
