/**
 * Sudden jumps across snapshot epochs (ZF Fig. 4: "sudden jumps in appearance result from a change
 * in the image from which the strongest activation originates"). Pure: takes a layer's snapshots.
 */
import type { LayerSnapshot } from '../../server/protocol.js';

/** A jump score at or above this is marked on the evolution view. */
export const JUMP_THRESHOLD = 0.5;

export interface EvolutionMark {
  epoch: number;
  /** The engine's combined jump score, null at the first snapshot. */
  jumpScore: number | null;
  /** The strongest activation now comes from a different probe image than at the previous snapshot. */
  topImageChanged: boolean;
  /** Marked on the view: a high score or a new top image. */
  jump: boolean;
}

/**
 * For feature `index`, one mark per snapshot (in the order given, which must be by epoch). A map
 * missing from a snapshot (fewer maps) or dead (no top) never counts as a changed top image.
 */
export function evolutionMarks(snapshots: LayerSnapshot[], index: number): EvolutionMark[] {
  let prevImage: number | undefined;
  return snapshots.map((s) => {
    const map = s.maps.find((m) => m.index === index);
    const image = map?.top[0]?.image;
    const topImageChanged = prevImage !== undefined && image !== undefined && image !== prevImage;
    if (image !== undefined) prevImage = image;
    const jumpScore = map?.health.jumpScore ?? null;
    return { epoch: s.epoch, jumpScore, topImageChanged, jump: topImageChanged || (jumpScore ?? 0) >= JUMP_THRESHOLD };
  });
}
