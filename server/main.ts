/**
 * `zfscope serve`: runs the monitoring server until SIGINT/SIGTERM, then stops accepting, flushes
 * the store and exits.
 */
import { resolve } from 'node:path';
import { startServer } from './index.js';
import { exposureWarning } from './edge.js';

export const SERVE_USAGE = `usage: zfscope serve [--logdir DIR] [--host HOST] [--port N] [--token T] [--viewer-token T]

  --logdir DIR        where runs are stored (default ./runs)
  --host HOST         interface to bind (default 127.0.0.1; 0.0.0.0 exposes the server: set --viewer-token)
  --port N            port, 0-65535 (default 6006; 0 picks a free one)
  --token T           ingest token trainers must present (default: generated and printed;
                      or ZFSCOPE_INGEST_TOKEN)
  --viewer-token T    token the dashboard and REST need (default none; or ZFSCOPE_VIEWER_TOKEN)
  --allow-origin L    comma-separated browser origins allowed besides this server's own and loopback
                      ones, e.g. https://notebook.example:8888 ('*': any)
  --allow-host L      comma-separated Host names allowed besides IP addresses and localhost when there
                      is no viewer token, e.g. gpu-box.lan ('*': any)
  --help              this text`;

export interface ServeArgs {
  logdir: string;
  host: string;
  port: number;
  token?: string;
  viewerToken?: string;
  allowOrigins?: string[];
  allowHosts?: string[];
  help: boolean;
}

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

const FLAGS = ['--logdir', '--host', '--port', '--token', '--viewer-token', '--allow-origin', '--allow-host', '--help'];

/** A comma-separated list flag (repeatable: values add up). */
export function listFlag(prev: string[] | undefined, value: string): string[] {
  return [
    ...(prev ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

/** Parses `serve` flags (`--flag value` or `--flag=value`); throws UsageError naming the flag. */
export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeArgs {
  const args: ServeArgs = {
    logdir: './runs',
    host: '127.0.0.1',
    port: 6006,
    token: env.ZFSCOPE_INGEST_TOKEN || undefined,
    viewerToken: env.ZFSCOPE_VIEWER_TOKEN || undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    if (!FLAGS.includes(flag)) throw new UsageError(`unknown argument ${raw}; valid flags: ${FLAGS.join(', ')}`);
    if (flag === '--help') {
      args.help = true;
      continue;
    }
    const value = eq > 0 && raw.startsWith('--') ? raw.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--')))
      throw new UsageError(`${flag}: expected a value, found none`);
    switch (flag) {
      case '--logdir':
        args.logdir = value;
        break;
      case '--host':
        args.host = value;
        break;
      case '--port': {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n > 65535)
          throw new UsageError(`--port: expected an integer 0-65535, found ${JSON.stringify(value)}`);
        args.port = n;
        break;
      }
      case '--token':
        args.token = value;
        break;
      case '--viewer-token':
        args.viewerToken = value;
        break;
      case '--allow-origin':
        args.allowOrigins = listFlag(args.allowOrigins, value);
        break;
      case '--allow-host':
        args.allowHosts = listFlag(args.allowHosts, value);
        break;
    }
  }
  return args;
}

/** Entry of `zfscope serve`; resolves once the server has shut down after a signal. */
export async function serveCommand(argv: string[]): Promise<void> {
  let args: ServeArgs;
  try {
    args = parseServeArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`zfscope serve: ${err.message}\n\n${SERVE_USAGE}`);
    process.exit(err.exitCode);
  }
  if (args.help) {
    console.log(SERVE_USAGE);
    return;
  }
  const log = (line: string) => console.error(`[zfscope serve] ${line}`);
  const server = await startServer({
    logdir: resolve(args.logdir),
    host: args.host,
    port: args.port,
    ingestToken: args.token,
    viewerToken: args.viewerToken,
    log,
    ...(args.allowOrigins ? { allowOrigins: args.allowOrigins } : {}),
    ...(args.allowHosts ? { allowHosts: args.allowHosts } : {}),
  });
  console.log(`zfscope server: ${server.url}/${args.viewerToken ? '?token=<viewer token>' : ''}`);
  console.log(`logdir: ${resolve(args.logdir)} (${server.store.listRuns().length} run(s))`);
  if (!args.token)
    console.log(
      `ingest token: ${server.ingestToken}\n  train with: zfscope train --server ${server.url} --token ${server.ingestToken}`,
    );
  const warning = exposureWarning(args.host, args.viewerToken);
  if (warning) log(warning);
  await new Promise<void>((resolveDone) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping (flushing the store)`);
      server.close().then(
        () => {
          log('stopped');
          resolveDone();
        },
        (err) => {
          log(`shutdown failed: ${(err as Error).message}`);
          process.exitCode = 1;
          resolveDone();
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
