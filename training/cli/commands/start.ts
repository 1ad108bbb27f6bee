/**
 * `zfscope start`, the main job: the server (REST, dashboard, WebSockets) in this process and a
 * trainer in a child process reporting to it over /ingest, exactly as a remote trainer would.
 * Training is CPU-bound and synchronous; keeping it out of the server's event loop keeps the
 * dashboard responsive.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { FlagSpec, ParsedFlags } from '../flags.js';
import { flagCommand, type Command } from '../command.js';
import { SERVER_FLAGS, TRAIN_FLAGS } from '../options.js';
import { checkRunId } from '../../../server/guards.js';
import { UsageError, messageOf } from '../../../server/errors.js';
import { startServer } from '../../../server/index.js';
import { exposureWarning } from '../../../server/edge.js';

/** Flags that belong to the trainer, forwarded verbatim to `zfscope train`. */
function trainerArgs(flags: ParsedFlags): string[] {
  const skip = new Set([
    '_',
    'help',
    'host',
    'port',
    'token',
    'viewer-token',
    'allow-origin',
    'allow-host',
    'exit',
    'logdir',
  ]);
  const args: string[] = [];
  for (const [k, v] of Object.entries(flags)) {
    if (skip.has(k) || v === undefined || v === false) continue;
    if (v === true) args.push(`--${k}`);
    else if (Array.isArray(v)) args.push(`--${k}`, v.join(','));
    else if (typeof v === 'object') {
      const c = v as { kernel: number; stride: number };
      args.push(`--${k}`, `${c.kernel}x${c.kernel}/${c.stride}`);
    } else args.push(`--${k}`, String(v));
  }
  return args;
}

export async function runStartCommand(flags: ParsedFlags, cli: { execPath: string; args: string[] }): Promise<number> {
  // The trainer checks its flags too, but a run id that leaves the logdir must stop us before the server starts.
  for (const flag of ['run-id', 'resume']) {
    if (flags[flag] === undefined) continue;
    try {
      checkRunId(flags[flag], `--${flag}`);
    } catch (err) {
      throw new UsageError(messageOf(err));
    }
  }
  const logdir = resolve((flags.logdir as string | undefined) ?? 'runs');
  const host = (flags.host as string | undefined) ?? '127.0.0.1';
  const server = await startServer({
    logdir,
    host,
    port: (flags.port as number | undefined) ?? 6006,
    ...(flags.token ? { ingestToken: flags.token as string } : {}),
    ...(flags['viewer-token'] ? { viewerToken: flags['viewer-token'] as string } : {}),
    ...(flags['allow-origin'] ? { allowOrigins: flags['allow-origin'] as string[] } : {}),
    ...(flags['allow-host'] ? { allowHosts: flags['allow-host'] as string[] } : {}),
    log: (line) => console.error(`server: ${line}`),
  });
  const warning = exposureWarning(host, flags['viewer-token'] as string | undefined);
  if (warning) console.error(`server: ${warning}`);
  console.log(`zfscope: dashboard at ${server.url}/  (logdir ${logdir})`);

  const child = spawn(
    cli.execPath,
    [...cli.args, 'train', '--server', server.url, '--logdir', logdir, ...trainerArgs(flags)],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ZFSCOPE_TOKEN: server.ingestToken },
    },
  );
  // Ctrl-C reaches the child through the process group; here it only means "stop serving after it".
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    if (child.exitCode === null) child.kill('SIGINT');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code: number = await new Promise((res) => child.on('exit', (c, sig) => res(c ?? (sig ? 130 : 1))));

  if (!interrupted && !flags.exit && code === 0) {
    console.log(`zfscope: training done; the dashboard stays at ${server.url}/ (Ctrl-C to stop)`);
    await new Promise<void>((res) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => res());
      process.once('SIGTERM', () => res());
    });
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await server.close();
  return code;
}

const FLAGS: FlagSpec[] = [
  ...TRAIN_FLAGS,
  ...SERVER_FLAGS,
  { name: 'exit', boolean: true, help: 'exit when training ends instead of serving on' },
];

/** `cli` says how to run zfscope again in the trainer's child process. */
export function startCommand(cli: { execPath: string; args: string[] }): Command {
  return flagCommand({
    name: 'start',
    summary: 'run the server and a trainer together (the main job); open the printed URL',
    usage: 'zfscope start [options]',
    description: 'Run the server and dashboard, and a trainer reporting to them (the main job).',
    flags: FLAGS,
    run: (flags) => runStartCommand(flags, cli),
  });
}
