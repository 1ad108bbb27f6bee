import type { ErrorCode } from './protocol.js';

/**
 * A failure with a machine-readable protocol code, raised where input is checked (guards, store,
 * sockets) and turned into an `{type:'error', code, message}` frame or an HTTP error body at the edge.
 */
export class ZfError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** HTTP status when the error reaches a REST client. */
    readonly status = 400,
  ) {
    super(message);
    this.name = 'ZfError';
  }
}

/** True for errors that carry a protocol code. */
export function isZfError(err: unknown): err is ZfError {
  return err instanceof ZfError;
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
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The ListenError for a failed listen on host:port. */
export function listenError(err: unknown, host: string, port: number): ListenError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE')
    return new ListenError(
      `cannot listen on ${where}: the port is in use (another zfscope?); pick another --port, or 0 for a free one`,
      1,
    );
  if (code === 'EACCES')
    return new ListenError(
      `cannot listen on ${where}: permission denied (ports below 1024 need privileges); pick another --port`,
      1,
    );
  return new ListenError(
    `--host ${host}: cannot listen on it (${code ?? messageOf(err)}); expected an address of this machine such as 127.0.0.1, ::1 or 0.0.0.0`,
    2,
  );
}
