/**
 * <zf-health>: at the scrubber's epoch — conv1's filters as images with each filter's aliasing
 * score, the layer's aliasing with a plain-words hint (what stride and kernel to try), and dead
 * filters counted per layer.
 */
import { css, html, LitElement } from 'lit';
import type { LayerSnapshot, RunInfo } from '../../server/protocol.js';
import { SnapshotsController } from '../controllers/snapshots-controller.js';
import { blobUrl } from '../data/api.js';
import { aliasingHint, aliasingLevel } from '../state/aliasing.js';
import { tileScale, weightCell } from '../state/atlas.js';
import { convLabel, pct } from '../state/format.js';
import { type RunData, resolveEpoch, type SnapshotRef } from '../state/reducer.js';
import type { NavState } from '../state/url.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { tile } from '../render/tile.js';
import { shared } from '../theme.js';

const LEVEL_CLASS = { unknown: '', low: 'good', moderate: 'warn', high: 'dead' } as const;

export class ZfHealth extends LitElement {
  static override styles = [
    shared,
    css`
      .cols {
        display: grid;
        grid-template-columns: minmax(360px, auto) 1fr;
        gap: 16px;
        align-items: start;
      }
      .filters {
        display: grid;
        gap: 10px 8px;
      }
      .filter {
        display: flex;
        flex-direction: column;
        align-items: center;
        font-size: 11px;
        gap: 3px;
      }
      .filter.is-dead .tile {
        outline: 2px solid var(--bad);
      }
      .hint {
        font-size: 15px;
        margin: 8px 0 0;
      }
      .score {
        font-size: 28px;
        font-weight: 700;
      }
      .bar {
        height: 8px;
        background: var(--panel-2);
        border-radius: 4px;
        min-width: 120px;
        overflow: hidden;
      }
      .bar div {
        height: 100%;
        background: var(--bad);
      }
      .stack > * + * {
        margin-top: 16px;
      }
    `,
  ];

  static override properties = { run: { attribute: false }, data: { attribute: false }, nav: { attribute: false } };
  declare run: RunInfo | undefined;
  declare data: RunData | undefined;
  declare nav: NavState;

  readonly #snaps = new SnapshotsController(this);

  override render() {
    const d = this.data;
    if (!d?.loaded || !this.run) return loadingState('snapshots');
    if (!d.epochs.length) return emptyState('No snapshots yet.', 'Health figures come with each snapshot.');
    const epoch = resolveEpoch(d.epochs, this.nav.epoch)!;
    const refs = Object.values(d.snapshots[epoch] ?? {});
    const need = this.#snaps.need(refs.map((r) => r.indexUrl));
    if (need.error) return errorState(need.error, () => this.#snaps.retry());
    if (need.pending) return loadingState(`health at epoch ${epoch}`);
    const snaps = refs.map((r) => need.ready.get(r.indexUrl)!).sort((a, b) => a.layerIndex - b.layerIndex);
    const first = snaps[0]!;
    const firstRef = refs.find((r) => r.layer === first.layer)!;
    return html`<div class="cols">
      <div class="panel">${this.#filters(first, firstRef)}</div>
      <div class="stack">
        <div class="panel">${this.#aliasing(first)}</div>
        <div class="panel">${this.#dead(snaps)}</div>
      </div>
    </div>`;
  }

  #filters(s: LayerSnapshot, ref: SnapshotRef) {
    if (!s.files.weights || !s.weightsGrid) return emptyState(`No filter images for ${s.layer}.`, 'The trainer stores them for the first conv layer only.');
    const g = s.weightsGrid;
    const scale = tileScale(g.tile, 56);
    const url = blobUrl(ref, s.files.weights, this.run!.runId);
    return html`<h3>${s.layer} filters (${convLabel(this.run!.config.conv1)}) · epoch ${s.epoch}</h3>
      <div class="filters" data-weights style=${`grid-template-columns:repeat(${g.cols}, auto)`}>
        ${s.maps.map((m) => {
          const c = weightCell(g, m.index);
          const level = aliasingLevel(m.health.aliasing);
          return html`<div class="filter ${m.health.dead ? 'is-dead' : ''}" data-index=${m.index}>
            ${tile(url, g, c.col, c.row, scale, `filter ${m.index}${m.health.dead ? ' (dead)' : ''}`)}
            <span class="badge ${LEVEL_CLASS[level]}" title="aliasing">${m.health.dead ? 'dead' : pct(m.health.aliasing)}</span>
          </div>`;
        })}
      </div>
      <p class="muted">Badges: share of each filter's spectral energy the stride cannot represent; red outline: dead filter.</p>`;
  }

  #aliasing(s: LayerSnapshot) {
    const score = s.health.aliasing;
    const level = aliasingLevel(score);
    return html`<h3>${s.layer} aliasing</h3>
      <div class="score" data-aliasing=${level}><span class="badge ${LEVEL_CLASS[level]}">${level}</span> ${pct(score)}</div>
      <p class="hint" data-hint>${aliasingHint(this.run!.config.conv1, score)}</p>`;
  }

  #dead(snaps: LayerSnapshot[]) {
    return html`<h3>Dead filters per layer</h3>
      <table>
        <thead><tr><th>layer</th><th class="num">dead</th><th class="num">of</th><th></th><th class="num">mean active share</th></tr></thead>
        <tbody>${snaps.map(
          (s) => html`<tr data-layer=${s.layer}>
            <td>${s.layer}</td><td class="num" data-dead-count>${s.health.deadCount}</td><td class="num">${s.maps.length}</td>
            <td><div class="bar"><div style=${`width:${(s.health.deadShare * 100).toFixed(1)}%`}></div></div></td>
            <td class="num">${pct(s.health.meanActiveShare)}</td>
          </tr>`,
        )}</tbody>
      </table>`;
  }
}

customElements.define('zf-health', ZfHealth);
