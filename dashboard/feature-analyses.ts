/**
 * The analyses registry of the feature page: per-feature analyses that other parts add (the
 * optimal input of a feature, occlusion maps), each one entry here and one render function. The
 * page gives each the feature it shows; an analysis fetches through data/api.ts like any view.
 */
import type { TemplateResult } from 'lit';
import type { RunInfo } from '../server/protocol.js';

/** What the feature page tells an analysis. */
export interface FeatureAnalysisContext {
  run: RunInfo;
  layer: string;
  feature: number;
  /** The epoch the page highlights (the scrubber's). */
  epoch: number;
  /** The layer's snapshot epochs, ascending. */
  epochs: number[];
}

/** One analysis: its section on the feature page. */
export interface FeatureAnalysisSpec {
  id: string;
  title: string;
  /** Whether it applies here (e.g. only where the run kept a checkpoint at that epoch). */
  applies?(ctx: FeatureAnalysisContext): boolean;
  render(ctx: FeatureAnalysisContext): TemplateResult;
}

/** Empty in this build: optimal input and occlusion register here when they land. */
export const FEATURE_ANALYSES: FeatureAnalysisSpec[] = [];
