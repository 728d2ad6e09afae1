// torch CPU randn reproduced: mt19937 reference outputs and values torch prints for torch.manual_seed(…).
import { describe, expect, it } from 'vitest';
import { MT19937, TorchCpuGenerator, randn } from '../../src-main/random';

function expectClose(actual: Float32Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  // torch prints 4 decimals; agreement within half a printed unit means every printed digit matches.
  actual.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(5e-5));
}

describe('MT19937', () => {
  it('produces the C++ standard outputs for the default seed 5489', () => {
    const mt = new MT19937(5489);
    expect([mt.nextU32(), mt.nextU32()]).toEqual([3499211612, 581869302]);
    // [rand.predef]: the 10000th output of a default-constructed std::mt19937 is 4123659995.
    const again = new MT19937();
    for (let i = 0; i < 9999; i++) again.nextU32();
    expect(again.nextU32()).toBe(4123659995);
  });
});

describe('TorchCpuGenerator', () => {
  // Verified against values torch prints (widely published docs/tutorials); 4-decimal precision only.
  it('scalar path (< 16 elements): manual_seed(0); randn(4) and manual_seed(42); randn(2, 3)', () => {
    expectClose(randn(0, [4]), [1.541, -0.2934, -2.1788, 0.5684]);
    expectClose(randn(42, [2, 3]), [0.3367, 0.1288, 0.2345, 0.2303, -1.1229, -0.1863]);
  });

  it('16-wide Box–Muller path: manual_seed(0); randn(1, 1, 4, 4) (kornia docstring)', () => {
    expectClose(
      randn(0, [1, 1, 4, 4]),
      [
        -1.1258, -1.1524, -0.2506, -0.4339, 0.8487, 0.692, -0.316, -2.1152, 0.3223, -1.2633, 0.35, 0.3081,
        0.1198, 1.2377, 1.1168, -0.2473,
      ],
    );
  });

  it('tail redraw (size % 16 ≠ 0) and stream continuation: randn(10,4), randn(4,4), randn(10,4) after seed 0', () => {
    const g = new TorchCpuGenerator(0);
    const x = g.randn(40);
    expectClose(
      x.subarray(16, 40),
      [
        -1.3527, -1.6959, 0.5667, 0.7935, 0.5988, -1.5551, -0.3414, 1.853, -0.2159, -0.7425, 0.5627, 0.2596,
        -0.174, -0.6787, 0.9383, 0.4889, 1.2032, 0.0845, -1.2001, -0.0048, -0.5181, -0.3067, -1.581, 1.7066,
      ],
    );
    expectClose(
      g.randn(16),
      [
        0.2055, -0.4503, -0.5731, -0.5554, 0.5943, 1.5419, 0.5073, -0.591, -1.3253, 0.1886, -0.0691, -0.4949,
        -1.4959, -0.1938, 0.4455, 1.3253,
      ],
    );
    expectClose(
      g.randn(40).subarray(0, 8),
      [1.5091, 2.082, 1.7067, 2.3804, -1.1256, -0.317, -1.0925, -0.0852],
    );
  });

  it('keeps the cached Box–Muller partner across calls, as torch does', () => {
    const g = new TorchCpuGenerator(0);
    const parts = [...g.randn(3), ...g.randn(1)];
    expectClose(Float32Array.from(parts), [1.541, -0.2934, -2.1788, 0.5684]);
  });

  it('is a deterministic function of the seed and uses its low 32 bits', () => {
    expect(randn(7, [64])).toEqual(randn(7, [64]));
    expect(randn(7, [64])).not.toEqual(randn(8, [64]));
    expect(randn(2n ** 32n + 7n, [20])).toEqual(randn(7, [20]));
  });

  it('looks standard normal over many samples', () => {
    const v = randn(1234, [4, 64, 64]);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});
