/**
 * The figure experiments on a real tiny run (the embedded sample, a narrow small ZF-net, two
 * epochs): every snapshot epoch has one `experiments` event with occlusion, invariance and
 * correspondence data in their protocol shapes, its pictures as PNG files (decoded: the probe images
 * byte for byte), stored in the logdir by the StoreReporter next to the epoch's atlases and served by
 * the real server (REST with the pictures by URL, the PNGs under /blobs); with `analyses: []` (the
 * trainer's `--analyses none`) the same snapshot epochs come and no experiments event.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/index.js';
import type { StoredEvent } from '../../../server/protocol.js';
import { checkTrainerEvent } from '../../../server/guards.js';
import type { ReportEvent } from '../../../training/reporter/index.js';
import { toWire } from '../../../training/reporter/wire.js';
import { probePicture } from '../../../training/analyses/experiments.js';
import { loadDataset, splitDataset } from '../../../datasets/index.js';
import { tempDir } from '../../server/fixtures.js';
import { realRun, type RealRun } from '../diagnostics/real-run.js';

type Experiments = Extract<ReportEvent, { type: 'experiments' }>;

/** "experiments.image-0.png" -> "image-0". */
const pictureName = (file: string) => file.slice('experiments.'.length, -'.png'.length);

/** The PNG file of picture `name`, decoded to its gray bytes. */
function picture(e: Experiments, name: string): { width: number; height: number; gray: Uint8Array } | undefined {
  const file = e.blobs.find((b) => b.name === `experiments.${name}.png`);
  if (!file) return undefined;
  const png = PNG.sync.read(Buffer.from(file.data));
  // pngjs decodes to RGBA; a gray PNG has r = g = b.
  const gray = Uint8Array.from({ length: png.width * png.height }, (_, i) => png.data[i * 4]!);
  return { width: png.width, height: png.height, gray };
}

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
      expect(() => checkTrainerEvent(JSON.parse(JSON.stringify(toWire(e).event)))).not.toThrow();
      expect(JSON.stringify(toWire(e).event)).not.toContain('base64');
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
        expect(picture(e, im.picture)).toMatchObject({ height: 28, width: 28 });
        expect(picture(e, im.projection)).toMatchObject({ height: 28, width: 28 });
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

  it('pictures the probe images as they are displayed, byte for byte (oracle: the probe set itself)', async () => {
    const loaded = await loadDataset('sample', {});
    const split = splitDataset(loaded, { seed: 1, probeSize: 150, trainLimit: 2000 });
    const e = run.events.find((x): x is Experiments => x.type === 'experiments')!;
    for (const im of [...e.occlusion!.images, ...e.correspondence!.images]) {
      const want = probePicture(split.probe, im.image);
      expect(want.channels).toBe(1);
      expect(Buffer.from(picture(e, im.picture)!.gray).equals(Buffer.from(want.bytes)), im.picture).toBe(true);
    }
  });

  it('stored in the logdir next to the atlases and served by the real server, pictures by URL', async () => {
    const res = await fetch(`${server.url}/api/runs/exp/events?type=experiments`);
    expect(res.status).toBe(200);
    const served = (await res.json()) as Array<Extract<StoredEvent, { type: 'experiments' }>>;
    expect(served.map((e) => e.epoch)).toEqual([1, 2]);
    const all = run.events.filter((e): e is Experiments => e.type === 'experiments');
    for (const [k, sent] of all.entries()) {
      const { type, blobs, ...body } = sent;
      const got = served[k]!;
      expect(got).toMatchObject({ type, ...JSON.parse(JSON.stringify(body)) });
      expect(got).not.toHaveProperty('blobs');
      expect(Object.keys(got.pictures).sort()).toEqual(blobs.map((b) => pictureName(b.name)).sort());
      for (const b of blobs) {
        expect(got.pictures[pictureName(b.name)]).toBe(`/blobs/exp/${sent.epoch}/${b.name}`);
        const onDisk = readFileSync(join(logdir, 'exp', 'snapshots', String(sent.epoch), b.name));
        expect(onDisk.equals(Buffer.from(b.data)), b.name).toBe(true);
      }
    }
    const url = served[1]!.pictures['image-0']!;
    const png = await fetch(`${server.url}${url}`);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('cache-control')).toContain('immutable');
    const sent = all[1]!.blobs.find((b) => b.name === 'experiments.image-0.png')!;
    expect(Buffer.from(await png.arrayBuffer()).equals(Buffer.from(sent.data))).toBe(true);
    expect(JSON.stringify(served)).not.toContain('base64');
  });

  it('with no analyses the snapshot epochs are the same and no experiments event is sent', async () => {
    expect(off.events.some((e) => e.type === 'experiments')).toBe(false);
    expect([...off.snapshots.keys()]).toEqual([...run.snapshots.keys()]);
    const served = (await (await fetch(`${server.url}/api/runs/off/events?type=experiments`)).json()) as unknown[];
    expect(served).toEqual([]);
  });
});
