/** Ping/pong heartbeats: a peer that has not answered the previous ping by the next one is dropped. */
import type WebSocket from 'ws';
import type { WebSocketServer } from 'ws';

/** Pings every client of the servers each `intervalMs`; returns a function that stops it. */
export function startHeartbeat(
  servers: WebSocketServer[],
  intervalMs: number,
  log: (line: string) => void,
): () => void {
  const alive = new WeakMap<WebSocket, boolean>();
  for (const wss of servers) {
    wss.on('connection', (ws) => {
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
    });
  }
  const timer = setInterval(() => {
    for (const wss of servers) {
      for (const ws of wss.clients) {
        if (alive.get(ws) === false) {
          log('heartbeat: a peer did not answer the last ping; dropping it');
          ws.terminate();
          continue;
        }
        alive.set(ws, false);
        try {
          ws.ping();
        } catch {
          ws.terminate();
        }
      }
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
