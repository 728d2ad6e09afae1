import { describe, expect, it } from 'vitest';
import { learningRateAt, type LrScheduleSpec } from '../../src-main/train/lr';

const spec = (schedule: LrScheduleSpec['schedule'], extra: Partial<LrScheduleSpec> = {}): LrScheduleSpec => ({
  schedule,
  baseLr: 1e-4,
  warmupSteps: 10,
  totalSteps: 110,
  ...extra,
});

describe('learningRateAt', () => {
  it('constant ignores warmup; the others ramp linearly from 0 over the warmup', () => {
    expect(learningRateAt(spec('constant'), 0)).toBe(1e-4);
    for (const s of [
      'constant_with_warmup',
      'cosine',
      'linear',
      'polynomial',
      'cosine_with_restarts',
    ] as const) {
      expect(learningRateAt(spec(s), 0)).toBe(0);
      expect(learningRateAt(spec(s), 5)).toBeCloseTo(5e-5, 12);
      expect(learningRateAt(spec(s), 10)).toBeCloseTo(1e-4, 12);
    }
  });

  it('cosine reaches half at mid-run and 0 at the end; linear decays to 0', () => {
    expect(learningRateAt(spec('cosine'), 60)).toBeCloseTo(5e-5, 12);
    expect(learningRateAt(spec('cosine'), 110)).toBeCloseTo(0, 12);
    expect(learningRateAt(spec('linear'), 60)).toBeCloseTo(5e-5, 12);
    expect(learningRateAt(spec('linear'), 110)).toBe(0);
    expect(learningRateAt(spec('constant_with_warmup'), 100)).toBe(1e-4);
  });

  it('cosine with restarts jumps back to the base rate at each cycle start', () => {
    const s = spec('cosine_with_restarts', { cycles: 2 });
    expect(learningRateAt(s, 35)).toBeCloseTo(5e-5, 12);
    expect(learningRateAt(s, 60)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(s, 59)).toBeLessThan(1e-6);
  });

  it('polynomial with power 2 follows (1-p)^2 down to 1e-7', () => {
    const s = spec('polynomial', { power: 2 });
    expect(learningRateAt(s, 60)).toBeCloseTo((1e-4 - 1e-7) * 0.25 + 1e-7, 12);
    expect(learningRateAt(s, 200)).toBeCloseTo(1e-7, 15);
  });
});
