/**
 * Downloads for any view's Chart.js charts, found in its shadow tree: each chart as PNG (as drawn)
 * and its numbers as CSV and JSON (every series, all points: not the decimated ones drawn). Works
 * for every view that draws charts without the view doing anything.
 */
import { canvasPng, type ExportItem, safeName } from './download.js';
import { seriesRows, toCsv, toRecords } from './table.js';

type Point = { x: number; y: number | null };

/** Canvases under `root`, through nested open shadow roots. */
function canvases(root: ParentNode): HTMLCanvasElement[] {
  const out: HTMLCanvasElement[] = [...root.querySelectorAll('canvas')];
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot) out.push(...canvases(el.shadowRoot));
  return out;
}

/** A chart's series with their full data (the decimation plugin keeps the original in `_data`). */
async function chartSeries(canvas: HTMLCanvasElement): Promise<{ label: string; points: Point[] }[] | undefined> {
  const { Chart } = await import('../controllers/chart-setup.js');
  const chart = Chart.getChart(canvas);
  if (!chart) return undefined;
  return chart.data.datasets.map((ds, i) => {
    const raw = (ds as unknown as { _data?: unknown[] })._data ?? ds.data;
    const points = (raw as unknown[]).map((p, j) => (typeof p === 'number' ? { x: j, y: p } : (p as Point)));
    return { label: ds.label ?? `series ${i + 1}`, points };
  });
}

/** Three items per chart: PNG, CSV, JSON. `prefix` names the files (run and view). */
export function chartExports(root: ParentNode, prefix: string): ExportItem[] {
  const items: ExportItem[] = [];
  canvases(root).forEach((canvas, i) => {
    const title = canvas.getAttribute('aria-label') ?? `chart ${i + 1}`;
    const base = safeName(prefix, canvas.className || `chart${i + 1}`);
    const table = async () => {
      const s = await chartSeries(canvas);
      if (!s) throw new Error(`export: ${title} is not drawn yet`);
      return { header: ['series', 'x', 'y'], rows: seriesRows(s) };
    };
    items.push(
      {
        id: `chart-${i}-png`,
        label: `${title} (PNG)`,
        make: async () => ({ blob: await canvasPng(canvas), name: `${base}.png` }),
      },
      {
        id: `chart-${i}-csv`,
        label: `${title}: data (CSV)`,
        make: async () => {
          const t = await table();
          return { blob: new Blob([toCsv(t.header, t.rows)], { type: 'text/csv' }), name: `${base}.csv` };
        },
      },
      {
        id: `chart-${i}-json`,
        label: `${title}: data (JSON)`,
        make: async () => {
          const t = await table();
          return {
            blob: new Blob([JSON.stringify(toRecords(t.header, t.rows), null, 1)], { type: 'application/json' }),
            name: `${base}.json`,
          };
        },
      },
    );
  });
  return items;
}
