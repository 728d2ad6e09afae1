// AdamW with decoupled weight decay and bias correction, in fp32, in the exact order of operations of
// torch.optim.AdamW (non-amsgrad, foreach=False): decay, moments, then p -= lr/bc1 · m / (√v/√bc2 + ε).
import { slotFor, type Optimizer, type OptimizerSettings, type OptimizerState, type Tensors } from './types';

const f = Math.fround;

export class AdamW implements Optimizer {
  readonly name = 'adamw';
  private t = 0;
  private m: Record<string, Float32Array> = {};
  private v: Record<string, Float32Array> = {};

  constructor(private readonly s: OptimizerSettings) {}

  step(params: Tensors, grads: Tensors, lr: number): void {
    this.t += 1;
    const { beta1, beta2, epsilon, weightDecay } = this.s;
    const bc1 = 1 - beta1 ** this.t;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    const stepSize = lr / bc1;
    const decay = f(1 - lr * weightDecay);
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) throw new Error(`AdamW: no gradient for ${name}`);
      const m = slotFor(this.m, name, p.length);
      const v = slotFor(this.v, name, p.length);
      for (let i = 0; i < p.length; i++) {
        p[i] = f(p[i] * decay);
        m[i] = f(m[i] + f(f(g[i] - m[i]) * f(1 - beta1)));
        v[i] = f(f(v[i] * beta2) + f(f(g[i] * g[i]) * f(1 - beta2)));
        const denom = f(f(Math.sqrt(v[i]) / bc2Sqrt) + epsilon);
        p[i] = f(p[i] - f(stepSize * f(m[i] / denom)));
      }
    }
  }

  state(): OptimizerState {
    return { slots: { exp_avg: this.m, exp_avg_sq: this.v }, scalars: { step: this.t } };
  }

  load(state: OptimizerState): void {
    this.t = state.scalars.step ?? 0;
    this.m = state.slots.exp_avg ?? {};
    this.v = state.slots.exp_avg_sq ?? {};
  }
}
