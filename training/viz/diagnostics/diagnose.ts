/**
 * The diagnostics of one snapshot, computed in the trainer right after the projections: how each
 * layer's representation moved (linear CKA against the previous snapshot and every earlier one),
 * scale-free filter change, sudden jumps as outliers, dead / weak / structureless filters, and
 * conv1's aliasing beside its white-noise reference. It completes the layers' health in place and
 * returns the run-level `diagnostics` event and the memory the next snapshot compares against.
 */
import type * as tf from '@tensorflow/tfjs';
import type { FilterState, LayerConvergence, LayerSnapshot, TrainerEvent } from '../../../server/protocol.js';
import { aliasingScores } from '../health.js';
import { linearCka } from './cka.js';
import { filterAngle, noiseAliasing, noiseFlatness, spectralFlatness } from './filters.js';
import { flagJumps, responseChange } from './jumps.js';
import { median } from './robust.js';
import { measureRepresentations, type LayerRepresentation } from './representations.js';
import { DEFAULT_RULES, type DiagnosticRules } from './rules.js';
import { filterStates } from './states.js';

/** What the next snapshot's diagnostics compare against (kept in the snapshot memory, so a resume keeps it). */
export interface DiagnosticsMemory {
  /** Epoch of the latest measurement (0: the initialization). */
  epoch: number;
  images: number;
  /** Per measured epoch, per layer: the centred Gram matrix. */
  grams: Record<string, Record<string, Float32Array>>;
  /** Per conv layer, at the latest measurement. */
  layers: Record<
    string,
    { kernel: Float32Array; responses: Float32Array | null; top1: Array<number | null>; history: number[][] }
  >;
}

/**
 * Probe images the representations use: enough for a stable CKA, few enough that the n x n Gram
 * matrices of every snapshot epoch stay small in the snapshot memory (90 KB a layer an epoch).
 */
export const DIAGNOSTIC_IMAGES = 150;
/** Of those, the images whose activations the response change compares (every position of each). */
export const RESPONSE_IMAGES = 64;

export type DiagnosticsEvent = Extract<TrainerEvent, { type: 'diagnostics' }>;

function kernelOf(model: tf.LayersModel, name: string): { data: Float32Array; shape: number[] } {
  const [k] = model.getLayer(name).getWeights();
  return { data: Float32Array.from(k!.dataSync() as Float32Array), shape: k!.shape };
}

/** The reference state at the initialization (epoch 0), before the first step. */
export async function initialDiagnostics(
  model: tf.LayersModel,
  toInput: (i: number[]) => tf.Tensor4D,
  probeCount: number,
): Promise<DiagnosticsMemory> {
  const images = Math.min(DIAGNOSTIC_IMAGES, probeCount);
  const reps = await measureRepresentations(model, toInput, images, RESPONSE_IMAGES);
  return remember(model, 0, images, reps, {}, undefined);
}

function remember(
  model: tf.LayersModel,
  epoch: number,
  images: number,
  reps: LayerRepresentation[],
  grams: DiagnosticsMemory['grams'],
  layers: Map<string, { top1: Array<number | null>; history: number[][] }> | undefined,
): DiagnosticsMemory {
  const memory: DiagnosticsMemory = {
    epoch,
    images,
    grams: { ...grams, [epoch]: Object.fromEntries(reps.map((r) => [r.layer, r.gram])) },
    layers: {},
  };
  for (const r of reps) {
    if (r.kind !== 'conv') continue;
    const extra = layers?.get(r.layer);
    memory.layers[r.layer] = {
      kernel: kernelOf(model, r.layer).data,
      responses: r.responses ?? null,
      top1: extra?.top1 ?? [],
      history: extra?.history ?? Array.from({ length: r.maps }, () => []),
    };
  }
  return memory;
}

/** Map m's activations from channel-last [..., maps] activations. */
function column(acts: Float32Array, maps: number, m: number): Float32Array {
  const rows = acts.length / maps;
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = acts[i * maps + m]!;
  return out;
}

export interface DiagnoseArgs {
  model: tf.LayersModel;
  toInput: (indices: number[]) => tf.Tensor4D;
  probeCount: number;
  epoch: number;
  /** The snapshot's layer indexes; their health is completed in place. */
  layers: LayerSnapshot[];
  previous: DiagnosticsMemory | undefined;
  rules?: DiagnosticRules;
}

/** See the module comment. */
export async function diagnoseSnapshot(
  a: DiagnoseArgs,
): Promise<{ event: DiagnosticsEvent; memory: DiagnosticsMemory }> {
  const rules = a.rules ?? DEFAULT_RULES;
  const images = a.previous?.images ?? Math.min(DIAGNOSTIC_IMAGES, a.probeCount);
  const reps = await measureRepresentations(a.model, a.toInput, images, RESPONSE_IMAGES);
  const prev = a.previous;
  const prevEpoch = prev?.epoch ?? null;
  const elapsed = prevEpoch === null ? null : Math.max(1, a.epoch - prevEpoch);

  // Convergence: every representation layer against the previous measurement and each earlier one.
  const convergence: Record<string, LayerConvergence> = {};
  for (const r of reps) {
    const ckaTo: Record<string, number | null> = {};
    for (const [e, byLayer] of Object.entries(prev?.grams ?? {})) {
      const g = byLayer[r.layer];
      if (g && g.length === r.gram.length) ckaTo[e] = linearCka(g, r.gram);
    }
    const cka = prevEpoch === null ? null : (ckaTo[prevEpoch] ?? null);
    convergence[r.layer] = {
      kind: r.kind,
      cka,
      change: cka === null || elapsed === null ? null : (1 - cka) / elapsed,
      ckaTo,
    };
  }

  const byName = new Map(reps.map((r) => [r.layer, r]));
  const carried = new Map<string, { top1: Array<number | null>; history: number[][] }>();
  for (const snap of a.layers) {
    const rep = byName.get(snap.layer);
    const before = prev?.layers[snap.layer];
    const { data: kernel, shape } = kernelOf(a.model, snap.layer);
    const [kh, kw, cin, cout] = shape as [number, number, number, number];
    const same = before && before.kernel.length === kernel.length;
    const angles = same ? filterAngle(kernel, before.kernel, cout) : null;
    const top1 = snap.maps.map((m) => m.top[0]?.image ?? null);
    // Jumps only between two real snapshots: everything changes from a random initialization.
    const comparable =
      prevEpoch !== null &&
      prevEpoch > 0 &&
      same &&
      rep?.responses &&
      before.responses?.length === rep.responses.length;
    const changes = snap.maps.map((_, m) =>
      rep?.responses && before?.responses && before.responses.length === rep.responses.length
        ? responseChange(column(rep.responses, cout, m), column(before.responses, cout, m))
        : null,
    );
    const history = snap.maps.map((_, m) => before?.history[m] ?? []);
    const verdicts = comparable
      ? flagJumps(
          snap.maps.map((_, m) => ({
            change: changes[m] ?? null,
            history: history[m]!,
            sourceChanged: top1[m] !== (before.top1[m] ?? null),
          })),
          rules,
        )
      : snap.maps.map(() => ({ z: null, jump: null }));

    const isConv1 = snap.layerIndex === 0;
    const flatness = isConv1 ? snap.maps.map((_, m) => spectralFlatness(kernel, kh, kw, cin, cout, m)) : null;
    const flatNoise = isConv1 ? noiseFlatness(kh, kw, cin) : undefined;
    const states = filterStates(
      snap.maps.map((m, i) => ({
        activeShare: m.health.activeShare,
        weightRms: m.health.weightRms,
        flatness: flatness?.[i] ?? null,
      })),
      rules,
      flatNoise,
    );

    snap.maps.forEach((m, i) => {
      const h = m.health;
      h.filterAngle = angles ? angles[i]! : null;
      h.responseChange = changes[i] ?? null;
      h.jumpZ = verdicts[i]!.z;
      h.jump = verdicts[i]!.jump;
      h.state = states[i]!;
      if (flatness) h.flatness = flatness[i]!;
    });
    const lh = snap.health;
    const perEpoch = (xs: Array<number | null | undefined>) => {
      const known = xs.filter((x): x is number => typeof x === 'number');
      return known.length && elapsed !== null ? median(known) / elapsed : null;
    };
    const known = (xs: Array<number | null | undefined>) => {
      const k = xs.filter((x): x is number => typeof x === 'number');
      return k.length ? median(k) : null;
    };
    lh.previousEpoch = prevEpoch;
    lh.representationChange = convergence[snap.layer]?.change ?? null;
    lh.medianFilterAngle = perEpoch(snap.maps.map((m) => m.health.filterAngle));
    lh.medianProjectionChange = known(snap.maps.map((m) => m.health.projectionChange));
    lh.medianResponseChange = known(changes);
    lh.jumpCount = verdicts.filter((v) => v.jump).length;
    const counts: Record<FilterState, number> = { dead: 0, weak: 0, structureless: 0 };
    for (const s of states) if (s) counts[s]++;
    lh.states = counts;
    lh.rules = { ...rules };
    if (isConv1) {
      const stride = (a.model.getLayer(snap.layer).getConfig() as { strides?: number[] | number }).strides;
      const s = Array.isArray(stride) ? stride[0]! : (stride ?? 1);
      lh.stride = s;
      lh.aliasingNoise = noiseAliasing(kh, kw, cin, s);
      lh.flatnessNoise = flatNoise!;
      if (s === 1) {
        lh.highFrequency = aliasingScores(kernel, kh, kw, cin, cout, 2).layer;
        lh.highFrequencyNoise = noiseAliasing(kh, kw, cin, 2);
      }
    }
    carried.set(snap.layer, {
      top1,
      history: history.map((h, m) => (comparable && changes[m] !== null ? [...h, changes[m]!] : h)),
    });
  }

  const memory = remember(a.model, a.epoch, images, reps, prev?.grams ?? {}, carried);
  const event: DiagnosticsEvent = {
    type: 'diagnostics',
    epoch: a.epoch,
    previousEpoch: prevEpoch ?? 0,
    measure: 'linear-cka',
    images,
    layers: convergence,
    settledChangePerEpoch: rules.settledChangePerEpoch,
  };
  return { event, memory };
}
