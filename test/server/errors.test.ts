import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../datasets/types.js';
import {
  EXIT_RUNTIME,
  EXIT_USAGE,
  FatalError,
  ListenError,
  UsageError,
  ZfError,
  fatalOf,
  httpError,
  listenError,
} from '../../server/errors.js';
import { AnalysisError } from '../../training/analyses/types.js';
import { BackendError } from '../../training/backend/index.js';
import { FindingsError } from '../../training/findings/load.js';
import { ConfigError } from '../../training/model/config.js';
import { ReporterError } from '../../training/reporter/types.js';
import { ResumeError } from '../../training/train.js';
import { UnsupportedLayerError } from '../../training/viz/chain.js';

describe('one error family', () => {
  // Every error a person is meant to read, with the code, exit code and status it must carry.
  const family: [ZfError, string, string, number, number][] = [
    [new UsageError('m'), 'UsageError', 'usage', EXIT_USAGE, 400],
    [new FatalError('m'), 'FatalError', 'fatal', EXIT_RUNTIME, 400],
    [new FatalError('m', EXIT_USAGE), 'FatalError', 'fatal', EXIT_USAGE, 400],
    [new ListenError('m', EXIT_USAGE), 'ListenError', 'listen', EXIT_USAGE, 400],
    [new ConfigError('m'), 'ConfigError', 'config', EXIT_RUNTIME, 400],
    [new BackendError('m'), 'BackendError', 'backend', EXIT_RUNTIME, 400],
    [new DatasetError('m', 'f.idx'), 'DatasetError', 'dataset', EXIT_RUNTIME, 400],
    [new ResumeError('m'), 'ResumeError', 'resume', EXIT_RUNTIME, 400],
    [new ReporterError('m', EXIT_USAGE), 'ReporterError', 'reporter', EXIT_USAGE, 400],
    [new FindingsError('m'), 'FindingsError', 'findings', EXIT_RUNTIME, 400],
    [new UnsupportedLayerError('m'), 'UnsupportedLayerError', 'unsupported-layer', EXIT_RUNTIME, 400],
    [new AnalysisError('unknown-run', 'm', 404), 'AnalysisError', 'unknown-run', EXIT_RUNTIME, 404],
    [httpError(413, 'bad-request', 'm'), 'ZfError', 'bad-request', EXIT_RUNTIME, 413],
    [new ZfError('internal', 'm', { status: 503 }), 'ZfError', 'internal', EXIT_RUNTIME, 503],
  ];

  it('every member is a ZfError with its name, code, exit code and HTTP status', () => {
    for (const [err, name, code, exitCode, status] of family) {
      expect(err).toBeInstanceOf(ZfError);
      expect(err).toBeInstanceOf(Error);
      expect([err.name, err.code, err.exitCode, err.status]).toEqual([name, code, exitCode, status]);
    }
  });

  it('a member ends a command with its one-line message and exit code; anything else is a bug', () => {
    expect(fatalOf(new UsageError('--epochs: expected\n  an integer'))).toEqual({
      message: '--epochs: expected an integer',
      exitCode: EXIT_USAGE,
    });
    expect(fatalOf(new ReporterError('token refused', EXIT_USAGE))?.exitCode).toBe(EXIT_USAGE);
    expect(fatalOf(new DatasetError('no file'))?.exitCode).toBe(EXIT_RUNTIME);
    // A plain Error, even one named like a member, is not classified by its name.
    const impostor = new Error('x');
    impostor.name = 'UsageError';
    expect(fatalOf(impostor)).toBeUndefined();
    expect(fatalOf('a string')).toBeUndefined();
  });

  it('a failed listen says whether the port or the host is at fault', () => {
    const inUse = listenError(Object.assign(new Error('x'), { code: 'EADDRINUSE' }), '127.0.0.1', 6006);
    expect([inUse.exitCode, inUse.message]).toEqual([
      EXIT_RUNTIME,
      'cannot listen on 127.0.0.1:6006: the port is in use (another zfscope?); pick another --port, or 0 for a free one',
    ]);
    const badHost = listenError(Object.assign(new Error('x'), { code: 'EADDRNOTAVAIL' }), '10.9.9.9', 1);
    expect(badHost.exitCode).toBe(EXIT_USAGE);
    expect(badHost.message).toMatch(/^--host 10\.9\.9\.9: cannot listen on it \(EADDRNOTAVAIL\)/);
  });
});
