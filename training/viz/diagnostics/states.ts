/**
 * Dead, weak and structureless filters. Dead: never active over the probe set. Weak: active on
 * less than a stated share of positions, or a filter RMS under a stated fraction of its layer's
 * median. Structureless (conv1, where filters meet pixels): spectral flatness near white noise's.
 * The first state that applies wins, in that order.
 */
import type { DiagnosticRules, FilterState } from './rules.js';
import { median } from './robust.js';

export interface FilterFacts {
  activeShare: number;
  weightRms: number;
  /** conv1 only: the filter's spectral flatness (null for an all-zero filter). */
  flatness?: number | null;
}

/** Per filter of one layer: its state, or null when healthy. `noiseFlatness` is the layer's white-noise reference. */
export function filterStates(
  filters: readonly FilterFacts[],
  rules: DiagnosticRules,
  noiseFlatness?: number,
): Array<FilterState | null> {
  const medianRms = median(filters.map((f) => f.weightRms));
  return filters.map((f) => {
    if (!(f.activeShare > 0)) return 'dead';
    if (f.activeShare < rules.weakActiveShare || (medianRms > 0 && f.weightRms < rules.weakRmsFraction * medianRms))
      return 'weak';
    if (noiseFlatness !== undefined && f.flatness != null && f.flatness >= rules.structurelessFlatness * noiseFlatness)
      return 'structureless';
    return null;
  });
}
