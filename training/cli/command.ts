/**
 * The shape every `zfscope` command has, so that the entry point is a plain registry: a name, the
 * line `zfscope --help` shows, and a run over the arguments after the command name that resolves
 * with the exit code. Each command parses its own flags with the one parser in flags.ts and throws
 * a ZfError (UsageError for a mistake in the flags) for anything the user must fix.
 */
export interface Command {
  name: string;
  /** One line for `zfscope --help`. */
  summary: string;
  run(argv: string[]): Promise<number>;
}
