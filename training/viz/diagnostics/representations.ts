/**
 * What each layer computes on a fixed set of probe images, in the two forms the diagnostics
 * compare across snapshots: the centred Gram matrix of its activations (for linear CKA) and, for
 * conv layers, each feature map's maximum per image (for a feature's response change). One
 * multi-output forward in batches; every tensor is disposed.
 */
import * as tf from '@tensorflow/tfjs';
import { convUnits } from '../snapshot.js';
import { centreGram } from './cka.js';

export interface LayerRepresentation {
  layer: string;
  kind: 'conv' | 'dense';
  /** Centred Gram matrix [n, n], row-major. */
  gram: Float32Array;
  /** conv only: the activations [responseImages, h, w, maps] flattened (what each map computes, position by position). */
  responses?: Float32Array;
  maps: number;
}

/** The layers whose representations are compared: every conv unit's rectified output, and every Dense layer but the classifier. */
export function representationLayers(
  model: tf.LayersModel,
): Array<{ name: string; kind: 'conv' | 'dense'; out: tf.layers.Layer }> {
  const convs = convUnits(model).map((u) => ({ name: u.conv.name, kind: 'conv' as const, out: u.out }));
  const last = model.layers[model.layers.length - 1];
  const dense = model.layers
    .filter((l) => l.getClassName() === 'Dense' && l !== last)
    .map((l) => ({ name: l.name, kind: 'dense' as const, out: l }));
  return [...convs, ...dense];
}

/** Representations of the `n` images `toInput` gives for indices 0..n-1. */
export async function measureRepresentations(
  model: tf.LayersModel,
  toInput: (indices: number[]) => tf.Tensor4D,
  n: number,
  /** Images (the first ones) whose activations are kept as `responses`. */
  responseImages = n,
  batchSize = 100,
): Promise<LayerRepresentation[]> {
  const layers = representationLayers(model);
  if (layers.length === 0 || n < 2) return [];
  const sub = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.out.output as tf.SymbolicTensor) });
  const rows: tf.Tensor2D[][] = layers.map(() => []);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
      const outs = tf.tidy(() => {
        const x = toInput(indices);
        const ys = sub.predictOnBatch(x) as tf.Tensor | tf.Tensor[];
        return (Array.isArray(ys) ? ys : [ys]).map((y) => tf.keep(y));
      });
      outs.forEach((y, i) => {
        rows[i]!.push(y.reshape([indices.length, -1]) as tf.Tensor2D);
      });
      tf.dispose(outs);
      await new Promise<void>((res) => setImmediate(res));
    }
    const out: LayerRepresentation[] = [];
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i]!;
      const k = tf.tidy(() => {
        const x = tf.concat(rows[i]!, 0);
        return tf.matMul(x, x, false, true);
      });
      const gram = centreGram((await k.data()) as Float32Array, n);
      k.dispose();
      const rep: LayerRepresentation = {
        layer: l.name,
        kind: l.kind,
        gram,
        maps: (l.out.outputShape as number[]).at(-1)!,
      };
      if (l.kind === 'conv') {
        const m = tf.concat(rows[i]!, 0);
        const all = (await m.data()) as Float32Array;
        rep.responses = all.slice(0, (all.length / n) * Math.min(n, responseImages));
        m.dispose();
      }
      out.push(rep);
    }
    return out;
  } finally {
    tf.dispose(rows.flat());
  }
}
