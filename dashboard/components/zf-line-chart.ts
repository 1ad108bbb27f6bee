/**
 * <zf-line-chart>: one small Chart.js line chart (through ChartController) from series of points,
 * with axis titles; the views of the figure experiments lay several out in a grid. Its canvas is
 * found by the chart exporter like any view's (PNG, CSV, JSON).
 */
import { css, html, LitElement } from 'lit';
import { ChartController, type LineDatasets } from '../controllers/chart-controller.js';
import { shared } from '../theme.js';

export interface Series {
  label: string;
  color: string;
  points: { x: number; y: number | null }[];
}

export class ZfLineChart extends LitElement {
  static override styles = [
    shared,
    css`
      .chart {
        height: 200px;
        position: relative;
      }
    `,
  ];
  static override properties = {
    series: { attribute: false },
    xTitle: { attribute: false },
    yTitle: { attribute: false },
    label: { attribute: false },
    yMax: { attribute: false },
    name: { attribute: false },
    xStep: { attribute: false },
  };
  declare series: Series[];
  declare xTitle: string;
  declare yTitle: string;
  /** The chart's accessible name (and its title in the Download menu). */
  declare label: string;
  /** Fixed top of the y axis (e.g. 1 for probabilities). */
  declare yMax: number | undefined;
  /** File-name part of its downloads. */
  declare name: string;
  /** Tick step of the x axis (1 for epochs); default: Chart.js's choice. */
  declare xStep: number | undefined;

  protected readonly chart = new ChartController(
    this,
    () => this.renderRoot.querySelector<HTMLCanvasElement>('canvas'),
    (): LineDatasets =>
      (this.series ?? []).map((s) => ({
        label: s.label,
        data: s.points,
        borderColor: s.color,
        backgroundColor: s.color,
        borderWidth: 2,
        pointRadius: 2,
      })),
    () => ({
      maintainAspectRatio: false,
      parsing: false as const,
      plugins: { legend: { display: false } },
      scales: {
        x: {
          type: 'linear' as const,
          title: { display: true, text: this.xTitle },
          ...(this.xStep !== undefined ? { ticks: { stepSize: this.xStep } } : {}),
        },
        y: {
          type: 'linear' as const,
          min: 0,
          ...(this.yMax !== undefined ? { max: this.yMax } : {}),
          title: { display: true, text: this.yTitle },
        },
      },
    }),
  );

  override render() {
    return html`<div class="chart"><canvas class=${this.name ?? ''} role="img" aria-label=${this.label ?? 'chart'}></canvas></div>`;
  }
}

customElements.define('zf-line-chart', ZfLineChart);
