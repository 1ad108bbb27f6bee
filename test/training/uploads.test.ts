/**
 * What a trainer sends a server besides its events: an upload over the server's file limit is
 * skipped with a line naming the file and the limit (the server would otherwise refuse the event
 * and end the run's reporting), a failure to build one is logged, not thrown; and the frames a
 * checkpoint keeps for a resume carry their files (and an older checkpoint's base64 ones convert).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadUnacked } from '../../training/checkpoint.js';
import { MemoryReporter, type ReportEvent } from '../../training/reporter/index.js';
import { decodeRecords, encodeRecords, fromQueued, queuedFrame, toWire } from '../../training/reporter/wire.js';
import { decodeBlobFrame, sha256Hex } from '../../server/socket/blob-frame.js';
import { sendUpload } from '../../training/uploads.js';

const ckpt = (bytes: number): ReportEvent => ({
  type: 'checkpoint',
  epoch: 2,
  blobs: [
    { name: 'meta.json', data: Buffer.from('{}') },
    { name: 'weights.bin', data: Buffer.alloc(bytes, 5) },
  ],
});

class LimitedReporter extends MemoryReporter {
  constructor(private readonly limits: { maxBlobBytes: number; maxEventBytes: number }) {
    super();
  }
  fileLimits() {
    return this.limits;
  }
}

describe('uploads', () => {
  it('sends an upload within the limits and skips one past them, naming the file and the limit', async () => {
    const rep = new LimitedReporter({ maxBlobBytes: 100, maxEventBytes: 101 });
    const lines: string[] = [];
    const up = (bytes: number) =>
      sendUpload(
        rep,
        () => ckpt(bytes),
        `weights of ${bytes} bytes`,
        (l) => lines.push(l),
      );
    // meta.json is 2 bytes: 99 + 2 fit both limits, 100 + 2 passes the event's, 101 the file's.
    expect([await up(99), await up(100), await up(101)]).toEqual([true, false, false]);
    expect(rep.events).toHaveLength(1);
    expect(lines).toEqual([
      'weights of 100 bytes: not sent to the server: its files are 102 bytes in all, over its maxEventBytes of 101; analyses on the server will not have it',
      'weights of 101 bytes: not sent to the server: weights.bin is 101 bytes, over its maxBlobBytes of 100; analyses on the server will not have it',
    ]);
  });

  it('logs a failure to build an upload instead of throwing (training goes on)', async () => {
    const lines: string[] = [];
    const ok = await sendUpload(
      new MemoryReporter(),
      async () => {
        throw new Error('ENOENT: weights.bin');
      },
      'checkpoint of epoch 3',
      (l) => lines.push(l),
    );
    expect(ok).toBe(false);
    expect(lines).toEqual(['checkpoint of epoch 3: not sent to the server: ENOENT: weights.bin']);
  });

  it('puts each file in a binary frame after the JSON that names it by size and SHA-256', () => {
    const wire = toWire(ckpt(10));
    expect(wire.event).toEqual({
      type: 'checkpoint',
      epoch: 2,
      blobs: [
        // Digests from coreutils' sha256sum, an independent implementation.
        { name: 'meta.json', bytes: 2, sha256: '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a' },
        { name: 'weights.bin', bytes: 10, sha256: '907d5690c4f3adce6524bde66f9d683450a3d914cfd19e002423708760bdc0d7' },
      ],
    });
    const q = queuedFrame('run', 7, wire);
    expect(JSON.parse(q.frame)).toEqual({ type: 'event', runId: 'run', seq: 7, event: wire.event });
    const frame = q.blobs![1]!;
    // "ZFB2", seq 7 as 8 bytes, index 1 as 2 bytes, then the file.
    expect([...frame.subarray(0, 14)]).toEqual([0x5a, 0x46, 0x42, 0x32, 0, 0, 0, 0, 0, 0, 0, 7, 0, 1]);
    expect(decodeBlobFrame(frame)).toMatchObject({ seq: 7, index: 1 });
    expect(fromQueued(q).data.map((d) => Buffer.from(d).toString('hex'))).toEqual(['7b7d', '05'.repeat(10)]);
  });

  it('keeps frames and their files across the records a checkpoint saves, and converts an older base64 checkpoint', async () => {
    const frames = [
      queuedFrame('r', 1, toWire(ckpt(3))),
      queuedFrame('r', 2, toWire({ type: 'metrics', epoch: 1, values: {} })),
    ];
    const back = decodeRecords(encodeRecords(frames), 'test');
    expect(back.map((f) => [f.seq, f.frame])).toEqual(frames.map((f) => [f.seq, f.frame]));
    expect(back[0]!.blobs!.map((b) => b.toString('hex'))).toEqual(frames[0]!.blobs!.map((b) => b.toString('hex')));
    expect(back[1]!.blobs).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'zf-unacked-'));
    const png = Buffer.from([137, 80, 78, 71]);
    const old = {
      type: 'event',
      runId: 'r',
      seq: 4,
      event: {
        type: 'snapshot',
        epoch: 1,
        layer: 'conv1',
        index: { files: {}, maps: [] },
        blobs: [{ name: 'conv1.patches.png', base64: png.toString('base64') }],
      },
    };
    writeFileSync(join(dir, 'unacked.jsonl'), `${JSON.stringify(old)}\n`);
    const [converted] = await loadUnacked(dir);
    expect(converted!.seq).toBe(4);
    const event = JSON.parse(converted!.frame).event;
    expect(event.index).toBeUndefined();
    expect(event.methods).toEqual([]);
    // The inline index became the file conv1.json after the atlas, as a current trainer sends it.
    const index = Buffer.from(JSON.stringify(old.event.index));
    expect(event.blobs).toEqual([
      { name: 'conv1.patches.png', bytes: 4, sha256: sha256Hex(png) },
      { name: 'conv1.json', bytes: index.length, sha256: sha256Hex(index) },
    ]);
    expect(decodeBlobFrame(converted!.blobs![0]!).data.equals(png)).toBe(true);
    expect(decodeBlobFrame(converted!.blobs![1]!).data.equals(index)).toBe(true);
  });
});
