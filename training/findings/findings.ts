/**
 * The paper's Fig. 4 conclusions of one run, read off its stored snapshots and diagnostics: which
 * layers settled and when, which features jumped (when, how much, why), which filters are dead,
 * weak or structureless (and since when), and conv1's aliasing against its white-noise reference.
 * Pure: values in, values out (load.ts reads a run from a logdir).
 */
import type { FilterState, JumpReason, LayerSnapshot, TrainerEvent } from '../../server/protocol.js';
import { DEFAULT_RULES, readingRules, type DiagnosticRules } from '../viz/diagnostics/rules.js';

export type DiagnosticsEvent = Extract<TrainerEvent, { type: 'diagnostics' }>;

export interface LayerConvergenceFinding {
  kind: 'conv' | 'dense';
  /** Per snapshot epoch: 1 - CKA against the previous snapshot (the initialization for the first), per epoch elapsed. */
  change: Record<string, number | null>;
  /** The first snapshot epoch from which every change stays below the threshold; null when the last one does not. */
  settledAt: number | null;
  /** CKA of each snapshot epoch's representation with the latest one's. */
  ckaToLatest: Record<string, number | null>;
  /** Secondary measures (conv layers): median filter angle per epoch elapsed, median projection change. */
  filterAngle?: Record<string, number | null>;
  projectionChange?: Record<string, number | null>;
}

export interface Findings {
  epochs: number[];
  /** The thresholds the run's flags were raised with (its latest snapshot's). */
  rules: DiagnosticRules;
  convergence: { measure: string; threshold: number; layers: Record<string, LayerConvergenceFinding> };
  jumps: Array<{
    epoch: number;
    layer: string;
    feature: number;
    score: number;
    reason: JumpReason;
    responseChange: number | null;
    projectionChange: number | null;
  }>;
  filters: Array<{ epoch: number; layer: string; feature: number; state: FilterState; since: number }>;
  aliasing: Record<
    string,
    {
      layer: number | null;
      noise: number;
      stride: number;
      ratio: number | null;
      highFrequency?: number | null;
      highFrequencyNoise?: number;
      advise: boolean;
    }
  >;
}

export const CONVERGENCE_MEASURE =
  '1 - linear CKA of the layer activations on the probe subset against the previous snapshot, per epoch elapsed';

/** The earliest epoch from which every later change is known and below `threshold`. */
export function settledAt(epochs: number[], change: Record<string, number | null>, threshold: number): number | null {
  let since: number | null = null;
  for (const e of epochs) {
    const c = change[e];
    if (typeof c === 'number' && c < threshold) since ??= e;
    else since = null;
  }
  return since;
}

/** See the module comment. `snapshots`: epoch -> layer -> index. */
export function computeFindings(
  snapshots: ReadonlyMap<number, ReadonlyMap<string, LayerSnapshot>>,
  diagnostics: readonly DiagnosticsEvent[],
): Findings {
  const epochs = [...snapshots.keys()].sort((a, b) => a - b);
  const byEpoch = new Map(diagnostics.map((d) => [d.epoch, d]));
  const threshold = diagnostics[0]?.settledChangePerEpoch ?? DEFAULT_RULES.settledChangePerEpoch;
  const latest = byEpoch.get(epochs.at(-1)!);
  const convLayers = [...new Set(epochs.flatMap((e) => [...snapshots.get(e)!.keys()]))];
  const repLayers = [...new Set([...convLayers, ...diagnostics.flatMap((d) => Object.keys(d.layers))])];

  const layers: Record<string, LayerConvergenceFinding> = {};
  for (const layer of repLayers) {
    const change: Record<string, number | null> = {};
    const ckaToLatest: Record<string, number | null> = {};
    for (const e of epochs) {
      change[e] = byEpoch.get(e)?.layers[layer]?.change ?? null;
      ckaToLatest[e] =
        e === epochs.at(-1) ? (latest?.layers[layer] ? 1 : null) : (latest?.layers[layer]?.ckaTo[e] ?? null);
    }
    const kind = diagnostics.find((d) => d.layers[layer])?.layers[layer]?.kind ?? 'conv';
    const f: LayerConvergenceFinding = { kind, change, settledAt: settledAt(epochs, change, threshold), ckaToLatest };
    if (convLayers.includes(layer)) {
      f.filterAngle = Object.fromEntries(
        epochs.map((e) => [e, snapshots.get(e)?.get(layer)?.health.medianFilterAngle ?? null]),
      );
      f.projectionChange = Object.fromEntries(
        epochs.map((e) => [e, snapshots.get(e)?.get(layer)?.health.medianProjectionChange ?? null]),
      );
    }
    layers[layer] = f;
  }

  const jumps: Findings['jumps'] = [];
  const filters: Findings['filters'] = [];
  const streak = new Map<string, { state: FilterState; since: number }>();
  const aliasing: Findings['aliasing'] = {};
  for (const e of epochs) {
    for (const [layer, s] of snapshots.get(e)!) {
      for (const m of s.maps) {
        const h = m.health;
        if (h.jump)
          jumps.push({
            epoch: e,
            layer,
            feature: m.index,
            score: h.jumpZ ?? 0,
            reason: h.jump,
            responseChange: h.responseChange ?? null,
            projectionChange: h.projectionChange,
          });
        const key = `${layer}/${m.index}`;
        const state = h.state ?? (h.dead ? 'dead' : null);
        if (!state) {
          streak.delete(key);
          continue;
        }
        const prev = streak.get(key);
        const since = prev && prev.state === state ? prev.since : e;
        streak.set(key, { state, since });
        filters.push({ epoch: e, layer, feature: m.index, state, since });
      }
      const lh = s.health;
      if (s.layerIndex === 0 && lh.aliasingNoise !== undefined && lh.stride !== undefined) {
        const ratio = typeof lh.aliasing === 'number' && lh.aliasingNoise > 0 ? lh.aliasing / lh.aliasingNoise : null;
        const rules = readingRules(lh.rules);
        aliasing[e] = {
          layer: lh.aliasing ?? null,
          noise: lh.aliasingNoise,
          stride: lh.stride,
          ratio,
          ...(lh.stride === 1
            ? { highFrequency: lh.highFrequency ?? null, highFrequencyNoise: lh.highFrequencyNoise ?? 0 }
            : {}),
          advise: lh.stride > 1 && ratio !== null && ratio >= rules.aliasingAdviseRatio,
        };
      }
    }
  }
  const stored = [...(snapshots.get(epochs.at(-1)!)?.values() ?? [])][0]?.health.rules;
  return {
    epochs,
    rules: readingRules(stored),
    convergence: { measure: CONVERGENCE_MEASURE, threshold, layers },
    jumps,
    filters,
    aliasing,
  };
}
