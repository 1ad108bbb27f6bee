/**
 * `zfscope serve`: runs the monitoring server over a logdir until SIGINT/SIGTERM, then stops
 * accepting, flushes the store and exits.
 */
import { resolve } from 'node:path';
import { exposureWarning } from '../../../server/edge.js';
import { startServer } from '../../../server/index.js';
import { flagCommand, type Command } from '../command.js';
import type { FlagSpec, ParsedFlags } from '../flags.js';
import { SERVER_FLAGS } from '../options.js';

export const SERVE_FLAGS: FlagSpec[] = [
  { name: 'logdir', arg: 'DIR', help: 'where runs are stored (default ./runs)' },
  ...SERVER_FLAGS,
];

export interface ServeOptions {
  logdir: string;
  host: string;
  port: number;
  token?: string;
  viewerToken?: string;
  allowOrigins?: string[];
  allowHosts?: string[];
}

/** The server's options from parsed flags, with the tokens' environment variables as fallbacks. */
export function serveOptions(flags: ParsedFlags, env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const token = (flags.token as string | undefined) ?? (env.ZFSCOPE_INGEST_TOKEN || undefined);
  const viewerToken = (flags['viewer-token'] as string | undefined) ?? (env.ZFSCOPE_VIEWER_TOKEN || undefined);
  return {
    logdir: (flags.logdir as string | undefined) ?? './runs',
    host: (flags.host as string | undefined) ?? '127.0.0.1',
    port: (flags.port as number | undefined) ?? 6006,
    ...(token ? { token } : {}),
    ...(viewerToken ? { viewerToken } : {}),
    ...(flags['allow-origin'] ? { allowOrigins: flags['allow-origin'] as string[] } : {}),
    ...(flags['allow-host'] ? { allowHosts: flags['allow-host'] as string[] } : {}),
  };
}

/** Serves until a signal; resolves once the server has shut down. */
export async function serve(args: ServeOptions): Promise<void> {
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

export const serveCommand: Command = flagCommand({
  name: 'serve',
  summary: 'run only the server and dashboard over a logdir',
  usage: 'zfscope serve [options]',
  description: 'Run the monitoring server and dashboard over a logdir.',
  flags: SERVE_FLAGS,
  async run(flags) {
    await serve(serveOptions(flags));
    return 0;
  },
});
