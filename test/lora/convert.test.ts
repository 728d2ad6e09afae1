// convertLoRA: kohya ↔ PEFT keeps ΔW = (alpha/rank)·B·A bit-exact in F32 and within rounding in F16.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  f16ToF32,
  f32ToF16,
  readSafetensorsHeader,
  tensorFromF32,
  writeSafetensors,
} from '../../src-main/formats/safetensors';
import { deltaWeight, type LoRAAdapter } from '../../src-main/lora/adapter-weights';
import { convertLoRA } from '../../src-main/lora/convert';
import { exportKohya } from '../../src-main/lora/export-kohya';
import { loadLoRA } from '../../src-main/lora/load';
import { makeTempDir, randomAdapter } from './targets-fixture';

let dir = '';
let cleanup = async () => {};
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

/** Bit-level equality of two f32 arrays (vitest's deep equal is slow on millions of elements). */
function sameBits(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  if (!a || !b) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function deltas(adapter: LoRAAdapter): Map<string, Float32Array> {
  return new Map(adapter.modules.map((m) => [m.module, deltaWeight(m)]));
}

/** kohya → PEFT → kohya through files; returns the final adapter. */
async function roundTrip(adapter: LoRAAdapter, dtype: 'F32' | 'F16'): Promise<LoRAAdapter> {
  const [k1, p, k2] = ['k1', 'p', 'k2'].map((n) => join(dir, `${n}.safetensors`));
  await exportKohya(adapter, k1, { dtype, metadata: { extra: { ss_seed: '7' } } });
  const toPeft = await convertLoRA(k1, p, 'peft');
  expect(toPeft).toMatchObject({
    from: 'kohya',
    to: 'peft',
    family: adapter.family,
    modules: adapter.modules.length,
  });
  const family = adapter.family === 'unknown' ? undefined : adapter.family;
  const toKohya = await convertLoRA(p, k2, 'kohya', { family });
  expect(toKohya.from).toBe('peft');
  expect(toKohya.written.metadata.sshs_model_hash).toBe(toKohya.written.sha256);
  return (await loadLoRA(k2)).adapter;
}

describe('convertLoRA round trip kohya → PEFT → kohya', () => {
  it('F32: ΔW identical bit for bit, alpha preserved (SD1, alpha ≠ rank)', async () => {
    const adapter = randomAdapter('sd1', { rank: 4, alpha: 3, limit: 12 });
    const back = await roundTrip(adapter, 'F32');
    expect(back.modules.every((m) => m.alpha === 3 && m.rank === 4)).toBe(true);
    const want = deltas(adapter);
    const got = deltas(back);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [module, dW] of want) expect(sameBits(got.get(module), dW)).toBe(true);
  });

  it('F16: ΔW equals the ΔW of the f16-rounded A and B (SDXL, LDM stems both ends)', async () => {
    const adapter = randomAdapter('sdxl', { rank: 2, alpha: 1, limit: 10 });
    const back = await roundTrip(adapter, 'F16');
    const rounded = {
      ...adapter,
      modules: adapter.modules.map((m) => ({ ...m, A: f16ToF32(f32ToF16(m.A)), B: f16ToF32(f32ToF16(m.B)) })),
    };
    const want = deltas(rounded);
    expect(back.modules).toHaveLength(adapter.modules.length);
    for (const m of back.modules) expect(sameBits(deltaWeight(m), want.get(m.module))).toBe(true);
    const header = await readSafetensorsHeader(join(dir, 'k2.safetensors'));
    expect(header.metadata.ss_seed).toBe('7');
    expect(
      [...header.tensors.keys()].every((k) => k.startsWith('lora_unet_') && !k.includes('down_blocks')),
    ).toBe(true);
  });
});

describe('convertLoRA refusals', () => {
  it('throws listing what would be dropped, writes with allowDrop', async () => {
    const stem = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q';
    const src = join(dir, 'src.safetensors');
    await writeSafetensors(
      src,
      [
        tensorFromF32(`${stem}.lora_down.weight`, 'F32', [1, 320], new Float32Array(320).fill(1)),
        tensorFromF32(`${stem}.lora_up.weight`, 'F32', [320, 1], new Float32Array(320).fill(1)),
        tensorFromF32(`${stem}.dora_scale`, 'F32', [1], Float32Array.of(1)),
      ],
      { ss_base_model_version: 'sd_v1', sshs_model_hash: 'stale' },
    );
    const out = join(dir, 'out.safetensors');
    await expect(convertLoRA(src, out, 'peft')).rejects.toThrow(/1 unknown key\(s\).*\n.*dora_scale/);
    const result = await convertLoRA(src, out, 'kohya', { allowDrop: true });
    expect(result.unknownKeys).toEqual([`${stem}.dora_scale`]);
    expect(result.written.metadata.sshs_model_hash).not.toBe('stale');
    expect(result.written.tensorCount).toBe(3);
  });
});
