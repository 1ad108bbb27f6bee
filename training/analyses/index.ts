/** The registry of analyses on stored checkpoints: adding one is a new file and one entry in the list. */
import { registry } from '../registry.js';
import { correspondenceAnalysis } from './correspondence.js';
import { invariance } from './invariance.js';
import { occlusion } from './occlusion.js';
import { optimalInput } from './optimal-input.js';
import { reconstruction } from './reconstruction.js';
import { AnalysisError, type Analysis } from './types.js';

export type {
  Analysis,
  AnalysisContext,
  AnalysisParams,
  AnalysisResult,
  AnalysisTarget,
  ParamSpec,
  ParamValue,
} from './types.js';
export { AnalysisError } from './types.js';

export const ANALYSES: Readonly<Record<string, Analysis>> = registry('analysis', [
  optimalInput,
  reconstruction,
  occlusion,
  invariance,
  correspondenceAnalysis,
]);

/** The analysis of that name, or an AnalysisError listing the valid ones. */
export function analysisNamed(name: string): Analysis {
  const a = Object.hasOwn(ANALYSES, name) ? ANALYSES[name] : undefined;
  if (!a)
    throw new AnalysisError(
      'unknown-analysis',
      `unknown analysis '${name}'; valid: ${Object.keys(ANALYSES).join(', ')}`,
      404,
    );
  return a;
}
