/**
 * Gradient ascent on the input (Simonyan et al. 2014; Yosinski et al. 2015's regularizers): from the zero image (the mean image, after mean
 * subtraction), with every weight frozen, ascend S(I) − λ‖I‖². The priors that make the result
 * readable are options: the L2 penalty (with step η the update is the decay I ← (1 − 2ηλ)I + η∇S),
 * a Gaussian blur every few steps, a seeded random jitter before each step, steps normalized by the
 * gradient's RMS, the valid pixel range and an L2 ball (the oracle's constraint).
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../datasets/rng.js';
import { blur, roll } from './net.js';

export interface AscentOptions {
  steps: number;
  /** Step size (in input units per step when `normalize`). */
  lr: number;
  /** λ of the penalty λ‖I‖². */
  l2: number;
  /** Blur σ in pixels (0: none), applied after every `blurEvery`-th step. */
  blurSigma: number;
  blurEvery: number;
  /** Largest random shift in pixels before each step (0: none). */
  jitter: number;
  /** Divide each step by the RMS of its gradient. */
  normalize: boolean;
  seed: number;
  /** Keep ‖I‖ ≤ maxNorm (0: unconstrained). */
  maxNorm: number;
  /**
   * A surrogate ascended while the score's gradient is exactly 0 (a unit whose every path from the
   * input is switched off by ReLUs on the mean image has none): the same score through leaky ReLUs,
   * whose gradient exists; whenever the score's own gradient does, the score itself is followed.
   */
  warmup?: (x: tf.Tensor4D) => tf.Scalar;
  /** Per-element input bounds (the model inputs of pixel values 0 and 255), or none. */
  bounds?: { lo: Float32Array; hi: Float32Array };
  onStep?: (step: number, objective: number) => void;
}

export interface AscentResult {
  /** The final image, H*W*C. */
  image: Float32Array;
  /** S(I_t) − λ‖I_t‖² for t = 0 .. steps (S of the jittered image when jittering). */
  objective: number[];
  /** S of the final image. */
  score: number;
  /** True when the gradient at the zero image was exactly 0 (the unit is inactive on the mean image). */
  deadStart: boolean;
  /** Steps that followed the warm-up surrogate (0 unless the start was dead). */
  warmupSteps: number;
}

/** Runs the ascent of `score` (x [1,H,W,C] -> scalar) from zeros; every tensor it makes is disposed. */
export function ascend(
  score: (x: tf.Tensor4D) => tf.Scalar,
  shape: [number, number, number],
  o: AscentOptions,
): AscentResult {
  const rand = mulberry32(o.seed);
  const full: [number, number, number, number] = [1, ...shape];
  const lo = o.bounds ? tf.tensor4d(o.bounds.lo, full) : null;
  const hi = o.bounds ? tf.tensor4d(o.bounds.hi, full) : null;
  const valueAndGrad = tf.valueAndGrad((x: tf.Tensor) => score(x as tf.Tensor4D));
  let img: tf.Tensor4D = tf.zeros(full);
  const objective: number[] = [];
  const warm = o.warmup ? tf.valueAndGrad((x: tf.Tensor) => o.warmup!(x as tf.Tensor4D)) : undefined;
  let deadStart = false;
  let warmupSteps = 0;
  try {
    for (let t = 0; t < o.steps; t++) {
      const shift =
        o.jitter > 0
          ? [Math.floor(rand() * (2 * o.jitter + 1)) - o.jitter, Math.floor(rand() * (2 * o.jitter + 1)) - o.jitter]
          : [0, 0];
      const [next, value] = tf.tidy(() => {
        const x = shift[0] || shift[1] ? roll(img, shift[0]!, shift[1]!) : img;
        const main = valueAndGrad(x);
        const { value } = main;
        let grad = main.grad;
        if (warm || t === 0) {
          const dead = tf.max(tf.abs(grad)).dataSync()[0] === 0;
          if (t === 0) deadStart = dead;
          if (dead && warm) {
            grad = warm!(x).grad;
            warmupSteps++;
          }
        }
        const g = shift[0] || shift[1] ? roll(grad as tf.Tensor4D, -shift[0]!, -shift[1]!) : grad;
        const penalty = tf.mul(o.l2, tf.sum(tf.square(img)));
        let step: tf.Tensor = tf.sub(g, tf.mul(2 * o.l2, img));
        if (o.normalize) step = tf.div(step, tf.add(tf.sqrt(tf.mean(tf.square(step))), 1e-8));
        let n: tf.Tensor = tf.add(img, tf.mul(o.lr, step));
        if (lo && hi) n = tf.minimum(tf.maximum(n, lo), hi);
        if (o.maxNorm > 0) n = tf.mul(n, tf.minimum(1, tf.div(o.maxNorm, tf.add(tf.norm(n), 1e-12))));
        if (o.blurSigma > 0 && (t + 1) % o.blurEvery === 0) n = blur(n as tf.Tensor4D, o.blurSigma);
        return [n as tf.Tensor4D, tf.sub(value, penalty)];
      });
      const v = value.dataSync()[0]!;
      tf.dispose([value, img]);
      img = next;
      objective.push(v);
      o.onStep?.(t + 1, v);
    }
    const [finalObjective, finalScore] = tf.tidy(() => {
      const s = score(img);
      return [tf.sub(s, tf.mul(o.l2, tf.sum(tf.square(img)))), s];
    });
    objective.push(finalObjective.dataSync()[0]!);
    const result = {
      image: (img.dataSync() as Float32Array).slice(),
      objective,
      score: finalScore.dataSync()[0]!,
      deadStart,
      warmupSteps,
    };
    tf.dispose([finalObjective, finalScore]);
    return result;
  } finally {
    tf.dispose(img);
    if (lo) tf.dispose([lo, hi!]);
  }
}
