import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpointMeta } from '../../training/checkpoint.js';
import { TINY, exitOf, shownEvents, spawnCli, until } from './helpers.js';

// A kill -9 at any moment, then --resume: see fault.test.ts.
const snapshotKeys = async (logdir: string, run: string) =>
  (await shownEvents(logdir, run)).flatMap((e) => (e.type === 'snapshot' ? [`${e.epoch}/${e.layer}`] : []));

describe('stopping and resuming a run', () => {
  it('Ctrl-C finishes the step, checkpoints, reports "stopped" and exits; --resume then finishes the run', async () => {
    const logdir = mkdtempSync(join(tmpdir(), 'zf-stop-'));
    const first = spawnCli([
      'train',
      '--logdir',
      logdir,
      '--run-id',
      's',
      '--epochs',
      '2',
      '--snapshots',
      '2',
      ...TINY,
    ]);
    await until('the first batches', () => /epoch 1\/2/.test(first.output()) || undefined, 120_000);
    first.kill('SIGINT');
    expect(await exitOf(first)).toBe(130);
    expect(first.output()).toContain('continue with --resume s');
    expect(JSON.parse(readFileSync(join(logdir, 's', 'run.json'), 'utf8')).status).toBe('stopped');
    const meta = await readCheckpointMeta(join(logdir, 's', 'checkpoints', 'latest'));
    expect(meta).not.toBeNull();

    const second = spawnCli(['train', '--logdir', logdir, '--resume', 's']);
    expect(await exitOf(second), second.output()).toBe(0);
    expect(JSON.parse(readFileSync(join(logdir, 's', 'run.json'), 'utf8')).status).toBe('finished');
    expect((await snapshotKeys(logdir, 's')).sort()).toEqual(['2/conv1', '2/conv2', '2/conv3', '2/conv4', '2/conv5']);
  });
});
