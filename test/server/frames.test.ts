import { describe, expect, it } from 'vitest';
import { eventFrame, historyFrame, wireCode } from '../../server/socket/frames.js';

describe('frames built from stored event lines', () => {
  const a = JSON.stringify({ type: 'metrics', seq: 1, epoch: 1, values: { loss: 2 } });
  const b = JSON.stringify({ type: 'run-ended', seq: 2, status: 'completed', endedAt: 'x' });

  it('history and event frames are the JSON of the protocol shapes, any run id quoted safely', () => {
    const runId = 'r"1\\';
    expect(JSON.parse(historyFrame(runId, [a, b]))).toEqual({
      type: 'history',
      runId,
      events: [JSON.parse(a), JSON.parse(b)],
    });
    expect(JSON.parse(historyFrame('r', []))).toEqual({ type: 'history', runId: 'r', events: [] });
    expect(JSON.parse(eventFrame(runId, b))).toEqual({ type: 'event', runId, event: JSON.parse(b) });
  });

  it('an error frame carries only codes of the wire', () => {
    expect(wireCode('seq-gap')).toBe('seq-gap');
    expect(wireCode('dataset')).toBe('internal');
  });
});
