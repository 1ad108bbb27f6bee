import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../training/cli/main.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { runStarted } from '../server/fixtures.js';
import { TINY, exitOf, spawnCli } from './helpers.js';

/** Runs the CLI's main() in-process, capturing what it prints to stderr. */
async function run(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err += `${a.join(' ')}\n`;
  });
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await main(args), err };
  } finally {
    error.mockRestore();
    log.mockRestore();
    write.mockRestore();
  }
}

const noTrace = (text: string) => expect(text).not.toMatch(/\n\s+at |unexpected error/);
const tmp = () => mkdtempSync(join(tmpdir(), 'zf-fatal-'));

describe('fatal errors of train and start: one line, an exit code by class, before any work', () => {
  it.each([
    [
      'a run id that leaves the logdir',
      (d: string) => ['train', '--logdir', d, '--run-id', '../evil'],
      '--run-id: expected a run id of 1-128 characters [A-Za-z0-9._-] starting with a letter or digit, found "../evil"',
    ],
    [
      'a resume id that leaves the logdir',
      (d: string) => ['train', '--logdir', d, '--resume', '../../x'],
      '--resume: expected a run id',
    ],
    [
      'a logdir that is a file',
      () => ['train', '--logdir', '/etc/passwd', '--run-id', 'r'],
      '--logdir /etc/passwd: expected a folder, found a file',
    ],
    [
      'a logdir under a file',
      (d: string) => {
        writeFileSync(join(d, 'f'), '');
        return ['train', '--logdir', join(d, 'f', 'sub'), '--run-id', 'r'];
      },
      'expected a folder, but part of that path is a file',
    ],
    [
      'a server URL that is not http(s) or ws(s)',
      (d: string) => ['train', '--logdir', d, '--server', 'ftp://x', '--token', 't'],
      '--server: expected an http(s) or ws(s) URL, found ftp://x',
    ],
    [
      'a host that is no address',
      (d: string) => ['start', '--logdir', d, '--host', '256.1.1.1', '--exit'],
      '--host 256.1.1.1: cannot listen on it',
    ],
    [
      'start with a run id that leaves the logdir, before its server starts',
      (d: string) => ['start', '--logdir', d, '--port', '0', '--run-id', '../evil', '--exit'],
      '--run-id: expected a run id',
    ],
  ])('%s: exit 2', async (_name, args, message) => {
    const d = tmp();
    const { code, err } = await run(args(d));
    expect(err).toMatch(/^zfscope: /);
    expect(err).toContain(message);
    expect(code).toBe(2);
    noTrace(err);
    expect(existsSync(join(d, '..', 'evil'))).toBe(false);
  });

  it('a port in use: exit 1, naming the port', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, err } = await run(['start', '--logdir', tmp(), '--port', String(port), '--exit']);
      expect(err).toContain(`zfscope: cannot listen on 127.0.0.1:${port}: the port is in use`);
      expect(code).toBe(1);
      noTrace(err);
    } finally {
      blocker.close();
    }
  });
});

describe('start on an exposed interface', () => {
  it('warns without a viewer token and suggests one, as serve does (then exits with its trainer)', async () => {
    const { code, err } = await run([
      'start',
      '--logdir',
      tmp(),
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--exit',
      '--dataset',
      'nope',
    ]);
    expect(err).toContain(
      'server: warning: listening on 0.0.0.0 without --viewer-token: anyone who can reach it can read the runs; add --viewer-token with a secret, e.g. --viewer-token $(openssl rand -hex 16)',
    );
    expect(code).toBe(1); // the trainer's unknown dataset
  });
});

describe('a trainer refused by its server stops before any work', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ logdir: tmp(), ingestToken: 'right', log: () => undefined });
    await server.store.append('taken', 1, runStarted());
  });
  afterAll(() => server.close());

  it.each([
    [
      'a wrong token',
      ['--run-id', 'r1', '--token', 'WRONG'],
      2,
      "--token: the server at URL refused it: hello.token: expected the server's ingest token, found a wrong one",
    ],
    [
      'a run id already on the server',
      ['--run-id', 'taken', '--token', 'right'],
      2,
      '--run-id taken: the server at URL already has a run taken (1 events); pick another --run-id, or continue it with --resume taken',
    ],
  ])('%s: exit %i with one line', async (_name, args, exitCode, message) => {
    // In-process: these end before the backend or any worker starts (the process-level exit of a
    // refused trainer is the mid-training test below).
    const { code, err } = await run(['train', '--server', server.url, '--logdir', tmp(), ...args]);
    expect(code, err).toBe(exitCode);
    const lines = err.split('\n').filter((l) => l.startsWith('zfscope:'));
    expect(lines).toEqual([`zfscope: ${message.replace('URL', server.url)}`]);
    noTrace(err);
  });

  it('nothing listening: exit 1 after the connect timeout, and no promise of a spool file', async () => {
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const child = spawnCli(
      ['train', '--server', `http://127.0.0.1:${port}`, '--token', 't', '--logdir', tmp(), '--run-id', 'r'],
      { ZFSCOPE_CONNECT_TIMEOUT_MS: '1500' },
    );
    expect(await exitOf(child), child.output()).toBe(1);
    expect(child.output()).toContain(
      `zfscope: cannot reach the zfscope server at http://127.0.0.1:${port} within 1500 ms (connect ECONNREFUSED`,
    );
    expect(child.output()).not.toContain('spool');
    noTrace(child.output());
  });
});

describe('a fatal error in the middle of training', () => {
  it('ends the trainer with its one line once the server refuses it (training threads disposed: the process exits)', async () => {
    const logdir = tmp();
    let server = await startServer({ logdir, ingestToken: 'first', log: () => undefined, watchMs: 0 });
    const port = server.port;
    const child = spawnCli([
      'train',
      '--server',
      server.url,
      '--token',
      'first',
      '--logdir',
      tmp(),
      '--run-id',
      'mid',
      '--epochs',
      '20',
      ...TINY,
    ]);
    try {
      const deadline = Date.now() + 60_000;
      while (server.store.lastSeq('mid') < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // The server comes back with another token: the trainer's reconnect is refused for good.
      await server.close();
      server = await startServer({ logdir, port, ingestToken: 'second', log: () => undefined, watchMs: 0 });
      expect(await exitOf(child), child.output()).toBe(2);
      expect(child.output()).toContain(`zfscope: --token: the server at http://127.0.0.1:${port} refused it`);
      noTrace(child.output());
    } finally {
      child.kill('SIGKILL');
      await server.close();
    }
  });
});
