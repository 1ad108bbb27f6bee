/** Formatting for people: short, fixed-width where it helps scanning, and honest about missing values. */
import type { ConvSpec } from '../../server/protocol.js';

/** "7x7/2" */
export function convLabel(c: ConvSpec | undefined): string {
  return c ? `${c.kernel}x${c.kernel}/${c.stride}` : '—';
}

/** A number with a sensible precision; '—' for null/undefined/NaN. */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v !== 0 && Math.abs(v) < 10 ** -digits) return v.toExponential(1);
  return v.toFixed(digits);
}

/** 0.4231 -> "42%"; '—' when missing. */
export function pct(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)}%`;
}

/** Elapsed time between two ISO dates (or until now): "3 min", "1 h 05 min", "2 d 4 h". */
export function duration(fromIso: string, toIso?: string, now = Date.now()): string {
  const ms = (toIso ? Date.parse(toIso) : now) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const min = Math.floor(ms / 60_000);
  if (min < 1) return `${Math.floor(ms / 1000)} s`;
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${String(min % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * Epochs done of a run: "3 / 10" when the total is known; "3" for a `monitor()` run, whose
 * config cannot know how many epochs model.fit was asked for (it records 0).
 */
export function epochsDone(done: number | undefined, total: number | undefined): string {
  const d = done === undefined || !Number.isFinite(done) ? '—' : String(done);
  return total && total > 0 ? `${d} / ${total}` : d;
}

/** Metric keys as people say them. */
const METRIC_NAMES: Record<string, string> = {
  loss: 'train loss',
  acc: 'train accuracy',
  val_loss: 'validation loss',
  val_acc: 'validation accuracy',
  img_per_s: 'images/s',
  lr: 'learning rate',
};

export function metricName(key: string): string {
  return METRIC_NAMES[key] ?? key.replace(/_/g, ' ');
}

/** Accuracy-like metrics print as percentages, the rest as numbers. */
export function metricValue(key: string, v: number | undefined): string {
  if (v === undefined) return '—';
  if (/acc/.test(key)) return pct(v, 1);
  if (key === 'img_per_s') return v.toFixed(0);
  return num(v, 3);
}
