/**
 * Pure helpers of the figure-experiment views: the epochs that have experiments, colours of the
 * occlusion maps (a perceptual ramp for activations and probabilities, one colour per class for the
 * most probable label) as RGBA. No DOM here (dashboard/render/pictures.ts turns RGBA into images;
 * the probe images and projections are PNG files the views show by URL).
 */
import type { EpochExperiments, RunData } from './reducer.js';

/** Epochs with an experiments event, ascending. */
export function experimentEpochs(d: RunData): number[] {
  return Object.keys(d.experiments)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The experiments shown for a requested epoch: that one, else the latest before it, else the first. */
export function experimentsAt(d: RunData, requested: number | undefined): EpochExperiments | undefined {
  const epochs = experimentEpochs(d);
  if (!epochs.length) return undefined;
  const before = requested === undefined ? epochs : epochs.filter((e) => e <= requested);
  return d.experiments[(before.length ? before.at(-1) : epochs[0])!];
}

/** An RGBA image: width x height pixels, 4 bytes each. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** Stops of the ramp from low to high (dark blue, purple, orange, pale yellow): readable on the dark theme. */
const RAMP: [number, number, number][] = [
  [13, 8, 135],
  [126, 3, 168],
  [204, 71, 120],
  [248, 149, 64],
  [240, 249, 33],
];

/** The ramp's colour at t in [0, 1]. */
export function rampColor(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i]!;
  const b = RAMP[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

/** A map of values as RGBA on the ramp, `lo` to `hi` (default: the map's own range). */
export function heatRgba(grid: number[][], lo?: number, hi?: number): Rgba & { lo: number; hi: number } {
  const flat = grid.flat();
  const min = lo ?? Math.min(...flat);
  const max = hi ?? Math.max(...flat);
  const height = grid.length;
  const width = grid[0]?.length ?? 0;
  const data = new Uint8ClampedArray(width * height * 4);
  grid.forEach((row, y) => {
    row.forEach((v, x) => {
      const [r, g, b] = rampColor(max > min ? (v - min) / (max - min) : 0.5);
      data.set([r, g, b, 255], (y * width + x) * 4);
    });
  });
  return { width, height, data, lo: min, hi: max };
}

/** Ten distinct colours for class labels (then they repeat). */
export const LABEL_COLORS: [number, number, number][] = [
  [110, 168, 254],
  [95, 211, 154],
  [240, 184, 97],
  [224, 123, 224],
  [240, 115, 107],
  [143, 211, 232],
  [192, 199, 210],
  [173, 132, 82],
  [120, 120, 255],
  [250, 250, 140],
];

export const labelColor = (c: number) =>
  LABEL_COLORS[((c % LABEL_COLORS.length) + LABEL_COLORS.length) % LABEL_COLORS.length]!;

/** The most-probable-label map as RGBA, one colour per class. */
export function labelRgba(grid: number[][]): Rgba {
  const height = grid.length;
  const width = grid[0]?.length ?? 0;
  const data = new Uint8ClampedArray(width * height * 4);
  grid.forEach((row, y) => {
    row.forEach((c, x) => {
      data.set([...labelColor(c), 255], (y * width + x) * 4);
    });
  });
  return { width, height, data };
}

/** The classes a label map shows, with how many occluder positions each takes. */
export function labelCounts(grid: number[][]): Array<{ label: number; count: number }> {
  const counts = new Map<number, number>();
  for (const v of grid.flat()) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([label, count]) => ({ label, count }));
}
