/**
 * <zf-feature-dialog>: one feature map opened large — its top-9 projections beside their patches,
 * with what each came from. Modal: ← → step through the layer's snapshot epochs, ↑ ↓ through its
 * features, Esc or a click on the backdrop closes it, and a link opens the feature's own page.
 */
import { css, html, LitElement } from 'lit';
import { jumpBadge, rulesOf, stateBadge } from '../render/marks.js';
import { legend } from '../../training/viz/diagnostics/rules.js';
import type { FeatureMapSnapshot, LayerSnapshot } from '../../server/protocol.js';
import { blobUrl } from '../data/api.js';
import { navigateFrom } from '../events.js';
import { tileScale } from '../state/atlas.js';
import { stepEpoch, stepIn } from '../state/epochs.js';
import { num, pct } from '../state/format.js';
import type { SnapshotRef } from '../state/reducer.js';
import { isBackdropClick } from '../render/dialog.js';
import { tile } from '../render/tile.js';
import { shared } from '../theme.js';
import './zf-analysis.js';

export class ZfFeatureDialog extends LitElement {
  static override styles = [
    shared,
    css`
      /* The feature's top-9 beside what the network is asked about it (wide windows), stacked otherwise. */
      .body {
        display: flex;
        flex-wrap: wrap;
        gap: 20px;
        align-items: flex-start;
      }
      .body > zf-analysis {
        flex: 1 1 360px;
        min-width: 320px;
      }
      .ranks {
        display: grid;
        grid-template-columns: repeat(3, auto);
        gap: 14px;
      }
      .rank {
        display: flex;
        gap: 4px;
        flex-direction: column;
        font-size: 12px;
      }
      .rank .pair {
        display: flex;
        gap: 4px;
      }
      .top {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
        margin-bottom: 10px;
        gap: 24px;
      }
      .actions {
        display: flex;
        gap: 8px;
        align-items: center;
      }
      .page {
        border-color: var(--accent);
      }
      .hint {
        font-size: 12px;
        margin: 0 0 12px;
      }
    `,
  ];

  static override properties = {
    snapshot: { attribute: false },
    ref: { attribute: false },
    runId: { attribute: false },
    method: { attribute: false },
    map: { attribute: false },
    classes: { attribute: false },
    epochs: { attribute: false },
    indices: { attribute: false },
    pageHref: { attribute: false },
  };
  declare snapshot: LayerSnapshot;
  declare ref: SnapshotRef;
  declare runId: string;
  declare method: string;
  declare map: FeatureMapSnapshot;
  declare classes: string[];
  /** The layer's snapshot epochs, ascending: what ← → step through. */
  declare epochs: number[];
  /** The layer's feature indices: what ↑ ↓ step through. */
  declare indices: number[];
  /** The hash of this feature's own page. */
  declare pageHref: string;

  constructor() {
    super();
    this.epochs = [];
    this.indices = [];
    this.pageHref = '';
  }

  override updated(): void {
    const d = this.renderRoot.querySelector('dialog');
    if (d && !d.open) d.showModal();
  }

  #close(): void {
    navigateFrom(this, { feature: null });
  }

  #keydown(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const m = this.map.index;
    const e0 = this.snapshot.epoch;
    const patch =
      e.key === 'ArrowLeft'
        ? { epoch: stepEpoch(this.epochs, e0, -1) }
        : e.key === 'ArrowRight'
          ? { epoch: stepEpoch(this.epochs, e0, 1) }
          : e.key === 'ArrowUp'
            ? { feature: stepIn(this.indices, m, -1) }
            : e.key === 'ArrowDown'
              ? { feature: stepIn(this.indices, m, 1) }
              : undefined;
    if (!patch) return;
    e.preventDefault();
    e.stopPropagation();
    navigateFrom(this, patch);
  }

  override render() {
    const s = this.snapshot;
    const m = this.map;
    const scale = tileScale(s.atlas.tile, 112);
    const proj = blobUrl(this.ref, s.files.projections[this.method]!, this.runId);
    const patches = blobUrl(this.ref, s.files.patches, this.runId);
    const h = m.health;
    const i = this.epochs.indexOf(s.epoch);
    return html`<dialog @close=${this.#close} @cancel=${this.#close} @keydown=${this.#keydown} aria-labelledby="dlg-title" data-epoch=${s.epoch} data-index=${m.index}
      @click=${(e: MouseEvent) => isBackdropClick(e.currentTarget as HTMLDialogElement, e) && this.#close()}>
      <div class="top">
        <h2 id="dlg-title">${s.layer} · feature ${m.index} · epoch ${s.epoch} · ${this.method}</h2>
        <div class="actions">
          <a class="btn page" href=${this.pageHref} autofocus data-feature-page>Feature page: every epoch →</a>
          <button class="btn close" @click=${this.#close}>Close (Esc)</button>
        </div>
      </div>
      <p class="muted hint">← → epoch (${i + 1} of ${this.epochs.length}) · ↑ ↓ feature (${this.indices.indexOf(m.index) + 1} of ${this.indices.length}) · Esc closes</p>
      <p class="muted">
        ${h.dead ? html`<span class="badge dead">dead</span> never active over the probe set.` : html`active at ${pct(h.activeShare)} of probe positions, max ${num(h.maxActivation, 2)}.`}
        ${stateBadge(h, rulesOf(s.health))} ${jumpBadge(h, rulesOf(s.health))}
        Since the previous snapshot: response change <span title=${legend('jump', rulesOf(s.health))}>${num(h.responseChange, 2)}</span> (z ${num(h.jumpZ, 1)}),
        filter angle <span title=${legend('filterAngle')}>${num(h.filterAngle, 3)}</span>, projection change <span title=${legend('projectionChange')}>${num(h.projectionChange, 2)}</span>, top-9 turnover ${pct(h.turnover)}.
      </p>
      <div class="body">
      ${
        m.top.length
          ? html`<div class="ranks">
            ${m.top.map(
              (t, r) => html`<div class="rank">
                <div class="pair">${tile(proj, s.atlas, r, m.index, scale, `projection ${r + 1}`)}${tile(patches, s.atlas, r, m.index, scale, `patch ${r + 1}`)}</div>
                <span class="muted">#${r + 1} · image ${t.image} (${this.classes[t.label] ?? t.label}) · ${num(t.value, 2)}${t.clipped ? ' · at border' : ''}</span>
              </div>`,
            )}
          </div>`
          : html`<div class="state empty"><strong>No activations.</strong>This map never fired on the probe set.</div>`
      }
      <zf-analysis .runId=${this.runId} .layer=${s.layer} .feature=${m.index} .epoch=${s.epoch} .images=${m.top.map((t) => t.image)} .classes=${this.classes}></zf-analysis>
      </div>
    </dialog>`;
  }
}

customElements.define('zf-feature-dialog', ZfFeatureDialog);
