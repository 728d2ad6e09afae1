import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { evaluate64, loadParams, type TensorValue } from '../../src-main/engine';
import { initLoRA, planTargets, type LoRAPlan } from '../../src-main/lora/plan';
import { FAMILIES } from '../../src-main/models/families';
import { buildUNet } from '../../src-main/models/unet';
import { componentOf, openCheckpoint } from '../../src-main/models/weights';
import {
  buildStepGraph,
  gradName,
  STEP_INPUTS,
  UNET_BLOCK_SEGMENTS,
  type StepGraphOptions,
} from '../../src-main/train/step-graph';
import { compileTrainStep } from '../../src-main/train/train-step';
import { randomFeed } from '../lora/toy-denoiser';
import { seededRandom } from '../lora/targets-fixture';

const plan: LoRAPlan = { family: 'tiny-sd1', targetSet: 'transformer', rank: 4, alpha: 2 };
const B = 2;

let dir: string;
let opts: StepGraphOptions;
let paths: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-train-step-'));
  paths = await makeTinyCheckpoints(join(dir, 'fixtures'));
  const weights = componentOf(await openCheckpoint(paths['tiny-sd1']), 'unet');
  const config = FAMILIES['tiny-sd1'];
  opts = {
    config,
    modules: planTargets(plan).map((target) => ({ target, rank: plan.rank, alpha: plan.alpha })),
    denoiser: (g, inputs) => buildUNet(g, config.unet, weights, inputs),
    shape: { batch: B, height: 8, width: 8, contextLength: 4 },
    minSnrGamma: 5,
  };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function dataFeeds(): Record<string, TensorValue> {
  return {
    [STEP_INPUTS.latents]: randomFeed([B, 4, 8, 8], 1),
    [STEP_INPUTS.noise]: randomFeed([B, 4, 8, 8], 2),
    [STEP_INPUTS.timesteps]: { dtype: 'i64', shape: [B], data: BigInt64Array.of(120n, 640n) },
    [STEP_INPUTS.context]: randomFeed([B, 4, 32], 3),
  };
}

describe('compileTrainStep on the tiny SD1 UNet', () => {
  it('returns the loss and A/B gradients the float64 reference computes', async () => {
    const step = await compileTrainStep(opts, { cacheDir: join(dir, 'cache') });
    const adapter = initLoRA(plan, seededRandom(5));
    const rand = seededRandom(6);
    const params = new Map<string, Float32Array>();
    for (const name of step.paramNames) {
      const role = step.paramRoles.get(name)!;
      const m = adapter.modules.find((x) => x.module === role.module)!;
      params.set(name, role.role === 'A' ? m.A : Float32Array.from(m.B, () => (2 * rand() - 1) * 0.1));
    }
    expect(step.paramNames[0]).toBe('lora.input_blocks.1.1.proj_in.down');
    expect(step.paramShapes.get(step.paramNames[0])).toEqual([4, 32]);
    const { loss, grads } = await step.run(dataFeeds(), params);
    step.dispose();

    const ref = buildStepGraph(opts);
    const feeds = { ...dataFeeds(), ...(await loadParams([ref.loss])) };
    for (const [name, data] of params)
      feeds[name] = { dtype: 'f32', shape: step.paramShapes.get(name)!, data };
    const picked = [step.paramNames[0], step.paramNames[1], step.paramNames.at(-1)!];
    const [refLoss, ...refGrads] = evaluate64(
      [ref.loss, ...picked.map((n) => ref.outputs[gradName(n)])],
      feeds,
    );
    expect(loss).toBeGreaterThan(0);
    expect(loss).toBeCloseTo(refLoss.data[0], 4);
    picked.forEach((name, k) => {
      const got = grads.get(name)!;
      const want = refGrads[k].data;
      const scale = Math.max(...want.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      want.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-3 * scale + 1e-7));
      // and the float64 reference is itself a true derivative: central difference at the largest entry
      const idx = want.findIndex((v) => Math.abs(v) === scale);
      const at = (delta: number) => {
        const data = Float64Array.from(params.get(name)!);
        data[idx] += delta;
        const fed = { ...feeds, [name]: { dtype: 'f32' as const, shape: step.paramShapes.get(name)!, data } };
        return evaluate64([ref.loss], fed)[0].data[0];
      };
      expect((at(1e-5) - at(-1e-5)) / 2e-5).toBeCloseTo(want[idx], 6);
    });
  }, 120_000);

  it('gives the same loss and gradients with UNet block checkpointing', async () => {
    const cacheDir = join(dir, 'cache');
    const plain = await compileTrainStep(opts, { cacheDir });
    const ckpt = await compileTrainStep({ ...opts, checkpoint: UNET_BLOCK_SEGMENTS }, { cacheDir });
    const rand = seededRandom(7);
    const params = new Map(
      plain.paramNames.map((n) => {
        const size = plain.paramShapes.get(n)!.reduce((a, b) => a * b, 1);
        return [n, Float32Array.from({ length: size }, () => (2 * rand() - 1) * 0.1)];
      }),
    );
    const [a, b] = [await plain.run(dataFeeds(), params), await ckpt.run(dataFeeds(), params)];
    [plain, ckpt].forEach((s) => s.dispose());
    expect(b.loss).toBeCloseTo(a.loss, 6);
    for (const [name, g] of a.grads) {
      const other = b.grads.get(name)!;
      g.forEach((v, i) => expect(Math.abs(other[i] - v)).toBeLessThan(1e-5 + 1e-4 * Math.abs(v)));
    }
  }, 180_000);

  it('remembers a step by its recipe: a second compile builds nothing and gives bit-identical results', async () => {
    const cacheDir = join(dir, 'recipe-cache');
    let builds = 0;
    const counted: StepGraphOptions = {
      ...opts,
      denoiser: (g, inputs) => {
        builds++;
        return opts.denoiser(g, inputs);
      },
    };
    const recipe = { checkpoint: paths['tiny-sd1'], plan, minSnrGamma: 5 };
    const first = await compileTrainStep(counted, { cacheDir, recipe });
    const second = await compileTrainStep(counted, { cacheDir, recipe });
    expect([first.remembered, second.remembered, builds]).toEqual([false, 'recipe', 1]);
    expect(second.paramNames).toEqual(first.paramNames);
    expect(second.paramRoles).toEqual(first.paramRoles);
    const params = new Map(
      first.paramNames.map((n, i) => {
        const size = first.paramShapes.get(n)!.reduce((a, b) => a * b, 1);
        return [n, Float32Array.from({ length: size }, (_, k) => Math.sin(k * 0.37 + i) * 0.1)];
      }),
    );
    const [a, b] = [await first.run(dataFeeds(), params), await second.run(dataFeeds(), params)];
    expect(b.loss).toBe(a.loss);
    for (const [name, g] of a.grads) expect(b.grads.get(name)).toEqual(g);
    // Another shape is another graph: built, not loaded.
    const wider = await compileTrainStep(
      { ...counted, shape: { ...opts.shape, width: 16 } },
      { cacheDir, recipe },
    );
    expect([wider.remembered, builds]).toEqual([false, 2]);
    [first, second, wider].forEach((s) => s.dispose());
  }, 180_000);

  it('rejects a run that lacks a LoRA parameter', async () => {
    const step = await compileTrainStep(opts, { cacheDir: join(dir, 'cache') });
    await expect(step.run(dataFeeds(), new Map())).rejects.toThrow(/no value for LoRA parameter/);
    step.dispose();
  }, 120_000);
});

describe('compileTrainStep on the tiny SDXL UNet', () => {
  it('feeds pooled text and size ids and matches the float64 loss', async () => {
    const config = FAMILIES['tiny-sdxl'];
    const weights = componentOf(await openCheckpoint(paths['tiny-sdxl']), 'unet');
    const xlPlan: LoRAPlan = { family: 'tiny-sdxl', targetSet: 'attention', rank: 2, alpha: 1 };
    const xl: StepGraphOptions = {
      config,
      modules: planTargets(xlPlan).map((target) => ({ target, rank: 2, alpha: 1 })),
      denoiser: (g, inputs) => buildUNet(g, config.unet, weights, inputs),
      shape: { batch: 1, height: 8, width: 8, contextLength: 3 },
    };
    const step = await compileTrainStep(xl, { cacheDir: join(dir, 'cache') });
    const feeds: Record<string, TensorValue> = {
      latents: randomFeed([1, 4, 8, 8], 1),
      noise: randomFeed([1, 4, 8, 8], 2),
      timesteps: { dtype: 'i64', shape: [1], data: BigInt64Array.of(300n) },
      context: randomFeed([1, 3, 64], 3),
      [STEP_INPUTS.textEmbeds]: randomFeed([1, 32], 4),
      [STEP_INPUTS.timeIds]: { dtype: 'f32', shape: [1, 6], data: Float32Array.of(64, 64, 0, 0, 64, 64) },
    };
    const rand = seededRandom(8);
    const params = new Map(
      step.paramNames.map((n) => {
        const size = step.paramShapes.get(n)!.reduce((a, b) => a * b, 1);
        return [n, Float32Array.from({ length: size }, () => (2 * rand() - 1) * 0.1)];
      }),
    );
    const { loss, grads } = await step.run(feeds, params);
    step.dispose();
    const ref = buildStepGraph(xl);
    const all = { ...feeds, ...(await loadParams([ref.loss])) };
    for (const [name, data] of params) all[name] = { dtype: 'f32', shape: step.paramShapes.get(name)!, data };
    expect(loss).toBeCloseTo(evaluate64([ref.loss], all)[0].data[0], 4);
    expect(step.paramNames[0]).toMatch(
      /^lora\.input_blocks\.4\.1\.transformer_blocks\.0\.attn1\.to_q\.down$/,
    );
    expect([...grads.values()].every((g) => g.every(Number.isFinite))).toBe(true);
  }, 180_000);
});
