import { describe, expect, it } from 'vitest';
import { UsageError } from '../../server/errors.js';
import { SERVE_FLAGS, serveOptions } from '../../training/cli/commands/serve.js';
import { parseFlags } from '../../training/cli/flags.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => serveOptions(parseFlags(argv, SERVE_FLAGS), env);

describe('zfscope serve flags (the one flag parser)', () => {
  it('has local-only defaults', () => {
    expect(parse([])).toEqual({ logdir: './runs', host: '127.0.0.1', port: 6006 });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    expect(
      parse([
        '--logdir',
        'x',
        '--host=0.0.0.0',
        '--port',
        '0',
        '--token=a',
        '--viewer-token',
        'b',
        '--allow-origin',
        'https://a.example, https://b.example',
        '--allow-host=gpu.lan',
      ]),
    ).toEqual({
      logdir: 'x',
      host: '0.0.0.0',
      port: 0,
      token: 'a',
      viewerToken: 'b',
      allowOrigins: ['https://a.example', 'https://b.example'],
      allowHosts: ['gpu.lan'],
    });
  });

  it('asks for help with --help', () => {
    expect(parseFlags(['--port', '1', '--help'], SERVE_FLAGS).help).toBe(true);
  });

  it('takes tokens from the environment, and a flag wins over it', () => {
    expect(parse([], { ZFSCOPE_INGEST_TOKEN: 'i', ZFSCOPE_VIEWER_TOKEN: 'v' })).toMatchObject({
      token: 'i',
      viewerToken: 'v',
    });
    expect(parse(['--token', 'f'], { ZFSCOPE_INGEST_TOKEN: 'i' }).token).toBe('f');
  });

  it('names the flag and what it expected, with the same words as every other command', () => {
    const cases: [string[], string][] = [
      [['--port', 'http'], "--port: expected an integer from 0 to 65535, found 'http'"],
      [['--port', '70000'], "--port: expected an integer from 0 to 65535, found '70000'"],
      [['--logdir'], '--logdir: expected a value (DIR)'],
      [['--host', '--port', '1'], '--host: expected a value (HOST)'],
      [
        ['--verbose'],
        'unknown flag --verbose; valid flags: --logdir, --host, --port, --token, --viewer-token, --allow-origin, --allow-host, --help',
      ],
    ];
    for (const [argv, message] of cases) {
      let err: unknown;
      try {
        parse(argv);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect([argv, (err as UsageError).message, (err as UsageError).exitCode]).toEqual([argv, message, 2]);
    }
  });
});
