/**
 * The paper's Fig. 6 comparison of two runs (e.g. conv1 11x11/4 against 7x7/2): at the latest
 * snapshot epoch both reached, conv1's aliasing against its white-noise reference, dead / weak /
 * structureless filters in conv1 and conv2, how many layers settled, and validation accuracy.
 */
import type { FilterState } from '../../server/protocol.js';
import type { Findings } from './findings.js';

export interface RunSummary {
  run: string;
  conv1: string;
  epoch: number;
  valAcc: number | null;
  aliasing: number | null;
  aliasingNoise: number | null;
  /** aliasing / noise: 1 = as rough as white noise. */
  aliasingRatio: number | null;
  states: Record<string, Record<FilterState, number>>;
  settled: string[];
}

export interface Comparison {
  /** The latest snapshot epoch both runs have (each side's own latest when they share none). */
  epoch: number;
  sameEpoch: boolean;
  runs: [RunSummary, RunSummary];
}

interface Side {
  run: string;
  conv1: string;
  findings: Findings;
  valAcc: (epoch: number) => number | null;
}

function summary(s: Side, epoch: number): RunSummary {
  const a = s.findings.aliasing[epoch];
  const states: RunSummary['states'] = {};
  for (const layer of ['conv1', 'conv2']) {
    const counts: Record<FilterState, number> = { dead: 0, weak: 0, structureless: 0 };
    for (const f of s.findings.filters) if (f.epoch === epoch && f.layer === layer) counts[f.state]++;
    states[layer] = counts;
  }
  return {
    run: s.run,
    conv1: s.conv1,
    epoch,
    valAcc: s.valAcc(epoch),
    aliasing: a?.layer ?? null,
    aliasingNoise: a?.noise ?? null,
    aliasingRatio: a?.ratio ?? null,
    states,
    settled: Object.entries(s.findings.convergence.layers)
      .filter(([, l]) => l.settledAt !== null && l.settledAt <= epoch)
      .map(([name]) => name),
  };
}

export function compareRuns(a: Side, b: Side): Comparison {
  const shared = a.findings.epochs.filter((e) => b.findings.epochs.includes(e));
  const epoch = shared.at(-1);
  if (epoch !== undefined) return { epoch, sameEpoch: true, runs: [summary(a, epoch), summary(b, epoch)] };
  const ea = a.findings.epochs.at(-1)!;
  const eb = b.findings.epochs.at(-1)!;
  return { epoch: Math.min(ea, eb), sameEpoch: false, runs: [summary(a, ea), summary(b, eb)] };
}
