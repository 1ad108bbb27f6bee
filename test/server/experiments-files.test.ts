/**
 * The figure experiments' pictures travel and are stored as files: an `experiments` event's PNGs go
 * into the epoch's snapshot folder (from a Store append, as a StoreReporter does, and from a
 * WebSocketReporter through /ingest's binary frames), the stored event names them by /blobs URL and
 * carries no bytes, /blobs serves them immutable, and bytes that are not a sane PNG are refused
 * before anything is written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZfError } from '../../server/errors.js';
import { startServer } from '../../server/index.js';
import type { OcclusionData } from '../../server/protocol.js';
import { Store } from '../../server/store/index.js';
import { WebSocketReporter, type ReportEvent } from '../../training/reporter/index.js';
import { appendTo, runStarted, tempDir, tinyPng } from './fixtures.js';

type Experiments = Extract<ReportEvent, { type: 'experiments' }>;

/** An occlusion result on one 4x4 image with a 2x2 grid of occluder positions, its two pictures as PNGs. */
function experiments(epoch: number, files?: Experiments['blobs']): Experiments {
  const grid = [
    [0.5, 0.25],
    [0.75, 1],
  ];
  const occlusion: OcclusionData = {
    layer: 'conv5',
    size: 2,
    stride: 2,
    centres: { y: [1, 3], x: [1, 3] },
    images: [
      {
        image: 0,
        class: 1,
        picture: 'image-0',
        feature: 2,
        clean: { probability: 0.9, activation: 3, label: 1 },
        probability: grid,
        activation: grid,
        label: [
          [1, 1],
          [0, 1],
        ],
        unit: { y: 0, x: 1, value: 3 },
        marker: { top: 0, left: 1, height: 3, width: 3 },
        projection: 'occlusion-0-projection',
      },
    ],
  };
  return {
    type: 'experiments',
    epoch,
    occlusion,
    seconds: { occlusion: 0.01 },
    blobs: files ?? [
      { name: 'experiments.image-0.png', data: tinyPng(4, 4, [10, 20, 30]) },
      { name: 'experiments.occlusion-0-projection.png', data: tinyPng(4, 4, [128, 128, 128]) },
    ],
  };
}

describe('experiments pictures as files', () => {
  it('are written into the epoch folder and named by /blobs URL in the stored event', async () => {
    const store = await Store.open(tempDir());
    await store.append('r1', 1, runStarted());
    const ev = experiments(3);
    const stored = await appendTo(store, 'r1', 2, ev);
    expect(stored).toEqual({
      type: 'experiments',
      epoch: 3,
      occlusion: ev.occlusion,
      seconds: { occlusion: 0.01 },
      pictures: {
        'image-0': '/blobs/r1/3/experiments.image-0.png',
        'occlusion-0-projection': '/blobs/r1/3/experiments.occlusion-0-projection.png',
      },
      seq: 2,
    });
    for (const b of ev.blobs) {
      const file = readFileSync(join(store.logdir, 'r1', 'snapshots', '3', b.name));
      expect(file.equals(Buffer.from(b.data)), b.name).toBe(true);
    }
    const line = readFileSync(join(store.logdir, 'r1', 'events.jsonl'), 'utf8');
    expect(line).not.toContain('PNG');
    expect(line).not.toContain('"blobs"');
    expect(store.blobFile('r1', 3, 'experiments.image-0.png')).toBeDefined();
    // Only the snapshot events make an epoch a snapshot epoch.
    expect(store.snapshots('r1')).toEqual([]);
    await store.close();
  });

  it('refuses bytes that are not a PNG, or a PNG past 1024 px a side, before writing anything', async () => {
    const store = await Store.open(tempDir());
    await store.append('r1', 1, runStarted());
    const png = tinyPng(4, 4, [0, 0, 0]);
    const cases: Array<[Experiments['blobs'], string]> = [
      [
        [
          { name: 'experiments.image-0.png', data: png },
          { name: 'experiments.occlusion-0-projection.png', data: Buffer.from('not a png at all, really') },
        ],
        'event(experiments).blobs[1] (experiments.occlusion-0-projection.png): expected a PNG file, found bytes that are not one',
      ],
      [
        [
          { name: 'experiments.image-0.png', data: tinyPng(1025, 1, [0, 0, 0]) },
          { name: 'experiments.occlusion-0-projection.png', data: png },
        ],
        'event(experiments).blobs[0] (experiments.image-0.png): expected a PNG of 1 to 1024 px a side, found 1025x1',
      ],
    ];
    for (const [files, message] of cases) {
      const err = (await appendTo(store, 'r1', 2, experiments(1, files)).catch((e: unknown) => e)) as ZfError;
      expect(err).toBeInstanceOf(ZfError);
      expect(err.code).toBe('bad-blob');
      expect(err.message).toBe(message);
    }
    expect(existsSync(join(store.logdir, 'r1', 'snapshots', '1'))).toBe(false);
    expect(store.lastSeq('r1')).toBe(1);
    await store.close();
  });

  it('travel as binary frames to a server, which stores them and serves them immutable', async () => {
    const server = await startServer({ logdir: tempDir(), ingestToken: 't', log: () => undefined });
    try {
      const rep = new WebSocketReporter({ url: server.url, runId: 'ws', token: 't', log: () => undefined });
      await rep.send(runStarted());
      const ev = experiments(2);
      await rep.send(ev);
      await rep.flush();
      await rep.close();
      const [stored] = (await (await fetch(`${server.url}/api/runs/ws/events?type=experiments`)).json()) as Array<{
        pictures: Record<string, string>;
      }>;
      expect(Object.keys(stored!.pictures).sort()).toEqual(['image-0', 'occlusion-0-projection']);
      const res = await fetch(`${server.url}${stored!.pictures['image-0']}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(ev.blobs[0]!.data))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
