// All four samplers on analytic denoisers: determinism per seed, DDIM(η=0) ≡ Euler, DDIM(η=1) ≡ Euler a, and
// convergence on Gaussian data, whose exact denoiser is known; plus the eps/v adapters and the sampler table.
import { describe, expect, it } from 'vitest';
import { TorchCpuGenerator, randn } from '../../../src-main/random';
import { kDiffusionSigmas, karrasSigmasFor, sigmaTable, sigmaToT } from '../../../src-main/sample/schedules';
import { sample as ddim } from '../../../src-main/sample/samplers/ddim';
import {
  type Denoiser,
  epsilonDenoiser,
  toD,
  vPredictionDenoiser,
} from '../../../src-main/sample/samplers/denoiser';
import { sample as dpmpp2m } from '../../../src-main/sample/samplers/dpmpp-2m';
import { sample as euler } from '../../../src-main/sample/samplers/euler';
import { ancestralStep, sample as eulerA } from '../../../src-main/sample/samplers/euler-a';
import { SAMPLERS, isSamplerName } from '../../../src-main/sample/samplers/index';

const table = sigmaTable();

/** Data ~ N(0, s²) per element ⇒ E[x0 | x] = x·s²/(s² + σ²) exactly. */
function gaussianDenoiser(s: number): Denoiser {
  return async (x, sigma) => x.map((v) => (v * s * s) / (s * s + sigma * sigma));
}

/** A denoiser with structure: pulls toward a fixed pattern, more strongly at low σ. */
const patterned: Denoiser = async (x, sigma) =>
  x.map((v, i) => (Math.sin(i) + v / (1 + sigma)) / (1 + sigma * 0.1));

function initial(seed: number, sigmas: Float64Array, count = 256): Float32Array {
  return randn(seed, [count]).map((v) => v * sigmas[0]);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('samplers', () => {
  const sigmas = kDiffusionSigmas(table, 20);

  it.each([
    ['euler', euler],
    ['euler_a', eulerA],
    ['dpmpp_2m', dpmpp2m],
    ['ddim', ddim],
  ] as const)('%s is deterministic for a seed and calls back once per step', async (_name, sampler) => {
    const run = async (seed: number) => {
      const steps: number[] = [];
      const out = await sampler(patterned, initial(seed, sigmas), sigmas, {
        rng: new TorchCpuGenerator(seed),
        callback: (step) => steps.push(step),
      });
      return { out, steps };
    };
    const a = await run(3);
    expect(a.steps).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await run(3)).out).toEqual(a.out);
    expect((await run(4)).out).not.toEqual(a.out);
  });

  it('a model that predicts zero noise (D = x) leaves x unchanged under Euler and DDIM η=0', async () => {
    const x = initial(1, sigmas);
    const identity: Denoiser = async (v) => Float32Array.from(v);
    const rng = new TorchCpuGenerator(0);
    expect(await euler(identity, x, sigmas, { rng })).toEqual(x);
    expect(maxDiff(await ddim(identity, x, sigmas, { rng }), x)).toBe(0);
  });

  it('DDIM with η = 0 equals Euler for any denoiser (x_next = D + σ_next·ε in the σ-scaled space)', async () => {
    const x = initial(2, sigmas);
    const rng = new TorchCpuGenerator(0);
    const a = await euler(patterned, x, sigmas, { rng });
    const b = await ddim(patterned, x, sigmas, { rng });
    expect(maxDiff(a, b)).toBeLessThan(1e-4);
  });

  it('DDIM with η = 1 equals Euler ancestral given the same noise stream', async () => {
    const x = initial(5, sigmas);
    const a = await eulerA(patterned, x, sigmas, { rng: new TorchCpuGenerator(9) });
    const b = await ddim(patterned, x, sigmas, { rng: new TorchCpuGenerator(9), eta: 1 } as Parameters<
      typeof ddim
    >[3]);
    expect(maxDiff(a, b)).toBeLessThan(1e-4);
  });

  // NOTE: the SD "normal" grid puts few steps where σ ≈ s, so convergence is slow but monotone; Karras helps.
  it('ODE samplers map x_T to x_T·s/sqrt(s² + σ_max²) on Gaussian data, error shrinking with steps', async () => {
    const s = 0.5;
    const errorAt = async (sampler: typeof euler, steps: number, karras = false) => {
      const sig = karras ? karrasSigmasFor(table, steps) : kDiffusionSigmas(table, steps);
      const x = initial(6, sig, 64);
      const out = await sampler(gaussianDenoiser(s), x, sig, { rng: new TorchCpuGenerator(0) });
      const exact = x.map((v) => (v * s) / Math.sqrt(s * s + sig[0] * sig[0]));
      return maxDiff(out, exact) / Math.max(...exact.map(Math.abs));
    };
    expect(await errorAt(euler, 200)).toBeLessThan((await errorAt(euler, 20)) / 5);
    expect(await errorAt(euler, 1000)).toBeLessThan(0.006);
    expect(await errorAt(dpmpp2m, 200)).toBeLessThan(0.005);
    expect(await errorAt(dpmpp2m, 20, true)).toBeLessThan(0.02);
    // Second order: 2× the steps cuts the error about 4× (Karras grid), and it beats Euler at equal steps.
    expect(await errorAt(dpmpp2m, 20, true)).toBeLessThan((await errorAt(dpmpp2m, 10, true)) / 3);
    expect(await errorAt(dpmpp2m, 20, true)).toBeLessThan((await errorAt(euler, 20, true)) / 3);
  });

  it('Euler ancestral approaches the data variance s² as steps grow', async () => {
    const s = 0.7;
    const varianceRatio = async (steps: number) => {
      const sig = kDiffusionSigmas(table, steps);
      const x = randn(11, [10000]).map((v) => v * Math.sqrt(s * s + sig[0] * sig[0]));
      const out = await eulerA(gaussianDenoiser(s), x, sig, { rng: new TorchCpuGenerator(12) });
      return out.reduce((a, v) => a + v * v, 0) / out.length / (s * s);
    };
    const coarse = await varianceRatio(20);
    const fine = await varianceRatio(300);
    expect(Math.abs(fine - 1)).toBeLessThan(Math.abs(coarse - 1) / 3);
    expect(Math.abs(fine - 1)).toBeLessThan(0.06);
  });

  it('ancestralStep splits σ_next² into σ_down² + σ_up², with η = 0 giving no noise', () => {
    const { sigmaDown, sigmaUp } = ancestralStep(2, 1);
    expect(sigmaDown ** 2 + sigmaUp ** 2).toBeCloseTo(1, 12);
    expect(sigmaUp).toBeCloseTo(Math.sqrt(3 / 4), 12);
    expect(ancestralStep(2, 1, 0)).toEqual({ sigmaDown: 1, sigmaUp: 0 });
  });

  it('toD is the ODE slope (x − D)/σ', () => {
    expect(Array.from(toD(Float32Array.from([3]), 2, Float32Array.from([1])))).toEqual([1]);
  });
});

describe('model adapters', () => {
  const toT = (sigma: number) => sigmaToT(table, sigma);

  it('epsilon: feeds x·c_in and t, returns x − σ·eps', async () => {
    const seen: { x: number; t: number }[] = [];
    const denoiser = epsilonDenoiser(async (xIn, t) => {
      seen.push({ x: xIn[0], t });
      return Float32Array.from([0.5]);
    }, toT);
    const out = await denoiser(Float32Array.from([2]), table[500]);
    expect(seen[0].x).toBeCloseTo(2 / Math.sqrt(table[500] ** 2 + 1), 6);
    expect(seen[0].t).toBeCloseTo(500, 6);
    expect(out[0]).toBeCloseTo(2 - table[500] * 0.5, 5);
  });

  it('v-prediction: recovers x0 exactly when the model returns the true v', async () => {
    // x = x0 + σ·ε; in the ᾱ scaling v = sqrt(ᾱ)·ε − sqrt(1 − ᾱ)·x0 with ᾱ = 1/(1 + σ²).
    const x0 = 0.3;
    const eps = -1.2;
    const sigma = 3;
    const a = 1 / (1 + sigma * sigma);
    const v = Math.sqrt(a) * eps - Math.sqrt(1 - a) * x0;
    const denoiser = vPredictionDenoiser(async () => Float32Array.from([v]), toT);
    const out = await denoiser(Float32Array.from([x0 + sigma * eps]), sigma);
    expect(out[0]).toBeCloseTo(x0, 6);
  });
});

describe('sampler table', () => {
  it('names every CLI sampler with its A1111 display name and sigma list', () => {
    expect(isSamplerName('dpmpp_2m_karras')).toBe(true);
    expect(isSamplerName('heun')).toBe(false);
    expect(SAMPLERS.euler_a.a1111Name).toBe('Euler a');
    expect(SAMPLERS.dpmpp_2m_karras.sigmas(table, 10)[1]).toBeCloseTo(karrasSigmasFor(table, 10)[1], 12);
    expect(SAMPLERS.ddim.sigmas(table, 10).length).toBe(11);
  });
});
