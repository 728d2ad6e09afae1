// PEFT export: key spelling, no alpha tensors, alpha in diffusers' adapter config or baked into B.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSafetensorsHeader, readTensorF32 } from '../../src-main/formats/safetensors';
import { deltaWeight } from '../../src-main/lora/adapter-weights';
import { exportPeft, peftAdapterConfig } from '../../src-main/lora/export-peft';
import { loadLoRA } from '../../src-main/lora/load';
import { makeTempDir, randomAdapter } from './targets-fixture';

let dir = '';
let cleanup = async () => {};
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const PEFT_KEY = /^unet\.[a-z0-9_.]+\.lora_[AB]\.weight$/;

describe('exportPeft', () => {
  it('writes unet.<path>.lora_A/B.weight with [r,in]/[out,r], no alpha tensor, config metadata', async () => {
    const adapter = randomAdapter('sd1', { rank: 4, alpha: 2, limit: 8 });
    const path = join(dir, 'pytorch_lora_weights.safetensors');
    const result = await exportPeft(adapter, path, { dtype: 'F32' });
    const header = await readSafetensorsHeader(path);
    expect(header.tensors.size).toBe(16);
    for (const name of header.tensors.keys()) expect(name).toMatch(PEFT_KEY);
    const m = adapter.modules[5]; // attn2.to_k: 768 → 320
    expect(header.tensors.get(`${m.module}.lora_A.weight`)?.shape).toEqual([4, 768]);
    expect(header.tensors.get(`${m.module}.lora_B.weight`)?.shape).toEqual([320, 4]);
    expect([...(await readTensorF32(header, `${m.module}.lora_B.weight`))]).toEqual([...m.B]);
    expect(header.metadata.format).toBe('pt');
    const config = JSON.parse(header.metadata.lora_adapter_metadata);
    expect(config).toMatchObject({
      'unet.r': 4,
      'unet.lora_alpha': 2,
      'unet.alpha_pattern': {},
      'unet.rank_pattern': {},
    });
    expect(config['unet.target_modules']).toContain(m.module.slice('unet.'.length));
    expect(result.tensorCount).toBe(16);
  });

  it('bake mode folds alpha/rank into B and leaves no config: ΔW read back with alpha = rank matches', async () => {
    const adapter = randomAdapter('sd1', { rank: 4, alpha: 3, limit: 2 });
    const path = join(dir, 'baked.safetensors');
    await exportPeft(adapter, path, { dtype: 'F32', alpha: 'bake' });
    const loaded = await loadLoRA(path);
    expect(loaded.adapter.modules[0].alpha).toBe(4);
    expect((await readSafetensorsHeader(path)).metadata.lora_adapter_metadata).toBeUndefined();
    const byName = new Map(loaded.adapter.modules.map((m) => [m.module, m]));
    for (const m of adapter.modules) {
      const got = deltaWeight(byName.get(m.module) ?? m);
      const want = deltaWeight(m);
      for (let i = 0; i < want.length; i += 97) expect(got[i]).toBeCloseTo(want[i], 5);
    }
  });
});

describe('peftAdapterConfig', () => {
  it('puts modules with other rank/alpha into rank_pattern/alpha_pattern', () => {
    const adapter = randomAdapter('sd1', { rank: 4, alpha: 4, limit: 3 });
    adapter.modules[2] = { ...adapter.modules[2], alpha: 1 };
    const config = JSON.parse(peftAdapterConfig(adapter));
    expect(config['unet.alpha_pattern']).toEqual({ [adapter.modules[2].module.slice(5)]: 1 });
    expect(config['unet.lora_alpha']).toBe(4);
  });
});
