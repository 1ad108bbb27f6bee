/**
 * A Chart.js instance as a Lit ReactiveController: created once the host's canvas exists, its data
 * swapped and `update('none')` called on every host update (no re-creation, no animation), and
 * destroyed with the host. Registers only the Chart.js parts the dashboard uses (tree-shaken).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  Chart,
  type ChartConfiguration,
  type ChartDataset,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);
Chart.defaults.color = '#aab4c3';
Chart.defaults.borderColor = 'rgba(170,180,195,0.15)';
Chart.defaults.font.family = 'Inter, system-ui, sans-serif';

export type LineDatasets = ChartDataset<'line', { x: number; y: number | null }[]>[];

export class ChartController implements ReactiveController {
  chart?: Chart<'line', { x: number; y: number | null }[]>;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly canvas: () => HTMLCanvasElement | null | undefined,
    private readonly datasets: () => LineDatasets,
    private readonly options: () => ChartConfiguration<'line', { x: number; y: number | null }[]>['options'],
  ) {
    host.addController(this);
  }

  hostUpdated(): void {
    const canvas = this.canvas();
    if (this.chart && this.chart.canvas !== canvas) this.#destroy();
    if (!canvas) return;
    const datasets = this.datasets();
    if (!this.chart) {
      this.chart = new Chart(canvas, { type: 'line', data: { datasets }, options: { animation: false, ...this.options() } });
      return;
    }
    // Keep dataset objects (Chart.js tracks their metadata); replace their data and styling only.
    const current = this.chart.data.datasets;
    current.length = datasets.length;
    datasets.forEach((d, i) => {
      if (current[i] && current[i].label === d.label) Object.assign(current[i], d);
      else current[i] = d;
    });
    this.chart.update('none');
  }

  hostDisconnected(): void {
    this.#destroy();
  }

  #destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
  }
}
