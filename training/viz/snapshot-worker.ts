/**
 * Worker side of the two-thread snapshot (snapshotter.ts): its own tfjs instance (the backend the
 * main thread uses) and a replica of the model built once from its topology. Each request carries
 * the weights, the raw probe set, the probe's model inputs (toInput is a closure and cannot travel),
 * its share of the top-k scan and the conv layers to compute. It scans its share, swaps the raw scan
 * with the main thread's, folds both in probe order, runs takeSnapshot on its layers and posts the
 * result. Same code, backend and weights as the main thread: the bytes come out the same.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../datasets/types.js';
import { initBackend, type BackendChoice } from '../backend/index.js';
import { snapshotUnits, takeSnapshot, type SnapshotMemory, type SnapshotResult } from './snapshot.js';
import { foldScan, scanBatches, type ScanBatch } from './top-k.js';
import { runPlan, type ExperimentPlan, type ExperimentsEvent } from './experiments.js';

export interface SnapshotWorkerInit {
  zfscopeSnapshotWorker: true;
  backend: BackendChoice;
  modelJson: string;
}

export interface SnapshotWorkerRequest {
  kind: 'take';
  id: number;
  /** model.getWeights() data, in that order. */
  weights: Float32Array[];
  probe: ImageSet;
  /** The model inputs of every probe image, [count, ...inputShape] flattened. */
  inputs: Float32Array;
  inputShape: [number, number, number];
  layers: string[];
  /** The probe images [scanFrom, scanTo) this side scans (the main thread scans the rest). */
  scanFrom: number;
  scanTo: number;
  epoch: number;
  methods?: string[];
  topK?: number;
  batchSize?: number;
  projectionBatch?: number;
  previous?: SnapshotMemory;
}

/** The worker's share of a snapshot epoch's figure experiments (experiments.ts splitPlan). */
export interface ExperimentsWorkerRequest {
  kind: 'experiments';
  id: number;
  weights: Float32Array[];
  probe: ImageSet;
  /** The model inputs of the probe images the plan reads, by probe index. */
  inputs: Array<[number, Float32Array]>;
  plan: ExperimentPlan;
  epoch: number;
}

/** The raw scan of one side, sent to the other (both ways). */
export interface SnapshotScanMessage {
  kind: 'scan';
  id: number;
  batches: ScanBatch[];
}

export type SnapshotWorkerReply =
  | SnapshotScanMessage
  | { kind: 'result'; id: number; result: SnapshotResult }
  | { kind: 'experiments'; id: number; event: ExperimentsEvent; log: string[] }
  | { kind: 'error'; id: number; error: string };

/** A promise with its resolve, made by whichever comes first: the waiter or the message. */
export function mailbox<T>() {
  const boxes = new Map<number, { promise: Promise<T>; resolve: (v: T) => void }>();
  const box = (id: number) => {
    let b = boxes.get(id);
    if (!b) {
      let resolve!: (v: T) => void;
      const promise = new Promise<T>((r) => (resolve = r));
      b = { promise, resolve };
      boxes.set(id, b);
    }
    return b;
  };
  return {
    put: (id: number, v: T) => box(id).resolve(v),
    take: async (id: number) => {
      const v = await box(id).promise;
      boxes.delete(id);
      return v;
    },
  };
}

async function main(init: SnapshotWorkerInit): Promise<void> {
  await initBackend(init.backend);
  const model = await tf.models.modelFromJSON(JSON.parse(init.modelJson) as tf.io.ModelJSON);
  const scans = mailbox<ScanBatch[]>();
  const setWeights = (weights: Float32Array[]) => {
    const current = model.getWeights();
    if (current.length !== weights.length)
      throw new Error(`expected ${current.length} weight arrays, got ${weights.length}`);
    const next = current.map((w, i) => tf.tensor(weights[i]!, w.shape));
    model.setWeights(next);
    tf.dispose(next);
  };
  parentPort!.on('message', (req: SnapshotWorkerRequest | SnapshotScanMessage | ExperimentsWorkerRequest) => {
    if (req.kind === 'scan') return scans.put(req.id, req.batches);
    if (req.kind === 'experiments') {
      void (async () => {
        try {
          setWeights(req.weights);
          const inputs = new Map(req.inputs);
          const log: string[] = [];
          const probe = {
            images: req.probe,
            input: (i: number) => {
              const v = inputs.get(i);
              if (!v) throw new Error(`experiments: no model input sent for probe image ${i}`);
              return v;
            },
          };
          const event = await runPlan(model, probe, req.plan, req.epoch, (l) => log.push(l));
          parentPort!.postMessage({ kind: 'experiments', id: req.id, event, log } satisfies SnapshotWorkerReply);
        } catch (err) {
          parentPort!.postMessage({
            kind: 'error',
            id: req.id,
            error: err instanceof Error ? err.message : String(err),
          } satisfies SnapshotWorkerReply);
        }
      })();
      return;
    }
    void (async () => {
      try {
        setWeights(req.weights);
        const [h, w, c] = req.inputShape;
        const per = h * w * c;
        const toInput = (indices: number[]): tf.Tensor4D => {
          const buf = new Float32Array(indices.length * per);
          indices.forEach((img, i) => {
            buf.set(req.inputs.subarray(img * per, (img + 1) * per), i * per);
          });
          return tf.tensor4d(buf, [indices.length, h, w, c]);
        };
        const t0 = performance.now();
        const outs = snapshotUnits(model).units.map((u) => u.out);
        const k = req.topK ?? 9;
        const mine = await scanBatches({
          model,
          layers: outs,
          from: req.scanFrom,
          to: req.scanTo,
          toInput,
          batchSize: req.batchSize ?? 100,
          k,
        });
        parentPort!.postMessage({ kind: 'scan', id: req.id, batches: mine } satisfies SnapshotWorkerReply);
        const byName = new Map(
          foldScan(outs, req.probe.count, k, [...(await scans.take(req.id)), ...mine]).map((a) => [a.layer, a]),
        );
        const scanSeconds = (performance.now() - t0) / 1000;
        const result = await takeSnapshot({
          model,
          probe: req.probe,
          toInput,
          epoch: req.epoch,
          layers: req.layers,
          scan: async (wanted) => wanted.map((l) => byName.get(l.name)!),
          ...(req.methods ? { methods: req.methods } : {}),
          ...(req.topK !== undefined ? { topK: req.topK } : {}),
          ...(req.batchSize !== undefined ? { batchSize: req.batchSize } : {}),
          ...(req.projectionBatch !== undefined ? { projectionBatch: req.projectionBatch } : {}),
          ...(req.previous ? { previous: req.previous } : {}),
        });
        result.seconds.topk = scanSeconds;
        result.seconds.total! += scanSeconds;
        parentPort!.postMessage({ kind: 'result', id: req.id, result } satisfies SnapshotWorkerReply);
      } catch (err) {
        parentPort!.postMessage({
          kind: 'error',
          id: req.id,
          error: err instanceof Error ? err.message : String(err),
        } satisfies SnapshotWorkerReply);
      }
    })();
  });
  parentPort!.postMessage({ ready: true, shapes: model.getWeights().map((w) => w.shape) });
}

if (parentPort && workerData && (workerData as { zfscopeSnapshotWorker?: boolean }).zfscopeSnapshotWorker) {
  main(workerData as SnapshotWorkerInit).catch((err: unknown) => {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  });
}
