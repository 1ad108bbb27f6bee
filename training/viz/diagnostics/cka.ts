/**
 * Linear CKA (Kornblith et al. 2019, "Similarity of Neural Network Representations Revisited") on
 * centred Gram matrices: for the activations X [n, p] and Y [n, q] of the same n inputs, K = X Xᵀ,
 * L = Y Yᵀ, centred by H = I - 11ᵀ/n, CKA = <HKH, HLH>_F / (||HKH||_F ||HLH||_F). Because it
 * compares n x n Gram matrices, layers of any width compare, and a Gram matrix stored per
 * snapshot lets any two epochs be compared later. Invariant to orthogonal transforms and isotropic
 * scaling of the features; 1 for a representation against itself.
 */

/** X Xᵀ of a row-major [n, p] matrix, in float64 (reference and small cases; the trainer uses tfjs). */
export function gram(x: ArrayLike<number>, n: number, p: number): Float64Array {
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let c = 0; c < p; c++) s += x[i * p + c]! * x[j * p + c]!;
      k[i * n + j] = s;
      k[j * n + i] = s;
    }
  }
  return k;
}

/** H K H for a symmetric n x n K: subtract row and column means, add back the grand mean. */
export function centreGram(k: ArrayLike<number>, n: number): Float32Array {
  const row = new Float64Array(n);
  let grand = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += k[i * n + j]!;
    row[i] = s / n;
    grand += s;
  }
  grand /= n * n;
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = k[i * n + j]! - row[i]! - row[j]! + grand;
  return out;
}

/** CKA of two centred Gram matrices of the same n inputs; null when either is all zero (no variation). */
export function linearCka(kc: ArrayLike<number>, lc: ArrayLike<number>): number | null {
  if (kc.length !== lc.length)
    throw new Error(`linearCka: Gram matrices of different sizes (${kc.length} and ${lc.length} entries)`);
  let kl = 0;
  let kk = 0;
  let ll = 0;
  for (let i = 0; i < kc.length; i++) {
    const a = kc[i]!;
    const b = lc[i]!;
    kl += a * b;
    kk += a * a;
    ll += b * b;
  }
  if (!(kk > 0) || !(ll > 0)) return null;
  return Math.max(-1, Math.min(1, kl / Math.sqrt(kk * ll)));
}
