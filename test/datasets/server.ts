/**
 * A real HTTP server on 127.0.0.1, port 0, for the download tests: serves fixture bytes with
 * Range support, and can cut a response short, answer with an error, or redirect.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body?: Buffer;
  /** Status to answer with instead of the body. */
  status?: number;
  /** Cut the connection after this many body bytes, for the first `cutTimes` requests (default 1). */
  cutAfter?: number;
  cutTimes?: number;
  /** Answer 302 to this path. */
  redirect?: string;
  /** Ignore Range headers (answer 200 with the whole body). */
  noRange?: boolean;
}

export interface FixtureServer {
  url: string;
  requests: { path: string; range?: string }[];
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Route>): Promise<FixtureServer> {
  const requests: FixtureServer['requests'] = [];
  const cuts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, range: req.headers.range });
    const route = routes[path];
    if (!route) return void res.writeHead(404).end('not found');
    if (route.redirect) return void res.writeHead(302, { location: route.redirect }).end();
    if (route.status) return void res.writeHead(route.status).end('server trouble');
    const body = route.body!;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !route.noRange) {
      start = Number(range[1]);
      if (start >= body.length) return void res.writeHead(416).end();
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    } else {
      res.writeHead(200, { 'content-length': body.length });
    }
    const done = cuts.get(path) ?? 0;
    if (route.cutAfter !== undefined && done < (route.cutTimes ?? 1)) {
      cuts.set(path, done + 1);
      // A FIN, not a reset: a reset may discard bytes the client has not read yet, making the cut point random.
      res.write(body.subarray(start, start + route.cutAfter), () => setTimeout(() => res.socket?.end(), 20));
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
