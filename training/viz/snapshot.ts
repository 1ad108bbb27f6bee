/**
 * One snapshot of a model at an epoch (ZF Figs. 2, 4, 6): for every conv layer, the top-k
 * activations of every feature map over the probe set, each projected to pixel space by each
 * requested method and cropped to its receptive field beside the image patch that caused it, plus
 * per-filter health. Output: per layer a LayerSnapshot index and its PNG atlases, and the small
 * SnapshotMemory the next snapshot needs for its change metrics. Deterministic for the same weights
 * and probe set (the PNG bytes and the index apart from `timings`).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../datasets/types.js';
import type { LayerSnapshot } from '../../server/protocol.js';
import { compileChain, isReluLayer } from './chain.js';
import { checkMethods } from './methods/index.js';
import { receptiveFields } from './receptive-field.js';
import { snapshotLayer } from './snapshot-layer.js';
import { topActivations, type LayerActivity } from './top-k.js';
import type { DiagnosticsMemory } from './diagnostics/diagnose.js';

/** What the next snapshot needs from this one: plain arrays, per conv layer. */
export interface SnapshotMemory {
  epoch: number;
  /** The method whose rank-0 tiles are kept (the first requested). */
  method: string;
  layers: Record<string, LayerMemory>;
  /** What the diagnostics compare against (diagnostics/diagnose.ts), attached after the snapshot. */
  diagnostics?: DiagnosticsMemory;
}

export interface LayerMemory {
  /** The conv kernel, [kh, kw, cin, cout] flattened. */
  kernel: Float32Array;
  cout: number;
  /** Per map: the top images, strongest first. */
  top: number[][];
  /** Per map: the rank-0 projection tile (display channels), or null when the map never fired. */
  rank0: Array<Float32Array | null>;
}

export interface SnapshotFile {
  name: string;
  data: Uint8Array;
}

export interface SnapshotArgs {
  model: tf.LayersModel;
  /** Raw uint8 probe images, for patches and labels. */
  probe: ImageSet;
  /** Preprocessed model inputs for probe image indices. */
  toInput: (indices: number[]) => tf.Tensor4D;
  epoch: number;
  /** Projection methods (default ['deconvnet']); names from PROJECTION_METHODS. */
  methods?: string[];
  /** Activations kept per map (default 9). */
  topK?: number;
  /** Probe images per forward batch of the top-k scan (default 100). */
  batchSize?: number;
  /** Projections per way down (default 256). */
  projectionBatch?: number;
  previous?: SnapshotMemory;
  /**
   * Compute only these conv layers (by name; default: all). Each keeps the layer index it has in the
   * full snapshot, so a snapshot split across threads (snapshotter.ts) merges into the full one.
   */
  layers?: string[];
  /**
   * The top-k scan of the given layers' outputs, in place of scanning here (default: topActivations
   * over the whole probe set); the two-thread snapshotter shares one scan between its threads.
   */
  scan?: (outs: tf.layers.Layer[]) => Promise<LayerActivity[]>;
  onProgress?: (msg: string) => void;
}

export interface SnapshotResult {
  layers: Array<{ index: LayerSnapshot; files: SnapshotFile[] }>;
  memory: SnapshotMemory;
  /** Seconds per phase: topk, forward, one per method, render, total. */
  seconds: Record<string, number>;
}

const now = () => performance.now() / 1000;

/** The conv layers of a model and, for each, the layer whose output holds its rectified activations. */
export function convUnits(model: tf.LayersModel): Array<{ conv: tf.layers.Layer; out: tf.layers.Layer }> {
  const layers = model.layers;
  const units: Array<{ conv: tf.layers.Layer; out: tf.layers.Layer }> = [];
  layers.forEach((l, i) => {
    if (l.getClassName() !== 'Conv2D') return;
    let j = i;
    while (j + 1 < layers.length && isReluLayer(layers[j + 1]!)) j++;
    units.push({ conv: l, out: layers[j]! });
  });
  return units;
}

const validMethods = (methods: string[]): string[] => checkMethods(methods, 'takeSnapshot methods');

/**
 * The conv units a snapshot visualizes: those the projection chain can reach and that have a
 * receptive field. Conv layers it cannot reach (e.g. above a BatchNormalization) are skipped, with
 * why; a model with none left is an error that says why.
 */
export function snapshotUnits(model: tf.LayersModel): { units: ReturnType<typeof convUnits>; skipped: string[] } {
  const geometry = new Set(receptiveFields(model).map((g) => g.name));
  const skipped: string[] = [];
  const units = convUnits(model).filter((u) => {
    try {
      compileChain(model, u.conv.name);
      if (!geometry.has(u.conv.name))
        throw new Error(`no receptive field for '${u.conv.name}' (it lies above a non-spatial layer)`);
      return true;
    } catch (err) {
      skipped.push((err as Error).message);
      return false;
    }
  });
  if (units.length === 0) {
    throw new Error(
      `takeSnapshot: no conv layer of the model can be visualized${skipped.length ? `: ${skipped[0]}` : ' (it has no Conv2D layer)'}`,
    );
  }
  return { units, skipped };
}

/** Take a snapshot; see the module comment. Disposes every tensor it creates. */
export async function takeSnapshot(args: SnapshotArgs): Promise<SnapshotResult> {
  const t0 = now();
  const { model, probe, toInput, epoch } = args;
  const methods = validMethods(args.methods ?? ['deconvnet']);
  const k = args.topK ?? 9;
  const seconds: Record<string, number> = { topk: 0, forward: 0, render: 0 };
  for (const m of methods) seconds[m] = 0;
  const geometry = new Map(receptiveFields(model).map((g) => [g.name, g]));
  const { units, skipped } = snapshotUnits(model);
  for (const why of skipped) args.onProgress?.(`skipping a conv layer: ${why}`);
  const only = args.layers ? new Set(args.layers) : null;
  const chosen = units.map((_, li) => li).filter((li) => !only || only.has(units[li]!.conv.name));

  const t = now();
  const outs = chosen.map((li) => units[li]!.out);
  const activity =
    chosen.length === 0
      ? []
      : args.scan
        ? await args.scan(outs)
        : await topActivations({
            model,
            layers: outs,
            count: probe.count,
            toInput,
            k,
            batchSize: args.batchSize ?? 100,
            ...(args.onProgress ? { onProgress: args.onProgress } : {}),
          });
  seconds.topk = now() - t;

  const memory: SnapshotMemory = { epoch, method: methods[0]!, layers: {} };
  const layers: SnapshotResult['layers'] = [];
  for (let ci = 0; ci < chosen.length; ci++) {
    const li = chosen[ci]!;
    const { conv } = units[li]!;
    const layer = await snapshotLayer({
      args,
      conv,
      layerIndex: li,
      act: activity[ci]!,
      geo: geometry.get(conv.name)!,
      methods,
      k,
      seconds,
    });
    layers.push({ index: layer.index, files: layer.files });
    memory.layers[conv.name] = layer.memory;
  }
  seconds.total = now() - t0;
  return { layers, memory, seconds };
}
