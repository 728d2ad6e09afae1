import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../src-main/models/families';
import { minSnrWeight, noiseTables, trainAlphasCumprod } from '../../src-main/train/noise-schedule';

describe('trainAlphasCumprod', () => {
  it('is the SD scaled-linear table (ᾱ_0 = 1 − 0.00085, ᾱ_999 ≈ 0.00466)', () => {
    const abar = trainAlphasCumprod(FAMILIES.sd1);
    expect(abar).toHaveLength(1000);
    expect(abar[0]).toBeCloseTo(0.99915, 6);
    expect(abar[999]).toBeCloseTo(0.00466, 5);
  });
});

describe('minSnrWeight', () => {
  it('clips the SNR at γ: ε divides by SNR, v by SNR + 1', () => {
    expect(minSnrWeight(4, 5, 'epsilon')).toBe(1);
    expect(minSnrWeight(10, 5, 'epsilon')).toBe(0.5);
    expect(minSnrWeight(10, 5, 'v')).toBe(5 / 11);
    expect(minSnrWeight(1, 5, 'v')).toBe(0.5);
  });
});

describe('noiseTables', () => {
  it('holds √ᾱ, √(1−ᾱ) and per-step weights', () => {
    const abar = trainAlphasCumprod(FAMILIES.sd1);
    const { signal, noise, weight } = noiseTables(FAMILIES.sd1, 5);
    expect(signal[999]).toBeCloseTo(0.06826, 4);
    for (const t of [0, 500, 999]) {
      expect(signal[t] ** 2 + noise[t] ** 2).toBeCloseTo(1, 6);
      const snr = abar[t] / (1 - abar[t]);
      expect(weight[t]).toBeCloseTo(Math.min(snr, 5) / snr, 6);
    }
    expect(noiseTables(FAMILIES['sd2-v'], 5).weight[0]).toBeCloseTo(5 / (abar[0] / (1 - abar[0]) + 1), 6);
    expect(noiseTables(FAMILIES.sd1).weight.every((w) => w === 1)).toBe(true);
  });
});
