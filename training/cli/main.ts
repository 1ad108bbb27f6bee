#!/usr/bin/env node
/**
 * zfscope's command line: one registry of commands, each parsing its flags with the one parser in
 * flags.ts. I/O lives in the commands: argv, environment, terminal, signals, child processes. Every
 * failure meant for the user is a ZfError, printed as one line and ended with its exit code; anything
 * else is a bug and keeps its stack.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError, fatalOf } from '../../server/errors.js';
import type { Command } from './command.js';
import { analyzeCommand } from './commands/analyze.js';
import { findingsCommand } from './commands/findings.js';
import { serveCommand } from './commands/serve.js';
import { startCommand } from './commands/start.js';
import { trainCommand } from './commands/train.js';

/** How to run this CLI again in a child process (from dist/ with node, or from source with tsx). */
export function cliEntry(): { execPath: string; args: string[] } {
  const file = fileURLToPath(import.meta.url);
  return { execPath: process.execPath, args: file.endsWith('.ts') ? ['--import', 'tsx', file] : [file] };
}

/** Every command, in the order `zfscope --help` lists them. */
export const COMMANDS: readonly Command[] = [
  startCommand(cliEntry()),
  serveCommand,
  trainCommand,
  findingsCommand,
  analyzeCommand,
];

function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: zfscope <command> [options]

Watch a convolutional network learn: a small ZF-net trains on real images and, at chosen epochs,
deconvnet projections of the top-9 activations of every feature map stream to a live dashboard.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}

'zfscope <command> --help' lists a command's options.`;
}

/** Runs one command line; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return name ? 0 : 2;
  }
  try {
    const command = COMMANDS.find((c) => c.name === name);
    if (!command)
      throw new UsageError(
        `unknown command '${name}'; valid commands: ${COMMANDS.map((c) => c.name).join(', ')} (see zfscope --help)`,
      );
    return await command.run(rest);
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

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1]);
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
