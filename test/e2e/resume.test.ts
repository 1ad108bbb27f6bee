import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpointMeta } from '../../training/checkpoint.js';
import { TINY, exitOf, spawnCli, storedEvents, until } from './helpers.js';

const snapshotKeys = (logdir: string, run: string) =>
  storedEvents(logdir, run)
    .filter((e) => e.type === 'snapshot')
    .map((e) => (e.type === 'snapshot' ? `${e.epoch}/${e.layer}` : ''));

const epochMetrics = (logdir: string, run: string) =>
  storedEvents(logdir, run)
    .filter((e) => e.type === 'metrics' && e.batch === undefined)
    .map((e) => (e.type === 'metrics' ? e.epoch : 0));

describe('stopping and resuming a run', () => {
  it('after a kill, --resume continues at the right epoch without duplicating snapshots', async () => {
    const logdir = mkdtempSync(join(tmpdir(), 'zf-resume-'));
    const args = ['train', '--logdir', logdir, '--run-id', 'r', '--epochs', '3', '--snapshots', '1,2,3', ...TINY];
    const first = spawnCli(args);
    // Kill hard once epoch 1 is checkpointed: whatever was running after that is lost.
    await until('epoch 1 checkpoint', async () => ((await readCheckpointMeta(join(logdir, 'r', 'checkpoints', 'latest')))?.epoch ?? 0) >= 1, 120_000);
    first.kill('SIGKILL');
    await exitOf(first);
    const doneBefore = (await readCheckpointMeta(join(logdir, 'r', 'checkpoints', 'latest')))!.epoch;

    const second = spawnCli(['train', '--logdir', logdir, '--resume', 'r']);
    expect(await exitOf(second), second.output()).toBe(0);
    expect(second.output()).toContain('run r finished');

    const events = storedEvents(logdir, 'r');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // One run-started per trainer start: the original and the resumed one.
    expect(events.filter((e) => e.type === 'run-started')).toHaveLength(2);
    const keys = snapshotKeys(logdir, 'r');
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(15);
    // Training went on from the checkpoint: the epochs after it were each trained once more at most.
    const epochs = epochMetrics(logdir, 'r');
    expect([...new Set(epochs)]).toEqual([1, 2, 3]);
    expect(epochs.filter((e) => e <= doneBefore).length).toBe(doneBefore);
    expect(JSON.parse(readFileSync(join(logdir, 'r', 'run.json'), 'utf8')).status).toBe('finished');
  });

  it('Ctrl-C finishes the step, checkpoints, reports "stopped" and exits; --resume then finishes the run', async () => {
    const logdir = mkdtempSync(join(tmpdir(), 'zf-stop-'));
    const first = spawnCli(['train', '--logdir', logdir, '--run-id', 's', '--epochs', '2', '--snapshots', '2', ...TINY]);
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
    expect(snapshotKeys(logdir, 's').sort()).toEqual(['2/conv1', '2/conv2', '2/conv3', '2/conv4', '2/conv5']);
  });
});
