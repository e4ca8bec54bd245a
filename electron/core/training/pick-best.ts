import type { CheckpointInfo } from '../../shared/contract/index.js';

/**
 * How a phase's checkpoints are ranked. Today: held-out loss. The evaluation issue swaps in a
 * selector by evaluation score; the run only ever calls `pickBest`.
 */
export type CheckpointSelector = (checkpoints: CheckpointInfo[]) => CheckpointInfo | null;

/**
 * Picks the checkpoint with the lowest held-out loss; the latest wins a tie, and a checkpoint
 * without a score only wins over other unscored ones (the latest). Cancel checkpoints (written
 * mid-epoch to resume from) never count.
 */
export function pickBest(checkpoints: CheckpointInfo[]): CheckpointInfo | null {
  const candidates = checkpoints.filter((c) => c.reason !== 'cancel');
  let best: CheckpointInfo | null = null;
  for (const c of candidates) {
    if (best === null) best = c;
    else if (c.evalLoss === null || best.evalLoss === null)
      best = c.evalLoss === null && best.evalLoss !== null ? best : c;
    else if (c.evalLoss <= best.evalLoss) best = c;
  }
  return best;
}
