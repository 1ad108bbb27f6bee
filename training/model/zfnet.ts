/**
 * Builds the small ZF-net as a tfjs LayersModel from a ZfNetConfig (see config.ts).
 * Layer names are stable (conv1..conv5, pool1, pool2, pool5, fc6, drop6, fc7, drop7, fc8):
 * the engine, the health metrics and the dashboard address layers by them.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSummary, LayerSummary } from '../../server/protocol.js';
import { planLayers, type ZfNetConfig } from './config.js';

/** He-normal conv and dense weights, zero biases; the RMS renormalization clips conv1 at the first step. */
export function buildZfNet(cfg: ZfNetConfig, seed = 1): tf.LayersModel {
  const plan = planLayers(cfg); // throws a ConfigError naming the layer on an empty output
  const init = (i: number) => tf.initializers.heNormal({ seed: seed * 100 + i });
  const layers: tf.layers.Layer[] = [];
  plan.forEach((p, i) => {
    if (p.kind === 'conv') {
      layers.push(
        tf.layers.conv2d({
          name: p.name,
          filters: p.channels,
          kernelSize: p.kernel,
          strides: p.stride,
          padding: cfg.padding,
          activation: 'relu',
          // conv1 starts near zero (the paper's N(0, 0.01^2)): what its filters show is then
          // what they learned, not the noise of a He draw that the RMS cap keeps alive.
          kernelInitializer:
            i === 0 ? tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed: seed * 100 }) : init(i),
          ...(i === 0 ? { inputShape: cfg.inputShape } : {}),
        }),
      );
    } else {
      layers.push(tf.layers.maxPooling2d({ name: p.name, poolSize: 3, strides: p.stride, padding: cfg.padding }));
    }
  });
  const [, , , , , f6, f7] = cfg.widths;
  layers.push(
    tf.layers.flatten({ name: 'flatten' }),
    tf.layers.dense({ name: 'fc6', units: f6, activation: 'relu', kernelInitializer: init(20) }),
    tf.layers.dropout({ name: 'drop6', rate: cfg.dropout, seed: seed + 6 }),
    tf.layers.dense({ name: 'fc7', units: f7, activation: 'relu', kernelInitializer: init(21) }),
    tf.layers.dropout({ name: 'drop7', rate: cfg.dropout, seed: seed + 7 }),
    tf.layers.dense({
      name: 'fc8',
      units: cfg.classes,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 8 }),
    }),
  );
  return tf.sequential({ name: 'small-zfnet', layers });
}

function kindOf(className: string): LayerSummary['kind'] {
  switch (className) {
    case 'Conv2D':
      return 'conv';
    case 'MaxPooling2D':
      return 'pool';
    case 'Dense':
      return 'dense';
    case 'Dropout':
      return 'dropout';
    case 'Flatten':
      return 'flatten';
    default:
      return 'other';
  }
}

/** The ModelSummary of any LayersModel (recorded in run.json and shown by the dashboard). */
export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layers: LayerSummary[] = model.layers.map((l) => {
    const shape = l.outputShape as number[];
    const cfg = l.getConfig() as {
      kernelSize?: number[] | number;
      strides?: number[] | number;
      poolSize?: number[] | number;
    };
    const first = (v: number[] | number | undefined) => (Array.isArray(v) ? v[0] : v);
    const summary: LayerSummary = {
      name: l.name,
      kind: kindOf(l.getClassName()),
      outputShape: shape.slice(1),
      params: l.countParams(),
    };
    const kernel = first(cfg.kernelSize) ?? first(cfg.poolSize);
    const stride = first(cfg.strides);
    if (kernel !== undefined) summary.kernel = kernel;
    if (stride !== undefined) summary.stride = stride;
    return summary;
  });
  return { layers, params: model.countParams() };
}
