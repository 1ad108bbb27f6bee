/**
 * ws /live: dashboards. hello with the run list; subscribe {runId, afterSeq} -> one history frame
 * with every stored event after afterSeq, then one event frame per new event. The store calls the
 * hub synchronously after each event is on disk, and a subscription reads history and registers in
 * the same tick, so nothing falls between history and the live tail; each subscription also
 * remembers the last seq it sent, so nothing is sent twice. A dashboard too slow to drain its socket
 * is dropped rather than allowed to stall the others; it reconnects and catches up with afterSeq.
 */
import type WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../protocol.js';
import type { StoredEvent } from '../protocol.js';
import { checkDashboardFrame, parseJson } from '../guards.js';
import { ZfError } from '../errors.js';
import type { StoreReader } from '../store/index.js';
import {
  CLOSE,
  RateLimiter,
  eventFrame,
  frameText,
  historyFrame,
  sendError,
  sendFrame,
  toZfError,
  type SocketLimits,
} from './frames.js';

interface Client {
  ws: WebSocket;
  peer: string;
  /** runId -> last seq sent to this client */
  subs: Map<string, number>;
  /** runId -> the subscribe whose history is being read */
  pending: Map<string, symbol>;
  /** Errors logged for this peer (a flood of bad frames must not flood the log). */
  logged: number;
}

/** Errors logged per dashboard connection; the rest are counted in one line. */
const LOGGED_ERRORS = 5;

/** Delay that coalesces run-list updates (metrics summaries change every epoch). */
const RUNS_DEBOUNCE_MS = 100;

export class LiveHub {
  private readonly clients = new Set<Client>();
  private readonly byRun = new Map<string, Set<Client>>();
  private runsTimer?: NodeJS.Timeout;
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly store: StoreReader,
    private readonly limits: SocketLimits,
    private readonly log: (line: string) => void,
  ) {
    this.stops.push(store.onEvent((runId, event, line) => this.fanout(runId, event, line)));
    this.stops.push(store.onRunsChanged(() => this.scheduleRuns()));
  }

  /** Serves one dashboard connection; `authError` refuses it with a typed error. */
  handle(ws: WebSocket, peer: string, authError?: ZfError): void {
    // Before anything else: an 'error' without a listener would take the whole server down.
    ws.on('error', (err) => this.log(`live ${peer}: socket error: ${err.message}`));
    if (authError) {
      sendError(ws, authError, this.log, `live ${peer}`, true);
      return;
    }
    const client: Client = { ws, peer, subs: new Map(), pending: new Map(), logged: 0 };
    this.clients.add(client);
    const limiter = new RateLimiter(this.limits.liveFramesPerSec);
    ws.on('close', () => this.drop(client));
    sendFrame(ws, { type: 'hello', protocolVersion: PROTOCOL_VERSION, runs: this.store.listRuns() });
    const onError = (err: unknown) => {
      const e = toZfError(err);
      client.logged++;
      const log = client.logged <= LOGGED_ERRORS ? this.log : () => undefined;
      if (client.logged === LOGGED_ERRORS)
        this.log(`live ${peer}: further errors of this dashboard are answered but not logged`);
      // A dashboard's bad request spoils nothing else: keep it connected unless it floods or oversends.
      sendError(ws, e, log, `live ${peer}`, e.code === 'rate-limited' || e.code === 'too-large');
    };
    ws.on('message', (data, isBinary) => {
      try {
        if (!limiter.take())
          throw new ZfError('rate-limited', `more than ${this.limits.liveFramesPerSec} frames per second`);
        const frame = checkDashboardFrame(parseJson(frameText(data, isBinary, this.limits)));
        if (frame.type === 'subscribe') this.subscribe(client, frame.runId, frame.afterSeq ?? 0).catch(onError);
        else {
          client.pending.delete(frame.runId);
          this.unsubscribe(client, frame.runId);
        }
      } catch (err) {
        onError(err);
      }
    });
  }

  /** Checks the run now (errors answer in frame order), then sends history and registers. */
  private subscribe(client: Client, runId: string, afterSeq: number): Promise<void> {
    if (!this.store.getRun(runId))
      throw new ZfError('unknown-run', `subscribe.runId: no run ${JSON.stringify(runId)} in this logdir`);
    return this.catchUp(client, runId, afterSeq);
  }

  private async catchUp(client: Client, runId: string, afterSeq: number): Promise<void> {
    // A newer subscribe (or an unsubscribe, or a close) while the history is read wins.
    const ticket = Symbol(runId);
    client.pending.set(runId, ticket);
    this.unsubscribe(client, runId);
    await this.store.history(runId, afterSeq, (lines, lastSeq) => {
      if (client.pending.get(runId) !== ticket || !this.clients.has(client)) return;
      client.pending.delete(runId);
      // History counts against the backlog like live events: a dashboard that subscribes again and
      // again without reading would otherwise pile history frames up in the server's memory.
      if (this.tooSlow(client)) return;
      sendFrame(client.ws, historyFrame(runId, lines));
      client.subs.set(runId, lastSeq);
      let set = this.byRun.get(runId);
      if (!set) {
        set = new Set();
        this.byRun.set(runId, set);
      }
      set.add(client);
    });
  }

  private unsubscribe(client: Client, runId: string): void {
    client.subs.delete(runId);
    this.byRun.get(runId)?.delete(client);
  }

  private drop(client: Client): void {
    this.clients.delete(client);
    client.pending.clear();
    for (const runId of client.subs.keys()) this.byRun.get(runId)?.delete(client);
    client.subs.clear();
  }

  private fanout(runId: string, event: StoredEvent, line: string): void {
    const set = this.byRun.get(runId);
    if (!set?.size) return;
    const frame = eventFrame(runId, line);
    for (const client of set) {
      const last = client.subs.get(runId) ?? 0;
      if (event.seq <= last) continue;
      if (this.tooSlow(client)) continue;
      if (sendFrame(client.ws, frame)) client.subs.set(runId, event.seq);
    }
  }

  /** Drops a dashboard whose unsent data is past the limit; returns whether it did. */
  private tooSlow(client: Client): boolean {
    if (client.ws.bufferedAmount <= this.limits.maxBufferedBytes) return false;
    this.log(
      `live ${client.peer}: ${client.ws.bufferedAmount} bytes unsent (limit ${this.limits.maxBufferedBytes}); dropping the slow dashboard`,
    );
    this.drop(client);
    client.ws.close(CLOSE.tryAgain, 'too slow');
    // close() waits for the peer; a stalled peer never answers, so do not keep its buffers.
    setTimeout(() => client.ws.terminate(), 1000).unref();
    return true;
  }

  private scheduleRuns(): void {
    if (this.runsTimer) return;
    this.runsTimer = setTimeout(() => {
      this.runsTimer = undefined;
      if (!this.clients.size) return;
      const frame = JSON.stringify({ type: 'runs', runs: this.store.listRuns() });
      for (const c of this.clients) sendFrame(c.ws, frame);
    }, RUNS_DEBOUNCE_MS);
    this.runsTimer.unref();
  }

  /** Number of connected dashboards. */
  get size(): number {
    return this.clients.size;
  }

  /** Stops listening to the store and closes every dashboard with 1001 (going away). */
  close(): void {
    for (const stop of this.stops) stop();
    if (this.runsTimer) clearTimeout(this.runsTimer);
    for (const c of this.clients) c.ws.close(CLOSE.goingAway, 'server shutting down');
  }
}
