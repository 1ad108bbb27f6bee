/**
 * A small, strict command-line flag parser: every flag is declared with its type and help, and a
 * bad value is a UsageError naming the flag, what was expected and what was found.
 */

import { UsageError } from '../../server/errors.js';

export interface FlagSpec<T = unknown> {
  /** Without the leading dashes, e.g. "epochs". */
  name: string;
  /** One-line help, e.g. "epochs to train (default 64)". */
  help: string;
  /** Placeholder shown in help, e.g. "N"; omitted for booleans. */
  arg?: string;
  boolean?: boolean;
  /** Turns the raw text into a value, or throws a UsageError (use `fail`). */
  parse?: (text: string, flag: string) => T;
}

export type ParsedFlags = Record<string, unknown>;

/** Throw a UsageError for `--flag`: "--flag: expected X, found 'Y'". */
export function fail(flag: string, expected: string, found: string): never {
  throw new UsageError(`--${flag}: expected ${expected}, found '${found}'`);
}

export const int =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (text: string, flag: string): number => {
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || n < min || n > max) fail(flag, `an integer from ${min} to ${max}`, text);
    return n;
  };

/** A comma-separated list of non-empty strings ("a, b" -> ["a", "b"]). */
export const list = (text: string): string[] =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export const positiveNumber = (text: string, flag: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || text.trim() === '') fail(flag, 'a positive number', text);
  return n;
};

export const oneOf =
  <T extends string>(values: readonly T[]) =>
  (text: string, flag: string): T => {
    if (!(values as readonly string[]).includes(text)) fail(flag, `one of ${values.join(', ')}`, text);
    return text as T;
  };

/**
 * Parse argv against the specs. Accepts `--flag value`, `--flag=value` and boolean `--flag`.
 * Positional arguments are returned in `_`. `--help`/`-h` sets `help`.
 */
export function parseFlags(argv: string[], specs: FlagSpec[]): ParsedFlags & { _: string[]; help: boolean } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParsedFlags & { _: string[]; help: boolean } = { _: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      out.help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      out._.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const spec = byName.get(name);
    if (!spec) {
      const valid = specs.map((s) => `--${s.name}`).join(', ');
      throw new UsageError(`unknown flag --${name}; valid flags: ${valid}, --help`);
    }
    if (spec.boolean) {
      if (eq >= 0) {
        const v = a.slice(eq + 1);
        if (v !== 'true' && v !== 'false') fail(name, 'true or false', v);
        out[name] = v === 'true';
      } else out[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--'))
        throw new UsageError(`--${name}: expected a value (${spec.arg ?? 'VALUE'})`);
      i++;
    }
    out[name] = spec.parse ? spec.parse(value, name) : value;
  }
  return out;
}

/** Refuses positional arguments for a command that takes none. */
export function noPositional(flags: { _: string[] }, command: string): void {
  if (flags._.length)
    throw new UsageError(`unexpected argument '${flags._[0]}' for 'zfscope ${command}' (flags start with --)`);
}

/** The help text of a command. */
export function formatHelp(usage: string, summary: string, specs: FlagSpec[]): string {
  const rows = specs.map((s) => [`--${s.name}${s.arg ? ` ${s.arg}` : ''}`, s.help] as const);
  const w = Math.max(...rows.map((r) => r[0].length), 10);
  return [
    `usage: ${usage}`,
    '',
    summary,
    '',
    'options:',
    ...rows.map(([a, h]) => `  ${a.padEnd(w)}  ${h}`),
    `  ${'--help'.padEnd(w)}  show this help`,
  ].join('\n');
}
