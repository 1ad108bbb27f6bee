import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../server/protocol.js';
import { keptAfterCheckpoint } from '../../training/resume.js';

const m = (seq: number, epoch: number, batch?: number): StoredEvent => ({
  type: 'metrics',
  seq,
  epoch,
  ...(batch !== undefined ? { batch } : {}),
  values: { loss: 1 },
});
const s = (seq: number, epoch: number, layer: string): StoredEvent => ({
  type: 'snapshot',
  seq,
  epoch,
  layer,
  methods: [],
  indexUrl: '',
  blobs: {},
});
const d = (seq: number, epoch: number): StoredEvent => ({
  type: 'diagnostics',
  seq,
  epoch,
  previousEpoch: epoch - 1,
  measure: 'linear-cka',
  images: 8,
  layers: {},
  settledChangePerEpoch: 0.01,
});
const meta = { epoch: 2, seq: 10, epochMetrics: { loss: 1 } };

describe('which results of the checkpointed epoch a resume keeps', () => {
  it.each([
    [
      'nothing stored after the checkpoint',
      [],
      true,
      { metrics: false, snapshot: false, diagnostics: false, count: 0 },
    ],
    [
      'the epoch metrics, then a half epoch of the next',
      [m(11, 2), m(12, 3, 1)],
      false,
      { metrics: true, snapshot: false, diagnostics: false, count: 1 },
    ],
    [
      'metrics and a whole snapshot (shown), then more',
      [m(11, 2), s(12, 2, 'conv1'), s(13, 2, 'conv2'), m(14, 3, 1)],
      true,
      { metrics: true, snapshot: true, diagnostics: false, count: 3 },
    ],
    [
      'metrics, the snapshot not shown (cut short), then a resume',
      [m(11, 2), m(14, 3, 1)],
      true,
      { metrics: true, snapshot: false, diagnostics: false, count: 1 },
    ],
    [
      'batch metrics first: the checkpoint was mid-epoch work',
      [m(11, 3, 1)],
      true,
      { metrics: false, snapshot: false, diagnostics: false, count: 0 },
    ],
    [
      'a gap after the checkpoint (hidden seqs): nothing kept',
      [m(12, 2)],
      true,
      { metrics: false, snapshot: false, diagnostics: false, count: 0 },
    ],
    [
      'metrics, a whole snapshot and its diagnostics: all kept, so resumeSeq does not hide the diagnostics',
      [m(11, 2), s(12, 2, 'conv1'), s(13, 2, 'conv2'), d(14, 2), m(15, 3, 1)],
      true,
      { metrics: true, snapshot: true, diagnostics: true, count: 4 },
    ],
    [
      'diagnostics of another epoch after the snapshot are not this one',
      [m(11, 2), s(12, 2, 'conv1'), d(13, 1)],
      true,
      { metrics: true, snapshot: true, diagnostics: false, count: 2 },
    ],
    ['metrics of another epoch', [m(11, 1)], true, { metrics: false, snapshot: false, diagnostics: false, count: 0 }],
  ] as [string, StoredEvent[], boolean, object][])('%s', (_name, after, snapshotDue, expected) => {
    expect(keptAfterCheckpoint(meta, after, snapshotDue)).toEqual(expected);
  });

  it('a checkpoint without a seq (older zfscope) or not closing an epoch keeps nothing', () => {
    expect(keptAfterCheckpoint({ epoch: 2 }, [m(1, 2)], true).count).toBe(0);
    expect(keptAfterCheckpoint({ epoch: 2, seq: 10 }, [m(11, 2)], true).count).toBe(0);
  });
});
