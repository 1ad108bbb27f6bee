/**
 * The figure experiments on a real tiny run (the embedded sample, a narrow small ZF-net, two
 * epochs): every snapshot epoch has one `experiments` event with occlusion, invariance and
 * correspondence data in their protocol shapes, stored in the logdir and served by the real server
 * (REST and the /blobs-free inline pictures); with `analyses: []` (the trainer's `--analyses none`) the
 * same snapshot epochs come and no experiments event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/index.js';
import type { StoredEvent, TrainerEvent } from '../../../server/protocol.js';
import { checkTrainerEvent } from '../../../server/guards.js';
import { tempDir } from '../../server/fixtures.js';
import { realRun, type RealRun } from '../diagnostics/real-run.js';

type Experiments = Extract<TrainerEvent, { type: 'experiments' }>;

const logdir = tempDir('zf-exp-run-');
let run: RealRun;
let off: RealRun;
let server: RunningServer;

beforeAll(async () => {
  run = await realRun({ epochs: 2, logdir, runId: 'exp', analyses: ['occlusion', 'invariance', 'correspondence'] });
  off = await realRun({ epochs: 2, logdir, runId: 'off', analyses: [] });
  server = await startServer({ logdir, log: () => undefined });
}, 600_000);

afterAll(async () => {
  await server?.close();
});

describe('experiments at every snapshot epoch of a real run', () => {
  it('one experiments event per snapshot epoch, after its snapshot and diagnostics, valid by the guard', () => {
    const types = run.events.map((e) => `${e.type}${'epoch' in e && e.type !== 'metrics' ? `@${e.epoch}` : ''}`);
    const exp = run.events.filter((e): e is Experiments => e.type === 'experiments');
    expect(exp.map((e) => e.epoch)).toEqual([1, 2]);
    for (const e of exp) {
      expect(types.indexOf(`experiments@${e.epoch}`)).toBe(types.indexOf(`diagnostics@${e.epoch}`) + 1);
      expect(() => checkTrainerEvent(JSON.parse(JSON.stringify(e)))).not.toThrow();
      expect(Object.keys(e.seconds).sort()).toEqual(['correspondence', 'invariance', 'occlusion']);
    }
  });

  it('occlusion, invariance and correspondence data in their shapes at each epoch', () => {
    for (const e of run.events.filter((x): x is Experiments => x.type === 'experiments')) {
      const occ = e.occlusion!;
      expect(occ.layer).toBe('conv5');
      expect(occ.size).toBe(7);
      expect(occ.images).toHaveLength(4);
      expect(new Set(occ.images.map((i) => i.class)).size).toBe(4); // one image per class
      for (const im of occ.images) {
        expect(im.probability).toHaveLength(11);
        expect(im.activation[0]).toHaveLength(11);
        expect(e.pictures[im.picture]).toMatchObject({ height: 28, width: 28, channels: 1 });
        expect(e.pictures[im.projection]).toBeDefined();
        expect(im.clean.probability).toBeGreaterThan(0);
      }
      const inv = e.invariance!;
      expect(inv.layers).toEqual({ conv1: 'pool1', fc7: 'fc7' });
      expect(inv.shift.values).toHaveLength(15);
      expect(inv.rotation.images[0]!.conv1[0]).toBe(0);
      expect(inv.shift.images[0]!.fc7[7]).toBe(0);
      const cor = e.correspondence!;
      expect(cor.images).toHaveLength(5);
      expect(Object.keys(cor.regions)).toHaveLength(5);
      expect(cor.random.delta.conv5).toBeGreaterThan(0);
      expect(cor.random.delta.conv5).toBeLessThan(1);
    }
    // The same probe images at every epoch; the network changes between them.
    const [a, b] = run.events.filter((x): x is Experiments => x.type === 'experiments');
    expect(a!.occlusion!.images.map((i) => i.image)).toEqual(b!.occlusion!.images.map((i) => i.image));
    expect(a!.occlusion!.images[0]!.probability).not.toEqual(b!.occlusion!.images[0]!.probability);
  });

  it('stored in the logdir and served by the real server', async () => {
    const res = await fetch(`${server.url}/api/runs/exp/events?type=experiments`);
    expect(res.status).toBe(200);
    const served = (await res.json()) as StoredEvent[];
    expect(served.map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2]);
    const first = run.events.find((e): e is Experiments => e.type === 'experiments')!;
    const { type, ...body } = first;
    expect(served[0]).toMatchObject({ type, ...JSON.parse(JSON.stringify(body)) });
  });

  it('with no analyses the snapshot epochs are the same and no experiments event is sent', async () => {
    expect(off.events.some((e) => e.type === 'experiments')).toBe(false);
    expect([...off.snapshots.keys()]).toEqual([...run.snapshots.keys()]);
    const served = (await (await fetch(`${server.url}/api/runs/off/events?type=experiments`)).json()) as unknown[];
    expect(served).toEqual([]);
  });
});
