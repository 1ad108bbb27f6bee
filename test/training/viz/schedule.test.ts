import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SNAPSHOT_EPOCHS,
  parseMethods,
  parseSnapshotEpochs,
  snapshotEpochsFor,
} from '../../../training/viz/schedule.js';

describe('snapshot schedule', () => {
  it("defaults to the paper's Fig. 4 epochs", () => {
    expect(DEFAULT_SNAPSHOT_EPOCHS).toEqual([1, 2, 5, 10, 20, 30, 40, 64]);
  });

  it.each([
    ['1,2,5', [1, 2, 5]],
    [' 10, 2 ,2,1 ', [1, 2, 10]],
    ['64', [64]],
  ])('parses %j', (text, want) => {
    expect(parseSnapshotEpochs(text)).toEqual(want);
  });

  it.each([
    ['', /--snapshots/],
    ['1,x', /'x'/],
    ['0,2', /'0'/],
    ['1.5', /'1.5'/],
  ])('rejects %j naming the flag and the bad entry', (text, msg) => {
    expect(() => parseSnapshotEpochs(text)).toThrow(msg);
  });

  it.each([
    [70, DEFAULT_SNAPSHOT_EPOCHS, [1, 2, 5, 10, 20, 30, 40, 64, 70]],
    [64, DEFAULT_SNAPSHOT_EPOCHS, [1, 2, 5, 10, 20, 30, 40, 64]],
    [3, DEFAULT_SNAPSHOT_EPOCHS, [1, 2, 3]],
    [8, [1, 2, 4, 8], [1, 2, 4, 8]],
    [0, DEFAULT_SNAPSHOT_EPOCHS, []],
  ])('a run of %i epochs snapshots the requested epochs it reaches and always its last', (total, requested, want) => {
    expect(snapshotEpochsFor(total, requested)).toEqual(want);
  });
});

describe('--methods', () => {
  it('accepts registered methods in order, without duplicates', () => {
    expect(parseMethods('deconvnet')).toEqual(['deconvnet']);
    expect(parseMethods('guided, deconvnet,guided')).toEqual(['guided', 'deconvnet']);
  });

  it('rejects unknown or empty lists naming --methods and the valid values', () => {
    expect(() => parseMethods('deconv')).toThrow(
      /--methods: unknown method 'deconv'; valid methods are deconvnet, backprop, guided/,
    );
    expect(() => parseMethods(' , ')).toThrow(/--methods/);
  });
});
