/** The registry of projection methods: adding one is a new file and one entry in the list below. */
import { registry } from '../../registry.js';
import { backprop } from './backprop.js';
import { deconvnet } from './deconvnet.js';
import { guided } from './guided.js';
import type { ProjectionMethod } from './types.js';

export { project } from './project.js';
export type { ProjectionMethod, ProjectionRequest } from './types.js';

export const PROJECTION_METHODS: Readonly<Record<string, ProjectionMethod>> = registry('projection method', [
  deconvnet,
  backprop,
  guided,
]);

/**
 * The one check of a list of method names (the --methods flag, a snapshot's options): a non-empty
 * list of registered names, returned without repeats in the given order; `where` names the input.
 */
export function checkMethods(names: readonly string[], where: string): string[] {
  const valid = Object.keys(PROJECTION_METHODS);
  if (names.length === 0) throw new RangeError(`${where}: expected a list of ${valid.join(', ')}; found none`);
  const bad = names.find((n) => !Object.hasOwn(PROJECTION_METHODS, n));
  if (bad !== undefined)
    throw new RangeError(`${where}: unknown method '${bad}'; valid methods are ${valid.join(', ')}`);
  return [...new Set(names)];
}
