/**
 * When snapshots are taken and with which methods. The default epochs are the paper's Fig. 4
 * schedule (ZF: "at epochs [1,2,5,10,20,30,40,64]").
 */
import { checkMethods } from './methods/index.js';

export const DEFAULT_SNAPSHOT_EPOCHS: readonly number[] = [1, 2, 5, 10, 20, 30, 40, 64];

/** "1,2,5" -> [1, 2, 5], sorted ascending without duplicates; throws naming the bad entry. */
export function parseSnapshotEpochs(text: string): number[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0)
    throw new Error(`--snapshots: expected a comma-separated list of epochs like 1,2,5,10, found '${text}'`);
  const epochs = parts.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) < 1) {
      throw new Error(`--snapshots: expected positive whole epoch numbers like 1,2,5,10, found '${p}' in '${text}'`);
    }
    return Number(p);
  });
  return [...new Set(epochs)].sort((a, b) => a - b);
}

/**
 * The snapshot epochs of a run of `total` epochs: the requested ones that the run reaches, plus
 * always the last epoch, so that every run ends with a snapshot of its final weights (a short run
 * with the paper's schedule, e.g. 3 epochs, gets 1, 2, 3).
 */
export function snapshotEpochsFor(total: number, requested: readonly number[] = DEFAULT_SNAPSHOT_EPOCHS): number[] {
  if (!Number.isInteger(total) || total < 1) return [];
  const kept = requested.filter((e) => Number.isInteger(e) && e >= 1 && e <= total);
  return [...new Set([...kept, total])].sort((a, b) => a - b);
}

/** "deconvnet,guided" -> ['deconvnet', 'guided'] in the given order, validated by checkMethods. */
export function parseMethods(text: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return checkMethods(names, '--methods');
}
