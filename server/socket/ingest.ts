/**
 * ws /ingest: one trainer connection. hello (version, run id, token) -> welcome with the stored
 * lastSeq; then events, each acknowledged only once stored. Any bad frame ends the connection with
 * a typed error: the trainer's stream is out of step and the reporter reconnects and re-sends from
 * the welcome's lastSeq.
 */
import { tokenMatches } from '../auth.js';
import type WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../protocol.js';
import { checkTrainerFrame, parseJson } from '../guards.js';
import { ZfError } from '../errors.js';
import type { Store } from '../store/index.js';
import {
  PRE_HELLO_MAX_BYTES,
  RateLimiter,
  closeCodeFor,
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
        setMaxPayload(ws, ctx.limits.maxMessageBytes * 2);
        runId = frame.runId;
        release = ctx.store.trainerConnected(runId);
        const lastSeq = ctx.store.lastSeq(runId);
        ctx.log(`${who()}: trainer connected (stored up to seq ${lastSeq})`);
        sendFrame(ws, { type: 'welcome', protocolVersion: PROTOCOL_VERSION, runId, lastSeq });
        return;
      }
      if (!runId) throw new ZfError('not-hello', `expected a hello frame first, found ${frame.type}`);
      if (frame.runId !== runId) {
        throw new ZfError(
          'bad-frame',
          `event.runId: expected ${JSON.stringify(runId)} (from hello), found ${JSON.stringify(frame.runId)}`,
        );
      }
      const { seq } = frame;
      lastAppend = ctx.store.append(runId, seq, frame.event).then(
        () => ack(seq),
        (err) => fail(err),
      );
    } catch (err) {
      fail(err);
    }
  });
}
