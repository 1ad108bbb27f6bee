/**
 * `zfscope analyze` as a user runs it (its own process, from source): the JSON line a check reads
 * for optimal-input and reconstruction, the same question answered from the store the second
 * time, --help, and the named errors for a run without checkpoints, an unknown epoch, layer,
 * feature, class or image, each a one-line message and exit code 1 (2 for a bad command line).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../training/cli/main.js';
import { writeAnalysisRun } from '../fixtures/analysis-run.js';
import { tempDir } from '../server/fixtures.js';
import { exitOf, spawnCli } from './helpers.js';

const logdir = tempDir('zf-analyze-');

/** In its own process, as a user runs it. */
async function analyzeProcess(args: string[]): Promise<{ code: number; out: string; last: string }> {
  const child = spawnCli(['analyze', ...args, '--logdir', logdir]);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await exitOf(child);
  return { code, out: child.output(), last: stdout.trim().split('\n').pop() ?? '' };
}

/** The CLI's main() in this process (seconds cheaper than a process each), capturing what it prints. */
async function analyze(args: string[]): Promise<{ code: number; out: string; last: string }> {
  let out = '';
  let stdout = '';
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out += `${a.join(' ')}\n`;
    stdout += `${a.join(' ')}\n`;
  });
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    out += `${a.join(' ')}\n`;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    const code = await main(['analyze', ...args, '--logdir', logdir, '--backend', 'wasm']);
    return { code, out, last: stdout.trim().split('\n').pop() ?? '' };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => vi.restoreAllMocks());

beforeAll(async () => {
  await tf.setBackend('cpu');
  await writeAnalysisRun(logdir, 'tiny');
  await writeAnalysisRun(logdir, 'bare', []);
});

describe('zfscope analyze', () => {
  it('optimal-input --json ends with one object holding the objective at each step and the stored PNG', async () => {
    const r = await analyzeProcess([
      'tiny',
      '--epoch',
      '2',
      'optimal-input',
      '--layer',
      'conv4',
      '--feature',
      '5',
      '--steps',
      '30',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/optimal-input 30\/30 \(100%\)/);
    const j = JSON.parse(r.last) as {
      analysis: string;
      run: string;
      epoch: number;
      params: Record<string, unknown>;
      result: { objective: number[]; image: string };
      cached: boolean;
    };
    expect({ analysis: j.analysis, run: j.run, epoch: j.epoch, cached: j.cached }).toEqual({
      analysis: 'optimal-input',
      run: 'tiny',
      epoch: 2,
      cached: false,
    });
    expect(j.params).toMatchObject({ layer: 'conv4', feature: 5, steps: 30, unit: 'mean' });
    expect(j.result.objective).toHaveLength(31);
    expect(j.result.image).toMatch(new RegExp(`^${logdir}/tiny/analyses/2/optimal-input-[0-9a-f]{12}/image\\.png$`));
    expect(existsSync(j.result.image)).toBe(true);
    const again = await analyze([
      'tiny',
      '--epoch',
      '2',
      'optimal-input',
      '--feature',
      '5',
      '--layer',
      'conv4',
      '--steps',
      '30',
      '--json',
    ]);
    expect(JSON.parse(again.last)).toEqual({ ...j, cached: true });
    expect(again.out).toContain('answered from the store');
  });

  it('reconstruction --json gives pixel and representation errors and an image for every conv layer', async () => {
    const r = await analyze(['tiny', '--epoch', '1', 'reconstruction', '--image', '3', '--steps', '20', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.last) as {
      result: { layers: Record<string, { pixelError: number; representationError: number; image: string }> };
    };
    expect(Object.keys(j.result.layers)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5']);
    for (const l of Object.values(j.result.layers)) {
      expect(l.pixelError).toBeGreaterThan(0);
      expect(l.representationError).toBeGreaterThanOrEqual(0);
      expect(existsSync(l.image)).toBe(true);
    }
  });

  it('explains itself with --help', async () => {
    const r = await analyze(['--help']);
    expect(r.code).toBe(0);
    expect((await analyze(['tiny', 'optimal-input', '--epoch', '1', '--help'])).out).toContain('--max-norm N');
    expect(r.out).toContain('usage: zfscope analyze RUN --epoch N ANALYSIS [options]');
    expect(r.out).toMatch(/optimal-input\s+The input a class or feature map wants most/);
    const o = await analyze(['optimal-input', '--help']);
    expect(o.out).toMatch(/--blur N\s+Gaussian blur σ in pixels/);
  });

  it.each([
    [['bare', '--epoch', '1', 'optimal-input', '--class', '1'], 1, 'zfscope: run bare has no checkpoints in'],
    [
      ['tiny', '--epoch', '5', 'optimal-input', '--class', '1'],
      1,
      'zfscope: run tiny has no checkpoint at epoch 5; checkpointed epochs: 1, 2',
    ],
    [
      ['tiny', '--epoch', '1', 'optimal-input', '--layer', 'fc6', '--feature', '0'],
      1,
      "zfscope: optimal-input --layer: no conv layer 'fc6'; conv layers: conv1, conv2, conv3, conv4, conv5",
    ],
    [
      ['tiny', '--epoch', '1', 'optimal-input', '--layer', 'conv1', '--feature', '4'],
      1,
      'zfscope: optimal-input --feature: conv1 has 4 feature maps (0 to 3); found 4',
    ],
    [
      ['tiny', '--epoch', '1', 'optimal-input', '--class', '12'],
      1,
      'zfscope: optimal-input --class: 12 is not a class of this run (0 to 9)',
    ],
    [
      ['tiny', '--epoch', '1', 'reconstruction', '--image', '99'],
      1,
      'zfscope: reconstruction --image: the probe set has 12 images (0 to 11); found 99',
    ],
    [['ghost', '--epoch', '1', 'reconstruction'], 1, 'zfscope: run ghost:'],
    [
      ['tiny', '--epoch', '1', 'reconstruction', '--class', '2'],
      2,
      'zfscope: --class is not an option of reconstruction',
    ],
    [['tiny', 'optimal-input', '--class', '2'], 2, 'zfscope: --epoch: expected the checkpointed epoch to analyse'],
  ])('%j -> exit %i, %s', async (args, code, message) => {
    const r = await analyze(args);
    expect(r.code).toBe(code);
    expect(r.out).toContain(message);
    expect(r.out).not.toMatch(/\n\s+at /); // no stack trace
  });
});
