/**
 * <zf-curves>: loss and accuracy, train and validation, per batch (thin) and per epoch (points),
 * on a shared step axis; live — each new metrics event updates the existing charts in place.
 */
import { css, html, LitElement } from 'lit';
import { ChartController, type LineDatasets } from '../controllers/chart-controller.js';
import { metricName, metricValue } from '../state/format.js';
import type { MetricPoint, RunData } from '../state/reducer.js';
import { emptyState, loadingState } from '../render/states.js';
import { shared } from '../theme.js';

const COLORS = { train: '#6ea8fe', trainEpoch: '#b7d2ff', val: '#f0b861' };

function series(points: MetricPoint[], key: string): { x: number; y: number | null }[] {
  const out: { x: number; y: number | null }[] = [];
  for (const p of points) if (p.values[key] !== undefined) out.push({ x: p.step, y: p.values[key]! });
  return out;
}

function datasets(d: RunData | undefined, key: 'loss' | 'acc'): LineDatasets {
  if (!d) return [];
  return [
    { label: `${metricName(key)} (batch)`, data: series(d.batchMetrics, key), borderColor: COLORS.train, borderWidth: 1, pointRadius: 0, tension: 0 },
    { label: `${metricName(key)} (epoch)`, data: series(d.epochMetrics, key), borderColor: COLORS.trainEpoch, borderWidth: 2, pointRadius: 3 },
    { label: metricName(`val_${key}`), data: series(d.epochMetrics, `val_${key}`), borderColor: COLORS.val, borderWidth: 2, pointRadius: 3 },
  ];
}

const options = (y: string, pct: boolean) => () => ({
  maintainAspectRatio: false,
  parsing: false as const,
  normalized: true,
  interaction: { mode: 'nearest' as const, intersect: false },
  scales: {
    x: { type: 'linear' as const, title: { display: true, text: 'batch step' } },
    y: { type: 'linear' as const, title: { display: true, text: y }, ...(pct ? { min: 0, max: 1 } : {}) },
  },
  // Long runs send thousands of batch points: draw at most ~600 per line (LTTB keeps the shape).
  plugins: { legend: { labels: { boxWidth: 12 } }, decimation: { enabled: true, algorithm: 'lttb' as const, samples: 600 } },
});

export class ZfCurves extends LitElement {
  static override styles = [
    shared,
    css`
      .charts {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
        gap: 16px;
      }
      .chart {
        height: 320px;
        position: relative;
      }
      .last {
        display: flex;
        gap: 28px;
        margin-bottom: 14px;
      }
      .last div strong {
        display: block;
        font-size: 20px;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  static override properties = { data: { attribute: false } };
  declare data: RunData | undefined;

  readonly #loss = new ChartController(this, () => this.renderRoot.querySelector<HTMLCanvasElement>('canvas.loss'), () => datasets(this.data, 'loss'), options('loss', false));
  readonly #acc = new ChartController(this, () => this.renderRoot.querySelector<HTMLCanvasElement>('canvas.acc'), () => datasets(this.data, 'acc'), options('accuracy', true));

  override render() {
    const d = this.data;
    if (!d?.loaded) return loadingState('metrics');
    if (!d.batchMetrics.length && !d.epochMetrics.length) return emptyState('No metrics yet.', 'The trainer sends loss and accuracy after its first batch.');
    const last = d.epochMetrics.at(-1);
    return html`
      ${last
        ? html`<div class="last" data-last-epoch=${last.epoch}>
            <div><span class="muted">epoch</span><strong>${last.epoch}</strong></div>
            ${['loss', 'acc', 'val_loss', 'val_acc', 'img_per_s']
              .filter((k) => last.values[k] !== undefined)
              .map((k) => html`<div><span class="muted">${metricName(k)}</span><strong>${metricValue(k, last.values[k])}</strong></div>`)}
          </div>`
        : ''}
      <div class="charts">
        <div class="panel"><h3>Loss</h3><div class="chart"><canvas class="loss" role="img" aria-label="Loss curves"></canvas></div></div>
        <div class="panel"><h3>Accuracy</h3><div class="chart"><canvas class="acc" role="img" aria-label="Accuracy curves"></canvas></div></div>
      </div>
    `;
  }
}

customElements.define('zf-curves', ZfCurves);
