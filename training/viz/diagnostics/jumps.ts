/**
 * Sudden jumps (ZF Fig. 4) as outliers. A feature's change between two snapshots is its response
 * change: 1 - the Pearson correlation of its activations (every position of every diagnostic probe image)
 * at the two snapshots (what the feature responds to, independent of its scale). A jump is a change
 * that stands out against its layer at that snapshot (a robust z-score) and against the feature's
 * own history; its reason tells the paper's explanation (the strongest activation now comes from
 * another image) apart from a changed response to the same top image.
 */
import type { DiagnosticRules, JumpReason } from './rules.js';
import { median, robustZ } from './robust.js';

/**
 * 1 - corr(a, b) in [0, 2] for two response vectors over the same inputs. A constant vector has no
 * correlation: 0 when both are constant and equal, else 1.
 */
export function responseChange(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`responseChange: vectors of different lengths (${a.length} and ${b.length})`);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  // Relative floors: float noise in a constant vector is not a response.
  const va = aa / Math.max(1e-30, ma * ma * n);
  const vb = bb / Math.max(1e-30, mb * mb * n);
  const constA = aa === 0 || va < 1e-12;
  const constB = bb === 0 || vb < 1e-12;
  if (constA || constB) return constA && constB && Math.abs(ma - mb) <= 1e-12 * Math.max(1, Math.abs(ma)) ? 0 : 1;
  return 1 - Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)));
}

export interface JumpInput {
  /** Response change since the previous snapshot, or null (no previous, or not comparable). */
  change: number | null;
  /** The feature's earlier response changes, oldest first. */
  history: readonly number[];
  /** Whether the top-1 probe image differs from the previous snapshot's. */
  sourceChanged: boolean;
}

export interface JumpVerdict {
  /** Robust z-score of the change within its layer (null without a change). */
  z: number | null;
  jump: JumpReason | null;
}

/** The jump verdict of every feature of one layer at one snapshot; see the module comment. */
export function flagJumps(features: readonly JumpInput[], rules: DiagnosticRules): JumpVerdict[] {
  const known = features.map((f) => f.change ?? NaN);
  const z = robustZ(known);
  return features.map((f, i) => {
    if (f.change === null) return { z: null, jump: null };
    const zi = z[i]!;
    const own = f.history.length >= rules.jumpHistoryMin ? median(f.history) : NaN;
    const standsOut =
      zi >= rules.jumpZ &&
      f.change >= rules.jumpMinChange &&
      (!Number.isFinite(own) || f.change >= rules.jumpHistoryFactor * own);
    return {
      z: Number.isFinite(zi) ? zi : zi > 0 ? 1e9 : -1e9,
      jump: standsOut ? (f.sourceChanged ? 'new-source' : 'same-source') : null,
    };
  });
}
