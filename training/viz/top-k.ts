/**
 * Top-k activations per feature map over a probe set (the paper's top-9, one per image), every map of every requested
 * layer at once: the probe set streams through one multi-output sub-model in batches; per image and
 * map only the spatial maximum counts (so the k entries are k different images); per map a size-k
 * list sorted by value, descending, ties to the earlier image. Also the per-map activity statistics
 * the health metrics need. Built once per call; tensors are disposed batch by batch.
 */
import * as tf from '@tensorflow/tfjs';

export interface TopEntry {
  value: number;
  /** Probe image index. */
  image: number;
  y: number;
  x: number;
}

export interface LayerActivity {
  layer: string;
  /** [h, w, channels] of the activations ranked. */
  shape: [number, number, number];
  /** Per map, at most k entries with value > 0, strongest first. */
  top: TopEntry[][];
  /** Per map: positions (image, y, x) with activation > 0. */
  activeCount: Float64Array;
  /** Per map: sum and maximum of the activation over all positions. */
  sum: Float64Array;
  max: Float64Array;
  /** Positions per map over the whole probe set (images * h * w). */
  positions: number;
}

/** Insert (keeping `list` sorted descending, at most k long); equal values keep the earlier entry first. */
export function offer(list: TopEntry[], k: number, e: TopEntry): void {
  if (!(e.value > 0)) return;
  if (list.length === k && !(e.value > list[k - 1]!.value)) return;
  let i = list.length;
  while (i > 0 && e.value > list[i - 1]!.value) i--;
  list.splice(i, 0, e);
  if (list.length > k) list.pop();
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The raw per-map statistics of one scan batch, per layer: what a fold needs, as plain arrays. */
export interface ScanBatch {
  /** First probe image of the batch, and how many. */
  start: number;
  count: number;
  /** Per layer: per (image, map) the spatial max and its flat position; per map the active count and sum. */
  layers: Array<{ max: Float32Array; arg: Int32Array; active: Float32Array; sum: Float32Array }>;
}

/**
 * Stream probe images [from, to) through the model in batches of `batchSize` starting at `from`, and
 * return each batch's raw statistics for `layers` (see foldScan). Scans of [0, m) and [m, count) with
 * m a multiple of batchSize batch exactly as one scan of [0, count) does, so their folds are equal.
 */
export async function scanBatches(args: {
  model: tf.LayersModel;
  layers: tf.layers.Layer[];
  from: number;
  to: number;
  toInput: (indices: number[]) => tf.Tensor4D;
  batchSize: number;
  k?: number;
  onProgress?: (msg: string) => void;
}): Promise<ScanBatch[]> {
  const { model, layers, from, to, toInput, batchSize } = args;
  const batches: ScanBatch[] = [];
  if (layers.length === 0) return batches;
  const sub = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
  for (let start = from; start < to; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, to - start) }, (_, i) => start + i);
    const stats = tf.tidy(() => {
      const x = toInput(indices);
      const outs = sub.predictOnBatch(x) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(outs) ? outs : [outs]).map((a) => {
        const [b, h, w, c] = a.shape as number[];
        // Reductions over the inner axis only (one transpose), sums as matrix products: both are the
        // fast paths of every backend, where reducing a middle axis transposes the tensor each time.
        const byMap = tf.transpose(tf.reshape(a, [b!, h! * w!, c!]), [0, 2, 1]);
        const flat = tf.reshape(a, [b! * h! * w!, c!]);
        const ones = tf.ones([1, b! * h! * w!]);
        return [tf.max(byMap, 2), tf.argMax(byMap, 2), tf.matMul(ones, tf.step(flat)), tf.matMul(ones, flat)];
      });
    });
    const batch: ScanBatch = { start, count: indices.length, layers: [] };
    for (const ts of stats) {
      const [max, arg, active, sum] = await Promise.all(ts.map((t) => t.data()));
      ts.forEach((t) => {
        t.dispose();
      });
      batch.layers.push({
        max: max as Float32Array,
        arg: arg as Int32Array,
        active: active as Float32Array,
        sum: sum as Float32Array,
      });
    }
    batches.push(batch);
    args.onProgress?.(`top-${args.k ?? 9}: ${start + indices.length}/${to} probe images`);
    await yieldToEventLoop();
  }
  return batches;
}

/**
 * Fold scan batches (in probe order; their union must cover [0, count)) into the per-layer top-k
 * lists and activity statistics. `layers` are the scanned layers, in the scan's order.
 */
export function foldScan(layers: tf.layers.Layer[], count: number, k: number, batches: ScanBatch[]): LayerActivity[] {
  const result: LayerActivity[] = layers.map((l) => {
    const [, h, w, c] = l.outputShape as number[];
    return {
      layer: l.name,
      shape: [h!, w!, c!],
      top: Array.from({ length: c! }, () => []),
      activeCount: new Float64Array(c!),
      sum: new Float64Array(c!),
      max: new Float64Array(c!),
      positions: count * h! * w!,
    };
  });
  for (const batch of [...batches].sort((a, b) => a.start - b.start)) {
    for (let l = 0; l < layers.length; l++) {
      const { max: maxV, arg: argV, active, sum } = batch.layers[l]!;
      const r = result[l]!;
      const [, w, c] = r.shape;
      for (let ch = 0; ch < c; ch++) {
        r.activeCount[ch]! += active[ch]!;
        r.sum[ch]! += sum[ch]!;
      }
      for (let b = 0; b < batch.count; b++) {
        for (let ch = 0; ch < c; ch++) {
          const pos = argV[b * c + ch]!;
          const value = maxV[b * c + ch]!;
          r.max[ch] = Math.max(r.max[ch]!, value);
          offer(r.top[ch]!, k, { value, image: batch.start + b, y: Math.floor(pos / w), x: pos % w });
        }
      }
    }
  }
  return result;
}

/**
 * Stream `count` probe images (as model inputs from `toInput`) through the model and rank, for each
 * of `layers` (layer objects of `model`, whose outputs are 4-D feature maps), the top `k` per map.
 */
export async function topActivations(args: {
  model: tf.LayersModel;
  layers: tf.layers.Layer[];
  count: number;
  toInput: (indices: number[]) => tf.Tensor4D;
  k: number;
  batchSize: number;
  onProgress?: (msg: string) => void;
}): Promise<LayerActivity[]> {
  const batches = await scanBatches({ ...args, from: 0, to: args.count });
  return foldScan(args.layers, args.count, args.k, batches);
}
