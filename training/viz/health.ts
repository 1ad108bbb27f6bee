/**
 * Filter health, pure functions over plain arrays: weight RMS and relative change per filter,
 * top-9 turnover, change of the strongest projection, the filters' power spectra, and conv1's aliasing score (the share of a filter's spectral energy above its stride's Nyquist
 * frequency, which the strided sampling folds onto lower frequencies).
 *
 * Kernels are tfjs layout [kh, kw, cin, cout] flattened: element (u, v, c, f) is at
 * ((u * kw + v) * cin + c) * cout + f.
 */

/** Per output filter of a [.., .., .., cout] kernel: sqrt(mean of squares). */
export function filterRms(kernel: Float32Array, cout: number): Float64Array {
  const ss = new Float64Array(cout);
  for (let i = 0; i < kernel.length; i++) ss[i % cout]! += kernel[i]! * kernel[i]!;
  const per = kernel.length / cout;
  return ss.map((s) => Math.sqrt(s / per));
}

/** Per filter ||W - W_prev|| / ||W_prev|| (0 when both are zero, 1 when only W_prev is). */
export function filterChange(kernel: Float32Array, previous: Float32Array, cout: number): Float64Array {
  const diff = new Float64Array(cout);
  const norm = new Float64Array(cout);
  for (let i = 0; i < kernel.length; i++) {
    const d = kernel[i]! - previous[i]!;
    diff[i % cout]! += d * d;
    norm[i % cout]! += previous[i]! * previous[i]!;
  }
  return diff.map((d, f) => (norm[f]! > 0 ? Math.sqrt(d / norm[f]!) : d > 0 ? 1 : 0));
}

/** Share of the current top images that were not in the previous top images (0 when there are none). */
export function turnover(current: readonly number[], previous: readonly number[]): number {
  if (current.length === 0) return previous.length === 0 ? 0 : 1;
  const prev = new Set(previous);
  return current.filter((i) => !prev.has(i)).length / current.length;
}

/**
 * How different two projections look, in [0, 1]: half the distance between the two unit-norm images
 * (0 identical up to a positive scale, 1 opposite). One zero projection against a non-zero one is 1.
 */
export function projectionChange(a: Float32Array, b: Float32Array): number {
  let aa = 0;
  let bb = 0;
  let ab = 0;
  for (let i = 0; i < a.length; i++) {
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
    ab += a[i]! * b[i]!;
  }
  if (aa === 0 || bb === 0) return aa === bb ? 0 : 1;
  const cos = Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)));
  return Math.sqrt(2 - 2 * cos) / 2;
}

/**
 * The power spectrum of one filter, summed over input channels, on an n x n zero-padded DFT
 * (size = max(n, kh, kw)): power[p * size + q] = sum_c |F_c(p, q)|^2, DC at index 0.
 */
export function filterPowerSpectrum(
  kernel: ArrayLike<number>,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  f: number,
  n = 32,
): { power: Float64Array; size: number } {
  const size = Math.max(n, kh, kw);
  const power = new Float64Array(size * size);
  // Separable DFT: first along columns (v), then rows (u).
  const re = new Float64Array(kh * size);
  const im = new Float64Array(kh * size);
  for (let c = 0; c < cin; c++) {
    re.fill(0);
    im.fill(0);
    for (let u = 0; u < kh; u++) {
      for (let q = 0; q < size; q++) {
        let sr = 0;
        let si = 0;
        for (let v = 0; v < kw; v++) {
          const w = kernel[((u * kw + v) * cin + c) * cout + f]!;
          const ang = (-2 * Math.PI * q * v) / size;
          sr += w * Math.cos(ang);
          si += w * Math.sin(ang);
        }
        re[u * size + q] = sr;
        im[u * size + q] = si;
      }
    }
    for (let p = 0; p < size; p++) {
      for (let q = 0; q < size; q++) {
        let sr = 0;
        let si = 0;
        for (let u = 0; u < kh; u++) {
          const ang = (-2 * Math.PI * p * u) / size;
          const cr = Math.cos(ang);
          const ci = Math.sin(ang);
          const a = re[u * size + q]!;
          const b = im[u * size + q]!;
          sr += a * cr - b * ci;
          si += a * ci + b * cr;
        }
        power[p * size + q]! += sr * sr + si * si;
      }
    }
  }
  return { power, size };
}

/**
 * Spectral energy of one filter (summed over input channels) on an n x n zero-padded DFT, split into
 * what a stride-s sampling can represent (|u| and |v| <= n / (2s), in DFT bins, i.e. <= 1/(2s) cycles
 * per pixel) and what lies above it (aliased).
 */
export function filterSpectrum(
  kernel: ArrayLike<number>,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  f: number,
  stride: number,
  n = 32,
): { total: number; aliased: number } {
  const { power, size } = filterPowerSpectrum(kernel, kh, kw, cin, cout, f, n);
  const limit = size / (2 * stride);
  let total = 0;
  let aliased = 0;
  for (let p = 0; p < size; p++) {
    const fp = Math.min(p, size - p);
    for (let q = 0; q < size; q++) {
      const e = power[p * size + q]!;
      total += e;
      if (fp > limit || Math.min(q, size - q) > limit) aliased += e;
    }
  }
  return { total, aliased };
}

/** Per-filter aliasing share (null for an all-zero filter) and the layer's energy-weighted share. */
export function aliasingScores(
  kernel: ArrayLike<number>,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  stride: number,
): { perFilter: Array<number | null>; layer: number | null } {
  let total = 0;
  let aliased = 0;
  const perFilter: Array<number | null> = [];
  for (let f = 0; f < cout; f++) {
    const s = filterSpectrum(kernel, kh, kw, cin, cout, f, stride);
    total += s.total;
    aliased += s.aliased;
    perFilter.push(s.total > 0 ? s.aliased / s.total : null);
  }
  return { perFilter, layer: total > 0 ? aliased / total : null };
}
