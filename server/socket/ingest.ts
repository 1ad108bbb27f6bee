/**
 * ws /ingest: one trainer connection. hello (version, run id, token) -> welcome with the stored
 * lastSeq and the limits; then events, each acknowledged only once stored. An event that names
 * files is stored once its binary frames (one per file, right after it) have all arrived with the
 * sizes and digests it named. Any bad frame ends the connection with a typed error: the trainer's
 * stream is out of step and the reporter reconnects and re-sends from the welcome's lastSeq.
 */
import { tokenMatches } from '../auth.js';
import type WebSocket from 'ws';
import { BLOB_FRAME, PROTOCOL_VERSION } from '../protocol.js';
import type { BlobRef, IngestLimits, TrainerEvent } from '../protocol.js';
import { blobRefsOf, checkTrainerFrame, parseJson } from '../guards.js';
import { ZfError } from '../errors.js';
import type { Store } from '../store/index.js';
import { decodeBlobFrame, sha256Hex } from './blob-frame.js';
import {
  PRE_HELLO_MAX_BYTES,
  RateLimiter,
  closeCodeFor,
  frameBuffer,
  frameText,
  sendError,
  sendFrame,
  setMaxPayload,
  wireCode,
  toZfError,
  type SocketLimits,
} from './frames.js';

export interface IngestContext {
  store: Store;
  token: string;
  limits: SocketLimits;
  log: (line: string) => void;
  /** True once the server is shutting down: frames are then left unacknowledged (the trainer re-sends them). */
  closing: () => boolean;
}

/** The limits a trainer is told in its welcome. */
export function ingestLimits(limits: SocketLimits): IngestLimits {
  return {
    maxFrameBytes: limits.maxMessageBytes,
    maxBlobBytes: limits.maxBlobBytes,
    maxBlobs: limits.maxBlobs,
    maxEventBytes: limits.maxEventBytes,
  };
}

/** An event whose files are still arriving. */
interface Awaiting {
  seq: number;
  event: TrainerEvent;
  refs: readonly BlobRef[];
  data: Buffer[];
}

/** Checks an event's file references against the limits; `too-large` names the limit passed. */
function checkRefLimits(seq: number, event: TrainerEvent, refs: readonly BlobRef[], limits: SocketLimits): void {
  const where = `event(${event.type}) seq ${seq}`;
  if (refs.length > limits.maxBlobs)
    throw new ZfError(
      'too-large',
      `${where}.blobs: ${refs.length} files, expected at most ${limits.maxBlobs} (the server's maxBlobs)`,
    );
  const total = refs.reduce((n, r) => n + r.bytes, 0);
  if (total > limits.maxEventBytes)
    throw new ZfError(
      'too-large',
      `${where}.blobs: ${total} bytes in all, expected at most ${limits.maxEventBytes} bytes (the server's maxEventBytes)`,
    );
  refs.forEach((r, i) => {
    if (r.bytes > limits.maxBlobBytes)
      throw new ZfError(
        'too-large',
        `${where}.blobs[${i}] (${r.name}): ${r.bytes} bytes, expected at most ${limits.maxBlobBytes} bytes (the server's maxBlobBytes)`,
      );
  });
}

/** Takes one binary frame as the next file of `a`; throws `bad-blob` naming what does not match. */
function takeBlob(a: Awaiting, frame: Buffer): void {
  const b = decodeBlobFrame(frame);
  const i = a.data.length;
  const ref = a.refs[i]!;
  const where = `binary frame of event seq ${a.seq} file ${i} (${ref.name})`;
  if (b.seq !== a.seq || b.index !== i)
    throw new ZfError(
      'bad-blob',
      `${where}: expected header seq ${a.seq} index ${i}, found seq ${b.seq} index ${b.index} (each event's files follow it in order)`,
    );
  if (b.data.length !== ref.bytes)
    throw new ZfError('bad-blob', `${where}: expected ${ref.bytes} bytes (as the event says), found ${b.data.length}`);
  const digest = sha256Hex(b.data);
  if (digest !== ref.sha256)
    throw new ZfError('bad-blob', `${where}: expected SHA-256 ${ref.sha256} (as the event says), found ${digest}`);
  a.data.push(b.data);
}

/** Serves one trainer connection. */
export function handleIngest(ws: WebSocket, ctx: IngestContext, peer: string): void {
  let runId: string | undefined;
  let release: (() => void) | undefined;
  let failed = false;
  const limiter = new RateLimiter(ctx.limits.ingestFramesPerSec);
  const who = () => `ingest ${peer}${runId ? ` run ${runId}` : ''}`;

  // Acks are cumulative (seqs are stored in order, without gaps): one ack per burst of stored events.
  let ackSeq = 0;
  let ackScheduled = false;
  const ack = (seq: number) => {
    ackSeq = Math.max(ackSeq, seq);
    if (ackScheduled) return;
    ackScheduled = true;
    queueMicrotask(() => {
      ackScheduled = false;
      sendFrame(ws, { type: 'ack', runId, seq: ackSeq });
    });
  };

  /** The event whose binary frames are arriving, if any. */
  let awaiting: Awaiting | undefined;
  const store = (seq: number, event: TrainerEvent, data: readonly Uint8Array[]) => {
    lastAppend = ctx.store.append(runId!, seq, event, data).then(
      () => ack(seq),
      (err) => fail(err),
    );
  };

  /** The last append in flight: its ack (and those before it) still go out before the connection closes. */
  let lastAppend: Promise<unknown> = Promise.resolve();
  const fail = (err: unknown) => {
    if (failed) return; // later frames of a broken stream fail too; one error is the useful one
    failed = true;
    const e = toZfError(err);
    sendError(ws, e, ctx.log, who(), false);
    void lastAppend.finally(() => ws.close(closeCodeFor(wireCode(e.code)), wireCode(e.code)));
  };

  // Before anything else: an 'error' without a listener would take the whole server down.
  ws.on('error', (err) => ctx.log(`${who()}: socket error: ${err.message}`));
  // Until a valid hello, an unauthenticated peer may not make the server buffer big frames.
  setMaxPayload(ws, PRE_HELLO_MAX_BYTES);
  const helloTimer = setTimeout(
    () => fail(new ZfError('not-hello', `expected a hello frame within ${ctx.limits.helloTimeoutMs} ms, found none`)),
    ctx.limits.helloTimeoutMs,
  );
  helloTimer.unref();

  ws.on('close', () => {
    clearTimeout(helloTimer);
    release?.();
    if (runId) ctx.log(`${who()}: trainer disconnected`);
  });
  ws.on('message', (data, isBinary) => {
    if (failed || ctx.closing()) return;
    try {
      if (!limiter.take())
        throw new ZfError(
          'rate-limited',
          `more than ${ctx.limits.ingestFramesPerSec} frames per second; slow down and reconnect`,
        );
      if (awaiting) {
        if (!isBinary) {
          const ref = awaiting.refs[awaiting.data.length]!;
          throw new ZfError(
            'bad-blob',
            `event seq ${awaiting.seq}: expected the binary frame of its file ${awaiting.data.length} (${ref.name}), found a text frame`,
          );
        }
        takeBlob(awaiting, frameBuffer(data));
        if (awaiting.data.length === awaiting.refs.length) {
          const a = awaiting;
          awaiting = undefined;
          store(a.seq, a.event, a.data);
        }
        return;
      }
      if (isBinary && runId)
        throw new ZfError('bad-blob', 'binary frame: expected a text frame (no event is waiting for its files)');
      const frame = checkTrainerFrame(parseJson(frameText(data, isBinary, ctx.limits)));
      if (frame.type === 'hello') {
        if (runId)
          throw new ZfError(
            'bad-frame',
            `hello: expected one hello per connection, found a second one (for run ${frame.runId})`,
          );
        if (!tokenMatches(frame.token, ctx.token))
          throw new ZfError('unauthorized', `hello.token: expected the server's ingest token, found a wrong one`);
        clearTimeout(helloTimer);
        // Text frames up to twice their limit get a typed error; a file's frame may be as large as its limit.
        setMaxPayload(ws, Math.max(ctx.limits.maxMessageBytes * 2, ctx.limits.maxBlobBytes + BLOB_FRAME.headerBytes));
        runId = frame.runId;
        release = ctx.store.trainerConnected(runId);
        const lastSeq = ctx.store.lastSeq(runId);
        ctx.log(`${who()}: trainer connected (stored up to seq ${lastSeq})`);
        sendFrame(ws, {
          type: 'welcome',
          protocolVersion: PROTOCOL_VERSION,
          runId,
          lastSeq,
          limits: ingestLimits(ctx.limits),
        });
        return;
      }
      if (!runId) throw new ZfError('not-hello', `expected a hello frame first, found ${frame.type}`);
      if (frame.runId !== runId) {
        throw new ZfError(
          'bad-frame',
          `event.runId: expected ${JSON.stringify(runId)} (from hello), found ${JSON.stringify(frame.runId)}`,
        );
      }
      const refs = blobRefsOf(frame.event);
      checkRefLimits(frame.seq, frame.event, refs, ctx.limits);
      if (refs.length) awaiting = { seq: frame.seq, event: frame.event, refs, data: [] };
      else store(frame.seq, frame.event, []);
    } catch (err) {
      fail(err);
    }
  });
}
