import { describe, expect, it } from 'vitest';
import { UsageError, parseServeArgs } from '../../server/main.js';

describe('zfscope serve flags', () => {
  it('has local-only defaults', () => {
    expect(parseServeArgs([], {})).toEqual({
      logdir: './runs',
      host: '127.0.0.1',
      port: 6006,
      token: undefined,
      viewerToken: undefined,
      help: false,
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    expect(
      parseServeArgs(['--logdir', 'x', '--host=0.0.0.0', '--port', '0', '--token=a', '--viewer-token', 'b'], {}),
    ).toEqual({
      logdir: 'x',
      host: '0.0.0.0',
      port: 0,
      token: 'a',
      viewerToken: 'b',
      help: false,
    });
  });

  it('asks for help with --help', () => {
    expect(parseServeArgs(['--port', '1', '--help'], {}).help).toBe(true);
  });

  it('takes tokens from the environment', () => {
    expect(parseServeArgs([], { ZFSCOPE_INGEST_TOKEN: 'i', ZFSCOPE_VIEWER_TOKEN: 'v' })).toMatchObject({
      token: 'i',
      viewerToken: 'v',
    });
  });

  it('names the flag and what it expected', () => {
    const cases: [string[], string][] = [
      [['--port', 'http'], '--port: expected an integer 0-65535, found "http"'],
      [['--port', '70000'], '--port: expected an integer 0-65535, found "70000"'],
      [['--logdir'], '--logdir: expected a value, found none'],
      [['--host', '--port', '1'], '--host: expected a value, found none'],
      [
        ['--verbose'],
        'unknown argument --verbose; valid flags: --logdir, --host, --port, --token, --viewer-token, --allow-origin, --allow-host, --help',
      ],
    ];
    for (const [argv, message] of cases) {
      let err: unknown;
      try {
        parseServeArgs(argv, {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect([argv, (err as UsageError).message, (err as UsageError).exitCode]).toEqual([argv, message, 2]);
    }
  });
});
