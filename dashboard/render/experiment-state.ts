/**
 * What the three figure-experiment views start with: the run still loading, no such experiment at
 * the scrubber's epoch (empty state, saying how to get one), or the epoch's experiments with it.
 */
import type { TemplateResult } from 'lit';
import type { ExperimentName } from '../../server/protocol.js';
import { experimentsAt } from '../state/experiments.js';
import type { EpochExperiments, RunData } from '../state/reducer.js';
import { emptyState, loadingState } from './states.js';

export type ExperimentAt<K extends ExperimentName> = {
  epoch: EpochExperiments;
  data: NonNullable<EpochExperiments[K]>;
};

/** The `name` experiment at the scrubber's epoch, or the state to render instead (`missing`: what is absent). */
export function experimentAt<K extends ExperimentName>(
  d: RunData | undefined,
  epoch: number | undefined,
  name: K,
  missing: string,
): ExperimentAt<K> | TemplateResult {
  if (!d?.loaded) return loadingState('the run');
  const x = experimentsAt(d, epoch);
  const data = x?.[name];
  if (!x || !data)
    return emptyState(
      `No ${missing} in this run.`,
      `The trainer computes them at each snapshot epoch unless started with --analyses none (runs recorded before zfscope had them have none); \`zfscope analyze RUN --epoch E ${name}\` asks a stored checkpoint.`,
    );
  return { epoch: x, data: data as NonNullable<EpochExperiments[K]> };
}

/** Whether `experimentAt` gave the experiment (else a state to render). */
export const isExperiment = <K extends ExperimentName>(r: ExperimentAt<K> | TemplateResult): r is ExperimentAt<K> =>
  !('strings' in r);
