// What every optimizer is: named fp32 parameter buffers updated in place from gradients, with a state that
// round-trips through a checkpoint exactly (Float32Array slots + plain-number scalars).

export type Tensors = Map<string, Float32Array>;

export interface OptimizerState {
  /** Per-parameter slots, e.g. `exp_avg` → name → values. */
  slots: Record<string, Record<string, Float32Array>>;
  scalars: Record<string, number>;
}

export interface Optimizer {
  readonly name: string;
  /** Applies one update with learning rate `lr`; `grads` has an entry for every parameter. */
  step(params: Tensors, grads: Tensors, lr: number): void;
  state(): OptimizerState;
  load(state: OptimizerState): void;
}

export interface OptimizerSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** A zero slot per parameter, created on first use. */
export function slotFor(slot: Record<string, Float32Array>, name: string, size: number): Float32Array {
  let s = slot[name];
  if (!s) {
    s = new Float32Array(size);
    slot[name] = s;
  }
  return s;
}
