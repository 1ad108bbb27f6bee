import { describe, expect, it } from 'vitest';
import { formatHash, navigate, parseHash } from '../../dashboard/state/url.js';

describe('URL state', () => {
  it('round-trips every field in a stable order', () => {
    const nav = {
      view: 'grid' as const,
      run: 'zf-7x7s2',
      layer: 'conv2',
      feature: 12,
      epoch: 5,
      method: 'guided',
      compare: 'alex',
    };
    const hash = formatHash(nav);
    expect(hash).toBe('#view=grid&run=zf-7x7s2&layer=conv2&feature=12&epoch=5&method=guided&compare=alex');
    expect(parseHash(hash)).toEqual(nav);
  });

  it('defaults to the run list and drops unknown views, keys and malformed numbers', () => {
    expect(parseHash('')).toEqual({ view: 'runs' });
    expect(parseHash('#view=bogus&epoch=x&feature=-1&foo=1&run=r1')).toEqual({ view: 'runs', run: 'r1' });
  });

  it('escapes run ids with URL characters', () => {
    const hash = formatHash({ view: 'curves', run: 'a&b=c' });
    expect(parseHash(hash).run).toBe('a&b=c');
  });

  it('drops the feature when the layer or the run changes, and clears keys given null', () => {
    const nav = { view: 'grid' as const, run: 'r1', layer: 'conv1', feature: 3, epoch: 5 };
    expect(navigate(nav, { layer: 'conv2' })).toEqual({ view: 'grid', run: 'r1', layer: 'conv2', epoch: 5 });
    expect(navigate(nav, { run: 'r2' })).toEqual({ view: 'grid', run: 'r2', layer: 'conv1', epoch: 5 });
    expect(navigate(nav, { epoch: null })).toEqual({ view: 'grid', run: 'r1', layer: 'conv1', feature: 3 });
    expect(navigate(nav, { feature: 4 })).toEqual({ ...nav, feature: 4 });
  });

  it("holds a feature's page and the curves' batch axis; other axis values are dropped", () => {
    const nav = { view: 'feature' as const, run: 'r1', layer: 'conv3', feature: 7, epoch: 10 };
    expect(parseHash(formatHash(nav))).toEqual(nav);
    expect(formatHash({ view: 'curves', run: 'r1', axis: 'batch' })).toBe('#view=curves&run=r1&axis=batch');
    expect(parseHash('#view=curves&axis=step')).toEqual({ view: 'curves' });
    // Changing layer and feature together keeps the feature given.
    expect(navigate(nav, { layer: 'conv4', feature: 7 })).toEqual({ ...nav, layer: 'conv4' });
  });

  it('does not compare a run with itself after switching to the compared run', () => {
    expect(navigate({ view: 'compare', run: 'a', compare: 'b' }, { run: 'b' })).toEqual({ view: 'compare', run: 'b' });
  });
});
