/**
 * <zf-evolution>: ZF Fig. 4 — rows of feature maps, columns of snapshot epochs, each cell the
 * strongest activation's projection at that epoch. The scrubber's epoch is the highlighted column;
 * sudden jumps are marked with their score, and ⟳ when the top image changed. Rows render lazily.
 */
import { css, html, LitElement } from 'lit';
import { legend } from '../../training/viz/diagnostics/rules.js';
import { rulesOf } from '../render/marks.js';
import { repeat } from 'lit/directives/repeat.js';
import type { LayerSnapshot, RunInfo } from '../../server/protocol.js';
import { SnapshotsController } from '../controllers/snapshots-controller.js';
import { VisibilityController } from '../controllers/visibility-controller.js';
import { blobUrl } from '../data/api.js';
import { navigateFrom } from '../events.js';
import { tileScale } from '../state/atlas.js';
import { evolutionMarks } from '../state/evolution.js';
import { num } from '../state/format.js';
import { type RunData, resolveEpoch, type SnapshotRef } from '../state/reducer.js';
import type { NavState } from '../state/url.js';
import { layerPicker, methodPicker, pickMethod } from '../render/pickers.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { blankTile, tile } from '../render/tile.js';
import { shared } from '../theme.js';

export class ZfEvolution extends LitElement {
  static override styles = [
    shared,
    css`
      table {
        width: auto;
      }
      td,
      th {
        padding: 4px 6px;
        border: 0;
        vertical-align: top;
      }
      th.cur,
      td.cur {
        background: var(--accent-soft);
      }
      th button {
        background: none;
        border: 0;
        color: inherit;
        font: inherit;
        cursor: pointer;
      }
      .cellbox {
        position: relative;
        cursor: pointer;
      }
      .mark {
        position: absolute;
        left: 2px;
        top: 2px;
        font-size: 10px;
        padding: 0 4px;
        border-radius: 4px;
        background: rgba(15, 18, 23, 0.85);
        color: var(--warn);
        border: 1px solid var(--warn);
        font-weight: 700;
      }
      tr.sel td {
        background: rgba(110, 168, 254, 0.1);
      }
      tr.sel .fid {
        color: var(--accent);
        font-weight: 700;
      }
      .fid {
        color: var(--fg-dim);
        font-size: 12px;
        text-align: right;
        padding-top: 10px;
      }
    `,
  ];

  static override properties = { run: { attribute: false }, data: { attribute: false }, nav: { attribute: false } };
  declare run: RunInfo | undefined;
  declare data: RunData | undefined;
  declare nav: NavState;

  readonly #snaps = new SnapshotsController(this);
  readonly #visible = new VisibilityController(this);
  #scrolledTo?: string;

  /** A shared link names a feature: bring its row into view once. */
  override updated(): void {
    const key = `${this.nav.layer}/${this.nav.feature}`;
    if (this.nav.feature === undefined || key === this.#scrolledTo) return;
    const row = this.renderRoot.querySelector(`tr[data-index="${this.nav.feature}"]`);
    if (!row) return;
    this.#scrolledTo = key;
    row.scrollIntoView({ block: 'center' });
  }

  override render() {
    const d = this.data;
    if (!d?.loaded || !this.run) return loadingState('snapshots');
    if (!d.epochs.length) return emptyState('No snapshots yet.', 'Evolution needs at least one snapshot epoch.');
    const current = resolveEpoch(d.epochs, this.nav.epoch)!;
    const layer = this.nav.layer && d.layers.includes(this.nav.layer) ? this.nav.layer : d.layers[0]!;
    const epochs = d.epochs.filter((e) => d.snapshots[e]?.[layer]);
    const refs = epochs.map((e) => d.snapshots[e]![layer]!);
    const methods = refs.at(-1)!.methods;
    const method = pickMethod(methods, this.nav.method);
    const need = this.#snaps.need(refs.map((r) => r.indexUrl));
    const toolbar = html`<div class="toolbar">${layerPicker(this, d.layers, layer)} ${methodPicker(this, methods, method)}
      <span class="muted" data-legend title=${legend('jump', rulesOf(undefined))}>strongest activation of each feature at each snapshot epoch; marks: <b>⟳</b> jump, the strongest activation now comes from another image · <b>△</b> jump, same top image; a new top image alone is not marked (it changes at most snapshots)</span></div>`;
    if (need.error) return html`${toolbar}${errorState(need.error, () => this.#snaps.retry())}`;
    const snaps = refs.map((r) => need.ready.get(r.indexUrl));
    if (snaps.some((s) => !s)) return html`${toolbar}${loadingState(`${layer} across ${epochs.length} epochs`)}`;
    const all = snaps as LayerSnapshot[];
    const last = all.at(-1)!;
    return html`${toolbar}
      <div class="panel">
        <table data-layer=${layer}>
          <thead><tr><th></th>${epochs.map((e) => html`<th class=${e === current ? 'cur' : ''}><button @click=${() => navigateFrom(this, { epoch: e })}>epoch ${e}</button></th>`)}</tr></thead>
          <tbody>
            ${repeat(last.maps, (m) => `${this.run!.runId}/${layer}/${m.index}`, (m) => this.#row(all, refs, method, m.index, current))}
          </tbody>
        </table>
      </div>`;
  }

  #row(all: LayerSnapshot[], refs: SnapshotRef[], method: string, index: number, current: number) {
    const key = `${this.run!.runId}/${all[0]!.layer}/${index}`;
    const seen = this.#visible.seen.has(key);
    const marks = evolutionMarks(all, index);
    return html`<tr data-row=${key} data-index=${index} class=${this.nav.feature === index ? 'sel' : ''}>
      <td class="fid">#${index}</td>
      ${all.map((s, i) => {
        const map = s.maps.find((m) => m.index === index);
        const mk = marks[i]!;
        const scale = tileScale(s.atlas.tile, 56);
        const file = s.files.projections[method] ?? Object.values(s.files.projections)[0]!;
        return html`<td class=${s.epoch === current ? 'cur' : ''}>
          <div class="cellbox" data-epoch=${s.epoch} @click=${() => navigateFrom(this, { epoch: s.epoch, feature: index })}>
            ${seen && map?.top.length
              ? tile(blobUrl(refs[i]!, file, this.run!.runId), s.atlas, 0, index, scale, `feature ${index} at epoch ${s.epoch}`)
              : blankTile(s.atlas.tile * scale)}
            ${mk.jump
              ? html`<span class="mark" data-jump=${mk.jump} title=${`${mk.jump === 'new-source' ? 'jump: the strongest activation now comes from another image' : 'jump: same top image, the response changed'} (z = ${num(mk.jumpZ, 1)})`}>${mk.jump === 'new-source' ? '⟳' : '△'} ${num(mk.jumpZ, 0)}</span>`
              : ''}
          </div>
        </td>`;
      })}
    </tr>`;
  }
}

customElements.define('zf-evolution', ZfEvolution);
