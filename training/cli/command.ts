/**
 * The shape every `zfscope` command has, so that the entry point is a plain registry: a name, the
 * line `zfscope --help` shows, and a run over the arguments after the command name that resolves
 * with the exit code. Each command parses its flags with the one parser in flags.ts and throws a
 * ZfError (UsageError for a mistake in the flags) for anything the user must fix.
 */
import { formatHelp, noPositional, parseFlags, type FlagSpec, type ParsedFlags } from './flags.js';

export interface Command {
  name: string;
  /** One line for `zfscope --help`. */
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** A command that is its flags: parse them, answer --help, refuse positionals unless it takes some, run. */
export function flagCommand(spec: {
  name: string;
  summary: string;
  /** The usage line after "usage: ", e.g. "zfscope train [options]". */
  usage: string;
  /** The paragraph under the usage line; by default the summary. */
  description?: string;
  flags: FlagSpec[];
  /** Whether it takes positional arguments (in `flags._`). */
  positional?: boolean;
  run(flags: ParsedFlags & { _: string[] }): Promise<number>;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    async run(argv) {
      const flags = parseFlags(argv, spec.flags);
      if (flags.help) {
        console.log(formatHelp(spec.usage, spec.description ?? spec.summary, spec.flags));
        return 0;
      }
      if (!spec.positional) noPositional(flags, spec.name);
      return spec.run(flags);
    },
  };
}
