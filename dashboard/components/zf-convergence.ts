/**
 * <zf-convergence>: per-layer mean relative weight change between snapshots on one chart (ZF:
 * "the lower layers converge within a few epochs, the upper layers only develop after a
 * considerable number of epochs"), plus the same figures as a table with dead-filter shares.
 */
import { css, html, LitElement } from 'lit';
import type { LayerSnapshot } from '../../server/protocol.js';
import { ChartController, type LineDatasets } from '../controllers/chart-controller.js';
import { SnapshotsController } from '../controllers/snapshots-controller.js';
import { pct } from '../state/format.js';
import type { RunData } from '../state/reducer.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { shared } from '../theme.js';

export const LAYER_COLORS = ['#6ea8fe', '#5fd39a', '#f0b861', '#e07be0', '#f0736b', '#8fd3e8', '#c0c7d2'];

export class ZfConvergence extends LitElement {
  static override styles = [
    shared,
    css`
      .chart {
        height: 340px;
        position: relative;
      }
      .panel + .panel {
        margin-top: 16px;
      }
    `,
  ];

  static override properties = { data: { attribute: false } };
  declare data: RunData | undefined;

  readonly #snaps = new SnapshotsController(this);
  #table: { layer: string; byEpoch: Map<number, LayerSnapshot> }[] = [];
  readonly #chart = new ChartController(
    this,
    () => this.renderRoot.querySelector<HTMLCanvasElement>('canvas'),
    (): LineDatasets =>
      this.#table.map((row, i) => ({
        label: row.layer,
        data: [...row.byEpoch.values()].filter((s) => s.health.meanWeightChange !== null).map((s) => ({ x: s.epoch, y: s.health.meanWeightChange })),
        borderColor: LAYER_COLORS[i % LAYER_COLORS.length],
        backgroundColor: LAYER_COLORS[i % LAYER_COLORS.length],
        borderWidth: 2,
        pointRadius: 3,
      })),
    () => ({
      maintainAspectRatio: false,
      parsing: false as const,
      scales: {
        x: { type: 'linear' as const, title: { display: true, text: 'epoch' } },
        y: { type: 'linear' as const, min: 0, title: { display: true, text: 'mean relative weight change since previous snapshot' } },
      },
    }),
  );

  override render() {
    const d = this.data;
    if (!d?.loaded) return loadingState('snapshots');
    if (d.epochs.length < 2) return emptyState('Not enough snapshots yet.', 'Convergence compares consecutive snapshots: it needs two epochs.');
    const refs = d.epochs.flatMap((e) => Object.values(d.snapshots[e] ?? {}));
    const need = this.#snaps.need(refs.map((r) => r.indexUrl));
    if (need.error) return errorState(need.error, () => this.#snaps.retry());
    if (need.pending) return loadingState(`${refs.length} layer snapshots`);
    this.#table = d.layers.map((layer) => ({
      layer,
      byEpoch: new Map(d.epochs.filter((e) => d.snapshots[e]?.[layer]).map((e) => [e, need.ready.get(d.snapshots[e]![layer]!.indexUrl)!])),
    }));
    return html`<div class="panel"><h3>Layer convergence</h3><div class="chart"><canvas role="img" aria-label="Weight change per layer across epochs"></canvas></div></div>
      <div class="panel"><h3>Mean weight change (dead share)</h3>
        <table>
          <thead><tr><th>layer</th>${d.epochs.map((e) => html`<th class="num">epoch ${e}</th>`)}</tr></thead>
          <tbody>${this.#table.map(
            (row) => html`<tr data-layer=${row.layer}><td>${row.layer}</td>${d.epochs.map((e) => {
              const s = row.byEpoch.get(e);
              return html`<td class="num">${s ? html`${pct(s.health.meanWeightChange, 1)} <span class="muted">(${pct(s.health.deadShare)})</span>` : '—'}</td>`;
            })}</tr>`,
          )}</tbody>
        </table>
      </div>`;
  }
}

customElements.define('zf-convergence', ZfConvergence);
