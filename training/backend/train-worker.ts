/**
 * Worker side of the data-parallel train step (parallel-train-step.ts): its own tfjs + wasm
 * instance and a replica of the model. For each request it loads the main thread's weights,
 * computes the loss gradients of its share of the batch and sends them back. Requests and
 * replies travel over a MessagePort read synchronously (receiveMessageOnPort), woken by Atomics,
 * so the main thread's train step stays a plain synchronous call.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from './index.js';
import { crossEntropy } from '../train-step.js';

export interface WorkerInit {
  backend: BackendChoice;
  modelJson: string;
  port: MessagePort;
  /** [0]: requests posted, [1]: replies posted */
  ctrl: Int32Array;
}

export interface WorkerRequest {
  x: Float32Array;
  xShape: [number, number, number, number];
  y: Float32Array;
  yShape: [number, number];
  /** The loss is scaled by this (the worker's share of the batch), so gradients arrive weighted. */
  weight: number;
  weights: Float32Array[];
}

export type WorkerReply = { grads: Float32Array[]; loss: number; correct: number } | { error: string };

function receive(port: MessagePort): WorkerRequest {
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m) return m.message as WorkerRequest;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // the post is in flight: 1 ms
  }
}

async function main(init: WorkerInit): Promise<void> {
  await initBackend(init.backend);
  const model = await tf.models.modelFromJSON(JSON.parse(init.modelJson) as tf.io.ModelJSON);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  parentPort!.postMessage({ ready: true, shapes: vars.map((v) => v.shape) });
  let seen = 0;
  for (;;) {
    Atomics.wait(init.ctrl, 0, seen);
    seen = Atomics.load(init.ctrl, 0);
    const req = receive(init.port);
    let reply: WorkerReply;
    try {
      vars.forEach((v, i) => {
        tf.tidy(() => v.assign(tf.tensor(req.weights[i]!, v.shape)));
      });
      // Typed arrays are read outside tidy: tidy walks its result, index by index, looking for tensors.
      const out = tf.tidy(() => {
        const x = tf.tensor4d(req.x, req.xShape);
        const y = tf.tensor2d(req.y, req.yShape);
        let correct = 0;
        const { value, grads } = tf.variableGrads(() => {
          const p = model.apply(x, { training: true }) as tf.Tensor2D;
          correct = tf.equal(tf.argMax(p, -1), tf.argMax(y, -1)).sum().dataSync()[0]!;
          return crossEntropy(y, p).mul(req.weight) as tf.Scalar;
        }, vars);
        return { value, correct, grads: vars.map((v) => grads[v.name]!) };
      });
      reply = {
        loss: out.value.dataSync()[0]! / req.weight,
        correct: out.correct,
        grads: out.grads.map((g) => g.dataSync() as Float32Array),
      };
      tf.dispose([out.value, ...out.grads]);
    } catch (err) {
      reply = { error: err instanceof Error ? err.message : String(err) };
    }
    init.port.postMessage(reply);
    Atomics.add(init.ctrl, 1, 1);
    Atomics.notify(init.ctrl, 1);
  }
}

if (parentPort && workerData && (workerData as { zfscopeTrainWorker?: boolean }).zfscopeTrainWorker) {
  main(workerData as WorkerInit).catch((err: unknown) => {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  });
}
