/**
 * Who may talk to the server from a browser. Two attacks need no token when none is set: a web
 * page opening ws://127.0.0.1:6006/live (WebSockets ignore CORS, so any page could read the runs),
 * and DNS rebinding (evil.example resolving to 127.0.0.1, so the page's REST calls are
 * "same-origin" to the browser). So a request with an Origin header is served only when that
 * origin is this server itself, a loopback name, or allowed by --allow-origin; and, without a
 * viewer token, only Host headers that cannot be rebound (IP literals, localhost) or that
 * --allow-host lists are served.
 */

/** What the edge allows besides the defaults; '*' in a list allows everything. */
export interface EdgeOptions {
  /** Extra origins allowed, e.g. "https://notebook.example:8888". */
  allowOrigins?: string[];
  /** Extra Host names allowed (without port), e.g. "gpu-box.lan". */
  allowHosts?: string[];
  /** With a viewer token the Host check is off: a rebinding page cannot know the token. */
  viewerToken?: string;
}

/** Loopback names and addresses: localhost (and *.localhost), 127.0.0.0/8, ::1. */
export function isLoopbackName(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The name part of a Host header value ("[::1]:6006" -> "[::1]", "a.b:80" -> "a.b"). */
function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.replace(/:\d*$/, '');
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Why a request is refused at the edge (a message for the 403), or undefined when it may pass. */
export function edgeRefusal(
  headers: { host?: string | undefined; origin?: string | undefined },
  opts: EdgeOptions,
): string | undefined {
  const host = headers.host ?? '';
  if (!opts.viewerToken && !opts.allowHosts?.includes('*')) {
    const name = hostName(host).toLowerCase();
    const literal = IPV4.test(name) || name.startsWith('[');
    if (!literal && !isLoopbackName(name) && !opts.allowHosts?.some((h) => h.toLowerCase() === name)) {
      return `Host ${JSON.stringify(host)}: expected an IP address or localhost (a DNS name could be rebound to this server); allow it with --allow-host ${name || 'NAME'}`;
    }
  }
  const origin = headers.origin;
  if (origin === undefined || opts.allowOrigins?.includes('*')) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (url && (url.host.toLowerCase() === host.toLowerCase() || isLoopbackName(url.hostname))) return undefined;
  if (opts.allowOrigins?.some((o) => o.replace(/\/$/, '').toLowerCase() === origin.toLowerCase())) return undefined;
  return `Origin ${JSON.stringify(origin)}: expected this server's own origin or a loopback one; allow it with --allow-origin ${origin}`;
}

/** The warning for a server reachable from other machines without a viewer token, or undefined. */
export function exposureWarning(host: string, viewerToken: string | undefined): string | undefined {
  if (viewerToken || isLoopbackName(host)) return undefined;
  return `warning: listening on ${host} without --viewer-token: anyone who can reach it can read the runs; add --viewer-token with a secret, e.g. --viewer-token $(openssl rand -hex 16)`;
}
