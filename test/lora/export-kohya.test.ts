// Kohya export: key grammar, family-correct stems and shapes (docs/reference/lora-formats.md#export-checklist
// examples), header rules, metadata, hashes.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSafetensorsHeader, readTensorF32, referenceOrder } from '../../src-main/formats/safetensors';
import { exportKohya, kohyaTargetOf, kohyaTensors } from '../../src-main/lora/export-kohya';
import { FAMILIES } from '../../src-main/models/families';
import { unetLoRATargets } from '../../src-main/models/keymap/lora-names';
import { makeTempDir, randomAdapter, referenceTargets } from './targets-fixture';

let dir = '';
let cleanup = async () => {};
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const KOHYA_KEY = /^lora_unet_[a-z0-9_]+\.(lora_down\.weight|lora_up\.weight|alpha)$/;

describe('exportKohya, SD1', () => {
  it('writes 128 attention modules, every key in kohya grammar, checklist example stem and shapes', async () => {
    const adapter = randomAdapter('sd1', { rank: 4, alpha: 2 });
    const path = join(dir, 'my-style.safetensors');
    const result = await exportKohya(adapter, path, {
      dtype: 'F16',
      metadata: { trainingStartedAt: 1718000000 },
    });
    const header = await readSafetensorsHeader(path);
    expect(header.tensors.size).toBe(384);
    expect(result.tensorCount).toBe(384);
    for (const name of header.tensors.keys()) expect(name).toMatch(KOHYA_KEY);
    const stem = 'lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_attn2_to_v';
    expect(header.tensors.get(`${stem}.lora_down.weight`)).toMatchObject({ dtype: 'F16', shape: [4, 768] });
    expect(header.tensors.get(`${stem}.lora_up.weight`)).toMatchObject({ dtype: 'F16', shape: [320, 4] });
    expect(header.tensors.get(`${stem}.alpha`)).toMatchObject({ dtype: 'F32', shape: [] });
    expect([...(await readTensorF32(header, `${stem}.alpha`))]).toEqual([2]);
  });

  it('header starts with {", tensors in reference order, metadata all strings, hashes recomputed independently', async () => {
    const adapter = randomAdapter('sd1', { rank: 2, alpha: 8, limit: 16 });
    const path = join(dir, 'hash-me.safetensors');
    const result = await exportKohya(adapter, path, { dtype: 'BF16' });
    const bytes = new Uint8Array(await readFile(path));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(new TextDecoder().decode(bytes.subarray(8, 10))).toBe('{"');
    expect(n % 8).toBe(0);
    const sha = createHash('sha256')
      .update(bytes.subarray(8 + n))
      .digest('hex');
    const header = await readSafetensorsHeader(path);
    const meta = header.metadata;
    expect(meta.sshs_model_hash).toBe(sha);
    expect(meta['modelspec.hash_sha256']).toBe(`0x${sha}`);
    expect(result.sha256).toBe(sha);
    expect(Object.values(meta).every((v) => typeof v === 'string')).toBe(true);
    expect(meta).toMatchObject({
      ss_network_dim: '2',
      ss_network_alpha: '8.0',
      ss_output_name: 'hash-me',
      ss_base_model_version: 'sd_v1',
    });
    const entries = [...header.tensors.values()];
    expect(entries.map((e) => e.name)).toEqual(referenceOrder(entries).map((e) => e.name));
  });

  it('refuses an adapter with unknown family or a module the table lacks', async () => {
    const adapter = randomAdapter('sd1', { limit: 1 });
    await expect(exportKohya({ ...adapter, family: 'unknown' }, join(dir, 'a.safetensors'))).rejects.toThrow(
      /base family/,
    );
    const odd = { ...adapter, modules: [{ ...adapter.modules[0], module: 'unet.conv_in' }] };
    expect(() => kohyaTensors(odd, 'F32')).toThrow(/unet\.conv_in: not a sd1 LoRA target/);
    expect(() => kohyaTensors({ ...adapter, family: 'sdxl' }, 'F32')).toThrow(/not a sdxl LoRA target/);
    const sd2 = randomAdapter('sd2', { limit: 6 }); // attn2.to_k takes 1024-wide context
    expect(() => kohyaTensors({ ...sd2, family: 'sd1' }, 'F32')).toThrow(
      /attn2\.to_k: 1024 → 320, but sd1 has 768 → 320/,
    );
  });
});

describe('exportKohya, SDXL', () => {
  it('uses LDM stems with checklist example shapes and SDXL metadata', async () => {
    const adapter = randomAdapter('sdxl', { rank: 4, alpha: 4 });
    const tensors = kohyaTensors(adapter, 'F16');
    expect(tensors.length).toBe(1680);
    for (const t of tensors) expect(t.name).toMatch(KOHYA_KEY);
    const shape = (name: string) => tensors.find((t) => t.name === name)?.shape;
    expect(shape('lora_unet_output_blocks_0_1_transformer_blocks_9_attn1_to_out_0.lora_down.weight')).toEqual(
      [4, 1280],
    );
    expect(shape('lora_unet_output_blocks_0_1_transformer_blocks_9_attn1_to_out_0.lora_up.weight')).toEqual([
      1280, 4,
    ]);
    expect(shape('lora_unet_input_blocks_4_1_transformer_blocks_1_attn2_to_k.lora_down.weight')).toEqual([
      4, 2048,
    ]);
    expect(shape('lora_unet_input_blocks_4_1_transformer_blocks_1_attn2_to_k.lora_up.weight')).toEqual([
      640, 4,
    ]);
    expect(tensors.some((t) => t.name.includes('down_blocks'))).toBe(false);
    const small = { ...adapter, modules: adapter.modules.slice(0, 8) };
    const { metadata } = await exportKohya(small, join(dir, 'xl.safetensors'));
    expect(metadata.ss_base_model_version).toBe('sdxl_base_v1-0');
  });
});

describe('kohyaTargetOf', () => {
  it('finds UNet and text-encoder modules in the family table, with family-correct stems', () => {
    const sd1 = kohyaTargetOf('sd1');
    expect(sd1('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q').kohyaStem).toBe(
      'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q',
    );
    expect(sd1('text_encoder.text_model.encoder.layers.0.self_attn.q_proj').kohyaStem).toBe(
      'lora_te_text_model_encoder_layers_0_self_attn_q_proj',
    );
    expect(sd1('unet.down_blocks.0.attentions.0.proj_in')).toMatchObject({ conv1x1: true, inFeatures: 320 });
    const xl = kohyaTargetOf('sdxl');
    expect(xl('text_encoder_2.text_model.encoder.layers.31.mlp.fc2').kohyaStem).toBe(
      'lora_te2_text_model_encoder_layers_31_mlp_fc2',
    );
    expect(xl('text_encoder.text_model.encoder.layers.0.mlp.fc1').kohyaStem).toMatch(/^lora_te1_/);
    expect(() => sd1('text_encoder_2.x')).toThrow(/not a sd1 LoRA target/);
  });

  it('the keymap table equals the reference attention-target inventory', () => {
    for (const family of ['sd1', 'sd2', 'sdxl'] as const) {
      const rows = unetLoRATargets(FAMILIES[family], 'attention').map((t) => ({
        internalPath: t.internalPath,
        kohyaStem: t.kohyaStem,
        inFeatures: t.inFeatures,
        outFeatures: t.outFeatures,
      }));
      const byPath = (a: { internalPath: string }, b: { internalPath: string }) =>
        a.internalPath.localeCompare(b.internalPath);
      expect(rows.sort(byPath)).toEqual(referenceTargets(family).sort(byPath));
    }
  });
});

describe('exportKohya: 1×1 conv targets', () => {
  it('writes SD1 proj_in as 4-D [r,in,1,1]/[out,r,1,1] even from a 2-D record', () => {
    const A = new Float32Array(2 * 320);
    const B = new Float32Array(320 * 2);
    const module = {
      module: 'unet.down_blocks.0.attentions.0.proj_in',
      A,
      B,
      rank: 2,
      inFeatures: 320,
      outFeatures: 320,
      alpha: 2,
    };
    const [t0, t1] = kohyaTensors({ family: 'sd1', metadata: {}, modules: [module] }, 'F16').filter((t) =>
      t.name.includes('weight'),
    );
    expect([t0.name, t0.shape]).toEqual([
      'lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight',
      [2, 320, 1, 1],
    ]);
    expect([t1.name, t1.shape]).toEqual([
      'lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight',
      [320, 2, 1, 1],
    ]);
  });
});
