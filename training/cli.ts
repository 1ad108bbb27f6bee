#!/usr/bin/env node
/**
 * zfscope's command line: `start` (server and trainer together: the main job), `serve`, `train`.
 * I/O lives here: argv, environment, terminal, signals, child processes.
 */
import { fileURLToPath } from 'node:url';
import { UsageError, formatHelp, parseFlags, int, type FlagSpec } from './flags.js';
import { fatalOf } from './fatal.js';
import { listFlag } from '../server/main.js';
import { TRAIN_FLAGS } from './options.js';
import { runTrainCommand } from './train-command.js';
import { runStartCommand } from './start-command.js';

const COMMANDS = ['start', 'serve', 'train', 'findings', 'analyze'] as const;

const MAIN_HELP = `usage: zfscope <command> [options]

Watch a convolutional network learn: a small ZF-net trains on real images and, at chosen epochs,
deconvnet projections of the top-9 activations of every feature map stream to a live dashboard.

commands:
  start     run the server and a trainer together (the main job); open the printed URL
  serve     run only the server and dashboard over a logdir
  train     run only a trainer, reporting to --server URL or straight into --logdir
  findings  what a run's snapshots say (convergence, jumps, dead filters, aliasing); two runs: Fig. 6
  analyze   ask a stored run's network a question at an epoch (optimal input, reconstruction)

'zfscope <command> --help' lists a command's options.`;

export const SERVER_FLAGS: FlagSpec[] = [
  { name: 'host', arg: 'HOST', help: 'address to bind (default 127.0.0.1; 0.0.0.0 exposes it)' },
  { name: 'port', arg: 'N', help: 'port (default 6006; 0 picks a free one)', parse: int(0, 65535) },
  { name: 'token', arg: 'TOKEN', help: 'ingest token trainers must present (default: generated and printed)' },
  {
    name: 'viewer-token',
    arg: 'TOKEN',
    help: 'token the dashboard and REST need (default none; set it with a --host other than 127.0.0.1)',
  },
  {
    name: 'allow-origin',
    arg: 'LIST',
    help: "browser origins allowed besides the server's own and loopback ones ('*': any)",
    parse: (t: string) => listFlag(undefined, t),
  },
  {
    name: 'allow-host',
    arg: 'LIST',
    help: "Host names allowed besides IP addresses and localhost without a viewer token ('*': any)",
    parse: (t: string) => listFlag(undefined, t),
  },
];

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(MAIN_HELP);
    return command ? 0 : 2;
  }
  try {
    switch (command) {
      case 'train': {
        const specs = [
          ...TRAIN_FLAGS,
          { name: 'server', arg: 'URL', help: 'report to a zfscope server (default: write into --logdir)' },
          SERVER_FLAGS[2]!,
        ];
        const flags = parseFlags(rest, specs);
        if (flags.help) {
          console.log(
            formatHelp(
              'zfscope train [options]',
              'Train a small ZF-net and snapshot its features at the chosen epochs.',
              specs,
            ),
          );
          return 0;
        }
        rejectPositional(flags._, 'train');
        return await runTrainCommand(flags);
      }
      case 'start': {
        const specs = [
          ...TRAIN_FLAGS,
          ...SERVER_FLAGS,
          { name: 'exit', boolean: true, help: 'exit when training ends instead of serving on' },
        ];
        const flags = parseFlags(rest, specs);
        if (flags.help) {
          console.log(
            formatHelp(
              'zfscope start [options]',
              'Run the server and dashboard, and a trainer reporting to them (the main job).',
              specs,
            ),
          );
          return 0;
        }
        rejectPositional(flags._, 'start');
        return await runStartCommand(flags, cliEntry());
      }
      case 'findings': {
        const { FINDINGS_FLAGS, FINDINGS_HELP, runFindingsCommand } = await import('./findings-command.js');
        const flags = parseFlags(rest, FINDINGS_FLAGS);
        if (flags.help) {
          console.log(FINDINGS_HELP);
          return 0;
        }
        return await runFindingsCommand(flags);
      }
      case 'serve': {
        const { serveCommand } = await import('../server/main.js');
        await serveCommand(rest);
        return 0;
      }
      case 'analyze': {
        const { runAnalyzeCommand } = await import('./analyze-command.js');
        return await runAnalyzeCommand(rest);
      }
      default:
        throw new UsageError(
          `unknown command '${command}'; valid commands: ${COMMANDS.join(', ')} (see zfscope --help)`,
        );
    }
  } catch (err) {
    const fatal = fatalOf(err);
    if (fatal) {
      console.error(`zfscope: ${fatal.message}`);
      return fatal.exitCode;
    }
    console.error(`zfscope: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}

function rejectPositional(args: string[], command: string): void {
  if (args.length)
    throw new UsageError(`unexpected argument '${args[0]}' for 'zfscope ${command}' (flags start with --)`);
}

/** How to run this CLI again in a child process (from dist/ with node, or from source with tsx). */
export function cliEntry(): { execPath: string; args: string[] } {
  const file = fileURLToPath(import.meta.url);
  return { execPath: process.execPath, args: file.endsWith('.ts') ? ['--import', 'tsx', file] : [file] };
}

const invokedDirectly =
  process.argv[1] && fileURLToPath(import.meta.url) === (await import('node:fs')).realpathSync(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
