import { describe, expect, it } from 'vitest';
import { evaluate64, Graph, type Adapter, type Feeds } from '../../src-main/engine';
import type { LoRAAdapter } from '../../src-main/lora/adapter-weights';
import {
  LORA_SCALE_INPUT,
  loraInputNames,
  MergedLoRA,
  RuntimeLoRA,
  type InjectModule,
} from '../../src-main/lora/inject';
import { initLoRA, planTargets } from '../../src-main/lora/plan';
import { randomFeed, TOY_PLAN, toyDenoiser } from './toy-denoiser';
import { seededRandom } from './targets-fixture';

const B = 2;
const feeds: Feeds = {
  sample: randomFeed([B, 4, 2, 2], 1),
  timestep: { dtype: 'i64', shape: [B], data: BigInt64Array.of(10n, 900n) },
  context: randomFeed([B, 3, 32], 2),
};

/** Builds the toy model under `adapter`, then evaluates it; `extra` is read after the build (LoRA Inputs exist then). */
function run(adapter: Adapter | undefined, extra: () => Feeds = () => ({})): Float64Array {
  const g = new Graph(adapter ? { adapter } : {});
  const y = toyDenoiser(g, {
    sample: g.input('sample', 'f32', [B, 4, 2, 2]),
    timestep: g.input('timestep', 'i64', [B]),
    context: g.input('context', 'f32', [B, 3, 32]),
  });
  return evaluate64([y], { ...feeds, ...extra() })[0].data;
}

const modules: InjectModule[] = planTargets(TOY_PLAN).map((target) => ({
  target,
  rank: TOY_PLAN.rank,
  alpha: TOY_PLAN.alpha,
}));

/** The plan's fresh adapter with B filled too, so the LoRA changes the output. */
function trainedAdapter(): LoRAAdapter {
  const adapter = initLoRA(TOY_PLAN, seededRandom(7));
  const rand = seededRandom(8);
  for (const m of adapter.modules) m.B = Float32Array.from(m.B, () => (2 * rand() - 1) * 0.5);
  return adapter;
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('RuntimeLoRA', () => {
  it('names one A/B Input pair per reached target and feeds them from an adapter', () => {
    const lora = new RuntimeLoRA(modules);
    const g = new Graph({ adapter: lora });
    toyDenoiser(g, {
      sample: g.input('sample', 'f32', [B, 4, 2, 2]),
      timestep: g.input('timestep', 'i64', [B]),
      context: g.input('context', 'f32', [B, 3, 32]),
    });
    expect(lora.unreached()).toEqual([]);
    expect(lora.inputs.map((i) => i.down.name)).toEqual(modules.map((m) => loraInputNames(m.target).down));
    expect(lora.inputs[0].down.name).toBe('lora.input_blocks.1.1.proj_in.down');
    expect(lora.inputs[0].up.shape).toEqual([32, 2]);
    const f = lora.feeds(trainedAdapter());
    expect(Object.keys(f)).toHaveLength(2 * modules.length);
  });

  it('reports planned targets the model never built', () => {
    const lora = new RuntimeLoRA(modules, { scopePrefix: 'model.diffusion_model' });
    const g = new Graph({ adapter: lora });
    toyDenoiser(g, {
      sample: g.input('sample', 'f32', [B, 4, 2, 2]),
      timestep: g.input('timestep', 'i64', [B]),
      context: g.input('context', 'f32', [B, 3, 32]),
    });
    expect(lora.unreached()).toHaveLength(modules.length);
  });

  it('leaves the base output exactly unchanged while B = 0 (fresh init)', () => {
    const lora = new RuntimeLoRA(modules);
    const fresh = initLoRA(TOY_PLAN, seededRandom(3));
    expect(run(lora, () => lora.feeds(fresh))).toEqual(run(undefined));
  });

  it('matches merge mode, linear and 1×1-conv targets alike', () => {
    const adapter = trainedAdapter();
    const lora = new RuntimeLoRA(modules);
    const runtime = run(lora, () => lora.feeds(adapter));
    const merged = run(new MergedLoRA(adapter, planTargets(TOY_PLAN)));
    expect(maxDiff(runtime, run(undefined))).toBeGreaterThan(1e-2);
    expect(maxDiff(runtime, merged)).toBeLessThan(1e-5);
  });

  it('scales by a live strength Input like a fixed strength', () => {
    const adapter = trainedAdapter();
    const live = new RuntimeLoRA(modules, { strength: 'input' });
    const atTwo = run(live, () => live.feeds(adapter, 2));
    expect(live.feeds(adapter, 2)[LORA_SCALE_INPUT].data[0]).toBe(2);
    const fixed = new RuntimeLoRA(modules, { strength: 2 });
    expect(
      maxDiff(
        atTwo,
        run(fixed, () => fixed.feeds(adapter)),
      ),
    ).toBeLessThan(1e-9);
    expect(() => run(live)).toThrow(/one Graph/);
    const zero = new RuntimeLoRA(modules, { strength: 'input' });
    const atZero = run(zero, () => zero.feeds(adapter, 0));
    expect(maxDiff(atZero, run(undefined))).toBe(0);
  });
});

describe('MergedLoRA', () => {
  it('refuses modules outside the targets it is given', () => {
    const adapter = trainedAdapter();
    expect(() => new MergedLoRA(adapter, planTargets(TOY_PLAN).slice(1))).toThrow(/proj_in: not among/);
  });

  it('folds strength into ΔW', () => {
    const adapter = trainedAdapter();
    const half = run(new MergedLoRA(adapter, planTargets(TOY_PLAN), { strength: 0.5 }));
    const lora = new RuntimeLoRA(modules, { strength: 0.5 });
    expect(
      maxDiff(
        half,
        run(lora, () => lora.feeds(adapter)),
      ),
    ).toBeLessThan(1e-5);
  });
});
