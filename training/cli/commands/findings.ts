/**
 * `zfscope findings RUN [RUN2] [--json]`: the Fig. 4 conclusions of a run from its stored snapshots
 * and diagnostics, and with a second run the Fig. 6 comparison. Read-only on the logdir.
 */
import type { FlagSpec, ParsedFlags } from '../flags.js';
import { flagCommand, type Command } from '../command.js';
import { UsageError } from '../../../server/errors.js';
import { compareRuns } from '../../findings/compare.js';
import { computeFindings } from '../../findings/findings.js';
import { formatComparison, formatFindings } from '../../findings/format.js';
import { loadRun, type LoadedRun } from '../../findings/load.js';

export const FINDINGS_FLAGS: FlagSpec[] = [
  { name: 'logdir', arg: 'PATH', help: 'where runs are stored (default ./runs)' },
  { name: 'json', boolean: true, help: 'print one JSON object (with two runs: {"runs": {...}, "comparison": {...}})' },
];

const DESCRIPTION =
  "What the run's snapshots say, as the paper reads them (Fig. 4): which layers settled and when (linear CKA of\n" +
  'their activations between snapshots), which features jumped and why, dead / weak / structureless filters, and\n' +
  "conv1's aliasing against white noise. With a second run: the Fig. 6 comparison of the two.";

function about(r: LoadedRun): string {
  const c = r.info.config;
  const conv1 = c?.conv1?.kernel ? `conv1 ${c.conv1.kernel}x${c.conv1.kernel}/${c.conv1.stride}` : 'conv1 unknown';
  return `${conv1}, ${c?.dataset ?? 'dataset unknown'}, status ${r.info.status}, snapshots ${[...r.snapshots.keys()].join(',')}`;
}

const conv1Of = (r: LoadedRun) =>
  r.info.config?.conv1?.kernel
    ? `${r.info.config.conv1.kernel}x${r.info.config.conv1.kernel}/${r.info.config.conv1.stride}`
    : '?';
const valAcc = (r: LoadedRun) => (epoch: number) => r.epochMetrics.get(epoch)?.val_acc ?? null;

export async function runFindingsCommand(
  flags: ParsedFlags & { _: string[] },
  print: (s: string) => void = console.log,
): Promise<number> {
  const runs = flags._;
  if (runs.length === 0 || runs.length > 2)
    throw new UsageError(
      `findings: expected one run id, or two to compare, found ${runs.length} (see zfscope findings --help)`,
    );
  const logdir = (flags.logdir as string | undefined) ?? 'runs';
  const loaded = await Promise.all(runs.map((r) => loadRun(logdir, r)));
  const findings = loaded.map((r) => computeFindings(r.snapshots, r.diagnostics));
  const comparison =
    loaded.length === 2
      ? compareRuns(
          { run: loaded[0]!.runId, conv1: conv1Of(loaded[0]!), findings: findings[0]!, valAcc: valAcc(loaded[0]!) },
          { run: loaded[1]!.runId, conv1: conv1Of(loaded[1]!), findings: findings[1]!, valAcc: valAcc(loaded[1]!) },
        )
      : undefined;
  if (flags.json) {
    print(
      JSON.stringify(
        comparison
          ? { runs: Object.fromEntries(loaded.map((r, i) => [r.runId, findings[i]])), comparison }
          : findings[0],
      ),
    );
    return 0;
  }
  const text = loaded.map((r, i) => formatFindings(r.runId, about(r), findings[i]!, r.diagnostics[0]?.images));
  if (comparison) text.push(formatComparison(comparison));
  print(text.join('\n\n'));
  return 0;
}

export const findingsCommand: Command = flagCommand({
  name: 'findings',
  summary: "what a run's snapshots say (convergence, jumps, dead filters, aliasing); two runs: Fig. 6",
  usage: 'zfscope findings RUN [RUN2] [options]',
  description: DESCRIPTION,
  flags: FINDINGS_FLAGS,
  positional: true,
  run: (flags) => runFindingsCommand(flags),
});
