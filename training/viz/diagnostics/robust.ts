/** Robust location and spread (median, MAD) and the robust z-score built on them. */

/** Median of finite values (NaN for none). */
export function median(values: readonly number[]): number {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/**
 * (x - median) / (1.4826 * MAD) for each value: for normal data the 1.4826 makes the scale the
 * standard deviation. When more than half the values are equal (MAD 0) the mean absolute deviation
 * (x 1.2533, the same normal-consistency) stands in; when every value is equal, z is 0 for those
 * equal to the median and +-Infinity for the rest.
 */
export function robustZ(values: readonly number[]): number[] {
  const m = median(values);
  let scale = 1.4826 * mad(values);
  if (!(scale > 0)) {
    const finite = values.filter(Number.isFinite);
    scale = finite.length ? (1.2533 * finite.reduce((s, v) => s + Math.abs(v - m), 0)) / finite.length : 0;
  }
  return values.map((v) => {
    if (!Number.isFinite(v)) return NaN;
    if (scale > 0) return (v - m) / scale;
    return v === m ? 0 : v > m ? Infinity : -Infinity;
  });
}
