/**
 * <zf-curves>: loss and accuracy, train and validation, per batch (thin) and per epoch (points),
 * against epochs (fractional, from each point's batch index) or, when asked, the batch index; live
 * — each new metrics event updates the existing charts in place. A chart with nothing to draw says
 * why instead of showing an empty frame.
 */
import { css, html, LitElement } from 'lit';
import { ChartController, type LineDatasets } from '../controllers/chart-controller.js';
import { navigateFrom } from '../events.js';
import { metricName, metricValue } from '../state/format.js';
import { axisTitle, batchesPerEpoch, pointX, type XAxis } from '../state/metrics-axis.js';
import type { MetricPoint, RunData } from '../state/reducer.js';
import type { NavState } from '../state/url.js';
import type { RunInfo } from '../../server/protocol.js';
import { emptyState, loadingState } from '../render/states.js';
import { shared } from '../theme.js';

const COLORS = { train: '#6ea8fe', trainEpoch: '#b7d2ff', val: '#f0b861' };

function series(points: MetricPoint[], key: string, perEpoch: number, axis: XAxis): { x: number; y: number | null }[] {
  const out: { x: number; y: number | null }[] = [];
  for (const p of points)
    if (p.values[key] !== undefined) out.push({ x: pointX(p, perEpoch, axis), y: p.values[key]! });
  return out;
}

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
        height: 340px;
        position: relative;
      }
      .last {
        display: flex;
        gap: 28px;
        margin-bottom: 14px;
        flex-wrap: wrap;
      }
      .last div strong {
        display: block;
        font-size: 20px;
        font-variant-numeric: tabular-nums;
      }
      .why {
        height: 340px;
        display: flex;
        align-items: center;
        justify-content: center;
        text-align: center;
        color: var(--fg-dim);
        border: 1px dashed var(--line);
        border-radius: 8px;
      }
    `,
  ];

  static override properties = { data: { attribute: false }, nav: { attribute: false }, run: { attribute: false } };
  declare data: RunData | undefined;
  declare nav: NavState | undefined;
  declare run: RunInfo | undefined;

  protected readonly loss = new ChartController(
    this,
    () => this.renderRoot.querySelector<HTMLCanvasElement>('canvas.loss'),
    () => this.#datasets('loss'),
    () => this.#options('loss', false),
  );
  protected readonly acc = new ChartController(
    this,
    () => this.renderRoot.querySelector<HTMLCanvasElement>('canvas.acc'),
    () => this.#datasets('acc'),
    () => this.#options('accuracy', true),
  );

  get #axis(): XAxis {
    return this.nav?.axis === 'batch' ? 'batch' : 'epoch';
  }

  #perEpoch(): number {
    const d = this.data!;
    const c = this.run?.config;
    const estimate =
      c && c.batchSize > 0 && this.run!.dataset.trainCount > 0
        ? Math.ceil(this.run!.dataset.trainCount / c.batchSize)
        : undefined;
    return batchesPerEpoch(d.batchMetrics, d.epochMetrics, estimate);
  }

  #datasets(key: 'loss' | 'acc'): LineDatasets {
    const d = this.data;
    if (!d) return [];
    const per = this.#perEpoch();
    const axis = this.#axis;
    const all: LineDatasets = [
      {
        label: `${metricName(key)} (batch)`,
        data: series(d.batchMetrics, key, per, axis),
        borderColor: COLORS.train,
        borderWidth: 1,
        pointRadius: 0,
        tension: 0,
      },
      {
        label: `${metricName(key)} (epoch)`,
        data: series(d.epochMetrics, key, per, axis),
        borderColor: COLORS.trainEpoch,
        borderWidth: 2,
        pointRadius: 3,
      },
      {
        label: metricName(`val_${key}`),
        data: series(d.epochMetrics, `val_${key}`, per, axis),
        borderColor: COLORS.val,
        borderWidth: 2,
        pointRadius: 3,
      },
    ];
    // A series this run never sends (monitor() without validation) is left out of the legend.
    return all.filter((s) => s.data.length);
  }

  #options(y: string, pct: boolean) {
    const axis = this.#axis;
    const d = this.data;
    const per = d ? this.#perEpoch() : 1;
    const lastEpoch = Math.max(
      1,
      ...(d?.batchMetrics.length ? [d.batchMetrics.at(-1)!.epoch] : []),
      ...(d?.epochMetrics.length ? [d.epochMetrics.at(-1)!.epoch] : []),
    );
    // Whole epochs from 0 to the one in progress: one early point does not get a 0.94..1.06 axis.
    const max = axis === 'epoch' ? lastEpoch : lastEpoch * per;
    return {
      maintainAspectRatio: false,
      parsing: false as const,
      normalized: true,
      interaction: { mode: 'nearest' as const, intersect: false },
      scales: {
        x: {
          type: 'linear' as const,
          min: 0,
          max,
          title: { display: true, text: axisTitle(axis) },
          ticks: axis === 'epoch' ? { stepSize: lastEpoch > 20 ? 5 : 1 } : {},
        },
        y: {
          type: 'linear' as const,
          title: { display: true, text: y },
          ...(pct ? { min: 0, max: 1 } : { beginAtZero: true }),
        },
      },
      // Long runs send thousands of batch points: draw at most ~600 per line (LTTB keeps the shape).
      plugins: {
        legend: { labels: { boxWidth: 12 } },
        decimation: { enabled: true, algorithm: 'lttb' as const, samples: 600 },
      },
    };
  }

  #chart(key: 'loss' | 'acc', title: string) {
    const has = this.#datasets(key).length > 0;
    const sent = Object.keys(this.data?.batchMetrics.at(-1)?.values ?? this.data?.epochMetrics.at(-1)?.values ?? {});
    return html`<div class="panel"><h3>${title}</h3>
      ${
        has
          ? html`<div class="chart"><canvas class=${key} role="img" aria-label=${`${title} curves against ${this.#axis === 'epoch' ? 'epoch' : 'batch index'}`}></canvas></div>`
          : html`<div class="why" data-empty=${key}>This run logs no ${metricName(key)}${sent.length ? ` (it sends: ${sent.map(metricName).join(', ')})` : ''}.</div>`
      }
    </div>`;
  }

  override render() {
    const d = this.data;
    if (!d?.loaded) return loadingState('metrics');
    if (!d.batchMetrics.length && !d.epochMetrics.length)
      return emptyState(
        'No metrics yet.',
        'The trainer sends loss and accuracy after its first logged batch; the charts start then.',
      );
    const last = d.epochMetrics.at(-1);
    const axis = this.#axis;
    return html`
      <div class="toolbar">
        ${
          last
            ? html`<div class="last" data-last-epoch=${last.epoch}>
              <div><span class="muted">epoch</span><strong>${last.epoch}</strong></div>
              ${['loss', 'acc', 'val_loss', 'val_acc', 'img_per_s']
                .filter((k) => last.values[k] !== undefined)
                .map(
                  (k) =>
                    html`<div><span class="muted">${metricName(k)}</span><strong>${metricValue(k, last.values[k])}</strong></div>`,
                )}
            </div>`
            : html`<span class="muted">epoch 1 in progress: the first end-of-epoch figures (and validation) come when it ends.</span>`
        }
        <span style="flex:1"></span>
        <div class="seg" role="group" aria-label="x axis">
          <button aria-pressed=${axis === 'epoch' ? 'true' : 'false'} data-axis="epoch" @click=${() => navigateFrom(this, { axis: null })}>epoch</button>
          <button aria-pressed=${axis === 'batch' ? 'true' : 'false'} data-axis="batch" @click=${() => navigateFrom(this, { axis: 'batch' })}>batch index</button>
        </div>
      </div>
      <div class="charts">${this.#chart('loss', 'Loss')}${this.#chart('acc', 'Accuracy')}</div>
    `;
  }
}

customElements.define('zf-curves', ZfCurves);
