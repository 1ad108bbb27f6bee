/**
 * A Chart.js instance as a Lit ReactiveController: created once the host's canvas exists, its data
 * swapped and `update('none')` called on every host update (no re-creation, no animation), and
 * destroyed with the host. Chart.js itself is loaded on first use (a separate chunk).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Chart, ChartConfiguration, ChartDataset } from 'chart.js';

type Point = { x: number; y: number | null };
export type LineDatasets = ChartDataset<'line', Point[]>[];

let chartModule: Promise<typeof import('./chart-setup.js')> | undefined;

export class ChartController implements ReactiveController {
  chart?: Chart<'line', Point[]>;
  #loading = false;
  #connected = false;
  #frame = 0;

  constructor(
    host: ReactiveControllerHost,
    private readonly canvas: () => HTMLCanvasElement | null | undefined,
    private readonly datasets: () => LineDatasets,
    private readonly options: () => ChartConfiguration<'line', Point[]>['options'],
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.#connected = true;
  }

  hostUpdated(): void {
    const canvas = this.canvas();
    if (this.chart && this.chart.canvas !== canvas) this.#destroy();
    if (!canvas) return;
    if (!this.chart) {
      if (this.#loading) return;
      this.#loading = true;
      chartModule ??= import('./chart-setup.js');
      void chartModule.then(({ Chart }) => {
        this.#loading = false;
        const c = this.canvas();
        if (!c || this.chart || !this.#connected) return;
        this.chart = new Chart(c, {
          type: 'line',
          data: { datasets: this.datasets() },
          options: { animation: false, ...this.options() },
        });
      });
      return;
    }
    // Metrics can arrive many times a second: redraw at most once per frame.
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#refresh();
    });
  }

  #refresh(): void {
    if (!this.chart) return;
    const datasets = this.datasets();
    // Keep dataset objects (Chart.js tracks their metadata); replace their data and styling only.
    const current = this.chart.data.datasets;
    current.length = datasets.length;
    datasets.forEach((d, i) => {
      if (current[i] && current[i].label === d.label) Object.assign(current[i], d);
      else current[i] = d;
    });
    // Options can depend on the data (axis bounds) or on the URL (which x axis): apply them again.
    this.chart.options = { animation: false, ...this.options() } as typeof this.chart.options;
    this.chart.update('none');
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#destroy();
  }

  #destroy(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.chart?.destroy();
    this.chart = undefined;
  }
}
