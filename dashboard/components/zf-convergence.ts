/**
 * <zf-convergence>: how much each layer's representation moves between snapshots — 1 - linear CKA
 * of its activations on the same probe images against the previous snapshot, per epoch elapsed —
 * with the layers that have settled (below the threshold it names) and since when, read off the
 * data, not off the layer's position. The paper: "the lower layers converge within a few epochs,
 * the upper layers only develop after a considerable number of epochs". Secondary: the filter
 * angle and the change of the strongest projection (the paper's Fig. 4 criterion), each captioned.
 */
import { css, html, LitElement } from 'lit';
import type { LayerSnapshot } from '../../server/protocol.js';
import { settledAt } from '../../training/findings/findings.js';
import { DEFAULT_RULES, legend } from '../../training/viz/diagnostics/rules.js';
import { ChartController, type LineDatasets } from '../controllers/chart-controller.js';
import { SnapshotsController } from '../controllers/snapshots-controller.js';
import { num } from '../state/format.js';
import type { RunData } from '../state/reducer.js';
import { emptyState, errorState, loadingState } from '../render/states.js';
import { shared } from '../theme.js';

export const LAYER_COLORS = ['#6ea8fe', '#5fd39a', '#f0b861', '#e07be0', '#f0736b', '#8fd3e8', '#c0c7d2'];

interface Row {
  layer: string;
  change: Record<number, number | null>;
  settled: number | null;
}

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
      td.settled {
        color: var(--good);
      }
      .verdict {
        font-size: 15px;
      }
    `,
  ];

  static override properties = { data: { attribute: false } };
  declare data: RunData | undefined;

  readonly #snaps = new SnapshotsController(this);
  #rows: Row[] = [];
  #epochs: number[] = [];
  #threshold = DEFAULT_RULES.settledChangePerEpoch;
  protected readonly chart = new ChartController(
    this,
    () => this.renderRoot.querySelector<HTMLCanvasElement>('canvas'),
    (): LineDatasets => [
      ...this.#rows.map((row, i) => ({
        label: row.layer,
        data: this.#epochs
          .filter((e) => typeof row.change[e] === 'number')
          .map((e) => ({ x: e, y: Math.max(1e-5, row.change[e]!) })),
        borderColor: LAYER_COLORS[i % LAYER_COLORS.length],
        backgroundColor: LAYER_COLORS[i % LAYER_COLORS.length],
        borderWidth: 2,
        pointRadius: 3,
      })),
      {
        label: `settled below ${this.#threshold}`,
        data: this.#epochs.length
          ? [
              { x: this.#epochs[0]!, y: this.#threshold },
              { x: this.#epochs.at(-1)!, y: this.#threshold },
            ]
          : [],
        borderColor: '#8a93a3',
        borderDash: [6, 4],
        borderWidth: 1,
        pointRadius: 0,
      },
    ],
    () => ({
      maintainAspectRatio: false,
      parsing: false as const,
      scales: {
        x: { type: 'linear' as const, title: { display: true, text: 'epoch' } },
        y: {
          type: 'logarithmic' as const,
          title: { display: true, text: '1 - CKA to the previous snapshot, per epoch (log scale)' },
        },
      },
    }),
  );

  override render() {
    const d = this.data;
    if (!d?.loaded) return loadingState('snapshots');
    const epochs = d.epochs.filter((e) => d.diagnostics[e]);
    if (!epochs.length) {
      return emptyState(
        d.epochs.length ? 'No representation measurements in this run.' : 'No snapshots yet.',
        d.epochs.length
          ? 'Runs recorded before zfscope measured convergence by CKA have none; train again to see them.'
          : 'Convergence compares each snapshot with the previous one (the first with the initialization).',
      );
    }
    const diag = epochs.map((e) => d.diagnostics[e]!);
    this.#threshold = diag[0]!.settledChangePerEpoch;
    this.#epochs = epochs;
    const layers = [...new Set(diag.flatMap((x) => Object.keys(x.layers)))];
    this.#rows = layers.map((layer) => {
      const change = Object.fromEntries(epochs.map((e) => [e, d.diagnostics[e]!.layers[layer]?.change ?? null]));
      return { layer, change, settled: settledAt(epochs, change, this.#threshold) };
    });
    const latest = diag.at(-1)!;
    const settled = this.#rows.filter((r) => r.settled !== null);
    const moving = this.#rows.filter((r) => r.settled === null);
    const images = latest.images;
    return html`<div class="panel">
        <h3 title=${legend('representationChange')}>Representation change per layer</h3>
        <p class="verdict" data-verdict>
          ${settled.length ? html`Settled (below ${this.#threshold} per epoch): ${settled.map((r) => html`<b data-settled=${r.layer}>${r.layer}</b> since epoch ${r.settled}`).reduce((a, b) => html`${a}, ${b}`)}.` : html`No layer has settled yet (below ${this.#threshold} per epoch).`}
          ${moving.length ? html` Still changing: ${moving.map((r) => html`<b data-moving=${r.layer}>${r.layer}</b>`).reduce((a, b) => html`${a}, ${b}`)}.` : ''}
        </p>
        <div class="chart"><canvas role="img" aria-label="Representation change per layer across epochs, log scale"></canvas></div>
        <p class="muted">${legend('representationChange')} Measured on ${images} probe images; the first snapshot compares with the initialization.</p>
      </div>
      <div class="panel">
        <h3>1 - CKA per epoch, by snapshot</h3>
        <table data-table="change">
          <thead><tr><th>layer</th>${epochs.map((e) => html`<th class="num">epoch ${e}</th>`)}<th>settled</th></tr></thead>
          <tbody>${this.#rows.map(
            (row) =>
              html`<tr data-layer=${row.layer}><td>${row.layer}</td>${epochs.map(
                (e) =>
                  html`<td class="num ${row.settled !== null && e >= row.settled ? 'settled' : ''}">${num(row.change[e], 4)}</td>`,
              )}<td>${row.settled === null ? 'not yet' : `since ${row.settled}`}</td></tr>`,
          )}</tbody>
        </table>
        <h3 title=${legend('ckaToLatest')}>CKA to the latest snapshot (epoch ${latest.epoch})</h3>
        <table data-table="cka-latest">
          <thead><tr><th>layer</th>${['0', ...epochs.slice(0, -1).map(String)].map((e) => html`<th class="num">${e === '0' ? 'init' : `epoch ${e}`}</th>`)}</tr></thead>
          <tbody>${layers.map((layer) => html`<tr><td>${layer}</td>${['0', ...epochs.slice(0, -1).map(String)].map((e) => html`<td class="num">${num(latest.layers[layer]?.ckaTo[e], 3)}</td>`)}</tr>`)}</tbody>
        </table>
        <p class="muted">${legend('ckaToLatest')}</p>
      </div>
      ${this.#secondary(d)}`;
  }

  /** Filter angle and projection change per conv layer, from the layer snapshots. */
  #secondary(d: RunData) {
    const refs = d.epochs.flatMap((e) => Object.values(d.snapshots[e] ?? {}));
    const need = this.#snaps.need(refs.map((r) => r.indexUrl));
    if (need.error) return html`<div class="panel">${errorState(need.error, () => this.#snaps.retry())}</div>`;
    if (need.pending) return html`<div class="panel">${loadingState(`${refs.length} layer snapshots`)}</div>`;
    const get = (e: number, layer: string): LayerSnapshot | undefined => {
      const r = d.snapshots[e]?.[layer];
      return r ? need.ready.get(r.indexUrl) : undefined;
    };
    const table = (key: 'medianFilterAngle' | 'medianProjectionChange', digits: number) => html`<table>
      <thead><tr><th>layer</th>${d.epochs.map((e) => html`<th class="num">epoch ${e}</th>`)}</tr></thead>
      <tbody>${d.layers.map((layer) => html`<tr><td>${layer}</td>${d.epochs.map((e) => html`<td class="num">${num(get(e, layer)?.health[key], digits)}</td>`)}</tr>`)}</tbody>
    </table>`;
    return html`<div class="panel">
      <h3 title=${legend('filterAngle')}>Secondary: median filter angle per epoch</h3>
      ${table('medianFilterAngle', 4)}
      <p class="muted">${legend('filterAngle')} A small filter is cheap to turn, so this reads higher for conv1 than what conv1 computes changes.</p>
      <h3 title=${legend('projectionChange')}>Secondary: median change of the strongest projection</h3>
      ${table('medianProjectionChange', 2)}
      <p class="muted">${legend('projectionChange')}</p>
    </div>`;
  }
}

customElements.define('zf-convergence', ZfConvergence);
