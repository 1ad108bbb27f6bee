/**
 * One SGD-with-momentum update of a LayersModel, as in Zeiler & Fergus's training: momentum 0.9,
 * dropout active, and after every update each conv filter whose RMS exceeds `renormRadius` is
 * rescaled to it. tfjs-layers' model.fit ignores kernelConstraint, so this is done by hand here.
 */
import * as tf from '@tensorflow/tfjs';

export interface TrainStepOptions {
  learningRate: number;
  momentum?: number;
  /** Filter RMS cap (ZF: 0.1); 0 or Infinity disables it. */
  renormRadius?: number;
}

export interface StepResult {
  loss: number;
  /** Correct predictions in the batch. */
  correct: number;
}

export interface TrainStep {
  (x: tf.Tensor4D, yOneHot: tf.Tensor2D): StepResult;
  optimizer: tf.MomentumOptimizer;
  setLearningRate(lr: number): void;
}

/** The trainable conv kernels of a model (the variables the renormalization applies to; a frozen layer keeps its own). */
export function convKernels(model: tf.LayersModel): tf.Variable[] {
  return model.layers
    .filter((l) => l.getClassName() === 'Conv2D' && l.trainable)
    .map((l) => l.trainableWeights[0]!.read() as tf.Variable);
}

/**
 * Rescale every output filter f of each kernel W[k,k,cin,cout] whose RMS over (k,k,cin) exceeds r
 * to exactly r; filters under the cap are unchanged.
 */
export function renormalizeFilters(kernels: tf.Variable[], r: number): void {
  tf.tidy(() => {
    for (const W of kernels) {
      const rms = W.square().mean([0, 1, 2], true).sqrt();
      W.assign(W.mul(tf.minimum(1, tf.div(r, rms.add(1e-12)))));
    }
  });
}

/** Categorical cross-entropy of softmax outputs, clipped like tfjs-layers does. */
export function crossEntropy(y: tf.Tensor2D, p: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7))), -1)).mean() as tf.Scalar;
}

export function createTrainStep(model: tf.LayersModel, opts: TrainStepOptions): TrainStep {
  const optimizer = tf.train.momentum(opts.learningRate, opts.momentum ?? 0.9) as tf.MomentumOptimizer;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const kernels = convKernels(model);
  const radius = opts.renormRadius ?? 0.1;
  const step = ((x: tf.Tensor4D, y: tf.Tensor2D): StepResult => {
    let preds: tf.Tensor2D | undefined;
    const lossT = optimizer.minimize(
      () => {
        const p = model.apply(x, { training: true }) as tf.Tensor2D;
        preds = tf.keep(p);
        return crossEntropy(y, p);
      },
      true,
      vars,
    )!;
    if (radius > 0 && Number.isFinite(radius)) renormalizeFilters(kernels, radius);
    const correct = tf.tidy(() => tf.equal(tf.argMax(preds!, -1), tf.argMax(y, -1)).sum().dataSync()[0]!);
    const loss = lossT.dataSync()[0]!;
    lossT.dispose();
    preds!.dispose();
    return { loss, correct };
  }) as TrainStep;
  step.optimizer = optimizer;
  step.setLearningRate = (lr: number) => {
    optimizer.setLearningRate(lr);
  };
  return step;
}
