/**
 * The diagnostics proven by intervention on real training: a tiny ZF-net trains on the embedded
 * Fashion-MNIST sample, the test changes it on purpose, and each diagnostic must flag exactly that
 * change (and stay quiet on an unmodified run).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFindingsCommand } from '../../../training/cli/commands/findings.js';
import { computeFindings } from '../../../training/findings/findings.js';
import { DEFAULT_RULES } from '../../../training/viz/diagnostics/rules.js';
import { filterRmsOf, gaussian, realRun, setFilter, type RealRun } from './real-run.js';

/** The stated share of other features a layer may flag as jumping at one snapshot. */
const JUMP_SHARE = 0.1;

const REINIT = { layer: 'conv3', feature: 5 };
// Downstream of conv3, so that they cannot move conv3's features at the same snapshot.
const KILLED = { layer: 'conv5', feature: 3 };
const SHRUNK = { layer: 'conv5', feature: 7 };

describe('diagnostics on an unmodified real run, then conv1 replaced by white noise', () => {
  let run: RealRun;
  let rmsBefore: number[] = [];
  beforeAll(async () => {
    run = await realRun({
      epochs: 5,
      afterEpoch: (model, epoch) => {
        if (epoch !== 5) return;
        // Replace every conv1 filter by white noise of the same RMS.
        const cout = model.getLayer('conv1').getWeights()[0]!.shape[3]!;
        rmsBefore = Array.from({ length: cout }, (_, f) => filterRmsOf(model, 'conv1', f));
        for (let f = 0; f < cout; f++) {
          const draw = gaussian(1000 + f, 1);
          const values: number[] = [];
          setFilter(model, 'conv1', f, () => {
            const v = draw();
            values.push(v);
            return v;
          });
          const rms = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
          setFilter(model, 'conv1', f, (i) => (values[i]! * rmsBefore[f]!) / rms);
        }
      },
    });
  }, 240_000);

  it('flags at most 10% of the features of any layer as jumping at any unmodified snapshot', () => {
    let compared = 0;
    for (const epoch of [2, 3, 4]) {
      for (const [layer, s] of run.snapshots.get(epoch)!) {
        const flagged = s.maps.filter((m) => m.health.jump).length;
        expect(
          flagged / s.maps.length,
          `${layer} at epoch ${epoch}: ${flagged} of ${s.maps.length}`,
        ).toBeLessThanOrEqual(JUMP_SHARE);
        expect(s.maps.every((m) => typeof m.health.responseChange === 'number')).toBe(true);
        compared++;
      }
    }
    expect(compared).toBe(15);
  });

  it('reads conv1 at the white-noise aliasing reference once its filters are noise, and well below it before', () => {
    const before = run.snapshots.get(4)!.get('conv1')!.health;
    const after = run.snapshots.get(5)!.get('conv1')!.health;
    expect(after.aliasingNoise).toBeGreaterThan(0.65);
    expect(Math.abs(after.aliasing! - after.aliasingNoise!)).toBeLessThan(0.06);
    expect(before.aliasing!).toBeLessThan(0.6 * before.aliasingNoise!);
    // And the noise filters read structureless.
    const noisy = run.snapshots
      .get(5)!
      .get('conv1')!
      .maps.filter((m) => m.health.state === 'structureless').length;
    expect(noisy).toBeGreaterThanOrEqual(0.5 * rmsBefore.length);
  });

  it('finds convergence monotone in depth on the real run (1 - CKA at the last unmodified snapshot)', () => {
    const d = run.diagnostics.find((e) => e.epoch === 4)!;
    const change = ['conv1', 'conv3', 'conv5'].map((l) => d.layers[l]!.change!);
    expect(change[0]).toBeLessThan(change[1]!);
    expect(change[1]).toBeLessThan(change[2]!);
  });
});

describe('diagnostics on a real run changed on purpose after epoch 2, conv1 frozen', () => {
  let run: RealRun;
  let otherShare = 1;
  const logdir = mkdtempSync(join(tmpdir(), 'zf-findings-'));
  afterAll(() => rmSync(logdir, { recursive: true, force: true }));
  beforeAll(async () => {
    run = await realRun({
      epochs: 3,
      logdir,
      runId: 'changed',
      beforeTraining: (model) => {
        model.getLayer('conv1').trainable = false;
      },
      afterEpoch: (model, epoch) => {
        if (epoch !== 2) return;
        const rms = filterRmsOf(model, REINIT.layer, REINIT.feature);
        const draw = gaussian(77, rms);
        setFilter(model, REINIT.layer, REINIT.feature, () => draw(), 0);
        setFilter(model, KILLED.layer, KILLED.feature, () => 0, -100);
        setFilter(
          model,
          SHRUNK.layer,
          SHRUNK.feature,
          (_, old) => old * 0.01,
          0.01 * model.getLayer(SHRUNK.layer).getWeights()[1]!.dataSync()[SHRUNK.feature]!,
        );
      },
    });
    const conv3 = run.snapshots.get(2)!.get(REINIT.layer)!;
    otherShare = conv3.maps.filter((m) => m.index !== REINIT.feature && m.health.jump).length / (conv3.maps.length - 1);
  }, 240_000);

  it('flags a jump for the re-initialized conv3 filter at the first snapshot after the change, and for few others', () => {
    const m = run.snapshots.get(2)!.get(REINIT.layer)!.maps[REINIT.feature]!;
    expect(m.health.jump).not.toBeNull();
    expect(m.health.jumpZ!).toBeGreaterThanOrEqual(DEFAULT_RULES.jumpZ);
    expect(otherShare).toBeLessThanOrEqual(JUMP_SHARE);
  });

  it('flags the zeroed filter with a large negative bias dead, and the filter shrunk to 1% weak', () => {
    expect(run.snapshots.get(1)!.get(KILLED.layer)!.maps[KILLED.feature]!.health.state).not.toBe('dead');
    expect(run.snapshots.get(2)!.get(KILLED.layer)!.maps[KILLED.feature]!.health.state).toBe('dead');
    expect(run.snapshots.get(3)!.get(KILLED.layer)!.maps[KILLED.feature]!.health.state).toBe('dead');
    expect(run.snapshots.get(1)!.get(SHRUNK.layer)!.maps[SHRUNK.feature]!.health.state).toBeNull();
    expect(run.snapshots.get(2)!.get(SHRUNK.layer)!.maps[SHRUNK.feature]!.health.state).toBe('weak');
  });

  it('reads the frozen conv1 as unchanged (change 0) and settled from the first snapshot', () => {
    for (const d of run.diagnostics) expect(d.layers.conv1!.change!).toBeLessThan(1e-6);
    expect(run.diagnostics.map((d) => d.epoch)).toEqual([1, 2, 3]);
    const f = computeFindings(run.snapshots, run.diagnostics);
    expect(f.convergence.layers.conv1!.settledAt).toBe(1);
    expect(f.convergence.layers.conv5!.settledAt).not.toBe(1);
  });

  it('lists the changes in the findings: the jump with its reason, the dead and weak filters from epoch 2', () => {
    const f = computeFindings(run.snapshots, run.diagnostics);
    const jump = f.jumps.find((j) => j.layer === REINIT.layer && j.feature === REINIT.feature);
    expect(jump).toMatchObject({ epoch: 2 });
    expect(['new-source', 'same-source']).toContain(jump!.reason);
    expect(f.filters).toContainEqual(
      expect.objectContaining({ epoch: 2, layer: KILLED.layer, feature: KILLED.feature, state: 'dead' }),
    );
    expect(f.filters).toContainEqual(
      expect.objectContaining({ epoch: 2, layer: SHRUNK.layer, feature: SHRUNK.feature, state: 'weak' }),
    );
  });

  it('`zfscope findings RUN --json` prints one object with every conv layer keyed by the snapshot epochs', async () => {
    const lines: string[] = [];
    expect(await runFindingsCommand({ _: ['changed'], logdir, json: true }, (l) => lines.push(l))).toBe(0);
    expect(lines).toHaveLength(1);
    const f = JSON.parse(lines[0]!);
    expect(f.convergence.measure).toMatch(/CKA/);
    for (const layer of ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7']) {
      expect(Object.keys(f.convergence.layers[layer].change)).toEqual(['1', '2', '3']);
      expect(f.convergence.layers[layer]).toHaveProperty('settledAt');
    }
    expect(f.convergence.layers.conv1.settledAt).toBe(1);
    expect(f.jumps).toContainEqual(
      expect.objectContaining({
        epoch: 2,
        layer: REINIT.layer,
        feature: REINIT.feature,
        reason: expect.stringMatching(/source/),
        score: expect.any(Number),
      }),
    );
    expect(f.filters).toContainEqual({
      epoch: 3,
      layer: KILLED.layer,
      feature: KILLED.feature,
      state: 'dead',
      since: 2,
    });
    expect(Object.keys(f.aliasing)).toEqual(['1', '2', '3']);
    expect(f.aliasing['3']).toMatchObject({ stride: 2, noise: expect.any(Number), layer: expect.any(Number) });
  });

  it('`zfscope findings` in text names what settled, what jumped and what died', async () => {
    const lines: string[] = [];
    await runFindingsCommand({ _: ['changed'], logdir }, (l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toMatch(/conv1 .* since epoch 1/);
    expect(text).toContain(`epoch 2 ${REINIT.layer} #${REINIT.feature}: z`);
    expect(text).toMatch(new RegExp(`dead \\(\\d+\\): .*${KILLED.layer} #${KILLED.feature} \\(since 2\\)`));
  });

  it('names an unknown run and a run without snapshots', async () => {
    await expect(runFindingsCommand({ _: ['nope'], logdir }, () => undefined)).rejects.toThrow(
      `no run 'nope' in ${logdir} (runs there: changed`,
    );
    mkdirSync(join(logdir, 'empty'));
    writeFileSync(
      join(logdir, 'empty', 'run.json'),
      JSON.stringify({ runId: 'empty', status: 'running', config: { snapshotEpochs: [1, 2] } }),
    );
    await expect(runFindingsCommand({ _: ['empty'], logdir }, () => undefined)).rejects.toThrow("run 'empty' in");
    await expect(runFindingsCommand({ _: ['empty'], logdir }, () => undefined)).rejects.toThrow(
      'has no snapshots yet (its first snapshot epoch is 1)',
    );
    await expect(runFindingsCommand({ _: [], logdir }, () => undefined)).rejects.toThrow(
      'findings: expected one run id, or two to compare, found 0',
    );
  });
});
