/**
 * Worker side of the two-thread snapshot (snapshotter.ts): its own tfjs instance (the backend the
 * main thread uses) and a replica of the model built once from its topology. Each request carries
 * the weights, the raw probe set, the probe's model inputs (toInput is a closure and cannot travel)
 * and the conv layers to compute; it runs takeSnapshot on those layers and posts the result back.
 * Same code, same backend and the same weights as the main thread: the bytes come out the same.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../datasets/types.js';
import { initBackend, type BackendChoice } from '../backend/index.js';
import { takeSnapshot, type SnapshotMemory, type SnapshotResult } from './snapshot.js';

export interface SnapshotWorkerInit {
  zfscopeSnapshotWorker: true;
  backend: BackendChoice;
  modelJson: string;
}

export interface SnapshotWorkerRequest {
  id: number;
  /** model.getWeights() data, in that order. */
  weights: Float32Array[];
  probe: ImageSet;
  /** The model inputs of every probe image, [count, ...inputShape] flattened. */
  inputs: Float32Array;
  inputShape: [number, number, number];
  layers: string[];
  epoch: number;
  methods?: string[];
  topK?: number;
  batchSize?: number;
  projectionBatch?: number;
  previous?: SnapshotMemory;
}

export type SnapshotWorkerReply =
  | { id: number; result: SnapshotResult }
  | { id: number; error: string };

async function main(init: SnapshotWorkerInit): Promise<void> {
  await initBackend(init.backend);
  const model = await tf.models.modelFromJSON(JSON.parse(init.modelJson) as tf.io.ModelJSON);
  parentPort!.on('message', (req: SnapshotWorkerRequest) => {
    void (async () => {
      try {
        const current = model.getWeights();
        if (current.length !== req.weights.length) throw new Error(`expected ${current.length} weight arrays, got ${req.weights.length}`);
        const next = current.map((w, i) => tf.tensor(req.weights[i]!, w.shape));
        model.setWeights(next);
        tf.dispose(next);
        const [h, w, c] = req.inputShape;
        const per = h * w * c;
        const toInput = (indices: number[]): tf.Tensor4D => {
          const buf = new Float32Array(indices.length * per);
          indices.forEach((img, i) => buf.set(req.inputs.subarray(img * per, (img + 1) * per), i * per));
          return tf.tensor4d(buf, [indices.length, h, w, c]);
        };
        const result = await takeSnapshot({
          model, probe: req.probe, toInput, epoch: req.epoch, layers: req.layers,
          ...(req.methods ? { methods: req.methods } : {}),
          ...(req.topK !== undefined ? { topK: req.topK } : {}),
          ...(req.batchSize !== undefined ? { batchSize: req.batchSize } : {}),
          ...(req.projectionBatch !== undefined ? { projectionBatch: req.projectionBatch } : {}),
          ...(req.previous ? { previous: req.previous } : {}),
        });
        parentPort!.postMessage({ id: req.id, result } satisfies SnapshotWorkerReply);
      } catch (err) {
        parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies SnapshotWorkerReply);
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
