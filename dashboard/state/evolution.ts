/**
 * Sudden jumps across snapshot epochs (ZF Fig. 4: "sudden jumps in appearance result from a change
 * in the image from which the strongest activation originates"), as the trainer flagged them, and
 * whether the top image changed (shown apart: it changes often without a jump). Pure.
 */
import type { JumpReason, LayerSnapshot } from '../../server/protocol.js';

export interface EvolutionMark {
  epoch: number;
  /** Robust z-score of the feature's response change within its layer, null at the first snapshot. */
  jumpZ: number | null;
  /** The strongest activation now comes from a different probe image than at the previous snapshot. */
  topImageChanged: boolean;
  /** The trainer's verdict (diagnostics/jumps.ts): a change that stands out, with its reason. */
  jump: JumpReason | null;
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
    return { epoch: s.epoch, jumpZ: map?.health.jumpZ ?? null, topImageChanged, jump: map?.health.jump ?? null };
  });
}
