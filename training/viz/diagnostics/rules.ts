/**
 * The thresholds behind every conclusion the diagnostics draw, with the words that explain them.
 * Pure data and tiny pure functions: the trainer applies the rules, the CLI (`zfscope findings`)
 * and the dashboard show them, so a flag on the screen always comes with the rule that raised it.
 *
 * The numbers were calibrated on real training (full Fashion-MNIST, 20 epochs, 7x7/2 and 11x11/4;
 * README "The paper's findings, measured here"), and the interventions in
 * test/training/diagnostics/intervention.test.ts check that each flag fires on the change it is
 * about and stays quiet otherwise.
 */
import type { DiagnosticRulesUsed } from '../../../server/protocol.js';

/** The thresholds, as the wire protocol records them with each snapshot (LayerHealth.rules). */
export type DiagnosticRules = DiagnosticRulesUsed;

export const DEFAULT_RULES: DiagnosticRules = {
  settledChangePerEpoch: 0.01,
  // Changes are >= 0 and skewed right, so the usual 3.5 (Iglewicz-Hoaglin, symmetric data) flags the
  // natural tail: 12-19% of small layers' features at a snapshot of an unmodified run; 5 flags <= 6%,
  // while a re-initialized filter reads 10-45.
  jumpZ: 5,
  jumpMinChange: 0.1,
  jumpHistoryMin: 2,
  jumpHistoryFactor: 2,
  weakActiveShare: 0.02,
  weakRmsFraction: 0.1,
  structurelessFlatness: 0.9,
  // Measured on full Fashion-MNIST, 20 epochs (README): the paper's own 7x7/2 conv1 climbs to 0.64
  // of white noise's share, 11x11/4 to 0.83; advice only clearly above what 7x7/2 reaches.
  aliasingAdviseRatio: 0.75,
};

/**
 * The rules as a reader applies them now: the trainer's stored thresholds for what it flagged
 * (jumps, filter states), the current ones for readings made at display time (aliasing advice).
 */
export function readingRules(stored: Partial<DiagnosticRules> | undefined): DiagnosticRules {
  return { ...DEFAULT_RULES, ...(stored ?? {}), aliasingAdviseRatio: DEFAULT_RULES.aliasingAdviseRatio };
}

export type FilterState = 'dead' | 'weak' | 'structureless';
export type JumpReason = 'new-source' | 'same-source';

/** What each metric measures, its scale, and what a person would do about it: legends and tooltips. */
export const LEGENDS = {
  representationChange:
    "Representation change: 1 - linear CKA between the layer's activations on the same probe images at this snapshot and at the previous one (0 at initialization), divided by the epochs elapsed. 0 = the layer computes the same thing; scale-free, so a filter that only grows does not count.",
  ckaToLatest:
    "CKA to the latest snapshot: how similar each earlier snapshot's representation is to the newest one (1 = the same up to rotation and scale).",
  filterAngle:
    'Filter angle: 1 - cosine between each filter and its previous self, per epoch elapsed (median over the layer). Scale-free: rescaling a filter reads 0.',
  projectionChange:
    "Projection change: half the distance between the unit-norm strongest projections at consecutive snapshots (0 same, 1 opposite), the paper's Fig. 4 criterion. It also moves when the top image changes.",
  jump: "Jump: the feature's response change (1 - correlation of its activations, position by position over the diagnostic probe images, with the previous snapshot) stands out: robust z-score >= {jumpZ} against its layer at that snapshot, change >= {jumpMinChange}, and >= {jumpHistoryFactor}x its own earlier median. ⟳ new top image (the paper's explanation of sudden jumps); △ same top image, changed response.",
  dead: 'Dead: never active (ReLU output 0) at any position of any probe image. Try a lower learning rate, re-initialize the filter, or check the initialization scale.',
  weak: "Weak: active on less than {weakActiveShare} of probe positions, or filter RMS under {weakRmsFraction} of its layer's median. Try a higher learning rate or He initialization; many weak filters mean the layer is wider than it needs.",
  structureless:
    "Structureless (conv1): spectral flatness of the filter at least {structurelessFlatness} of white noise's, i.e. no preferred orientation or frequency. Train longer or raise the learning rate; with large kernels and strides try a smaller kernel or stride (ZF: 11x11/4 -> 7x7/2).",
  aliasing:
    "Aliasing (conv1): share of the filters' spectral energy above what the stride can represent (|f| > 1/(2s) cycles/pixel), beside white noise's share for the same kernel and stride. Advice only at or above {aliasingAdviseRatio} of the noise level.",
  highFrequency:
    "High-frequency share (stride 1, nothing to alias): share of the filters' energy above 1/4 cycles/pixel, beside white noise's.",
} as const;

/** A legend with its rule's numbers filled in. */
export function legend(key: keyof typeof LEGENDS, rules: DiagnosticRules = DEFAULT_RULES): string {
  return LEGENDS[key].replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = rules[name as keyof DiagnosticRules];
    if (v === undefined) return `{${name}}`;
    return name === 'weakActiveShare' || name === 'weakRmsFraction' ? `${+(v * 100).toFixed(2)}%` : String(v);
  });
}

/** What to try, per filter state. */
export const ADVICE: Record<FilterState, string> = {
  dead: 'lower the learning rate (a large step can push a ReLU unit below zero for every input), re-initialize the filter, or check the initialization scale',
  weak: 'raise the learning rate or use He initialization; if many filters of the layer are weak, the layer is wider than the data needs',
  structureless:
    'train longer or raise the learning rate; with a large conv1 kernel or stride, try a smaller one (7x7/2 rather than 11x11/4)',
};
