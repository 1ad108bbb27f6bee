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
import type { FeatureMapSnapshot, LayerSnapshot } from '../../server/protocol.js';
import { Atlas, displayChannels, maxAbs, symmetricBytes, toDisplay, weightsAtlas } from './atlas.js';
import { compileChain, forwardChain, forwardNeeds, isReluLayer } from './chain.js';
import { layerHealth, mapHealth } from './snapshot-health.js';
import { projectCached } from './methods/project.js';
import { PROJECTION_METHODS } from './methods/index.js';
import type { ProjectionRequest } from './methods/types.js';
import { cropTile, receptiveFields, unitWindow, type UnitWindow } from './receptive-field.js';
import { topActivations, type LayerActivity, type TopEntry } from './top-k.js';
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

const PATCH_GREY = 128;
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

function validMethods(methods: string[]): string[] {
  const valid = Object.keys(PROJECTION_METHODS);
  const bad = methods.filter((m) => !(m in PROJECTION_METHODS));
  if (bad.length || methods.length === 0) {
    throw new Error(
      `takeSnapshot: methods must be a non-empty list of ${valid.join(', ')}; found ${JSON.stringify(methods)}`,
    );
  }
  return [...new Set(methods)];
}

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

interface Job {
  map: number;
  rank: number;
  entry: TopEntry;
  win: UnitWindow;
}

/** Take a snapshot; see the module comment. Disposes every tensor it creates. */
export async function takeSnapshot(args: SnapshotArgs): Promise<SnapshotResult> {
  const t0 = now();
  const { model, probe, toInput, epoch } = args;
  const methods = validMethods(args.methods ?? ['deconvnet']);
  const k = args.topK ?? 9;
  const chunk = Math.max(1, args.projectionBatch ?? 256);
  const seconds: Record<string, number> = { topk: 0, forward: 0, render: 0 };
  for (const m of methods) seconds[m] = 0;
  const geometry = new Map(receptiveFields(model).map((g) => [g.name, g]));
  const { units, skipped } = snapshotUnits(model);
  skipped.forEach((why) => args.onProgress?.(`skipping a conv layer: ${why}`));
  const { height: H, width: W, channels: C } = probe;
  const only = args.layers ? new Set(args.layers) : null;
  const chosen = units.map((_, li) => li).filter((li) => !only || only.has(units[li]!.conv.name));

  let t = now();
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
  const dc = displayChannels(C);
  for (let ci = 0; ci < chosen.length; ci++) {
    const li = chosen[ci]!;
    const { conv } = units[li]!;
    const act = activity[ci]!;
    const [h, w, maps] = act.shape;
    const geo = geometry.get(conv.name)!;
    const jobs: Job[] = [];
    act.top.forEach((list, map) =>
      list.forEach((entry, rank) => jobs.push({ map, rank, entry, win: unitWindow(geo.rf, entry.y, entry.x, H, W) })),
    );
    const tile = unitWindow(geo.rf, 0, 0, H, W).tile;
    const atlases = Object.fromEntries(methods.map((m) => [m, new Atlas(k, maps, tile, dc)]));
    const patches = new Atlas(k, maps, tile, dc);
    const rank0: Array<Float32Array | null> = new Array(maps).fill(null);
    const timings: Record<string, number> = { forward: 0 };
    for (const m of methods) timings[m] = 0;

    // Projections, a chunk of requests at a time: one forward of the chunk's images, then one way down per method.
    const ops = compileChain(model, conv.name);
    // Seeds are the top-k values themselves, so the forward stops at the highest switch (or mask) needed.
    const through = forwardNeeds(
      ops,
      methods.some((m) => PROJECTION_METHODS[m]!.usesForwardMask),
    );
    const needsInput = through >= 0 || ops[0]!.kind === 'pool';
    const tileBuf = new Float32Array(tile * tile * C);
    for (let start = 0; start < jobs.length; start += chunk) {
      const part = jobs.slice(start, start + chunk);
      // One forward row per distinct image of the chunk (about half the requests repeat an image);
      // the way down gathers each request's switches and masks (a copy of contiguous rows).
      const rowOf = new Map<number, number>();
      for (const j of part) if (!rowOf.has(j.entry.image)) rowOf.set(j.entry.image, rowOf.size);
      const images = [...rowOf.keys()];
      const requests: ProjectionRequest[] = part.map((j) => ({
        image: rowOf.get(j.entry.image)!,
        channel: j.map,
        y: j.entry.y,
        x: j.entry.x,
        seed: j.entry.value,
      }));
      t = now();
      const input = needsInput ? toInput(images) : null;
      const cache = forwardChain(ops, input, { through, rows: images.length });
      input?.dispose();
      timings.forward! += now() - t;
      try {
        for (const m of methods) {
          t = now();
          const P = projectCached(cache, requests, PROJECTION_METHODS[m]!.relu, { seedsAreActivations: true });
          const data = await P.data();
          P.dispose();
          timings[m]! += now() - t;
          t = now();
          const per = H * W * C;
          part.forEach((j, i) => {
            cropTile(data as Float32Array, i * per, H, W, C, j.win.top, j.win.left, tile, 0, tileBuf);
            const shown = toDisplay(tileBuf, tile * tile, C);
            atlases[m]!.put(j.rank, j.map, symmetricBytes(shown, maxAbs(data, i * per, (i + 1) * per)));
            if (j.rank === 0 && m === methods[0]) rank0[j.map] = shown;
          });
          seconds.render! += now() - t;
        }
      } finally {
        cache.dispose();
      }
      args.onProgress?.(`${conv.name}: ${Math.min(start + chunk, jobs.length)}/${jobs.length} projections`);
    }
    t = now();
    const patchBuf = new Uint8Array(tile * tile * C);
    for (const j of jobs) {
      cropTile(probe.images, j.entry.image * H * W * C, H, W, C, j.win.top, j.win.left, tile, PATCH_GREY, patchBuf);
      patches.put(
        j.rank,
        j.map,
        dc === C ? patchBuf : Uint8Array.from(toDisplay(patchBuf, tile * tile, C), (v) => Math.round(v)),
      );
    }

    // Health, against the previous snapshot's memory of this layer.
    const [kernelT] = conv.getWeights();
    const kernel = (await kernelT!.data()) as Float32Array;
    const [kh, kw, cin] = kernelT!.shape as number[];
    const prev = args.previous?.layers[conv.name];
    const samePrev = prev && prev.kernel.length === kernel.length && prev.cout === maps ? prev : undefined;
    const stride = geo.stride[0];
    const { maps: health, aliasing } = mapHealth({
      act,
      kernel: Float32Array.from(kernel),
      cout: maps,
      rank0,
      previous: samePrev,
      aliasing: li === 0 ? { kh: kh!, kw: kw!, cin: cin!, stride } : undefined,
    });
    const files: SnapshotFile[] = [{ name: `${conv.name}.patches.png`, data: patches.png() }];
    for (const m of methods) files.push({ name: `${conv.name}.${m}.png`, data: atlases[m]!.png() });
    let weightsGrid: LayerSnapshot['weightsGrid'];
    if (li === 0) {
      const wa = weightsAtlas(kernel, kh!, kw!, cin!, maps);
      files.push({ name: `${conv.name}.weights.png`, data: wa.png() });
      weightsGrid = { tile: wa.tile, cols: wa.cols, rows: wa.rows };
    }
    seconds.render! += now() - t;
    for (const m of methods) seconds[m]! += timings[m]!;
    seconds.forward! += timings.forward!;

    const mapsOut: FeatureMapSnapshot[] = act.top.map((list, map) => ({
      index: map,
      top: list.map((e) => {
        const win = unitWindow(geo.rf, e.y, e.x, H, W);
        return {
          value: e.value,
          image: e.image,
          label: probe.labels[e.image] ?? 0,
          y: e.y,
          x: e.x,
          rf: win.rf,
          clipped: win.clipped,
        };
      }),
      health: health[map]!,
    }));
    const index: LayerSnapshot = {
      epoch,
      layer: conv.name,
      layerIndex: li,
      shape: [h, w, maps],
      rf: geo.rf[0],
      atlas: { tile, cols: k, rows: maps },
      methods,
      maps: mapsOut,
      health: layerHealth(health, aliasing),
      files: {
        patches: `${conv.name}.patches.png`,
        projections: Object.fromEntries(methods.map((m) => [m, `${conv.name}.${m}.png`])),
        ...(li === 0 ? { weights: `${conv.name}.weights.png` } : {}),
      },
      ...(weightsGrid ? { weightsGrid } : {}),
      timings,
    };
    layers.push({ index, files });
    memory.layers[conv.name] = {
      kernel: Float32Array.from(kernel),
      cout: maps,
      top: act.top.map((l) => l.map((e) => e.image)),
      rank0,
    };
  }
  seconds.total = now() - t0;
  return { layers, memory, seconds };
}
