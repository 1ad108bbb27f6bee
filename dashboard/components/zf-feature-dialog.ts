/** <zf-feature-dialog>: one feature map opened large — its top-9 projections beside their patches, with what each came from. */
import { css, html, LitElement } from 'lit';
import type { FeatureMapSnapshot, LayerSnapshot } from '../../server/protocol.js';
import { blobUrl } from '../data/api.js';
import { navigateFrom } from '../events.js';
import { tileScale } from '../state/atlas.js';
import { num, pct } from '../state/format.js';
import type { SnapshotRef } from '../state/reducer.js';
import { tile } from '../render/tile.js';
import { shared } from '../theme.js';
import './zf-analysis.js';

export class ZfFeatureDialog extends LitElement {
  static override styles = [
    shared,
    css`
      dialog {
        background: var(--panel);
        color: var(--fg);
        border: 1px solid var(--line);
        border-radius: 12px;
        padding: 20px 24px;
        max-width: 95vw;
      }
      dialog::backdrop {
        background: rgba(5, 8, 12, 0.7);
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
        margin-bottom: 14px;
        gap: 24px;
      }
      .close {
        background: var(--panel-2);
        color: var(--fg);
        border: 1px solid var(--line);
        border-radius: 6px;
        padding: 4px 12px;
        cursor: pointer;
        font: inherit;
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
  };
  declare snapshot: LayerSnapshot;
  declare ref: SnapshotRef;
  declare runId: string;
  declare method: string;
  declare map: FeatureMapSnapshot;
  declare classes: string[];

  override updated(): void {
    const d = this.renderRoot.querySelector('dialog');
    if (d && !d.open) d.showModal();
  }

  #close(): void {
    navigateFrom(this, { feature: null });
  }

  override render() {
    const s = this.snapshot;
    const m = this.map;
    const scale = tileScale(s.atlas.tile, 112);
    const proj = blobUrl(this.ref, s.files.projections[this.method]!, this.runId);
    const patches = blobUrl(this.ref, s.files.patches, this.runId);
    const h = m.health;
    return html`<dialog @close=${this.#close} @cancel=${this.#close} aria-label=${`${s.layer} feature ${m.index}`}>
      <div class="top">
        <h2>${s.layer} · feature ${m.index} · epoch ${s.epoch} · ${this.method}</h2>
        <button class="close" @click=${this.#close}>Close (Esc)</button>
      </div>
      <p class="muted">
        ${h.dead ? html`<span class="badge dead">dead</span> never active over the probe set.` : html`active at ${pct(h.activeShare)} of probe positions, max ${num(h.maxActivation, 2)}.`}
        Weight change since last snapshot ${pct(h.weightChange)}, top-9 turnover ${pct(h.turnover)}, jump score ${num(h.jumpScore, 2)}.
      </p>
      ${m.top.length
        ? html`<div class="ranks">
            ${m.top.map(
              (t, r) => html`<div class="rank">
                <div class="pair">${tile(proj, s.atlas, r, m.index, scale, `projection ${r + 1}`)}${tile(patches, s.atlas, r, m.index, scale, `patch ${r + 1}`)}</div>
                <span class="muted">#${r + 1} · image ${t.image} (${this.classes[t.label] ?? t.label}) · ${num(t.value, 2)}${t.clipped ? ' · at border' : ''}</span>
              </div>`,
            )}
          </div>`
        : html`<div class="state empty"><strong>No activations.</strong>This map never fired on the probe set.</div>`}
      <zf-analysis .runId=${this.runId} .layer=${s.layer} .feature=${m.index} .epoch=${s.epoch} .images=${m.top.map((t) => t.image)} .classes=${this.classes}></zf-analysis>
    </dialog>`;
  }
}

customElements.define('zf-feature-dialog', ZfFeatureDialog);
