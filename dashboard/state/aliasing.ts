/**
 * Plain-words reading of conv1's aliasing score (the share of its filters' spectral energy above
 * what the stride can represent) against white noise's share for the same kernel and stride,
 * measured by the trainer with the same code. Advice only where the score stands clearly above
 * what the paper's own 7x7/2 network reaches here, as ZF did for AlexNet: "reduced the 1st layer
 * filter size from 11x11 to 7x7 and made the stride 2, rather than 4".
 */
import type { ConvSpec, LayerHealth } from '../../server/protocol.js';
import { readingRules } from '../../training/viz/diagnostics/rules.js';
import { convLabel, pct } from './format.js';

/**
 * stride-1: nothing to alias · unknown: not measured · clean: under the advice ratio · high: at or
 * above it · noise: at white noise's level (the filters have not formed).
 */
export type AliasingLevel = 'unknown' | 'stride-1' | 'clean' | 'high' | 'noise';

/** Near white noise's own share the filters have simply not formed yet. */
export const NOISE_RATIO = 0.9;

/** The level of conv1's aliasing, from its health (score, noise reference, stride, rules). */
export function aliasingLevel(h: LayerHealth | undefined): AliasingLevel {
  if (h?.stride === 1) return 'stride-1';
  const score = h?.aliasing;
  const noise = h?.aliasingNoise;
  if (typeof score !== 'number' || !Number.isFinite(score) || !noise) return 'unknown';
  const ratio = score / noise;
  const advise = readingRules(h?.rules).aliasingAdviseRatio;
  return ratio >= NOISE_RATIO ? 'noise' : ratio >= advise ? 'high' : 'clean';
}

/**
 * The smaller conv1 to try: halve a stride of 4 or more (to 2), otherwise lower it by one; the
 * kernel shrinks with it to 2*stride+3 (11x11/4 -> 7x7/2, ZF's fix), never growing.
 */
export function suggestConv1(c: ConvSpec): ConvSpec | null {
  if (c.stride <= 1) return null;
  const stride = c.stride >= 4 ? Math.floor(c.stride / 2) : c.stride - 1;
  const kernel = Math.max(3, Math.min(c.kernel, 2 * stride + 3));
  return { kernel, stride };
}

/** One sentence for a person: what the score means for this conv1 against white noise, and what to try. */
export function aliasingHint(conv1: ConvSpec | undefined, h: LayerHealth | undefined): string {
  if (!conv1) return 'conv1 configuration unknown: aliasing cannot be judged.';
  const label = convLabel(conv1);
  const level = aliasingLevel(h);
  if (level === 'stride-1') {
    return `conv1 ${label} has stride 1: nothing to alias. High-frequency share (above 1/4 cycles/pixel) ${pct(h?.highFrequency)}, white noise ${pct(h?.highFrequencyNoise)}.`;
  }
  if (level === 'unknown')
    return `Aliasing not measured against its white-noise reference for conv1 ${label} at this epoch.`;
  const score = h!.aliasing!;
  const noise = h!.aliasingNoise!;
  const advise = readingRules(h!.rules).aliasingAdviseRatio;
  const of = `${pct(score)} of the filters' energy lies above stride ${conv1.stride}'s limit; white noise of the same kernel and stride: ${pct(noise)} (${pct(score / noise)} of it)`;
  switch (level) {
    case 'noise':
      return `conv1 ${label}: ${of}. The filters have not formed yet (at ${pct(NOISE_RATIO)} of noise or more); judge aliasing once they settle.`;
    case 'high': {
      const next = suggestConv1(conv1)!;
      return `conv1 ${label} aliases: ${of}, at or above the advice level (${pct(advise)} of noise). Try ${convLabel(next)} and move the lost factor of ${conv1.stride / next.stride} of down-sampling to pool1 or conv2.`;
    }
    default:
      return `conv1 ${label}: ${of}, below the advice level (${pct(advise)} of noise): nothing to change.`;
  }
}
