/**
 * Plain-words reading of conv1's aliasing score (zfnet.md §1.5: the share of a filter's spectral
 * energy that the stride cannot represent) with a concrete suggestion, as ZF did for AlexNet:
 * "reduced the 1st layer filter size from 11x11 to 7x7 and made the stride 2, rather than 4".
 */
import type { ConvSpec } from '../../server/protocol.js';
import { convLabel, pct } from './format.js';

export type AliasingLevel = 'unknown' | 'low' | 'moderate' | 'high';

/**
 * Scores at or above these are moderate / high. For scale: a white-noise filter puts 1 - 1/s² of
 * its energy above stride s's limit (75% at stride 2, 94% at stride 4); smooth, trained filters
 * far less.
 */
export const ALIASING_MODERATE = 0.2;
export const ALIASING_HIGH = 0.4;

/** The share a white-noise filter would have at this stride: the score's ceiling in practice. */
export function noiseAliasing(stride: number): number {
  return 1 - 1 / (stride * stride);
}

export function aliasingLevel(score: number | null | undefined): AliasingLevel {
  if (score === null || score === undefined || !Number.isFinite(score)) return 'unknown';
  return score >= ALIASING_HIGH ? 'high' : score >= ALIASING_MODERATE ? 'moderate' : 'low';
}

/**
 * The smaller conv1 to try: halve a stride of 4 or more (to 2), otherwise lower it by one; the
 * kernel shrinks with it to 2*stride+3 (11x11/4 -> 7x7/2, ZF's fix), never growing. The factor
 * of down-sampling removed from conv1 belongs in pool1/conv2 (the small ZF-net's presets do this).
 */
export function suggestConv1(c: ConvSpec): ConvSpec | null {
  if (c.stride <= 1) return null;
  const stride = c.stride >= 4 ? Math.floor(c.stride / 2) : c.stride - 1;
  const kernel = Math.max(3, Math.min(c.kernel, 2 * stride + 3));
  return { kernel, stride };
}

/** One sentence for a person: what the score means for this conv1, and what to try. */
export function aliasingHint(conv1: ConvSpec | undefined, score: number | null | undefined): string {
  const level = aliasingLevel(score);
  if (!conv1) return 'conv1 configuration unknown: aliasing cannot be judged.';
  const label = convLabel(conv1);
  if (level === 'unknown') return `Aliasing not measured for conv1 ${label} at this epoch.`;
  const share = pct(score, 0);
  const noise = noiseAliasing(conv1.stride);
  // Near the white-noise share the filters have simply not formed yet (early epochs): blaming the
  // stride then would be premature advice.
  if (conv1.stride > 1 && score! >= 0.9 * noise)
    return `conv1 ${label}: ${share} of the filters' energy lies above stride ${conv1.stride}'s limit, about what white noise gives (${pct(noise)}): the filters have not formed yet; judge aliasing once they settle.`;
  const next = suggestConv1(conv1);
  const advice = next
    ? ` Try ${convLabel(next)} and move the lost factor of ${conv1.stride / next.stride} of down-sampling to pool1 or conv2.`
    : ' Stride 1 cannot alias further; look at the kernels instead.';
  switch (level) {
    case 'high':
      return `conv1 stride ${conv1.stride} with ${conv1.kernel}x${conv1.kernel} kernels aliases: ${share} of the filters' energy lies above what stride ${conv1.stride} can represent (white noise: ${pct(noiseAliasing(conv1.stride))}).${advice}`;
    case 'moderate':
      return `conv1 ${label} aliases somewhat (${share} of the filters' energy above the stride's limit).${advice}`;
    default:
      return `conv1 ${label} represents its filters well: ${share} of their energy lies above the stride's limit.`;
  }
}
