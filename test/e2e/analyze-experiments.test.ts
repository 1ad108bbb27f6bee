/**
 * `zfscope analyze ... occlusion | invariance | correspondence --json` as a user runs it (its own
 * process): the last stdout line holds the shapes a script reads — occlusion's per-image
 * probability, activation and label maps with the map's index, invariance's values and per-image
 * conv1 / fc7 distances and probability per transform, correspondence's Δ at conv5 and fc7 per region
 * and for random regions with their spread — and the pictures it names exist.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeAnalysisRun } from '../fixtures/analysis-run.js';
import { tempDir } from '../server/fixtures.js';
import { exitOf, spawnCli } from './helpers.js';

const logdir = tempDir('zf-analyze-exp-');

async function analyzeProcess(args: string[]): Promise<{ code: number; out: string; last: string }> {
  const child = spawnCli(['analyze', ...args, '--logdir', logdir, '--backend', 'wasm']);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await exitOf(child);
  return { code, out: child.output(), last: stdout.trim().split('\n').pop() ?? '' };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await writeAnalysisRun(logdir, 'tiny');
});

const isGrid = (m: unknown, rows: number, cols: number) =>
  Array.isArray(m) && m.length === rows && m.every((r) => Array.isArray(r) && r.length === cols);

describe('zfscope analyze: the figure experiments', () => {
  it('occlusion --json: per image 2-D probability, activation and label maps and the map index', async () => {
    const r = await analyzeProcess(['tiny', '--epoch', '2', 'occlusion', '--count', '2', '--stride', '3', '--json']);
    expect(r.code, r.out).toBe(0);
    const j = JSON.parse(r.last) as {
      analysis: string;
      params: Record<string, unknown>;
      result: {
        layer: string;
        size: number;
        centres: { y: number[]; x: number[] };
        images: Array<{
          feature: number;
          probability: number[][];
          activation: number[][];
          label: number[][];
          picture: string;
          projection: string;
        }>;
      };
    };
    expect(j.analysis).toBe('occlusion');
    expect(j.params).toMatchObject({ stride: 3, count: 2 });
    expect(j.result.layer).toBe('conv5');
    expect(j.result.size).toBe(7);
    // 28 - 7 = 21: tops 0, 3, ..., 21 (8 positions)
    expect(j.result.centres.y).toEqual([3, 6, 9, 12, 15, 18, 21, 24]);
    expect(j.result.images).toHaveLength(2);
    for (const im of j.result.images) {
      expect(Number.isInteger(im.feature)).toBe(true);
      expect(isGrid(im.probability, 8, 8) && isGrid(im.activation, 8, 8) && isGrid(im.label, 8, 8)).toBe(true);
      expect(im.probability.flat().every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(im.label.flat().every((l) => Number.isInteger(l) && l >= 0 && l < 10)).toBe(true);
      expect(existsSync(im.picture) && existsSync(im.projection)).toBe(true);
    }
  });

  it('invariance --json: per transform the values and per image conv1, fc7 distances and probability', async () => {
    const r = await analyzeProcess(['tiny', '--epoch', '1', 'invariance', '--image', '3', '--json']);
    expect(r.code, r.out).toBe(0);
    const j = JSON.parse(r.last) as {
      result: Record<string, { values: number[]; images: Array<Record<string, number[]>> }> & {
        images: Array<{ image: number; clean: number }>;
      };
    };
    expect(j.result.images.map((i) => i.image)).toEqual([3]);
    expect(j.result.shift!.values).toEqual(Array.from({ length: 15 }, (_, i) => i - 7));
    expect(j.result.scale!.values).toEqual([1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8]);
    expect(j.result.rotation!.values).toHaveLength(36);
    for (const t of ['shift', 'scale', 'rotation']) {
      const curves = j.result[t]!;
      const im = curves.images[0]!;
      for (const k of ['conv1', 'fc7', 'probability']) expect(im[k]).toHaveLength(curves.values.length);
    }
    // The untransformed points: shift 0, zoom 1, rotation 0 give distance 0 and the clean probability.
    expect(j.result.shift!.images[0]!.conv1![7]).toBe(0);
    expect(j.result.scale!.images[0]!.fc7![0]).toBe(0);
    expect(j.result.rotation!.images[0]!.probability![0]).toBe(j.result.images[0]!.clean);
  });

  it('correspondence --json: Δ at conv5 and fc7 for each region and for random regions with its spread', async () => {
    const r = await analyzeProcess([
      'tiny',
      '--epoch',
      '2',
      'correspondence',
      '--count',
      '3',
      '--class',
      '0',
      '--json',
    ]);
    expect(r.code, r.out).toBe(0);
    const j = JSON.parse(r.last) as {
      result: {
        class: number;
        images: unknown[];
        regions: Record<string, { delta: { conv5: number; fc7: number } }>;
        random: { delta: { conv5: number; fc7: number }; spread: { conv5: number; fc7: number }; draws: number };
      };
    };
    expect(j.result.class).toBe(0);
    expect(j.result.images.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(j.result.regions)).toEqual(['top', 'left', 'right', 'bottom', 'centre']);
    const inUnit = (v: number) => v >= 0 && v <= 1;
    for (const v of Object.values(j.result.regions)) expect(inUnit(v.delta.conv5) && inUnit(v.delta.fc7)).toBe(true);
    expect(j.result.random.draws).toBe(10);
    expect(inUnit(j.result.random.delta.conv5) && inUnit(j.result.random.delta.fc7)).toBe(true);
    expect(j.result.random.spread.conv5).toBeGreaterThanOrEqual(0);
  });

  it('refuses an occluder larger than the image, naming the flag', async () => {
    const r = await analyzeProcess(['tiny', '--epoch', '1', 'occlusion', '--size', '40']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('occlusion --size: expected at most 28 (the image is 28x28); found 40');
  });
});
