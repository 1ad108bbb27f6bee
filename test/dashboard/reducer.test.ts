import { describe, expect, it } from 'vitest';
import type { RunInfo, StoredEvent } from '../../server/protocol.js';
import {
  type DashboardState,
  emptyRunData,
  initialState,
  reduce,
  resolveEpoch,
  runDisplayStatus,
} from '../../dashboard/state/reducer.js';

const metric = (seq: number, epoch: number, batch?: number, loss = 1): StoredEvent => ({
  type: 'metrics',
  seq,
  epoch,
  ...(batch !== undefined ? { batch } : {}),
  values: { loss },
});
const snap = (seq: number, epoch: number, layer: string): StoredEvent => ({
  type: 'snapshot',
  seq,
  epoch,
  layer,
  methods: ['deconvnet'],
  indexUrl: `/api/runs/r1/snapshots/${epoch}/${layer}`,
  blobs: { [`${layer}.deconvnet.png`]: `/blobs/r1/${epoch}/${layer}.deconvnet.png` },
});
const run = (over: Partial<RunInfo> = {}): RunInfo =>
  ({
    runId: 'r1',
    status: 'running',
    config: {},
    dataset: {},
    model: {},
    backend: 'wasm',
    startedAt: '2026-01-01T00:00:00Z',
    lastSeq: 0,
    ...over,
  }) as RunInfo;

function feed(frames: Parameters<typeof reduce>[1][], from: DashboardState = initialState): DashboardState {
  return frames.reduce(reduce, from);
}

describe('dashboard reducer', () => {
  it('takes the run list from hello and replaces it on runs', () => {
    const s = feed([
      { type: 'frame', frame: { type: 'hello', protocolVersion: 1, runs: [run()] } },
      { type: 'frame', frame: { type: 'runs', runs: [run({ runId: 'r2' }), run()] } },
    ]);
    expect(s.runsLoaded).toBe(true);
    expect(s.runs.map((r) => r.runId)).toEqual(['r2', 'r1']);
  });

  it('splits batch and epoch metrics, giving epoch points the step of the last batch', () => {
    const s = feed([
      {
        type: 'frame',
        frame: {
          type: 'history',
          runId: 'r1',
          events: [metric(1, 1, 0), metric(2, 1, 1), metric(3, 1), metric(4, 2, 0)],
        },
      },
    ]);
    const d = s.data.r1!;
    expect(d.loaded).toBe(true);
    expect(d.batchMetrics.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(d.epochMetrics).toEqual([{ epoch: 1, step: 2, values: { loss: 1 }, seq: 3 }]);
    expect(d.lastSeq).toBe(4);
  });

  it("a resumed run's run-started drops what was applied after its resumeSeq, live or from history", () => {
    const started = (seq: number, resumeSeq?: number): StoredEvent =>
      ({
        type: 'run-started',
        seq,
        config: {},
        dataset: {},
        model: {},
        backend: 'cpu',
        startedAt: 't',
        ...(resumeSeq !== undefined ? { resumeSeq } : {}),
      }) as unknown as StoredEvent;
    // seq 1 start, 2-3 epoch 1 batches, 4 epoch 1 metrics, 5 a snapshot of epoch 1, 6-7 half of epoch 2, then a resume from seq 5.
    const before = [
      started(1),
      metric(2, 1, 1),
      metric(3, 1, 2),
      metric(4, 1),
      snap(5, 1, 'conv1'),
      metric(6, 2, 1, 9),
      metric(7, 2, 2, 9),
    ];
    const live = feed([
      { type: 'frame', frame: { type: 'history', runId: 'r1', events: before } },
      { type: 'frame', frame: { type: 'event', runId: 'r1', event: started(8, 5) } },
    ]);
    const oneGo = feed([
      { type: 'frame', frame: { type: 'history', runId: 'r1', events: [...before, started(8, 5)] } },
    ]);
    for (const d of [live.data.r1!, oneGo.data.r1!]) {
      expect(d.batchMetrics.map((p) => [p.epoch, p.batch])).toEqual([
        [1, 1],
        [1, 2],
      ]);
      expect(d.epochMetrics.map((p) => p.epoch)).toEqual([1]);
      expect(d.epochs).toEqual([1]);
      expect(d.lastSeq).toBe(8);
    }
    // A resume from seq 4 also drops the snapshot of seq 5; redone metrics then continue the steps.
    const again = feed([
      {
        type: 'frame',
        frame: {
          type: 'history',
          runId: 'r1',
          events: [...before, started(8, 4), snap(9, 1, 'conv1'), metric(10, 2, 1)],
        },
      },
    ]).data.r1!;
    expect(again.epochs).toEqual([1]);
    expect(again.snapshots[1]!.conv1!.seq).toBe(9);
    expect(again.batchMetrics.map((p) => p.step)).toEqual([1, 2, 3]);
  });

  it('applies each seq once: a history overlapping live events and a resent event change nothing', () => {
    const live = feed([
      { type: 'frame', frame: { type: 'history', runId: 'r1', events: [metric(1, 1, 0), metric(2, 1, 1)] } },
      { type: 'frame', frame: { type: 'event', runId: 'r1', event: metric(3, 1, 2) } },
    ]);
    const again = feed(
      [
        { type: 'frame', frame: { type: 'event', runId: 'r1', event: metric(3, 1, 2) } },
        {
          type: 'frame',
          frame: { type: 'history', runId: 'r1', events: [metric(2, 1, 1), metric(3, 1, 2), metric(4, 1, 3)] },
        },
      ],
      live,
    );
    expect(again.data.r1!.batchMetrics.map((p) => p.batch)).toEqual([0, 1, 2, 3]);
    expect(again.data.r1!.lastSeq).toBe(4);
    // A duplicate alone returns the very same state object (no re-render).
    expect(reduce(again, { type: 'frame', frame: { type: 'event', runId: 'r1', event: metric(4, 1, 3) } })).toBe(again);
  });

  it('indexes snapshots by epoch and layer, epochs ascending even when they arrive out of order', () => {
    const s = feed([
      {
        type: 'frame',
        frame: {
          type: 'history',
          runId: 'r1',
          events: [snap(1, 5, 'conv1'), snap(2, 1, 'conv1'), snap(3, 1, 'conv2')],
        },
      },
    ]);
    const d = s.data.r1!;
    expect(d.epochs).toEqual([1, 5]);
    expect(d.layers).toEqual(['conv1', 'conv2']);
    expect(d.snapshots[1]!.conv2!.indexUrl).toBe('/api/runs/r1/snapshots/1/conv2');
    expect(d.snapshots[5]!.conv1!.blobs['conv1.deconvnet.png']).toBe('/blobs/r1/5/conv1.deconvnet.png');
  });

  it('does not mutate the previous state', () => {
    const before = feed([{ type: 'frame', frame: { type: 'history', runId: 'r1', events: [snap(1, 1, 'conv1')] } }]);
    const frozen = JSON.stringify(before);
    feed([{ type: 'frame', frame: { type: 'event', runId: 'r1', event: snap(2, 2, 'conv1') } }], before);
    expect(JSON.stringify(before)).toBe(frozen);
  });

  it('records run-started and run-ended', () => {
    const s = feed([
      {
        type: 'frame',
        frame: {
          type: 'history',
          runId: 'r1',
          events: [{ type: 'run-ended', seq: 1, status: 'failed', error: 'oom', endedAt: '2026-01-01T01:00:00Z' }],
        },
      },
    ]);
    expect(s.data.r1!.ended).toEqual({
      type: 'run-ended',
      status: 'failed',
      error: 'oom',
      endedAt: '2026-01-01T01:00:00Z',
    });
  });

  it('tracks the connection and the retry delay, and shows server errors until the next run list', () => {
    let s = reduce(initialState, { type: 'connection', status: 'reconnecting', retryInMs: 500 });
    expect([s.connection, s.retryInMs]).toEqual(['reconnecting', 500]);
    s = reduce(s, { type: 'connection', status: 'open' });
    expect(s.retryInMs).toBeUndefined();
    s = reduce(s, { type: 'frame', frame: { type: 'error', code: 'unknown-run', message: 'no run x' } });
    expect(s.error).toBe('unknown-run: no run x');
    s = reduce(s, { type: 'frame', frame: { type: 'runs', runs: [] } });
    expect(s.error).toBeUndefined();
  });

  it('throws on a frame type it does not know', () => {
    expect(() => reduce(initialState, { type: 'frame', frame: { type: 'nope' } as never })).toThrow(
      /unknown frame type nope/,
    );
  });

  it('starts a run with nothing loaded', () => {
    expect(emptyRunData()).toMatchObject({ loaded: false, lastSeq: 0, epochs: [] });
  });
});

describe('resolveEpoch', () => {
  it.each([
    [[1, 2, 5, 10], undefined, 10],
    [[1, 2, 5, 10], 5, 5],
    [[1, 2, 5, 10], 7, 5],
    [[2, 5], 1, 2],
    [[], 3, undefined],
  ])('epochs %j, asked %s -> %s', (epochs, asked, want) => {
    expect(resolveEpoch(epochs, asked)).toBe(want);
  });
});

describe('runDisplayStatus', () => {
  it('calls a running run without a trainer offline, and leaves the others alone', () => {
    expect(runDisplayStatus(run({ trainerOnline: false }))).toBe('offline');
    expect(runDisplayStatus(run({ trainerOnline: true }))).toBe('running');
    expect(runDisplayStatus(run({ status: 'finished', trainerOnline: false }))).toBe('finished');
    expect(runDisplayStatus(run({ status: 'failed' }))).toBe('failed');
  });
});
