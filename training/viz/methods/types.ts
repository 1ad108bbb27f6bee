/**
 * The shape every projection method shares (one method a file, listed in index.ts). A method is a
 * ReLU backward rule: the projection engine (chain.ts, project.ts) owns everything else, the
 * forward pass, the switches, the transposed filters, and asks a method only what this interface
 * says, so every method plugs into the snapshot, the analyses and `project()` alike.
 */
import type { ReluRule } from '../chain.js';

/** One unit to project: row `image` of the input batch, feature map `channel`, position (y, x). */
export interface ProjectionRequest {
  image: number;
  channel: number;
  y: number;
  x: number;
  /** Seed value; by default the unit's activation, as in ZF (a unit that does not fire projects to 0). */
  seed?: number;
}

export interface ProjectionMethod {
  name: string;
  description: string;
  /** Whether the rule reads the forward ReLU mask (backprop, guided) or only the signal (deconvnet). */
  usesForwardMask: boolean;
  relu: ReluRule;
}
