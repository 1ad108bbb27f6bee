/**
 * Reports a run to a zfscope server over ws /ingest. Every event gets a seq and stays queued until
 * the server acknowledges it (stored); the connection is re-made with exponential backoff, and on
 * each welcome everything after the server's lastSeq is sent again, so neither a dropped connection
 * nor a server restart loses or duplicates an event. Sends are windowed by the in-memory queue, the
 * rest waits in a spool file.
 */
import WebSocket from 'ws';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '../../server/protocol.js';
import type { ErrorCode, ServerToTrainer, TrainerEvent } from '../../server/protocol.js';
import { checkTrainerEvent } from '../../server/guards.js';
import { ReporterError, replayFrames, type Reporter, type SeqOptions } from './types.js';
import { backoffDelay } from '../../server/socket/frames.js';
import { SpillQueue } from './spill-queue.js';

export interface WebSocketReporterOptions extends SeqOptions {
  /** Base URL of the server: http(s)://host:port or ws(s)://host:port (/ingest is added). */
  url: string;
  runId: string;
  /** The server's ingest token. */
  token: string;
  /** Where events past the in-memory bound wait; default a file in the OS temp folder. */
  spoolFile?: string;
  /** Events kept in memory (and in flight) at most; default 10,000. */
  maxInMemory?: number;
  /** Bytes kept in memory at most (snapshots are large); default 64 MB. */
  maxInMemoryBytes?: number;
  log?: (line: string) => void;
  /** First reconnect delay, doubled up to maxBackoffMs; defaults 100 and 5000. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Client-side ping interval; a server that stays silent over one interval is dropped. Default 15 000. */
  heartbeatMs?: number;
  /** How long ready() waits for the first welcome before it gives up. Default 10 000. */
  connectTimeoutMs?: number;
}

/** Server errors that re-sending cannot fix: stop and report them. */
const FATAL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'unauthorized',
  'protocol-version',
  'unknown-run',
  'bad-frame',
  'unknown-type',
  'bad-blob',
  'too-large',
  'bad-json',
]);

/** The ingest endpoint for a server base URL. */
export function ingestUrl(base: string): string {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new ReporterError(
      `--server: expected an http(s) or ws(s) URL such as http://127.0.0.1:6006, found ${base}`,
      2,
    );
  }
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:')
    throw new ReporterError(`--server: expected an http(s) or ws(s) URL, found ${base}`, 2);
  if (!u.pathname.endsWith('/ingest')) u.pathname = `${u.pathname.replace(/\/$/, '')}/ingest`;
  return u.toString();
}

export class WebSocketReporter implements Reporter {
  private readonly queue: SpillQueue;
  private readonly url: string;
  private readonly log: (line: string) => void;
  /** Last seq assigned; undefined while resuming and waiting for the first welcome. */
  private seq: number | undefined;
  /** Events sent before the first welcome of a resumed run (numbered at the welcome). */
  private readonly unnumbered: TrainerEvent[] = [];
  private acked = 0;
  private sentUpTo = 0;
  private ws?: WebSocket;
  private welcomed = false;
  private closed = false;
  private fatal?: Error;
  private backoff: number;
  private reconnectTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private heard = true;
  private waiters: (() => void)[] = [];
  private everConnected = false;
  /** Failed connection attempts since the last welcome. */
  private failures = 0;
  private lastConnectError?: string;
  private welcomedOnce?: Promise<number>;
  private onWelcome?: (lastSeq: number) => void;

  constructor(private readonly opts: WebSocketReporterOptions) {
    this.url = ingestUrl(opts.url);
    this.log = opts.log ?? ((line) => console.error(`[reporter] ${line}`));
    this.seq = opts.resume ? undefined : (opts.startSeq ?? 0);
    this.acked = this.sentUpTo = this.seq ?? 0;
    this.backoff = opts.minBackoffMs ?? 100;
    const spool = opts.spoolFile ?? join(tmpdir(), `zfscope-spool-${opts.runId}-${process.pid}-${Date.now()}.jsonl`);
    this.queue = new SpillQueue(spool, opts.maxInMemory ?? 10_000, opts.maxInMemoryBytes ?? 64 * 1024 * 1024);
    this.queue.onRefill = () => this.pump();
    this.queue.onError = (err) => this.fail(new Error(`reporter spool ${spool}: ${(err as Error).message}`));
    this.connect();
  }

  /** Highest seq the server has acknowledged. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** Events queued and not yet acknowledged. */
  get pending(): number {
    return this.queue.size + this.unnumbered.length;
  }

  /** Resolves with the server's stored lastSeq at the first welcome; rejects on a refusal or when no welcome comes in connectTimeoutMs. */
  ready(): Promise<number> {
    this.welcomedOnce ??= new Promise<number>((resolve, reject) => {
      const ms = this.opts.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        const why = this.lastConnectError ? ` (${this.lastConnectError})` : '';
        this.fail(
          new ReporterError(
            `cannot reach the zfscope server at ${this.opts.url} within ${ms} ms${why}; is \`zfscope serve\` running there?`,
          ),
        );
      }, ms);
      this.onWelcome = (lastSeq) => {
        clearTimeout(timer);
        resolve(lastSeq);
      };
      this.onFatal = (err) => {
        clearTimeout(timer);
        reject(err);
      };
      if (this.fatal) this.onFatal(this.fatal);
    });
    return this.welcomedOnce;
  }

  private onFatal?: (err: Error) => void;

  async unacked(): Promise<{ seq: number; frames: string[] }> {
    return { seq: this.seq ?? 0, frames: await this.queue.frames() };
  }

  async send(event: TrainerEvent): Promise<void> {
    if (this.fatal) throw this.fatal;
    if (this.closed) throw new Error(`reporter for run ${this.opts.runId}: send after close`);
    checkTrainerEvent(event);
    if (this.seq === undefined) {
      this.unnumbered.push(event);
      return;
    }
    await this.enqueue(event);
  }

  private enqueue(event: TrainerEvent): Promise<void> {
    const seq = ++this.seq!;
    const frame = `{"type":"event","runId":${JSON.stringify(this.opts.runId)},"seq":${seq},"event":${JSON.stringify(event)}}`;
    const queued = this.queue.push({ seq, frame });
    this.pump();
    return queued;
  }

  private connect(): void {
    if (this.closed || this.fatal) return;
    const ws = new WebSocket(this.url, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
    this.ws = ws;
    this.welcomed = false;
    ws.on('open', () => {
      this.heard = true;
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocolVersion: PROTOCOL_VERSION,
          runId: this.opts.runId,
          token: this.opts.token,
        }),
      );
      this.startHeartbeat(ws);
    });
    ws.on('message', (data) => {
      this.heard = true;
      let frame: ServerToTrainer;
      try {
        frame = JSON.parse(data.toString()) as ServerToTrainer;
      } catch {
        return this.log(`server sent a frame that is not JSON; ignoring it`);
      }
      this.onFrame(frame);
    });
    ws.on('pong', () => (this.heard = true));
    ws.on('error', (err) => {
      this.lastConnectError = err.message || (err as NodeJS.ErrnoException).code || 'connection failed';
      // While the server is away every retry fails the same way: say so once, then every 10th time.
      if (!this.closed && this.failures++ % 10 === 0) this.log(`connection to ${this.url}: ${err.message} (retrying)`);
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.welcomed = false;
      if (this.heartbeat) clearInterval(this.heartbeat);
      if (this.closed || this.fatal) return this.notify();
      // Jitter below the cap, never past it: maxBackoffMs is the documented longest wait.
      const max = this.opts.maxBackoffMs ?? 5000;
      const delay = backoffDelay(this.backoff, max);
      this.backoff = Math.min(this.backoff * 2, max);
      if (this.everConnected)
        this.log(`disconnected; ${this.pending} event(s) unacknowledged; reconnecting in ${Math.round(delay)} ms`);
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private startHeartbeat(ws: WebSocket): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (!this.heard) {
        this.log(`server silent for ${this.opts.heartbeatMs ?? 15_000} ms; reconnecting`);
        ws.terminate();
        return;
      }
      this.heard = false;
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, this.opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  private onFrame(frame: ServerToTrainer): void {
    switch (frame.type) {
      case 'welcome': {
        this.everConnected = true;
        this.failures = 0;
        this.backoff = this.opts.minBackoffMs ?? 100;
        if (this.seq === undefined) {
          this.seq = this.acked = this.sentUpTo = frame.lastSeq;
          let replay: { seq: number; frame: string }[];
          try {
            replay = replayFrames(this.opts.runId, frame.lastSeq, this.opts.replay);
          } catch (err) {
            this.fail(err as Error);
            return;
          }
          for (const r of replay) void this.queue.push(r);
          if (replay.length) this.seq = replay.at(-1)!.seq;
          for (const e of this.unnumbered.splice(0)) void this.enqueue(e);
        }
        if (frame.lastSeq > this.seq) {
          this.fail(
            new ReporterError(
              `--run-id ${this.opts.runId}: the server at ${this.opts.url} already has a run ${this.opts.runId} (${frame.lastSeq} events); pick another --run-id, or continue it with --resume ${this.opts.runId}`,
              2,
            ),
          );
          return;
        }
        if (frame.lastSeq < this.acked) {
          this.fail(
            new ReporterError(
              `run ${this.opts.runId}: the server now has events only up to seq ${frame.lastSeq} but had acknowledged up to ${this.acked}; its logdir lost events, so this reporter stops rather than leave a gap`,
            ),
          );
          return;
        }
        this.onWelcome?.(frame.lastSeq);
        this.onAck(frame.lastSeq);
        this.sentUpTo = this.acked;
        this.welcomed = true;
        this.pump();
        return;
      }
      case 'ack':
        this.onAck(frame.seq);
        return;
      case 'error':
        this.log(`server error ${frame.code}: ${frame.message}`);
        if (frame.code === 'unauthorized')
          this.fail(new ReporterError(`--token: the server at ${this.opts.url} refused it: ${frame.message}`, 2));
        else if (FATAL.has(frame.code))
          this.fail(new ReporterError(`server refused run ${this.opts.runId}: ${frame.code}: ${frame.message}`));
        return;
    }
  }

  private onAck(seq: number): void {
    if (seq > this.acked) this.acked = seq;
    this.queue.ackUpTo(this.acked);
    this.notify();
  }

  /** Sends every in-memory frame not yet sent on this connection. */
  private pump(): void {
    const ws = this.ws;
    if (!ws || !this.welcomed || ws.readyState !== WebSocket.OPEN) return;
    const mem = this.queue.inMemory();
    if (!mem.length) return;
    // In-memory seqs are contiguous, so the first unsent one is found by arithmetic, not a scan.
    for (let i = Math.max(0, this.sentUpTo - mem[0]!.seq + 1); i < mem.length; i++) {
      ws.send(mem[i]!.frame);
      this.sentUpTo = mem[i]!.seq;
    }
  }

  private fail(err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    // A caller of ready() hears of it from there (and from send and flush); say it here only otherwise.
    if (!this.welcomedOnce) this.log(err.message);
    this.onFatal?.(err);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.ws?.close();
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private done(): boolean {
    return this.pending === 0;
  }

  async flush(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.done()) {
      if (this.fatal) throw this.fatal;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `reporter for run ${this.opts.runId}: ${this.pending} event(s) still unacknowledged after ${timeoutMs} ms (server ${this.url}, acknowledged up to seq ${this.acked})`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (this.fatal) throw this.fatal;
  }

  /** Waits up to `timeoutMs` (default 10 s) for acknowledgements, then closes; rejects when events remain unacknowledged. */
  async close(timeoutMs = 10_000): Promise<void> {
    let error: unknown;
    try {
      if (!this.closed) await this.flush(timeoutMs);
    } catch (err) {
      error = err;
    }
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'reporter closed');
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000).unref();
      });
    }
    await this.queue.close();
    if (error) throw error;
  }
}
