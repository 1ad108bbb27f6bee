/**
 * Stepping and aligning snapshot epochs. Pure: a feature page and the dialog step through the
 * epochs of one layer; Compare aligns two runs whose snapshot epochs need not be the same.
 */

/** The snapshot epoch closest to `target`; on a tie the earlier one. Undefined when there are none. */
export function nearestEpoch(epochs: number[], target: number): number | undefined {
  let best: number | undefined;
  for (const e of epochs)
    if (
      best === undefined ||
      Math.abs(e - target) < Math.abs(best - target) ||
      (Math.abs(e - target) === Math.abs(best - target) && e < best)
    )
      best = e;
  return best;
}

/**
 * The epoch `delta` places from `current` in `epochs` (ascending), held at the ends. A current
 * epoch that is not a snapshot epoch steps from the nearest one.
 */
export function stepEpoch(epochs: number[], current: number | undefined, delta: number): number | undefined {
  if (!epochs.length) return undefined;
  const from = current === undefined ? epochs.length - 1 : epochs.indexOf(nearestEpoch(epochs, current)!);
  return epochs[Math.min(epochs.length - 1, Math.max(0, from + delta))];
}

/** The item `delta` places from `current` in `list`, held at the ends (features, layers). */
export function stepIn<T>(list: T[], current: T, delta: number): T | undefined {
  const i = list.indexOf(current);
  if (i < 0) return list[0];
  return list[Math.min(list.length - 1, Math.max(0, i + delta))];
}

/**
 * Both sides of Compare at one requested epoch: each the nearest snapshot epoch of its own run.
 * `differs` says whether either side shows another epoch than asked, so the view can say so.
 */
export function alignEpochs(
  a: number[],
  b: number[],
  requested: number | undefined,
): { a?: number; b?: number; target?: number; differs: boolean } {
  const target = requested ?? a.at(-1) ?? b.at(-1);
  if (target === undefined) return { differs: false };
  const ea = nearestEpoch(a, target);
  const eb = nearestEpoch(b, target);
  return { a: ea, b: eb, target, differs: ea !== eb || ea !== target };
}
