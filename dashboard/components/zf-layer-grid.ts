/**
 * <zf-layer-grid>: one layer at one epoch, every feature map as a cell with its top-9 projections
 * beside the image patches that caused them (ZF Fig. 2). Method toggle, dead filters marked, jump
 * scores shown, a cell opens large (Enter or click), arrow keys move between cells. Cells render
 * their tiles only once near the viewport (IntersectionObserver), so atlases load lazily.
 */
import { css, html, LitElement } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { FeatureMapSnapshot, LayerSnapshot, RunInfo } from '../../server/protocol.js';
import { SnapshotsController } from '../controllers/snapshots-controller.js';
import { VisibilityController } from '../controllers/visibility-controller.js';
import { blobUrl, preload } from '../data/api.js';
import { navigateFrom } from '../events.js';
import { tileScale } from '../state/atlas.js';
import { jumpBadge, rulesOf, stateBadge, stateOf } from '../render/marks.js';
import { num, pct } from '../state/format.js';
import { type RunData, resolveEpoch, type SnapshotRef } from '../state/reducer.js';
import type { NavState } from '../state/url.js';
import { layerPicker, methodPicker, pickMethod } from '../render/pickers.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { blankTile, tile } from '../render/tile.js';
import { shared } from '../theme.js';
import './zf-feature-dialog.js';

export class ZfLayerGrid extends LitElement {
  static override styles = [
    shared,
    css`
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, var(--cell-w));
        gap: 12px;
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
        outline: 2px solid var(--accent);
      }
      .cell.is-dead {
        opacity: 0.55;
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
        gap: 8px;
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

  static override properties = { run: { attribute: false }, data: { attribute: false }, nav: { attribute: false } };
  declare run: RunInfo | undefined;
  declare data: RunData | undefined;
  declare nav: NavState;

  readonly #snaps = new SnapshotsController(this);
  readonly #visible = new VisibilityController(this);

  #keydown(e: KeyboardEvent, count: number): void {
    const cells = [...this.renderRoot.querySelectorAll<HTMLElement>('.cell')];
    const i = cells.indexOf(e.target as HTMLElement);
    if (i < 0) return;
    // Columns from layout: cells sharing the first cell's top edge.
    const cols = Math.max(1, cells.filter((c) => c.offsetTop === cells[0]!.offsetTop).length);
    const moves: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols, Home: -i, End: count - 1 - i };
    if (e.key in moves) {
      e.preventDefault();
      const j = Math.min(count - 1, Math.max(0, i + moves[e.key]!));
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
    if (!d.epochs.length) return emptyState('No snapshots yet.', `The trainer takes the first at epoch ${this.run.config.snapshotEpochs[0] ?? 1}.`);
    const layers = d.layers;
    const layer = this.nav.layer && layers.includes(this.nav.layer) ? this.nav.layer : layers[0]!;
    // Resolve among the epochs that hold this layer: a live snapshot arrives layer by layer, and
    // the view should not jump to another layer while the rest of the epoch is on its way.
    const epoch = resolveEpoch(d.epochs.filter((e) => d.snapshots[e]?.[layer]), this.nav.epoch)!;
    const ref = d.snapshots[epoch]![layer]!;
    const method = pickMethod(ref.methods, this.nav.method);
    const need = this.#snaps.need([ref.indexUrl]);
    const snap = need.ready.get(ref.indexUrl);
    const toolbar = html`<div class="toolbar">
      ${layerPicker(this, layers, layer)} ${methodPicker(this, ref.methods, method)}
      ${snap ? html`<span class="muted legend">epoch ${epoch} · ${snap.maps.length} maps · ${snap.health.deadCount} dead · RF ${snap.rf.size}px · left: ${method} projections, right: image patches</span>` : ''}
    </div>`;
    if (need.error) return html`${toolbar}${errorState(need.error, () => this.#snaps.retry())}`;
    if (!snap) return html`${toolbar}${loadingState(`${layer} at epoch ${epoch}`)}`;
    // Fetch the two atlases now, in parallel with laying out the grid, not once the first tile is painted.
    preload(blobUrl(ref, snap.files.projections[method]!, this.run.runId));
    preload(blobUrl(ref, snap.files.patches, this.run.runId));
    const open = this.nav.feature !== undefined ? snap.maps.find((m) => m.index === this.nav.feature) : undefined;
    return html`${toolbar}
      <div class="grid" role="group" aria-label=${`${layer} feature maps at epoch ${epoch}`} style=${`--cell-w:${this.#cellWidth(snap)}px`}
        data-layer=${layer} data-epoch=${epoch} @keydown=${(e: KeyboardEvent) => this.#keydown(e, snap.maps.length)}>
        ${repeat(snap.maps, (m) => `${this.run!.runId}/${layer}/${m.index}`, (m, i) => this.#cell(snap, ref, method, m, i))}
      </div>
      ${open
        ? html`<zf-feature-dialog .snapshot=${snap} .ref=${ref} .runId=${this.run.runId} .method=${method} .map=${open} .classes=${this.run.dataset.classes}></zf-feature-dialog>`
        : ''}`;
  }

  #cellWidth(s: LayerSnapshot): number {
    const d = s.atlas.tile * tileScale(s.atlas.tile);
    return 2 * (3 * d + 4) + 8 + 22;
  }

  #cell(s: LayerSnapshot, ref: SnapshotRef, method: string, m: FeatureMapSnapshot, i: number) {
    const key = `${this.run!.runId}/${s.layer}/${m.index}`;
    const scale = tileScale(s.atlas.tile);
    const size = s.atlas.tile * scale;
    const seen = this.#visible.seen.has(key);
    const h = m.health;
    const proj = blobUrl(ref, s.files.projections[method]!, this.run!.runId);
    const patches = blobUrl(ref, s.files.patches, this.run!.runId);
    const ranks = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    return html`<div class="cell ${h.dead ? 'is-dead' : ''}" role="button" tabindex=${i === 0 ? '0' : '-1'} data-row=${key} data-index=${m.index}
        aria-label=${`feature ${m.index}${stateOf(h) ? `, ${stateOf(h)}` : ''}${h.jump ? ', jump' : ''}`} @click=${() => navigateFrom(this, { feature: m.index })}>
      <header>
        <b>#${m.index}</b>
        ${h.dead ? '' : html`<span title="share of probe positions where the map is > 0">active ${pct(h.activeShare)}</span>`}
        ${stateBadge(h, rulesOf(s.health))} ${jumpBadge(h, rulesOf(s.health))}
      </header>
      ${!m.top.length
        ? html`<div class="placeholder dead-note" style=${`width:${2 * (3 * size + 4) + 8}px;height:${3 * size + 4}px`}>never active on the probe set</div>`
        : seen
        ? html`<div class="pair">
            ${[proj, patches].map(
              (url, b) => html`<div class="block">
                ${ranks.map((r) => (r < m.top.length ? tile(url, s.atlas, r, m.index, scale, `${b ? 'patch' : 'projection'} ${r + 1} of feature ${m.index}`) : blankTile(size)))}
              </div>`,
            )}
          </div>`
        : // Off screen: one box of the same size instead of 18 tiles keeps a 96-map layer cheap to lay out.
          html`<div class="placeholder" style=${`width:${2 * (3 * size + 4) + 8}px;height:${3 * size + 4}px`}></div>`}
    </div>`;
  }
}

customElements.define('zf-layer-grid', ZfLayerGrid);
