import { describe, expect, it } from 'vitest';
import type { StoredEvent, TrainerEvent } from '../../server/protocol.js';
import type { ReportEvent } from '../../training/reporter/index.js';
import { Store } from '../../server/store/index.js';
import { startServer } from '../../server/index.js';
import { TestClient, appendTo, metrics, runStarted, snapshot, tempDir } from './fixtures.js';

const LAYERS = ['conv1', 'conv2', 'conv3'];
/** One layer of an epoch's three-layer snapshot. */
const layer = (epoch: number, name: string): ReportEvent => ({
  ...snapshot(epoch, name),
  epochLayers: LAYERS,
});
const resumed = (resumeSeq: number): Extract<TrainerEvent, { type: 'run-started' }> => ({
  ...runStarted(),
  resumeSeq,
});

async function appendAll(store: Store, runId: string, events: ReportEvent[], from = 1): Promise<void> {
  await Promise.all(events.map((e, i) => appendTo(store, runId, from + i, e)));
}

const seqs = (events: StoredEvent[]) => events.map((e) => e.seq);

describe('what readers see: a snapshot epoch complete or absent, a resumed run without its dead attempt', () => {
  it('holds the layers of an epoch until the last is stored, then shows them together, in order', async () => {
    const store = await Store.open(tempDir());
    const heard: number[] = [];
    store.onEvent((_run, ev) => heard.push(ev.seq));
    await appendAll(store, 'r', [runStarted(), metrics(1), layer(1, 'conv1'), layer(1, 'conv2')]);
    expect(store.lastSeq('r')).toBe(4); // stored (and acknowledged)...
    expect(seqs(await store.events('r'))).toEqual([1, 2]); // ...but not shown
    expect(store.snapshots('r')).toEqual([]);
    expect(store.getRun('r')!.lastSeq).toBe(2);
    expect(heard).toEqual([1, 2]);
    await appendTo(store, 'r', 5, layer(1, 'conv3'));
    expect(seqs(await store.events('r'))).toEqual([1, 2, 3, 4, 5]);
    expect(store.snapshots('r')).toEqual([{ epoch: 1, layers: LAYERS }]);
    expect(store.getRun('r')!.snapshotEpochs).toEqual([1]);
    expect(heard).toEqual([1, 2, 3, 4, 5]);
  });

  it('never shows a snapshot cut short by a kill, nor the metrics a resume drops, also after a restart', async () => {
    const logdir = tempDir();
    const store = await Store.open(logdir);
    // seq 1 start, 2 epoch-1 metrics, 3-5 a whole snapshot, 6-7 half of epoch 2, 8-9 two of three layers of epoch 2 (killed).
    await appendAll(store, 'r', [
      runStarted(),
      metrics(1),
      ...LAYERS.map((l) => layer(1, l)),
      metrics(2, 1),
      metrics(2),
      layer(2, 'conv1'),
      layer(2, 'conv2'),
    ]);
    // The resumed trainer's checkpoint covers up to seq 5: 6 and 7 go too; then epoch 2 is redone.
    await appendAll(
      store,
      'r',
      [resumed(5), metrics(2, 1, 0.25), metrics(2, undefined, 0.25), ...LAYERS.map((l) => layer(2, l))],
      10,
    );
    const expectViews = async (s: Store) => {
      expect(seqs(await s.events('r'))).toEqual([1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
      expect(seqs(await s.events('r', 5, 'metrics'))).toEqual([11, 12]);
      expect(s.snapshots('r')).toEqual([
        { epoch: 1, layers: LAYERS },
        { epoch: 2, layers: LAYERS },
      ]);
      const run = s.getRun('r')!;
      expect(run.lastMetrics).toEqual({ epoch: 2, loss: 0.25, acc: 0.5 });
      expect(run.snapshotEpochs).toEqual([1, 2]);
      expect(s.lastSeq('r')).toBe(15);
      let hist: string[] = [];
      await s.history('r', 0, (lines) => (hist = lines));
      expect(hist.map((l) => (JSON.parse(l) as StoredEvent).seq)).toEqual([1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    };
    await expectViews(store);
    await store.close();
    await expectViews(await Store.open(logdir));
  });

  it('a resume that drops the last epoch metrics puts the previous ones back in the run summary', async () => {
    const store = await Store.open(tempDir());
    await appendAll(store, 'r', [
      runStarted(),
      metrics(1, undefined, 0.5),
      metrics(2, 1),
      metrics(2, undefined, 0.125),
      resumed(2),
    ]);
    expect(store.getRun('r')!.lastMetrics).toEqual({ epoch: 1, loss: 0.5, acc: 0.5 });
    expect(seqs(await store.events('r'))).toEqual([1, 2, 5]);
  });

  it('a dashboard gets a held epoch in one go and never the layers of a cut snapshot (REST agrees)', async () => {
    const server = await startServer({ logdir: tempDir(), log: () => undefined });
    try {
      const { store } = server;
      await appendAll(store, 'r', [runStarted(), layer(1, 'conv1')]);
      const c = await TestClient.connect(`${server.url}/live`);
      await c.next('hello');
      c.send({ type: 'subscribe', runId: 'r' });
      const history = await c.next('history');
      expect(seqs(history.events)).toEqual([1]);
      await appendAll(store, 'r', [layer(1, 'conv2'), resumed(1), layer(1, 'conv1')], 3);
      await appendAll(store, 'r', [layer(1, 'conv2'), layer(1, 'conv3')], 6);
      await c.until((f) => f.filter((x) => x.type === 'event').length >= 4);
      expect(c.frames.filter((x) => x.type === 'event').map((x) => x.event.seq)).toEqual([4, 5, 6, 7]);
      const rest = await (await fetch(`${server.url}/api/runs/r/snapshots`)).json();
      expect(rest).toEqual([{ epoch: 1, layers: LAYERS }]);
      expect((await fetch(`${server.url}/api/runs/r/snapshots/1/conv1`)).status).toBe(200);
      expect(seqs(await (await fetch(`${server.url}/api/runs/r/events`)).json())).toEqual([1, 4, 5, 6, 7]);
      c.close();
    } finally {
      await server.close();
    }
  });
});
