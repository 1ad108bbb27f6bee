/**
 * Scale-free measures of single filters and the white-noise references they are read against.
 * Kernels are tfjs layout [kh, kw, cin, cout] flattened: element (u, v, c, f) is at
 * ((u * kw + v) * cin + c) * cout + f.
 */
import { mulberry32 } from '../../../datasets/rng.js';
import { aliasingScores, filterPowerSpectrum } from '../health.js';

/**
 * Per filter 1 - cos(W, W_prev): 0 when the filter only changed scale, 1 when it turned
 * orthogonal, 2 when it flipped sign. A filter that is zero now or before: 0 when both are, else 1.
 */
export function filterAngle(kernel: ArrayLike<number>, previous: ArrayLike<number>, cout: number): Float64Array {
  const ab = new Float64Array(cout);
  const aa = new Float64Array(cout);
  const bb = new Float64Array(cout);
  for (let i = 0; i < kernel.length; i++) {
    const f = i % cout;
    ab[f]! += kernel[i]! * previous[i]!;
    aa[f]! += kernel[i]! * kernel[i]!;
    bb[f]! += previous[i]! * previous[i]!;
  }
  return ab.map((x, f) => {
    if (aa[f] === 0 || bb[f] === 0) return aa[f] === bb[f] ? 0 : 1;
    return 1 - Math.max(-1, Math.min(1, x / Math.sqrt(aa[f]! * bb[f]!)));
  });
}

/**
 * Spectral flatness of filter f: the geometric over the arithmetic mean of its power spectrum
 * (summed over input channels, zero-padded to n x n, DC left out). Near white noise's level the
 * filter has no preferred orientation or frequency; a smooth or oriented filter is far below it.
 * null for an all-zero filter.
 */
export function spectralFlatness(
  kernel: ArrayLike<number>,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  f: number,
  n = 32,
): number | null {
  const { power } = filterPowerSpectrum(kernel, kh, kw, cin, cout, f, n);
  let sum = 0;
  for (let i = 1; i < power.length; i++) sum += power[i]!;
  if (!(sum > 0)) return null;
  const mean = sum / (power.length - 1);
  const floor = mean * 1e-9;
  let logSum = 0;
  for (let i = 1; i < power.length; i++) logSum += Math.log(power[i]! + floor);
  return Math.exp(logSum / (power.length - 1)) / mean;
}

/** Seeded N(0, 1) kernels [kh, kw, cin, count]: white-noise filters of a given shape. */
export function whiteNoiseKernel(kh: number, kw: number, cin: number, count: number, seed = 7): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(kh * kw * cin * count);
  for (let i = 0; i < out.length; i++) {
    const u = Math.max(1e-12, rand());
    const v = rand();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

const NOISE_FILTERS = 64;
const cache = new Map<string, number>();

function cached(key: string, compute: () => number): number {
  let v = cache.get(key);
  if (v === undefined) {
    v = compute();
    cache.set(key, v);
  }
  return v;
}

/**
 * The aliasing score (energy share above stride s's limit) of white-noise filters of this shape,
 * measured by the same code as a trained layer's (aliasingScores): about 0.72 at 7x7/2 and 0.94 at
 * 11x11/4. At stride 1 nothing aliases, and this is the high-frequency reference instead (the
 * share above 1/4 cycles/pixel, what stride 2 would fold).
 */
export function noiseAliasing(kh: number, kw: number, cin: number, stride: number): number {
  return cached(
    `alias:${kh}:${kw}:${cin}:${stride}`,
    () => aliasingScores(whiteNoiseKernel(kh, kw, cin, NOISE_FILTERS), kh, kw, cin, NOISE_FILTERS, stride).layer ?? 0,
  );
}

/** Median spectral flatness of white-noise filters of this shape. */
export function noiseFlatness(kh: number, kw: number, cin: number): number {
  return cached(`flat:${kh}:${kw}:${cin}`, () => {
    const k = whiteNoiseKernel(kh, kw, cin, NOISE_FILTERS);
    const xs = Array.from(
      { length: NOISE_FILTERS },
      (_, f) => spectralFlatness(k, kh, kw, cin, NOISE_FILTERS, f) ?? 0,
    ).sort((a, b) => a - b);
    return (xs[NOISE_FILTERS / 2 - 1]! + xs[NOISE_FILTERS / 2]!) / 2;
  });
}
