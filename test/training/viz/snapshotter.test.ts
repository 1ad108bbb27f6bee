/**
 * The two-thread snapshotter (main thread + a worker, conv layers split between them) gives the
 * one-thread snapshot byte for byte: the same PNG files, the same index apart from `timings`, the
 * same memory; it falls back to one thread when the worker cannot serve the model, and leaks no
 * tensor on the main thread. Tiny ZF-net on the cpu backend (the worker loads the same backend).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zfNetConfig } from '../../../training/model/config.js';
import { buildZfNet } from '../../../training/model/zfnet.js';
import { computeMean, inputBatch } from '../../../training/data.js';
import type { ImageSet } from '../../../datasets/types.js';
import { convUnits, takeSnapshot, type SnapshotResult } from '../../../training/viz/snapshot.js';
import {
  createSnapshotter,
  workerLayers,
  type Snapshotter,
  type SnapshotTakeArgs,
} from '../../../training/viz/snapshotter.js';
import { randomArray, useCpu } from './helpers.js';

const WIDTHS = [3, 4, 5, 4, 3, 8, 8];

function setup() {
  const model = buildZfNet(
    zfNetConfig({ inputShape: [32, 32, 3], classes: 10, conv1: { kernel: 7, stride: 2 }, widths: WIDTHS }),
    5,
  );
  const noise = randomArray(7 * 32 * 32 * 3, 9);
  const probe: ImageSet = {
    images: Uint8Array.from(noise, (v, i) => Math.round(128 + 60 * Math.sin(i / 97) + 60 * v)),
    labels: Uint8Array.from({ length: 7 }, (_, i) => i % 10),
    count: 7,
    height: 32,
    width: 32,
    channels: 3,
  };
  const pre = { mean: computeMean(probe), scale: 1 / 64 };
  const args: SnapshotTakeArgs = {
    probe,
    toInput: (idx) => inputBatch(probe, idx, pre),
    epoch: 1,
    batchSize: 3,
    projectionBatch: 5,
  };
  return { model, args };
}

const withoutTimings = (o: object) => JSON.stringify(o, (k, v) => (k === 'timings' ? undefined : v));
const memoryJson = (m: SnapshotResult['memory']) =>
  JSON.stringify(m, (_, v) => (v instanceof Float32Array ? Array.from(v) : v));

function expectSame(two: SnapshotResult, one: SnapshotResult): void {
  expect(two.layers.map((l) => l.index.layer)).toEqual(one.layers.map((l) => l.index.layer));
  two.layers.forEach((l, i) => {
    expect(withoutTimings(l.index)).toBe(withoutTimings(one.layers[i]!.index));
    expect(l.files.map((f) => f.name)).toEqual(one.layers[i]!.files.map((f) => f.name));
    l.files.forEach((f, j) => {
      expect(Buffer.from(f.data).equals(Buffer.from(one.layers[i]!.files[j]!.data))).toBe(true);
    });
  });
  expect(memoryJson(two.memory)).toBe(memoryJson(one.memory));
}

describe('createSnapshotter with two threads', () => {
  let model: tf.LayersModel;
  let args: SnapshotTakeArgs;
  let snapshotter: Snapshotter;
  beforeAll(async () => {
    await useCpu();
    ({ model, args } = setup());
    snapshotter = await createSnapshotter(model, { threads: 2 });
  });
  afterAll(async () => {
    await snapshotter.dispose();
    model.dispose();
  });

  it('uses the worker and gives the one-thread snapshot byte for byte, memory and change metrics included', async () => {
    expect(snapshotter.threads).toBe(2);
    const methods = ['deconvnet', 'guided'];
    const first = await snapshotter.take({ ...args, methods });
    const firstOne = await takeSnapshot({ ...args, model, methods });
    expectSame(first, firstOne);
    // Weights change between snapshots: the worker must see the new ones, and the previous memory.
    model.getWeights().forEach((w) => {
      tf.tidy(() => (w as tf.Variable).assign(w.mul(1.1)));
    });
    const next = { ...args, methods, epoch: 2, previous: first.memory };
    const second = await snapshotter.take(next);
    expectSame(second, await takeSnapshot({ ...next, model }));
    expect(second.layers.some((l) => l.index.maps.some((m) => m.health.weightChange !== null))).toBe(true);
  });

  it('leaks no tensor on the main thread', async () => {
    await snapshotter.take(args);
    const before = tf.memory().numTensors;
    await snapshotter.take(args);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the layer split', () => {
  beforeAll(useCpu);

  it('gives the worker some but not all of the conv layers', () => {
    const { model } = setup();
    const names = convUnits(model).map((u) => u.conv.name);
    const theirs = workerLayers(model, 9);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.length).toBeLessThan(names.length);
    expect(theirs.every((n) => names.includes(n))).toBe(true);
    model.dispose();
  });
});

describe('createSnapshotter fallback', () => {
  beforeAll(useCpu);

  it('takes snapshots on one thread when the worker cannot replicate the model, with the same bytes', async () => {
    const { model, args } = setup();
    const other = buildZfNet(zfNetConfig({ inputShape: [32, 32, 3], classes: 10, widths: [2, 2, 2, 2, 2, 4, 4] }), 1);
    const json = other.toJSON(null, false);
    model.toJSON = () => json; // the worker would build a different model: its weight shapes differ
    const lines: string[] = [];
    const snapshotter = await createSnapshotter(model, { threads: 2, log: (l) => lines.push(l) });
    expect(snapshotter.threads).toBe(1);
    expect(lines.join('\n')).toMatch(/worker thread unavailable.*different weight shapes/);
    expectSame(await snapshotter.take(args), await takeSnapshot({ ...args, model }));
    await snapshotter.dispose();
    other.dispose();
    model.dispose();
  });

  it('uses one thread when asked to', async () => {
    const { model } = setup();
    const snapshotter = await createSnapshotter(model, { threads: 1 });
    expect(snapshotter.threads).toBe(1);
    await snapshotter.dispose();
    model.dispose();
  });
});
