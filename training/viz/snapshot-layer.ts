/**
 * One conv layer of a snapshot, from its top-k activations: each unit projected by each method and
 * cropped to its receptive field (the projection atlases), the image patches that caused them (the
 * patches atlas), per-filter health against the previous snapshot, conv1's weights, and the
 * layer's LayerSnapshot index and memory.
 */
import type * as tf from '@tensorflow/tfjs';
import type { FeatureMapSnapshot, LayerSnapshot } from '../../server/protocol.js';
import { Atlas, displayChannels, maxAbs, symmetricBytes, toDisplay, weightsAtlas } from './atlas.js';
import { compileChain, forwardChain, forwardNeeds } from './chain.js';
import { PROJECTION_METHODS } from './methods/index.js';
import { projectCached } from './methods/project.js';
import type { ProjectionRequest } from './methods/types.js';
import { cropTile, type LayerGeometry, unitWindow, type UnitWindow } from './receptive-field.js';
import type { LayerMemory, SnapshotArgs, SnapshotFile } from './snapshot.js';
import { layerHealth, mapHealth } from './snapshot-health.js';
import type { LayerActivity, TopEntry } from './top-k.js';

const PATCH_GREY = 128;
type DisplayChannels = ReturnType<typeof displayChannels>;
const now = () => performance.now() / 1000;

/** One top-k entry to draw: its map, rank, unit and crop window. */
interface Job {
  map: number;
  rank: number;
  entry: TopEntry;
  win: UnitWindow;
}

export interface LayerJob {
  args: SnapshotArgs;
  conv: tf.layers.Layer;
  /** The layer's index among the model's conv units (0: conv1). */
  layerIndex: number;
  act: LayerActivity;
  geo: LayerGeometry;
  methods: string[];
  k: number;
  /** The snapshot's seconds per phase, added to. */
  seconds: Record<string, number>;
}

/** Everything one conv layer contributes to a snapshot. */
export async function snapshotLayer(
  job: LayerJob,
): Promise<{ index: LayerSnapshot; files: SnapshotFile[]; memory: LayerMemory }> {
  const { args, conv, layerIndex: li, act, geo, methods, k, seconds } = job;
  const { probe } = args;
  const { height: H, width: W, channels: C } = probe;
  const [h, w, maps] = act.shape;
  const jobs: Job[] = act.top.flatMap((list, map) =>
    list.map((entry, rank) => ({ map, rank, entry, win: unitWindow(geo.rf, entry.y, entry.x, H, W) })),
  );
  const tile = unitWindow(geo.rf, 0, 0, H, W).tile;
  const dc = displayChannels(C);
  const projected = await projectionAtlases(job, jobs, tile, dc);
  for (const m of methods) seconds[m]! += projected.timings[m]!;
  seconds.forward! += projected.timings.forward!;

  const t = now();
  const patches = patchAtlas(args, jobs, k, maps, tile, dc);
  // Health, against the previous snapshot's memory of this layer.
  const [kernelT] = conv.getWeights();
  const kernel = (await kernelT!.data()) as Float32Array;
  const [kh, kw, cin] = kernelT!.shape as number[];
  const prev = args.previous?.layers[conv.name];
  const samePrev = prev && prev.kernel.length === kernel.length && prev.cout === maps ? prev : undefined;
  const { maps: health, aliasing } = mapHealth({
    act,
    kernel: Float32Array.from(kernel),
    cout: maps,
    rank0: projected.rank0,
    previous: samePrev,
    aliasing: li === 0 ? { kh: kh!, kw: kw!, cin: cin!, stride: geo.stride[0] } : undefined,
  });
  const files: SnapshotFile[] = [{ name: `${conv.name}.patches.png`, data: patches.png() }];
  for (const m of methods) files.push({ name: `${conv.name}.${m}.png`, data: projected.atlases[m]!.png() });
  let weightsGrid: LayerSnapshot['weightsGrid'];
  if (li === 0) {
    const wa = weightsAtlas(kernel, kh!, kw!, cin!, maps);
    files.push({ name: `${conv.name}.weights.png`, data: wa.png() });
    weightsGrid = { tile: wa.tile, cols: wa.cols, rows: wa.rows };
  }
  seconds.render! += projected.render + now() - t;

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
    epoch: args.epoch,
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
    timings: projected.timings,
  };
  const memory: LayerMemory = {
    kernel: Float32Array.from(kernel),
    cout: maps,
    top: act.top.map((l) => l.map((e) => e.image)),
    rank0: projected.rank0,
  };
  return { index, files, memory };
}

/**
 * Every job projected by every method, a chunk of requests at a time (one forward of the chunk's
 * images, then one way down per method), each tile cropped to its window into the method's atlas;
 * the first method's rank-0 tiles are kept for the change measures.
 */
async function projectionAtlases(job: LayerJob, jobs: Job[], tile: number, dc: DisplayChannels) {
  const { args, conv, methods, k } = job;
  const { height: H, width: W, channels: C } = args.probe;
  const maps = job.act.shape[2];
  const chunk = Math.max(1, args.projectionBatch ?? 256);
  const atlases = Object.fromEntries(methods.map((m) => [m, new Atlas(k, maps, tile, dc)]));
  const rank0: Array<Float32Array | null> = new Array(maps).fill(null);
  const timings: Record<string, number> = { forward: 0 };
  for (const m of methods) timings[m] = 0;
  let render = 0;
  const ops = compileChain(args.model, conv.name);
  // Seeds are the top-k values themselves, so the forward stops at the highest switch (or mask) needed.
  const through = forwardNeeds(
    ops,
    methods.some((m) => PROJECTION_METHODS[m]!.usesForwardMask),
  );
  const needsInput = through >= 0 || ops[0]!.kind === 'pool';
  const tileBuf = new Float32Array(tile * tile * C);
  const per = H * W * C;
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
    let t = now();
    const input = needsInput ? args.toInput(images) : null;
    const cache = forwardChain(ops, input, { through, rows: images.length });
    input?.dispose();
    timings.forward! += now() - t;
    try {
      for (const m of methods) {
        t = now();
        const P = projectCached(cache, requests, PROJECTION_METHODS[m]!.relu, { seedsAreActivations: true });
        const data = (await P.data()) as Float32Array;
        P.dispose();
        timings[m]! += now() - t;
        t = now();
        part.forEach((j, i) => {
          cropTile(data, i * per, H, W, C, j.win.top, j.win.left, tile, 0, tileBuf);
          const shown = toDisplay(tileBuf, tile * tile, C);
          atlases[m]!.put(j.rank, j.map, symmetricBytes(shown, maxAbs(data, i * per, (i + 1) * per)));
          if (j.rank === 0 && m === methods[0]) rank0[j.map] = shown;
        });
        render += now() - t;
      }
    } finally {
      cache.dispose();
    }
    args.onProgress?.(`${conv.name}: ${Math.min(start + chunk, jobs.length)}/${jobs.length} projections`);
  }
  return { atlases, rank0, timings, render };
}

/** The image patches behind every job, cropped from the raw probe images (grey outside the image). */
function patchAtlas(
  args: SnapshotArgs,
  jobs: Job[],
  k: number,
  maps: number,
  tile: number,
  dc: DisplayChannels,
): Atlas {
  const { probe } = args;
  const { height: H, width: W, channels: C } = probe;
  const patches = new Atlas(k, maps, tile, dc);
  const patchBuf = new Uint8Array(tile * tile * C);
  for (const j of jobs) {
    cropTile(probe.images, j.entry.image * H * W * C, H, W, C, j.win.top, j.win.left, tile, PATCH_GREY, patchBuf);
    patches.put(
      j.rank,
      j.map,
      dc === C ? patchBuf : Uint8Array.from(toDisplay(patchBuf, tile * tile, C), (v) => Math.round(v)),
    );
  }
  return patches;
}
