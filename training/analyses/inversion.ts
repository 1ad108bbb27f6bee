/**
 * Regularized inversion of a representation (Mahendran & Vedaldi 2015, Eq. 1-3):
 * x* = argmin ‖Φ(x) − Φ(x₀)‖² / ‖Φ(x₀)‖² + λ_α R_α(x) + λ_TV R_TV(x), from small seeded noise, by
 * Adam with a step that decays linearly to zero (so the last steps settle instead of oscillating).
 * The regularizers are made scale-free with B = max|x₀|: R_α = mean(|x/B|^α), R_TV = mean over
 * pixels of ((Δx² + Δy²)/B²)^(β/2).
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../datasets/rng.js';

export interface InversionOptions {
  steps: number;
  lr: number;
  alpha: number;
  lambdaAlpha: number;
  beta: number;
  lambdaTV: number;
  /** Amplitude of the starting noise, relative to B. */
  noise: number;
  seed: number;
  onStep?: (step: number) => void;
}

export interface InversionResult {
  x: Float32Array;
  /** ‖Φ(x*) − Φ(x₀)‖ / ‖Φ(x₀)‖ */
  representationError: number;
  /** ‖x* − x₀‖ / ‖x₀‖ */
  pixelError: number;
  /** The objective at every step. */
  loss: number[];
}

function tv(x: tf.Tensor4D, beta: number, b2: number): tf.Scalar {
  const [, h, w] = x.shape;
  // Differences to the right and below; the last row and column repeat (zero difference there).
  const dx = tf.pad(
    tf.sub(tf.slice(x, [0, 0, 1, 0], [-1, -1, w - 1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, -1, w - 1, -1])),
    [
      [0, 0],
      [0, 0],
      [0, 1],
      [0, 0],
    ],
  );
  const dy = tf.pad(
    tf.sub(tf.slice(x, [0, 1, 0, 0], [-1, h - 1, -1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, h - 1, -1, -1])),
    [
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 0],
    ],
  );
  const sq = tf.div(tf.add(tf.square(dx), tf.square(dy)), b2);
  return tf.mean(beta === 2 ? sq : tf.pow(tf.add(sq, 1e-12), beta / 2));
}

/** Inverts `phi` at `x0` ([1,H,W,C]); disposes everything it makes. */
export function invert(phi: (x: tf.Tensor4D) => tf.Tensor, x0: tf.Tensor4D, o: InversionOptions): InversionResult {
  const rand = mulberry32(o.seed);
  // A clone: phi may hand back its input (the identity), which is the caller's to dispose.
  const target = tf.tidy(() => tf.clone(phi(x0)));
  const [tNorm2, bMax] = tf.tidy(() => [tf.sum(tf.square(target)), tf.max(tf.abs(x0))]);
  const norm2 = Math.max(tNorm2.dataSync()[0]!, 1e-30);
  const B = Math.max(bMax.dataSync()[0]!, 1e-12);
  tf.dispose([tNorm2, bMax]);
  const size = x0.size;
  let x: tf.Tensor4D = tf.tensor4d(
    Float32Array.from({ length: size }, () => (rand() * 2 - 1) * o.noise * B),
    x0.shape,
  );
  let m: tf.Tensor = tf.zerosLike(x);
  let v: tf.Tensor = tf.zerosLike(x);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const loss: number[] = [];
  const objective = (y: tf.Tensor) =>
    tf.tidy(() => {
      let l: tf.Tensor = tf.div(tf.sum(tf.square(tf.sub(phi(y as tf.Tensor4D), target))), norm2);
      if (o.lambdaAlpha > 0) l = tf.add(l, tf.mul(o.lambdaAlpha, tf.mean(tf.pow(tf.abs(tf.div(y, B)), o.alpha))));
      if (o.lambdaTV > 0) l = tf.add(l, tf.mul(o.lambdaTV, tv(y as tf.Tensor4D, o.beta, B * B)));
      return l as tf.Scalar;
    });
  const valueAndGrad = tf.valueAndGrad(objective);
  try {
    for (let t = 1; t <= o.steps; t++) {
      const lr = o.lr * (1 - (t - 1) / o.steps);
      const [nx, nm, nv, value] = tf.tidy(() => {
        const { value, grad } = valueAndGrad(x);
        const mm = tf.add(tf.mul(b1, m), tf.mul(1 - b1, grad));
        const vv = tf.add(tf.mul(b2, v), tf.mul(1 - b2, tf.square(grad)));
        const step = tf.div(tf.div(mm, 1 - b1 ** t), tf.add(tf.sqrt(tf.div(vv, 1 - b2 ** t)), eps));
        return [tf.sub(x, tf.mul(lr * B, step)) as tf.Tensor4D, mm, vv, value];
      });
      loss.push(value.dataSync()[0]!);
      tf.dispose([x, m, v, value]);
      [x, m, v] = [nx, nm, nv];
      o.onStep?.(t);
    }
    const [rep, pix] = tf.tidy(() => [
      tf.div(tf.norm(tf.sub(phi(x), target)), Math.sqrt(norm2)),
      tf.div(tf.norm(tf.sub(x, x0)), tf.maximum(tf.norm(x0), 1e-30)),
    ]);
    const result = {
      x: (x.dataSync() as Float32Array).slice(),
      representationError: rep.dataSync()[0]!,
      pixelError: pix.dataSync()[0]!,
      loss,
    };
    tf.dispose([rep, pix]);
    return result;
  } finally {
    tf.dispose([x, m, v, target]);
  }
}
