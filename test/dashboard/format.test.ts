import { describe, expect, it } from 'vitest';
import { convLabel, duration, epochsDone, metricName, metricValue, num, pct } from '../../dashboard/state/format.js';

describe('formatting', () => {
  it.each([
    [3, 10, '3 / 10'],
    [3, 0, '3'], // monitor(): the total is not known
    [undefined, 10, '— / 10'],
    [undefined, 0, '—'],
  ])('epochs done %s of %s read %s', (d, t, want) => expect(epochsDone(d, t)).toBe(want));

  it.each([
    [{ kernel: 7, stride: 2 }, '7x7/2'],
    [{ kernel: 11, stride: 4 }, '11x11/4'],
    [undefined, '—'],
  ])('conv1 %j reads %s', (c, want) => expect(convLabel(c)).toBe(want));

  it.each([
    [0.4231, 0, '42%'],
    [0.4231, 1, '42.3%'],
    [null, 0, '—'],
    [Number.NaN, 0, '—'],
  ])('pct(%s, %s) = %s', (v, d, want) => expect(pct(v, d)).toBe(want));

  it.each([
    [1.23456, 3, '1.235'],
    [0.00001, 3, '1.0e-5'],
    [0, 3, '0.000'],
    [undefined, 3, '—'],
  ])('num(%s, %s) = %s', (v, d, want) => expect(num(v, d)).toBe(want));

  it.each([
    ['2026-01-01T00:00:00Z', '2026-01-01T00:00:42Z', '42 s'],
    ['2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z', '10 min'],
    ['2026-01-01T00:00:00Z', '2026-01-01T01:05:00Z', '1 h 05 min'],
    ['2026-01-01T00:00:00Z', '2026-01-03T04:00:00Z', '2 d 4 h'],
    ['2026-01-01T00:10:00Z', '2026-01-01T00:00:00Z', '—'],
  ])('duration %s..%s = %s', (a, b, want) => expect(duration(a, b)).toBe(want));

  it('names metrics for people and prints accuracies as percentages', () => {
    expect(metricName('val_acc')).toBe('validation accuracy');
    expect(metricName('grad_norm')).toBe('grad norm');
    expect(metricValue('val_acc', 0.5234)).toBe('52.3%');
    expect(metricValue('loss', 1.23456)).toBe('1.235');
    expect(metricValue('img_per_s', 144.6)).toBe('145');
    expect(metricValue('loss', undefined)).toBe('—');
  });
});
