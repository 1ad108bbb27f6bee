import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverCheckpoint } from '../../training/checkpoint.js';

/** A checkpoint folder as saveCheckpoint leaves it; `complete` false: killed before meta.json (written last). */
function folder(path: string, epoch: number, complete = true): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'weights.bin'), Buffer.alloc(8));
  if (complete) writeFileSync(join(path, 'meta.json'), JSON.stringify({ epoch }));
}
const epochOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { epoch: number }).epoch;

describe("a checkpoint after a kill between saveCheckpoint's renames", () => {
  it.each([
    [
      'killed after moving the old one aside: the new one (complete) is put in place',
      [
        ['latest.old-7', 1],
        ['latest.tmp-7', 2],
      ],
      2,
    ],
    [
      'killed while writing the new one (no meta.json): the old one comes back',
      [
        ['latest.old-7', 1],
        ['latest.tmp-7', 2, false],
      ],
      1,
    ],
    [
      'in place already: leftovers of an earlier kill are removed',
      [
        ['latest', 3],
        ['latest.tmp-9', 2, false],
      ],
      3,
    ],
  ] as [string, [string, number, boolean?][], number][])('%s', async (_name, folders, expected) => {
    const root = mkdtempSync(join(tmpdir(), 'zf-ckpt-'));
    for (const [name, epoch, complete] of folders) folder(join(root, name), epoch, complete ?? true);
    expect(await recoverCheckpoint(join(root, 'latest'))).toBe(true);
    expect(epochOf(join(root, 'latest'))).toBe(expected);
    expect(readdirSync(root)).toEqual(['latest']);
  });

  it('nothing to recover: false, and nothing made', async () => {
    const root = mkdtempSync(join(tmpdir(), 'zf-ckpt-'));
    folder(join(root, 'latest.tmp-3'), 1, false);
    expect(await recoverCheckpoint(join(root, 'latest'))).toBe(false);
    expect(existsSync(join(root, 'latest'))).toBe(false);
  });
});
