import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyCheckpoints } from '../../scripts/make-tiny-checkpoints';
import { evaluate64, Graph, loadParams, type Adapter, type Feeds } from '../../src-main/engine';
import { readSafetensorsHeader, readTensorBytes, readTensorF32 } from '../../src-main/formats/safetensors';
import { deltaWeight, type LoRAAdapter } from '../../src-main/lora/adapter-weights';
import { exportKohya } from '../../src-main/lora/export-kohya';
import { RuntimeLoRA } from '../../src-main/lora/inject';
import { loadLoRA } from '../../src-main/lora/load';
import { mergeLoRA } from '../../src-main/lora/merge';
import { initLoRA, planTargets, type LoRAPlan } from '../../src-main/lora/plan';
import { FAMILIES } from '../../src-main/models/families';
import { buildUNet } from '../../src-main/models/unet';
import { componentOf, openCheckpoint } from '../../src-main/models/weights';
import { seededRandom } from './targets-fixture';
import { randomFeed } from './toy-denoiser';

const plan: LoRAPlan = { family: 'tiny-sd1', targetSet: 'transformer', rank: 4, alpha: 2 };
const config = FAMILIES['tiny-sd1'];

let dir: string;
let paths: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-merge-'));
  paths = await makeTinyCheckpoints(join(dir, 'fixtures'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const inputs: Feeds = {
  sample: randomFeed([1, 4, 8, 8], 1),
  timestep: { dtype: 'i64', shape: [1], data: BigInt64Array.of(500n) },
  context: randomFeed([1, 4, 32], 2),
};

/** The tiny UNet of `ckptPath` under `adapter`, evaluated in float64; `extra` is read after the build. */
async function unetOutput(ckptPath: string, adapter?: Adapter, extra: () => Feeds = () => ({})) {
  const weights = componentOf(await openCheckpoint(ckptPath), 'unet');
  const g = new Graph(adapter ? { adapter } : {});
  const y = buildUNet(g, config.unet, weights, {
    sample: g.input('sample', 'f32', [1, 4, 8, 8]),
    timestep: g.input('timestep', 'i64', [1]),
    context: g.input('context', 'f32', [1, 4, 32]),
  });
  return evaluate64([y], { ...inputs, ...extra(), ...(await loadParams([y])) })[0].data;
}

function trained(): LoRAAdapter {
  const adapter = initLoRA(plan, seededRandom(9));
  const rand = seededRandom(10);
  for (const m of adapter.modules) m.B = Float32Array.from(m.B, () => (2 * rand() - 1) * 0.2);
  return adapter;
}

describe('mergeLoRA', () => {
  it('bakes an exported kohya adapter so the plain UNet reproduces the runtime-LoRA UNet', async () => {
    const adapter = trained();
    const exported = join(dir, 'style.safetensors');
    await exportKohya(adapter, exported, { dtype: 'F32' });
    const { adapter: loaded } = await loadLoRA(exported);
    const merged = join(dir, 'merged.safetensors');
    const result = await mergeLoRA(paths['tiny-sd1'], loaded, merged);
    expect(result.mergedKeys).toHaveLength(planTargets(plan).length);

    const lora = new RuntimeLoRA(planTargets(plan).map((target) => ({ target, rank: 4, alpha: 2 })));
    const runtime = await unetOutput(paths['tiny-sd1'], lora, () => lora.feeds(adapter));
    const base = await unetOutput(paths['tiny-sd1']);
    const baked = await unetOutput(merged);
    const diff = (a: Float64Array, b: Float64Array) =>
      a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(diff(runtime, base)).toBeGreaterThan(1e-3);
    expect(diff(runtime, baked)).toBeLessThan(1e-5);
  }, 120_000);

  it('adds ΔW to adapted weights and copies every other tensor byte for byte', async () => {
    const { adapter } = await loadLoRA(paths['tiny-sd1-lora']);
    const out = join(dir, 'fixture-merged.safetensors');
    const { mergedKeys, tensorCount } = await mergeLoRA(paths['tiny-sd1'], adapter, out, { strength: 0.5 });
    const [before, after] = await Promise.all([
      readSafetensorsHeader(paths['tiny-sd1']),
      readSafetensorsHeader(out),
    ]);
    expect(tensorCount).toBe(before.tensors.size);
    expect([...after.tensors.keys()]).toEqual([...before.tensors.keys()]);
    expect(after.metadata).toEqual(before.metadata);
    const key = 'model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight';
    expect(mergedKeys).toContain(key);
    const m = adapter.modules.find((x) =>
      x.module.endsWith('down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q'),
    )!;
    const [w0, w1, dW] = [await readTensorF32(before, key), await readTensorF32(after, key), deltaWeight(m)];
    w1.forEach((v, i) => expect(v).toBeCloseTo(w0[i] + 0.5 * dW[i], 6));
    const untouched = 'model.diffusion_model.out.2.weight';
    expect(await readTensorBytes(after, untouched)).toEqual(await readTensorBytes(before, untouched));
  });

  it('re-types float tensors to F16 on request', async () => {
    const { adapter } = await loadLoRA(paths['tiny-sd1-lora']);
    const out = join(dir, 'merged-f16.safetensors');
    await mergeLoRA(paths['tiny-sd1'], adapter, out, { dtype: 'F16', metadata: { note: 'x' } });
    const header = await readSafetensorsHeader(out);
    expect([...header.tensors.values()].every((e) => e.dtype === 'F16')).toBe(true);
    expect(header.metadata.note).toBe('x');
  });

  it('refuses to overwrite the base and a LoRA of another family', async () => {
    const { adapter } = await loadLoRA(paths['tiny-sd1-lora']);
    await expect(mergeLoRA(paths['tiny-sd1'], adapter, paths['tiny-sd1'])).rejects.toThrow(/overwrite/);
    const { adapter: xl } = await loadLoRA(paths['tiny-sdxl-lora']);
    await expect(mergeLoRA(paths['tiny-sd1'], xl, join(dir, 'x.safetensors'))).rejects.toThrow(/sdxl/);
  });
});
