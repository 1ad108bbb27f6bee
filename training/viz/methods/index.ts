/** The registry of projection methods: adding one is a new file and one line here. */
import { backprop } from './backprop.js';
import { deconvnet } from './deconvnet.js';
import { guided } from './guided.js';
import type { ProjectionMethod } from './types.js';

export type { ProjectionMethod, ProjectionRequest } from './types.js';

export const PROJECTION_METHODS: Record<string, ProjectionMethod> = {
  deconvnet,
  backprop,
  guided,
};
