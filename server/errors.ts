/**
 * zfscope's one error family. Every failure meant for a person is a ZfError: a machine-readable
 * `code`, an HTTP `status` for when it reaches a REST client, and an `exitCode` for when it ends a
 * command. Subclasses exist only where callers tell errors apart with `instanceof`; none adds a
 * second way to classify. Anything thrown that is not a ZfError is a bug and keeps its stack.
 */
import type { ApiErrorCode } from './protocol.js';

/** Exit code of a command-line mistake (a flag, a token, a run id). */
export const EXIT_USAGE = 2;
/** Exit code of a failure at run time (a server that cannot be reached, a port in use, a disk that fails). */
export const EXIT_RUNTIME = 1;

/** Codes of failures that never travel on the wire: they end a command or a library call. */
export type LocalErrorCode =
  | 'usage'
  | 'config'
  | 'backend'
  | 'dataset'
  | 'resume'
  | 'listen'
  | 'reporter'
  | 'findings'
  | 'unsupported-layer'
  | 'fatal';

export type ZfErrorCode = ApiErrorCode | LocalErrorCode;

export interface ZfErrorOptions {
  /** HTTP status when the error reaches a REST client (default 400). */
  status?: number;
  /** Process exit code when the error ends a command (default EXIT_RUNTIME). */
  exitCode?: number;
  cause?: unknown;
}

/** A failure with a code, an HTTP status and an exit code; its message names what was wrong. */
export class ZfError extends Error {
  readonly code: ZfErrorCode;
  readonly status: number;
  readonly exitCode: number;
  constructor(code: ZfErrorCode, message: string, opts: ZfErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = opts.status ?? 400;
    this.exitCode = opts.exitCode ?? EXIT_RUNTIME;
  }
}

/** A command-line mistake: printed with a pointer to --help, exit code 2. */
export class UsageError extends ZfError {
  constructor(message: string) {
    super('usage', message, { exitCode: EXIT_USAGE });
  }
}

/** A command that cannot go on; the message says why and what to do. */
export class FatalError extends ZfError {
  constructor(message: string, exitCode: number = EXIT_RUNTIME) {
    super('fatal', message, { exitCode });
  }
}

/** A REST failure with its status: the body becomes `{error: {code, message}}`. */
export function httpError(status: number, code: ApiErrorCode, message: string): ZfError {
  return new ZfError(code, message, { status });
}

/** True for errors of the family. */
export function isZfError(err: unknown): err is ZfError {
  return err instanceof ZfError;
}

/** The one line and exit code to end a command with, or undefined for an unexpected error (a bug: keep its stack). */
export function fatalOf(err: unknown): { message: string; exitCode: number } | undefined {
  if (!(err instanceof ZfError)) return undefined;
  // One line: a multi-line message would read as a trace.
  return { message: err.message.replace(/\s*\n\s*/g, ' '), exitCode: err.exitCode };
}

/** The message of anything thrown, without a stack trace. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A short, printable rendering of a value found in input, for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return `${typeof value} ${String(value)}`;
}

/** The server cannot listen where asked: a port in use (exit 1) or a host that is no address of this machine (exit 2). */
export class ListenError extends ZfError {
  constructor(message: string, exitCode: number) {
    super('listen', message, { exitCode });
  }
}

/** The ListenError for a failed listen on host:port. */
export function listenError(err: unknown, host: string, port: number): ListenError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE')
    return new ListenError(
      `cannot listen on ${where}: the port is in use (another zfscope?); pick another --port, or 0 for a free one`,
      EXIT_RUNTIME,
    );
  if (code === 'EACCES')
    return new ListenError(
      `cannot listen on ${where}: permission denied (ports below 1024 need privileges); pick another --port`,
      EXIT_RUNTIME,
    );
  return new ListenError(
    `--host ${host}: cannot listen on it (${code ?? messageOf(err)}); expected an address of this machine such as 127.0.0.1, ::1 or 0.0.0.0`,
    EXIT_USAGE,
  );
}
