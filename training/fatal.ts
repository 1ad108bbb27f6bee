/**
 * Fatal errors of a command, by class: a user's mistake (a flag, a token, a run id: exit 2) or a
 * runtime failure (a server that cannot be reached, a port in use, a disk that fails: exit 1). The
 * CLI prints their one-line message without a stack trace and exits with their code.
 */

/** Exit code of a command-line mistake. */
export const EXIT_USAGE = 2;
/** Exit code of a failure at run time. */
export const EXIT_RUNTIME = 1;

export class FatalError extends Error {
  override name = 'FatalError';
  constructor(
    message: string,
    /** EXIT_USAGE or EXIT_RUNTIME. */
    readonly exitCode: number = EXIT_RUNTIME,
  ) {
    super(message);
  }
}

/** Error classes (by name) whose message is meant for the user as it is: printed alone, exit 1 unless they carry an exitCode. */
const USER_FACING = [
  'FatalError',
  'UsageError',
  'DatasetError',
  'BackendError',
  'ConfigError',
  'ResumeError',
  'ListenError',
  'ReporterError',
  'FindingsError',
  'AnalysisError',
];

/** The one line and exit code to end with for `err`, or undefined for an unexpected error (a bug: keep its stack). */
export function fatalOf(err: unknown): { message: string; exitCode: number } | undefined {
  if (!(err instanceof Error) || !USER_FACING.includes(err.name)) return undefined;
  const code = (err as { exitCode?: unknown }).exitCode;
  const exitCode = typeof code === 'number' ? code : err.name === 'UsageError' ? EXIT_USAGE : EXIT_RUNTIME;
  // One line: a multi-line message would read as a trace.
  return { message: err.message.replace(/\s*\n\s*/g, ' '), exitCode };
}
