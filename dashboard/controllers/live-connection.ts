/**
 * The /live WebSocket as a Lit ReactiveController: connects when the host connects, reconnects
 * with exponential backoff (250 ms doubling to 5 s, with jitter) and, after each reconnect,
 * re-subscribes every watched run with afterSeq = the last seq already applied, so history resumes
 * with nothing missing and nothing twice.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { DashboardToServer, ServerToDashboard } from '../../server/protocol.js';
import { PROTOCOL_VERSION } from '../../server/protocol.js';
import type { Store } from '../state/store.js';
import { fetchSnapshot } from '../data/api.js';

const MIN_DELAY = 250;
const MAX_DELAY = 5000;

export class LiveConnection implements ReactiveController {
  #ws?: WebSocket;
  #attempt = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #watched = new Set<string>();
  #stopped = true;

  constructor(
    host: ReactiveControllerHost,
    private readonly store: Store,
    private readonly url: () => string,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.#stopped = false;
    this.#connect();
  }

  hostDisconnected(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#ws?.close();
  }

  /** Subscribe to a run's history and live tail (idempotent). */
  watch(runId: string): void {
    if (this.#watched.has(runId)) return;
    this.#watched.add(runId);
    this.#subscribe(runId);
  }

  #subscribe(runId: string): void {
    if (this.#ws?.readyState !== WebSocket.OPEN) return; // sent on (re)connect
    const afterSeq = this.store.state.data[runId]?.lastSeq ?? 0;
    this.#send({ type: 'subscribe', runId, afterSeq });
  }

  #send(frame: DashboardToServer): void {
    this.#ws?.send(JSON.stringify(frame));
  }

  #connect(): void {
    this.store.dispatch({ type: 'connection', status: this.#attempt ? 'reconnecting' : 'connecting' });
    const ws = new WebSocket(this.url());
    this.#ws = ws;
    ws.onopen = () => {
      this.#attempt = 0;
      this.store.dispatch({ type: 'connection', status: 'open' });
      for (const runId of this.#watched) this.#subscribe(runId);
    };
    ws.onmessage = (msg) => {
      let frame: ServerToDashboard;
      try {
        frame = JSON.parse(String(msg.data)) as ServerToDashboard;
      } catch {
        console.warn('zfscope: /live sent a frame that is not JSON; ignored');
        return;
      }
      if (frame.type === 'hello' && frame.protocolVersion !== PROTOCOL_VERSION) {
        this.store.dispatch({
          type: 'frame',
          frame: {
            type: 'error',
            code: 'protocol-version',
            message: `server speaks protocol ${frame.protocolVersion}, this dashboard ${PROTOCOL_VERSION}: reload the page`,
          },
        });
      }
      // A live snapshot is about to be shown: fetch its index now rather than after the next render.
      if (frame.type === 'event' && frame.event.type === 'snapshot')
        fetchSnapshot(frame.event.indexUrl).catch(() => undefined);
      this.store.dispatch({ type: 'frame', frame });
    };
    ws.onclose = () => {
      if (this.#ws !== ws || this.#stopped) return;
      const delay = Math.min(MAX_DELAY, MIN_DELAY * 2 ** this.#attempt) * (0.8 + Math.random() * 0.4);
      this.#attempt++;
      this.store.dispatch({ type: 'connection', status: 'reconnecting', retryInMs: Math.round(delay) });
      this.#timer = setTimeout(() => this.#connect(), delay);
    };
    // An error is always followed by close; the retry lives there.
    ws.onerror = () => undefined;
  }
}
