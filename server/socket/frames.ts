/** Sending on a WebSocket: error frames, close codes and the limits both endpoints share. */
import WebSocket from 'ws';
import { ERROR_CODES, type ErrorCode, type ServerToDashboard, type StoredEvent } from '../protocol.js';
import { ZfError, type ZfErrorCode, messageOf } from '../errors.js';

/**
 * JSON text known to encode a T: a stored event line is sent as it was stored, without parsing and
 * serializing it again, and the type still says what it holds.
 */
export type Json<T> = string & { readonly __encodes?: T };

type HistoryFrame = Extract<ServerToDashboard, { type: 'history' }>;
type EventFrame = Extract<ServerToDashboard, { type: 'event' }>;

/** The `history` frame of a run, from its stored event lines. */
export function historyFrame(runId: string, events: readonly Json<StoredEvent>[]): Json<HistoryFrame> {
  return `{"type":"history","runId":${JSON.stringify(runId)},"events":[${events.join(',')}]}`;
}

/** The `event` frame of one stored event line. */
export function eventFrame(runId: string, event: Json<StoredEvent>): Json<EventFrame> {
  return `{"type":"event","runId":${JSON.stringify(runId)},"event":${event}}`;
}

/** WebSocket close codes used by the server (RFC 6455 §7.4.1). */
export const CLOSE = {
  goingAway: 1001,
  protocolError: 1002,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  tryAgain: 1013,
} as const;

const CLOSE_FOR: Partial<Record<ErrorCode, number>> = {
  'protocol-version': CLOSE.protocolError,
  'bad-json': CLOSE.protocolError,
  'too-large': CLOSE.tooBig,
  'rate-limited': CLOSE.tryAgain,
  internal: CLOSE.internal,
};

/** Limits of the WebSocket endpoints (all have defaults in server/index.ts). */
export interface SocketLimits {
  /** Largest frame accepted with a typed error past it; frames past twice this are cut by the ws layer (close 1009). */
  maxMessageBytes: number;
  /** Frames per second per ingest connection (token bucket; a burst of one second's worth). */
  ingestFramesPerSec: number;
  /** Frames per second per dashboard connection. */
  liveFramesPerSec: number;
  /** A dashboard whose unsent data passes this is dropped (it reconnects and catches up with afterSeq). */
  maxBufferedBytes: number;
  /** A trainer must say hello within this time. */
  helloTimeoutMs: number;
}

/** The close code that goes with an error code. */
export function closeCodeFor(code: ErrorCode): number {
  return CLOSE_FOR[code] ?? CLOSE.policy;
}

/** Sends a frame if the socket is open; returns whether it was sent. */
export function sendFrame(ws: WebSocket, frame: string | object): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return true;
}

/** Turns anything thrown into a protocol error (unknown failures become `internal`). */
export function toZfError(err: unknown): ZfError {
  return err instanceof ZfError ? err : new ZfError('internal', `internal error: ${messageOf(err)}`, { status: 500 });
}

/** The code as an error frame carries it: codes that have no place on the socket are `internal`. */
export function wireCode(code: ZfErrorCode): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'internal';
}

/** Sends `{type:'error', code, message}`, logs it and, when `close`, closes with a code that fits. */
export function sendError(ws: WebSocket, err: ZfError, log: (line: string) => void, who: string, close: boolean): void {
  log(`${who}: ${err.code}: ${err.message}${close ? ' (closing)' : ''}`);
  const code = wireCode(err.code);
  sendFrame(ws, { type: 'error', code, message: err.message });
  if (close && ws.readyState === WebSocket.OPEN) ws.close(closeCodeFor(code), code);
}

/** The text of a frame, or a ZfError for binary and oversized frames. */
export function frameText(data: WebSocket.RawData, isBinary: boolean, limits: SocketLimits): string {
  const size = Array.isArray(data)
    ? data.reduce((n, b) => n + b.length, 0)
    : data instanceof ArrayBuffer
      ? data.byteLength
      : data.length;
  if (size > limits.maxMessageBytes) {
    throw new ZfError('too-large', `frame of ${size} bytes: expected at most ${limits.maxMessageBytes} bytes`);
  }
  if (isBinary) throw new ZfError('bad-frame', 'frame: expected a text frame of JSON, found a binary frame');
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  return buf.toString('utf8');
}

/** A token bucket: `take()` is false once more than `perSec` frames arrive within about a second. */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly perSec: number) {
    this.tokens = perSec;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.perSec, this.tokens + ((now - this.last) / 1000) * this.perSec);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Largest frame accepted before a trainer's hello (a hello is well under 1 KB). */
export const PRE_HELLO_MAX_BYTES = 64 * 1024;

/**
 * Sets the largest frame this socket's receiver accepts; past it ws closes with 1009 having read
 * only the frame header, so nothing is buffered. ws has no public per-socket setting: this uses
 * its receiver's `_maxPayload` (ws 8), and does nothing when that is absent.
 */
export function setMaxPayload(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}

/** The delay before reconnect attempt: `backoff` with +-25 % jitter, never past `max` (the documented longest wait). */
export function backoffDelay(backoff: number, max: number, random = Math.random()): number {
  return Math.min(max, backoff * (0.75 + random * 0.5));
}
