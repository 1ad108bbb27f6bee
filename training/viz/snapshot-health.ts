/**
 * Assembles the protocol's FilterHealth / LayerHealth of one conv layer from the top-k scan, the
 * kernel and the previous snapshot's memory (formulas in health.ts).
 */
import type { FilterHealth, LayerHealth } from '../../server/protocol.js';
import { aliasingScores, filterChange, filterRms, projectionChange, turnover } from './health.js';
import type { LayerActivity } from './top-k.js';

interface PreviousLayer {
  kernel: Float32Array;
  top: number[][];
  rank0: Array<Float32Array | null>;
}

/** Per-map health; change figures are null without a previous snapshot of the same shape. */
export function mapHealth(args: {
  act: LayerActivity;
  kernel: Float32Array;
  cout: number;
  rank0: Array<Float32Array | null>;
  previous: PreviousLayer | undefined;
  /** conv1 only: the kernel's geometry and the conv stride, for the aliasing score. */
  aliasing: { kh: number; kw: number; cin: number; stride: number } | undefined;
}): { maps: FilterHealth[]; aliasing: number | null | undefined } {
  const { act, kernel, cout, rank0, previous } = args;
  const rms = filterRms(kernel, cout);
  const change = previous ? filterChange(kernel, previous.kernel, cout) : null;
  const alias = args.aliasing
    ? aliasingScores(kernel, args.aliasing.kh, args.aliasing.kw, args.aliasing.cin, cout, args.aliasing.stride)
    : null;
  const maps = Array.from({ length: cout }, (_, m) => {
    const images = act.top[m]!.map((e) => e.image);
    let turn: number | null = null;
    let proj: number | null = null;
    if (previous) {
      const before = previous.top[m] ?? [];
      turn = turnover(images, before);
      const a = rank0[m] ?? null;
      const b = previous.rank0[m] ?? null;
      proj = a && b && a.length === b.length ? projectionChange(a, b) : a === null && b === null ? 0 : 1;
    }
    const health: FilterHealth = {
      activeShare: act.positions > 0 ? act.activeCount[m]! / act.positions : 0,
      maxActivation: act.max[m]!,
      meanActivation: act.positions > 0 ? act.sum[m]! / act.positions : 0,
      dead: act.activeCount[m] === 0,
      weightRms: rms[m]!,
      weightChange: change ? change[m]! : null,
      turnover: turn,
      projectionChange: proj,
    };
    if (alias) health.aliasing = alias.perFilter[m]!;
    return health;
  });
  return { maps, aliasing: alias ? alias.layer : undefined };
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Layer summary of per-map health; conv1's aliasing is the energy-weighted share over its filters. */
export function layerHealth(maps: FilterHealth[], aliasing?: number | null): LayerHealth {
  const dead = maps.filter((m) => m.dead).length;
  const out: LayerHealth = {
    deadCount: dead,
    deadShare: maps.length ? dead / maps.length : 0,
    meanActiveShare: mean(maps.map((m) => m.activeShare)) ?? 0,
    meanWeightChange: mean(maps.flatMap((m) => (m.weightChange === null ? [] : [m.weightChange]))),
  };
  if (aliasing !== undefined) out.aliasing = aliasing;
  return out;
}
