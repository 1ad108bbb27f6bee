/**
 * A minimal trainer for browser tests: speaks /ingest exactly as server/API.md says (hello ->
 * welcome, events with the next seq, each followed by one binary frame per file it names, wait for
 * the ack), and builds a snapshot event from a recorded snapshot on disk, re-labelled with a new epoch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { LayerSnapshot, ServerToTrainer } from '../../server/protocol.js';
import { PROTOCOL_VERSION } from '../../server/protocol.js';
import type { ReportEvent } from '../../training/reporter/index.js';
import { queuedFrame, toWire } from '../../training/reporter/wire.js';

export interface TestTrainer {
  send(event: ReportEvent): Promise<number>;
  close(): void;
}

/** Connects as a trainer for `runId`; resolves after the welcome. */
export function connectTrainer(serverUrl: string, token: string, runId: string): Promise<TestTrainer> {
  const ws = new WebSocket(`${serverUrl.replace(/^http/, 'ws')}/ingest`);
  let seq = 0;
  const waiting = new Map<number, () => void>();
  return new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, runId, token })));
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as ServerToTrainer;
      if (f.type === 'error') return reject(new Error(`ingest refused: ${f.code} ${f.message}`));
      if (f.type === 'ack') return waiting.get(f.seq)?.();
      seq = f.lastSeq;
      resolve({
        send: (event) =>
          new Promise((done) => {
            const s = ++seq;
            waiting.set(s, () => done(s));
            const q = queuedFrame(runId, s, toWire(event));
            ws.send(q.frame);
            for (const b of q.blobs ?? []) ws.send(b, { binary: true });
          }),
        close: () => ws.close(),
      });
    });
  });
}

/** A snapshot event for `epoch`, copied from the recorded snapshot `fromEpoch/layer` of run `runId` in `logdir`. */
export function snapshotEvent(
  logdir: string,
  runId: string,
  fromEpoch: number,
  layer: string,
  epoch: number,
): ReportEvent {
  const dir = join(logdir, runId, 'snapshots', String(fromEpoch));
  const index = JSON.parse(readFileSync(join(dir, `${layer}.json`), 'utf8')) as LayerSnapshot;
  index.epoch = epoch;
  const files = [
    index.files.patches,
    ...Object.values(index.files.projections),
    ...(index.files.weights ? [index.files.weights] : []),
  ];
  return {
    type: 'snapshot',
    epoch,
    layer,
    index,
    blobs: files.map((name) => ({ name, data: readFileSync(join(dir, name)) })),
  };
}
