import { describe, expect, it } from 'vitest';
import { randomInt, seededRng } from '../../src-main/random';

describe('rng', () => {
  it('is reproducible per seed and uniform enough', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(xs.reduce((s, x) => s + x, 0) / 1000).toBeCloseTo(0.5, 1);
    const ints = new Set(Array.from({ length: 200 }, () => randomInt(a, 3, 5)));
    expect([...ints].sort()).toEqual([3, 4, 5]);
  });
});
