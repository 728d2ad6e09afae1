// SD1.5 schedule values against closed forms and published constants; spacing and sigma↔t round trips.
import { describe, expect, it } from 'vitest';
import { SD_SCHEDULE, alphasCumprod, betas, linspace } from '../../src-main/models/ddpm-schedule';
import {
  diffusersEulerSigmas,
  diffusersTimesteps,
  karrasSigmas,
  karrasSigmasFor,
  kDiffusionSigmas,
  sigmaTable,
  sigmaToT,
  tToSigma,
} from '../../src-main/sample/schedules';

/** β_t from the closed form (√β linear in t), written out without the module's linspace. */
function betaAt(t: number): number {
  const a = Math.sqrt(0.00085);
  const b = Math.sqrt(0.012);
  return (a + ((b - a) * t) / 999) ** 2;
}

function alphaBarAt(t: number): number {
  let p = 1;
  for (let s = 0; s <= t; s++) p *= 1 - betaAt(s);
  return p;
}

describe('SD1.5 schedule tables', () => {
  const ab = alphasCumprod();
  const sig = sigmaTable();

  it('β runs from beta_start to beta_end (config values)', () => {
    const b = betas();
    expect(b.length).toBe(1000);
    expect(b[0]).toBeCloseTo(0.00085, 15);
    expect(b[999]).toBeCloseTo(0.012, 15);
  });

  it('ᾱ equals the closed-form product at listed indices', () => {
    expect(ab[0]).toBeCloseTo(1 - 0.00085, 15); // ᾱ_0 = 1 − β_0
    for (const t of [1, 10, 250, 500, 999]) expect(ab[t]).toBeCloseTo(alphaBarAt(t), 13);
    expect(ab[999]).toBeCloseTo(1 / (1 + 14.6146 ** 2), 6); // ≈ 0.00466: ᾱ = 1/(1 + σ²) at the published σ_max
  });

  it('σ matches the published SD sigma_min/sigma_max (A1111/ComfyUI logs: 0.0292, 14.6146)', () => {
    expect(sig[0]).toBeCloseTo(Math.sqrt(0.00085 / 0.99915), 12);
    expect(sig[0]).toBeCloseTo(0.0292, 4);
    expect(sig[999]).toBeCloseTo(14.6146, 4);
    for (const t of [0, 100, 999])
      expect(sig[t]).toBeCloseTo(Math.sqrt((1 - alphaBarAt(t)) / alphaBarAt(t)), 10);
  });

  it('the f32 table is the f64 table rounded to float', () => {
    const f32 = sigmaTable(SD_SCHEDULE, 'f32');
    expect(f32[999]).toBe(Math.fround(f32[999]));
    expect(Math.abs(f32[999] - sig[999]) / sig[999]).toBeLessThan(1e-6);
  });
});

describe('sigma lists', () => {
  const sig = sigmaTable();

  it('linspace ends exactly at both ends, like torch.linspace', () => {
    expect(Array.from(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(999, 0, 7)[6]).toBe(0);
  });

  it('k-diffusion normal sigmas start at σ_max, end at σ_min, then 0', () => {
    const s = kDiffusionSigmas(sig, 20);
    expect(s.length).toBe(21);
    expect(s[0]).toBeCloseTo(sig[999], 12);
    expect(s[19]).toBeCloseTo(sig[0], 12);
    expect(s[20]).toBe(0);
    // t = 999·(1 − 1/19) is fractional: interpolated in log σ between its neighbours.
    const t = 999 - 999 / 19;
    const w = t - Math.floor(t);
    const expected = Math.exp((1 - w) * Math.log(sig[Math.floor(t)]) + w * Math.log(sig[Math.ceil(t)]));
    expect(s[1]).toBeCloseTo(expected, 12);
  });

  it('Karras sigmas follow (max^(1/ρ) + r·(min^(1/ρ) − max^(1/ρ)))^ρ with ρ = 7', () => {
    const s = karrasSigmas(3, 0.1, 10);
    const mid = ((10 ** (1 / 7) + 0.1 ** (1 / 7)) / 2) ** 7;
    expect(s[0]).toBeCloseTo(10, 12);
    expect(s[1]).toBeCloseTo(mid, 12);
    expect(s[2]).toBeCloseTo(0.1, 12);
    expect(s[3]).toBe(0);
    expect(karrasSigmasFor(sig, 10)[0]).toBeCloseTo(14.6146, 4);
  });

  it('σ ↔ t are inverse, including between table entries', () => {
    for (const t of [0, 0.5, 17.25, 500, 998.9, 999])
      expect(sigmaToT(sig, tToSigma(sig, t))).toBeCloseTo(t, 9);
    expect(sigmaToT(sig, 1000)).toBe(999); // clamped above σ_max
    expect(sigmaToT(sig, 1e-4)).toBe(0); // clamped below σ_min
  });

  it('diffusers spacings match the formulas in EulerDiscreteScheduler.set_timesteps', () => {
    expect(Array.from(diffusersTimesteps(1000, 4, 'leading'))).toEqual([751, 501, 251, 1]);
    expect(Array.from(diffusersTimesteps(1000, 4, 'trailing'))).toEqual([999, 749, 499, 249]);
    expect(Array.from(diffusersTimesteps(1000, 3, 'linspace'))).toEqual([999, 499.5, 0]);
    // 1000 − 3·62.5 = 812.5 rounds half-to-even (numpy) to 812, then −1.
    expect(diffusersTimesteps(1000, 16, 'trailing')[3]).toBe(811);
  });

  it('diffusers Euler sigmas interpolate σ linearly at fractional timesteps', () => {
    const s = diffusersEulerSigmas(sig, Float64Array.from([999, 499.5]));
    expect(s[0]).toBeCloseTo(sig[999], 12);
    expect(s[1]).toBeCloseTo((sig[499] + sig[500]) / 2, 12);
    expect(s[2]).toBe(0);
  });
});
