// Prodigy (Mishchenko & Defazio 2023, the `prodigyopt` defaults): Adam whose step size d is estimated from
// the distance travelled from the initial weights, so the learning rate stays at 1.0. fp32 state; scalar
// bookkeeping in float64 as the reference keeps it in Python floats. Decoupled weight decay, no bias correction.
import { slotFor, type Optimizer, type OptimizerSettings, type OptimizerState, type Tensors } from './types';

export interface ProdigySettings extends OptimizerSettings {
  /** Initial d estimate. */
  d0?: number;
  /** Multiplier on the d estimate. */
  dCoef?: number;
  /** Cap on d's growth per step (Infinity: uncapped). */
  growthRate?: number;
}

const f = Math.fround;

export class Prodigy implements Optimizer {
  readonly name = 'prodigy';
  private slots: OptimizerState['slots'] = { exp_avg: {}, exp_avg_sq: {}, s: {}, p0: {} };
  private d: number;
  private dMax: number;
  private dNumerator = 0;
  private k = 0;

  constructor(private readonly s: ProdigySettings) {
    this.d = s.d0 ?? 1e-6;
    this.dMax = this.d;
  }

  step(params: Tensors, grads: Tensors, lr: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.s;
    const beta3 = Math.sqrt(beta2);
    const d0 = this.s.d0 ?? 1e-6;
    const d = this.d;
    const dlr = d * lr;
    this.dNumerator *= beta3;
    let deltaNumerator = 0;
    let dDenom = 0;
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) throw new Error(`Prodigy: no gradient for ${name}`);
      const m = slotFor(this.slots.exp_avg, name, p.length);
      const v = slotFor(this.slots.exp_avg_sq, name, p.length);
      const sl = slotFor(this.slots.s, name, p.length);
      const p0 = this.slots.p0[name] ?? (this.slots.p0[name] = Float32Array.from(p));
      let dot = 0;
      let sAbs = 0;
      for (let i = 0; i < p.length; i++) {
        dot += g[i] * (p0[i] - p[i]);
        m[i] = f(f(m[i] * beta1) + f(g[i] * d * (1 - beta1)));
        v[i] = f(f(v[i] * beta2) + f(g[i] * g[i] * d * d * (1 - beta2)));
        sl[i] = f(f(sl[i] * beta3) + f(g[i] * ((d / d0) * dlr)));
        sAbs += Math.abs(sl[i]);
      }
      deltaNumerator += (d / d0) * dlr * dot;
      dDenom += sAbs;
    }
    if (dDenom === 0) return;
    if (lr > 0) {
      this.dNumerator += deltaNumerator;
      const dHat = ((this.s.dCoef ?? 1) * this.dNumerator) / dDenom;
      let next = d === d0 ? Math.max(d, dHat) : d;
      this.dMax = Math.max(this.dMax, dHat);
      next = Math.min(this.dMax, next * (this.s.growthRate ?? Infinity));
      this.d = next;
    }
    // NOTE: the denominator uses the new estimate, the step size the one this update started with (dlr).
    for (const [name, p] of params) {
      const m = this.slots.exp_avg[name];
      const v = this.slots.exp_avg_sq[name];
      for (let i = 0; i < p.length; i++) {
        const denom = f(Math.sqrt(v[i]) + this.d * epsilon);
        if (weightDecay) p[i] = f(p[i] - p[i] * weightDecay * dlr);
        p[i] = f(p[i] - f(dlr * f(m[i] / denom)));
      }
    }
    this.k += 1;
  }

  /** The current step-size estimate (shown as the effective learning rate). */
  get estimate(): number {
    return this.d;
  }

  state(): OptimizerState {
    return {
      slots: this.slots,
      scalars: { d: this.d, dMax: this.dMax, dNumerator: this.dNumerator, k: this.k },
    };
  }

  load(state: OptimizerState): void {
    this.slots = { exp_avg: {}, exp_avg_sq: {}, s: {}, p0: {}, ...state.slots };
    this.d = state.scalars.d;
    this.dMax = state.scalars.dMax;
    this.dNumerator = state.scalars.dNumerator;
    this.k = state.scalars.k;
  }
}
