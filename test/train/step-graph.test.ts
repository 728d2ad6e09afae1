import { describe, expect, it } from 'vitest';
import { evaluate64, liveOrder, type Feeds, type Node } from '../../src-main/engine';
import { planTargets } from '../../src-main/lora/plan';
import { FAMILIES, type FamilyConfig } from '../../src-main/models/families';
import { noiseTables } from '../../src-main/train/noise-schedule';
import {
  buildStepGraph,
  gradName,
  STEP_INPUTS,
  UNET_BLOCK_SEGMENTS,
  type StepGraphOptions,
} from '../../src-main/train/step-graph';
import { randomFeed, TOY_PLAN, toyDenoiser } from '../lora/toy-denoiser';

const B = 2;
const modules = planTargets(TOY_PLAN).map((target) => ({
  target,
  rank: TOY_PLAN.rank,
  alpha: TOY_PLAN.alpha,
}));
const T = BigInt64Array.of(37n, 812n);

function options(config: FamilyConfig, extra: Partial<StepGraphOptions> = {}): StepGraphOptions {
  return {
    config,
    modules,
    denoiser: toyDenoiser,
    shape: { batch: B, height: 2, width: 2, contextLength: 3 },
    ...extra,
  };
}

/** Data feeds plus A/B (B non-zero unless `zeroB`) for a built step graph. */
function feedsFor(step: ReturnType<typeof buildStepGraph>, zeroB = false): Feeds {
  const feeds: Feeds = {
    [STEP_INPUTS.latents]: randomFeed([B, 4, 2, 2], 11),
    [STEP_INPUTS.noise]: randomFeed([B, 4, 2, 2], 12),
    [STEP_INPUTS.timesteps]: { dtype: 'i64', shape: [B], data: T },
    [STEP_INPUTS.context]: randomFeed([B, 3, 32], 13),
  };
  step.params.forEach((p, i) => {
    feeds[p.down.name!] = randomFeed(p.down.shape as number[], 100 + i, 0.2);
    const up = randomFeed(p.up.shape as number[], 200 + i, 0.2);
    feeds[p.up.name!] = zeroB ? { ...up, data: new Float32Array(up.data.length) } : up;
  });
  return feeds;
}

const toF64 = (f: Feeds[string]) => Float64Array.from(f.data as Float32Array);

describe('buildStepGraph', () => {
  it('has analytic gradients equal to central finite differences (float64)', () => {
    const step = buildStepGraph(options(FAMILIES['tiny-sd1'], { minSnrGamma: 5 }));
    const feeds = feedsFor(step);
    const names = step.params.flatMap((p) => [p.down.name!, p.up.name!]);
    const analytic = evaluate64(
      names.map((n) => step.outputs[gradName(n)]),
      feeds,
    );
    const h = 1e-5;
    names.forEach((name, k) => {
      for (const idx of [0, 7]) {
        const at = (delta: number) => {
          const data = toF64(feeds[name]);
          data[idx] += delta;
          return evaluate64([step.loss], { ...feeds, [name]: { ...feeds[name], data } })[0].data[0];
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(analytic[k].data[idx]).toBeCloseTo(numeric, 7);
      }
    });
    expect(analytic.some((g) => g.data.some((v) => Math.abs(v) > 1e-4))).toBe(true);
  });

  it('leaves the denoiser output untouched and gives A no gradient while B = 0', () => {
    const step = buildStepGraph(options(FAMILIES['tiny-sd1']));
    const feeds = feedsFor(step, true);
    const gradsA = evaluate64(
      step.params.map((p) => step.outputs[gradName(p.down.name!)]),
      feeds,
    );
    expect(gradsA.every((g) => g.data.every((v) => v === 0))).toBe(true);
    const withLoRA = evaluate64([step.prediction], feeds)[0].data;
    const plain = buildStepGraph({ ...options(FAMILIES['tiny-sd1']), modules: [] });
    expect(evaluate64([plain.prediction], feeds)[0].data).toEqual(withLoRA);
  });

  it('computes the v target and min-SNR-weighted MSE as by hand', () => {
    const config: FamilyConfig = { ...FAMILIES['tiny-sd1'], prediction: 'v' };
    const step = buildStepGraph(options(config, { minSnrGamma: 5 }));
    const feeds = feedsFor(step);
    const [loss, pred] = evaluate64([step.loss, step.prediction], feeds);
    const [x0, eps] = [toF64(feeds.latents), toF64(feeds.noise)];
    const { signal, noise, weight } = noiseTables(config, 5);
    const per = x0.length / B;
    let total = 0;
    for (let b = 0; b < B; b++) {
      const t = Number(T[b]);
      let se = 0;
      for (let i = b * per; i < (b + 1) * per; i++) {
        const v = signal[t] * eps[i] - noise[t] * x0[i];
        se += (pred.data[i] - v) ** 2;
      }
      total += (weight[t] * se) / per;
    }
    expect(weight[37]).toBeLessThan(1); // high SNR at t = 37: the weight matters
    expect(loss.data[0]).toBeCloseTo(total / B, 10);
  });

  it('min-SNR γ = 0 is plain MSE (not a zero loss), and a γ above every SNR is plain MSE too', () => {
    const run = (minSnrGamma?: number) => {
      const step = buildStepGraph(
        options(FAMILIES['tiny-sd1'], minSnrGamma === undefined ? {} : { minSnrGamma }),
      );
      const names = step.params.flatMap((p) => [p.up.name!]);
      const [loss, ...grads] = evaluate64(
        [step.loss, ...names.map((n) => step.outputs[gradName(n)])],
        feedsFor(step),
      );
      return { loss: loss.data[0], grads: grads.flatMap((g) => Array.from(g.data)) };
    };
    const [plain, off, huge, five] = [run(), run(0), run(10_000), run(5)];
    expect(plain.loss).toBeGreaterThan(0);
    expect(off.loss).toBe(plain.loss);
    expect(off.grads).toEqual(plain.grads);
    expect(off.grads.some((v) => v !== 0)).toBe(true);
    expect(huge.loss).toBeCloseTo(plain.loss, 12); // ε: min(SNR, γ)/SNR = 1 once γ exceeds SNR(t = 0) ≈ 1170
    expect(five.loss).toBeLessThan(plain.loss * 0.9); // t = 37 has SNR ≫ 5: its term is down-weighted
  });

  it('adds offset · N[B, C, 1, 1] to the ε target', () => {
    const step = buildStepGraph(options(FAMILIES['tiny-sd1'], { noiseOffset: 0.1 }));
    const offset = randomFeed([B, 4, 1, 1], 14);
    const feeds: Feeds = { ...feedsFor(step), [STEP_INPUTS.offsetNoise]: offset };
    const target = evaluate64([step.target], feeds)[0].data;
    const [eps, off] = [toF64(feeds.noise), toF64(offset)];
    target.forEach((v, i) => expect(v).toBeCloseTo(eps[i] + 0.1 * off[Math.floor(i / 4)], 6)); // h·w = 4 per channel
  });

  it('gives the same gradients with block checkpointing', () => {
    const plain = buildStepGraph(options(FAMILIES['tiny-sd1']));
    const ckpt = buildStepGraph(options(FAMILIES['tiny-sd1'], { checkpoint: UNET_BLOCK_SEGMENTS }));
    const feeds = feedsFor(plain);
    const names = Object.keys(plain.outputs);
    const a = evaluate64(
      names.map((n) => plain.outputs[n]),
      feeds,
    );
    const b = evaluate64(
      names.map((n) => ckpt.outputs[n]),
      feeds,
    );
    a.forEach((x, k) => x.data.forEach((v, i) => expect(b[k].data[i]).toBeCloseTo(v, 12)));
    expect(ckpt.graph.nodes.length).toBeGreaterThan(plain.graph.nodes.length); // the recomputed copies
  });

  it("hands out each LoRA gradient only after the next module's, so ORT finishes them in backward order", () => {
    const step = buildStepGraph(options(FAMILIES['tiny-sd1']));
    const outs = step.params.flatMap((p) => [
      step.outputs[gradName(p.names.down)],
      step.outputs[gradName(p.names.up)],
    ]);
    expect(outs.length).toBeGreaterThan(2);
    const dependsOn = (n: Node, dep: Node) => liveOrder([n]).some((m) => m.id === dep.id);
    outs.slice(0, -1).forEach((out, i) => expect(dependsOn(out, outs[i + 1])).toBe(true));
    // and never the other way round: the last module's gradient needs no other gradient output
    expect(outs.slice(0, -1).some((out) => dependsOn(outs.at(-1)!, out))).toBe(false);
  });

  it('accepts f32 timesteps', () => {
    const i64 = buildStepGraph(options(FAMILIES['tiny-sd1']));
    const f32 = buildStepGraph(options(FAMILIES['tiny-sd1'], { timestepDtype: 'f32' }));
    const feeds = feedsFor(i64);
    const asF32: Feeds = {
      ...feeds,
      timesteps: { dtype: 'f32', shape: [B], data: Float32Array.from(T, Number) },
    };
    expect(evaluate64([f32.loss], asF32)[0].data[0]).toBeCloseTo(
      evaluate64([i64.loss], feeds)[0].data[0],
      12,
    );
  });

  it('refuses a denoiser that never reaches a planned target', () => {
    const missing = planTargets({ ...TOY_PLAN, include: [], exclude: [] }).map((target) => ({
      target,
      rank: 2,
      alpha: 2,
    }));
    expect(() => buildStepGraph({ ...options(FAMILIES['tiny-sd1']), modules: missing })).toThrow(
      /never built/,
    );
  });
});
