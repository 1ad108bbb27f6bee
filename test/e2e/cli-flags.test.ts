import { afterEach, describe, expect, it, vi } from 'vitest';
import { setNodeLoader } from '../../training/backend/index.js';
import { main } from '../../training/cli/main.js';
import { exitOf, spawnCli } from './helpers.js';

/** Runs the CLI's main() in-process, capturing what it prints. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out += `${a.join(' ')}\n`;
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err += `${a.join(' ')}\n`;
  });
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await main(args), out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('zfscope command line', () => {
  it.each([
    [['train', '--epochs', '0'], "--epochs: expected an integer from 1 to 10000, found '0'"],
    [['train', '--epochs'], '--epochs: expected a value (N)'],
    [['train', '--batch', '2.5'], "--batch: expected an integer from 1 to 4096, found '2.5'"],
    [['train', '--lr', '-1'], "--lr: expected a positive number, found '-1'"],
    [
      ['train', '--conv1', '7x5/2'],
      "--conv1: expected KxK/S with K in 1..15 and S in 1..8 (e.g. 7x7/2, 11x11/4) or one of zf, zf7, alex2, alex4, found '7x5/2'",
    ],
    [['train', '--widths', '1,2'], '--widths: expected 7 comma-separated integers'],
    [['train', '--backend', 'gpu'], "--backend: expected one of auto, node, wasm, cpu, found 'gpu'"],
    [['start', '--preset', 'slow'], "--preset: expected one of quick, paper, found 'slow'"],
    [
      ['train', '--methods', 'deconvnet,lime'],
      "--methods: unknown method 'lime'; valid methods are deconvnet, backprop, guided",
    ],
    [['train', '--snapshots', '1,x'], "--snapshots: expected positive whole epoch numbers like 1,2,5,10, found 'x'"],
    [['start', '--port', '70000'], "--port: expected an integer from 0 to 65535, found '70000'"],
    [['train', '--frobnicate'], 'unknown flag --frobnicate; valid flags: --preset, --dataset'],
    [['train', 'now'], "unexpected argument 'now' for 'zfscope train'"],
    [['train', '--server', 'http://127.0.0.1:1'], '--server needs --token'],
    [['bogus'], "unknown command 'bogus'; valid commands: start, serve, train"],
  ])('%j fails with exit code 2 and names the problem', async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toContain(`zfscope: ${message}`);
  });

  it('names an unknown dataset with the valid ones, before training starts (exit 1)', async () => {
    const { code, err } = await run(['train', '--dataset', 'imagenet', '--logdir', '/tmp/zf-none', '--backend', 'cpu']);
    expect(code).toBe(1);
    expect(err).toContain('unknown dataset "imagenet"; valid names: sample, fashion-mnist, mnist, cifar10, folder');
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([
    ['not installed', { installed: () => false, load: async () => undefined }, 'npm install @tensorflow/tfjs-node'],
    [
      'installed but broken',
      {
        installed: () => true,
        load: async () => {
          throw new Error('libtensorflow.so.2: cannot open shared object file');
        },
      },
      'npm rebuild @tensorflow/tfjs-node',
    ],
  ])('explains why --backend node is unavailable (%s) and what to do', async (_k, loader, fix) => {
    const undo = setNodeLoader(loader);
    try {
      const { code, err } = await run(['train', '--backend', 'node', '--logdir', '/tmp/zf-none']);
      expect(code).toBe(1);
      expect(err).toContain('zfscope: --backend node: @tensorflow/tfjs-node is');
      expect(err).toContain(fix);
      expect(err).toContain('--backend wasm');
      expect(err).not.toMatch(/\n\s+at /);
    } finally {
      undo();
    }
  });

  it.each([['train'], ['start'], ['serve']])('%s --help lists its options', async (cmd) => {
    const { code, out } = await run([cmd, '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`usage: zfscope ${cmd}`));
    expect(out).toContain(cmd === 'serve' ? '--logdir' : '--conv1');
  });

  it('a bad flag from a real shell exits non-zero with the message on stderr', async () => {
    const child = spawnCli(['train', '--conv1', 'huge']);
    expect(await exitOf(child)).toBe(2);
    expect(child.output()).toContain('--conv1: expected KxK/S');
  });
});

describe('zfscope command line, data flags', () => {
  it('refuses --data with the embedded sample instead of ignoring it', async () => {
    const { code, err } = await run([
      'train',
      '--dataset',
      'sample',
      '--data',
      '/tmp/somewhere',
      '--logdir',
      '/tmp/zf-none',
      '--backend',
      'cpu',
    ]);
    expect(code).toBe(1);
    expect(err).toContain('--data /tmp/somewhere: the sample dataset is embedded and reads no path');
  });
});
