// The divergence guard: a step whose loss or gradient is not finite, or whose smoothed loss is worse than
// predicting nothing, is not applied. The run then rolls back once to its last saved state (or its start) with
// half the learning rate; the second time it stops with the step and the likely cause (the "fried LoRA" and
// NaN-loss reports of kohya/OneTrainer users, caught instead of logged).

/**
 * ε and v targets have unit variance, so a model that predicts zero scores an MSE near 1; a smoothed loss above
 * this is worse than predicting nothing: the adapter has blown up.
 */
export const EXPLODED_LOSS = 2;

/** Learning-rate factor after the one rollback. */
export const ROLLBACK_LR_FACTOR = 0.5;

export interface StepFacts {
  loss: number;
  norm: number;
  /** The update was applied (or would have been): finite loss and gradients. */
  ok: boolean;
  /** The smoothed loss including this step. */
  smoothLoss: number;
  /** f16 runs: the loss scale; an overflow above scale 1 is the loss scaler's to handle, not divergence. */
  lossScale: number | null;
}

/**
 * Why a step counts as divergence, in words; null when it does not.
 * @example divergence({ loss: NaN, norm: NaN, ok: false, smoothLoss: NaN, lossScale: null }) // 'the loss is not a number'
 */
export function divergence(f: StepFacts): string | null {
  if (!f.ok && f.lossScale !== null && f.lossScale > 1) return null;
  if (!Number.isFinite(f.loss)) return 'the loss is not a number (NaN or infinite)';
  if (!f.ok || !Number.isFinite(f.norm)) return 'the gradient is not finite (NaN or infinite)';
  if (f.smoothLoss > EXPLODED_LOSS)
    return `the loss exploded (smoothed ${f.smoothLoss.toPrecision(3)}, worse than predicting nothing)`;
  return null;
}

/** A run that diverged again after its rollback. */
export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
}

/** What the log, the CLI and the dashboard say when the guard rolls back. */
export function rollbackNotice(step: number, cause: string, toStep: number, lr: number): string {
  const to = toStep > 0 ? `step ${toStep}, the last saved state,` : 'the start (no state was saved yet)';
  return `Step ${step}: ${cause}. Not applied; rolled back to ${to} with the learning rate halved to ${lr.toPrecision(3)}.`;
}

/** The stop message: the step, what happened, and what to change. */
export function stopMessage(step: number, cause: string, lr: number, fp16: boolean): string {
  return (
    `Training stopped at step ${step}: ${cause}, again after a rollback with half the learning rate. ` +
    `Likely cause: the learning rate (${lr.toPrecision(3)}) is too high for this dataset and rank; try a tenth of it` +
    (fp16 ? ', or fp32 precision (fp16 can overflow).' : '.')
  );
}
