/** Shared helpers of the viz tests: the cpu backend, tiny models with known or seeded weights. */
import * as tf from '@tensorflow/tfjs';

export async function useCpu(): Promise<void> {
  tf.env().set('IS_NODE', true);
  await tf.setBackend('cpu');
  await tf.ready();
}

/** A seeded pseudo-random float array in [-1, 1) (mulberry32). */
export function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Give every weight of the model seeded random values (scaled), biases included. */
export function randomizeWeights(model: tf.LayersModel, seed: number, scale = 0.5, biasShift = 0): void {
  model.layers.forEach((layer) => {
    // Seeded by the layer's name, so that models differing only in weightless layers get the same weights.
    const li = [...layer.name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 100003, 7);
    const ws = layer.getWeights();
    if (ws.length === 0) return;
    layer.setWeights(
      ws.map((w, wi) =>
        tf.tidy(() => {
          const r = tf.tensor(randomArray(w.size, seed * 1000003 + li * 10 + wi), w.shape).mul(scale);
          return wi === 1 ? r.add(biasShift) : r;
        }),
      ),
    );
  });
}

/** Nested 2-D array of a [1, h, w, 1] or [h, w] tensor's values. */
export function grid(t: tf.Tensor): number[][] {
  const [h, w] = t.rank === 4 ? [t.shape[1]!, t.shape[2]!] : [t.shape[0]!, t.shape[1]!];
  const d = Array.from(t.dataSync());
  return Array.from({ length: h }, (_, y) => d.slice(y * w, (y + 1) * w).map((v) => v + 0)); // +0 turns -0 into 0
}

/** max |a - b| / max(1e-12, max |b|). */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / Math.max(1e-12, m);
}

/** A ReLU whose backward pass is a projection method's rule (projections must equal tf.grad through it). */
export function ruledRelu(rule: 'deconvnet' | 'guided' | 'backprop'): (z: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((z: tf.Tensor, save: tf.GradSaveFunc) => {
    save([z]);
    return {
      value: tf.relu(z),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const mask = tf.step(saved[0]!);
        return rule === 'deconvnet' ? tf.relu(dy) : rule === 'backprop' ? tf.mul(dy, mask) : tf.mul(tf.relu(dy), mask);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor) => tf.Tensor;
}
