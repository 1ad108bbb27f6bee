/** Small synthetic events and a WebSocket test client for the server tests. */
import WebSocket from 'ws';
import { PNG } from 'pngjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LayerSnapshot, TrainerEvent } from '../../server/protocol.js';

export function tempDir(prefix = 'zfscope-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function runStarted(startedAt = '2026-01-01T00:00:00.000Z'): TrainerEvent {
  return {
    type: 'run-started',
    config: {
      dataset: 'synthetic',
      epochs: 2,
      snapshotEpochs: [1],
      batchSize: 8,
      learningRate: 0.01,
      momentum: 0.9,
      conv1: { kernel: 7, stride: 2 },
      widths: [4, 4, 4, 4, 4, 8, 8],
      probeSize: 16,
      methods: ['deconvnet'],
      seed: 1,
    },
    dataset: {
      name: 'synthetic',
      shape: [8, 8, 3],
      classes: ['a', 'b'],
      trainCount: 16,
      validationCount: 4,
      probeCount: 16,
      source: 'test',
    },
    model: {
      layers: [{ name: 'conv1', kind: 'conv', outputShape: [4, 4, 4], params: 100, kernel: 7, stride: 2 }],
      params: 100,
    },
    backend: 'cpu',
    startedAt,
  };
}

export function metrics(epoch: number, batch?: number, loss = 1 / (epoch + 1)): TrainerEvent {
  return batch === undefined
    ? { type: 'metrics', epoch, values: { loss, acc: 0.5 } }
    : { type: 'metrics', epoch, batch, values: { loss } };
}

/** A solid-colour PNG of w x h pixels. */
export function tinyPng(w: number, h: number, rgb: [number, number, number]): Buffer {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) png.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(png);
}

/** A snapshot of one layer with 2 maps, tile 2: a red patches atlas and a blue deconvnet atlas (each 2 tiles x 2 rows). */
export function snapshot(epoch: number, layer = 'conv1'): TrainerEvent {
  const index: LayerSnapshot = {
    epoch,
    layer,
    layerIndex: 0,
    shape: [4, 4, 2],
    rf: { size: 7, jump: 2, offset: -3 },
    atlas: { tile: 2, cols: 2, rows: 2 },
    methods: ['deconvnet'],
    maps: [0, 1].map((index) => ({
      index,
      top: [{ value: 1, image: 0, label: 0, y: 0, x: 0, rf: [-3, -3, 7] as [number, number, number], clipped: true }],
      health: {
        activeShare: 0.5,
        maxActivation: 1,
        meanActivation: 0.2,
        dead: false,
        weightRms: 0.1,
        weightChange: null,
        turnover: null,
        projectionChange: null,
      },
    })),
    health: { deadCount: 0, deadShare: 0, meanActiveShare: 0.5, meanWeightChange: null },
    files: { patches: `${layer}.patches.png`, projections: { deconvnet: `${layer}.deconvnet.png` } },
  };
  return {
    type: 'snapshot',
    epoch,
    layer,
    index,
    blobs: [
      { name: `${layer}.patches.png`, base64: tinyPng(4, 4, [255, 0, 0]).toString('base64') },
      { name: `${layer}.deconvnet.png`, base64: tinyPng(4, 4, [0, 0, 255]).toString('base64') },
    ],
  };
}

/** A frame as it came off the wire: the tests themselves assert its shape. */
// biome-ignore lint/suspicious/noExplicitAny: raw JSON from the server, checked field by field by each test
export type RawFrame = any;

/** A raw WebSocket client that records every frame it receives. */
export class TestClient {
  readonly frames: RawFrame[] = [];
  closeCode?: number;
  private waiters: (() => void)[] = [];
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.frames.push(JSON.parse(d.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        for (const w of this.waiters.splice(0)) w();
        resolve(code);
      }),
    );
    ws.on('error', () => undefined);
  }

  static async connect(url: string): Promise<TestClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'));
    const c = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits until `pred` holds over the frames received so far (or the socket closes). */
  async until(pred: (frames: RawFrame[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.frames)) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
      if (this.closeCode !== undefined && !pred(this.frames)) {
        await new Promise((r) => setTimeout(r, 20));
        if (!pred(this.frames))
          throw new Error(`socket closed (${this.closeCode}); frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The frame of a type, waiting for it. */
  async next(type: string, timeoutMs?: number): Promise<RawFrame> {
    await this.until((f) => f.some((x) => x.type === type), timeoutMs);
    return this.frames.find((x) => x.type === type);
  }

  close(): void {
    this.ws.close();
  }
}

/** The seqs a dashboard saw for a run, from history and event frames, in order. */
export function seenSeqs(frames: RawFrame[], runId: string): number[] {
  const out: number[] = [];
  for (const f of frames) {
    if (f.type === 'history' && f.runId === runId) out.push(...f.events.map((e: { seq: number }) => e.seq));
    if (f.type === 'event' && f.runId === runId) out.push(f.event.seq);
  }
  return out;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
