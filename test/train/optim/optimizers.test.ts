import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src-main/train/config';
import { createOptimizer, type Tensors } from '../../../src-main/train/optim/index';
import { AdamW } from '../../../src-main/train/optim/adamw';
import { Prodigy } from '../../../src-main/train/optim/prodigy';

const one = (v: number): Tensors => new Map([['w', Float32Array.from([v])]]);

/** Minimises Σ (w − 3)² from w = 0 for `steps` updates and returns w. */
function descend(
  opt: { step(p: Tensors, g: Tensors, lr: number): void },
  lr: number,
  steps: number,
  p = one(0),
) {
  for (let i = 0; i < steps; i++) {
    const w = p.get('w')!;
    opt.step(p, new Map([['w', Float32Array.from(w, (x) => 2 * (x - 3))]]), lr);
  }
  return p;
}

describe('AdamW', () => {
  it('takes a first step of lr·sign(g) after decoupled decay, as torch.optim.AdamW', () => {
    const opt = new AdamW({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 });
    const p = one(1);
    opt.step(p, one(0.5), 0.1);
    expect(p.get('w')![0]).toBeCloseTo(0.999 - 0.1, 6);
  });

  it('converges on a quadratic and resumes exactly from its saved state', () => {
    const settings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };
    const straight = descend(new AdamW(settings), 0.1, 400);
    expect(straight.get('w')![0]).toBeCloseTo(3, 2);
    const first = new AdamW(settings);
    const p = descend(first, 0.1, 150);
    const second = new AdamW(settings);
    second.load(structuredClone(first.state()));
    descend(second, 0.1, 250, p);
    expect(p.get('w')![0]).toBe(straight.get('w')![0]);
  });
});

describe('Prodigy', () => {
  it('grows its step-size estimate from d0 and converges with lr 1', () => {
    const opt = new Prodigy({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
    const p = descend(opt, 1, 300);
    expect(opt.estimate).toBeGreaterThan(1e-3);
    expect(Math.abs(p.get('w')![0] - 3)).toBeLessThan(0.3);
  });

  it('resumes exactly from its saved state', () => {
    const settings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 };
    const straight = descend(new Prodigy(settings), 1, 60);
    const first = new Prodigy(settings);
    const p = descend(first, 1, 25);
    const second = new Prodigy(settings);
    second.load(structuredClone(first.state()));
    descend(second, 1, 35, p);
    expect(p.get('w')![0]).toBe(straight.get('w')![0]);
  });
});

describe('createOptimizer', () => {
  it('picks the implementation named by the config', () => {
    expect(createOptimizer(resolveConfig({ optimizer: 'prodigy', learningRate: 1 })).name).toBe('prodigy');
    expect(createOptimizer(resolveConfig()).name).toBe('adamw');
  });
});
