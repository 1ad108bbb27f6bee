import { describe, expect, it } from 'vitest';
import { capNote, parseAnalyses, runConfigFrom } from '../../training/cli/options.js';

describe('presets and explicit flags', () => {
  it.each([
    [{}, 'sample', 6000],
    [{ dataset: 'sample' }, 'sample', 6000],
    // Another dataset under the default quick preset is used whole: the cap sizes the sample only.
    [{ dataset: 'fashion-mnist' }, 'fashion-mnist', 0],
    [{ dataset: 'fashion-mnist', 'train-limit': 20000 }, 'fashion-mnist', 20000],
    [{ preset: 'paper' }, 'fashion-mnist', 0],
    [{ preset: 'paper', 'train-limit': 500 }, 'fashion-mnist', 500],
    [{ 'train-limit': 0 }, 'sample', 0],
  ] as const)('%j trains on %s with a cap of %d images', (flags, dataset, cap) => {
    const c = runConfigFrom(flags);
    expect([c.dataset, c.trainLimit]).toEqual([dataset, cap]);
  });

  it('lets every explicit flag win over the preset', () => {
    const c = runConfigFrom({ preset: 'paper', epochs: 3, batch: 32, probe: 50 });
    expect([c.epochs, c.batchSize, c.probeSize, c.snapshotEpochs]).toEqual([3, 32, 50, [1, 2, 3]]);
  });

  it.each([
    [6000, 6000, false, 'quick', ''],
    [0, 60000, false, 'paper', ''],
    [6000, 60000, false, 'quick', ' (capped at 6000 of 60000 by --train-limit of the quick preset)'],
    [500, 60000, true, 'paper', ' (capped at 500 of 60000 by --train-limit)'],
  ] as const)(
    'the start line notes a cap of %d on %d images only when it takes some away',
    (limit, n, explicit, preset, note) => {
      expect(capNote(limit, n, explicit, preset)).toBe(note);
    },
  );
});

describe('--analyses', () => {
  it.each([
    ['all', ['occlusion', 'invariance', 'correspondence']],
    ['none', []],
    ['invariance, occlusion', ['occlusion', 'invariance']],
    ['correspondence', ['correspondence']],
  ] as const)('%s -> %j', (text, expected) => {
    expect(parseAnalyses(text)).toEqual(expected);
  });

  it('refuses an unknown experiment, naming the flag and the valid ones', () => {
    expect(() => parseAnalyses('occlusion,saliency')).toThrow(
      "--analyses: expected all, none or a comma-separated list of occlusion, invariance, correspondence, found 'occlusion,saliency'",
    );
  });

  it('runs all three by default, on 4 probe images; the flags set them', () => {
    expect([runConfigFrom({}).analyses, runConfigFrom({}).analysisImages]).toEqual([
      ['occlusion', 'invariance', 'correspondence'],
      4,
    ]);
    expect(runConfigFrom({ analyses: [], 'analysis-images': 2 })).toMatchObject({ analyses: [], analysisImages: 2 });
  });
});
