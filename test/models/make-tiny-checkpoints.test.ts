import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader, readTensorF32 } from '../../src-main/formats/safetensors/index';
import { FAMILIES } from '../../src-main/models/families';
import { ldmToDiffusersUNet } from '../../src-main/models/keymap/unet';
import { ldmToDiffusersVAE } from '../../src-main/models/keymap/vae';
import { makeTinyCheckpoints, tinyValues, TINY_VARIANTS } from '../../scripts/make-tiny-checkpoints';

let dir = '';
let paths: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-tiny-'));
  paths = await makeTinyCheckpoints(join(dir, 'a'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describe('makeTinyCheckpoints', () => {
  it('writes every fixture', () => {
    expect(Object.keys(paths).sort()).toEqual(
      [
        'tiny-sd1',
        'tiny-sd1-diffusers',
        'tiny-sd1-lora',
        'tiny-sd2',
        ...Object.keys(TINY_VARIANTS).flatMap((v) => [v, `${v}-diffusers`]),
        'tiny-sdxl',
        'tiny-sdxl-diffusers',
        'tiny-sdxl-lora',
      ].sort(),
    );
    expect(Object.keys(TINY_VARIANTS)).toEqual([
      'tiny-pipe',
      'tiny-distilled',
      'tiny-sdxl-depths',
      'tiny-inpaint',
      'tiny-pix2pix',
    ]);
  });

  it('is deterministic, and the seed changes the values', async () => {
    const again = await makeTinyCheckpoints(join(dir, 'b'));
    expect(await sha(again['tiny-sd1-lora'])).toBe(await sha(paths['tiny-sd1-lora']));
    expect(await sha(again['tiny-sdxl'])).toBe(await sha(paths['tiny-sdxl']));
    expect(tinyValues('w', [4, 4], 'weight', 1)).not.toEqual(tinyValues('w', [4, 4], 'weight', 0));
    expect(tinyValues('w', [4, 4], 'weight', 0)).toEqual(tinyValues('w', [4, 4], 'weight', 0));
  });

  it('stores the same weights in the diffusers folder as in the single file', async () => {
    const single = await readSafetensorsHeader(paths['tiny-sd1']);
    const unet = await readSafetensorsHeader(
      join(paths['tiny-sd1-diffusers'], 'unet', 'diffusion_pytorch_model.safetensors'),
    );
    const vae = await readSafetensorsHeader(
      join(paths['tiny-sd1-diffusers'], 'vae', 'diffusion_pytorch_model.safetensors'),
    );
    const te = await readSafetensorsHeader(
      join(paths['tiny-sd1-diffusers'], 'text_encoder', 'model.safetensors'),
    );
    const config = FAMILIES['tiny-sd1'];
    const u = ldmToDiffusersUNet(config.unet);
    const v = ldmToDiffusersVAE(config.vae);
    const pairs: [string, typeof unet, string][] = [
      [
        'model.diffusion_model.output_blocks.5.2.conv.weight',
        unet,
        u.get('output_blocks.5.2.conv.weight') ?? '',
      ],
      [
        'model.diffusion_model.input_blocks.1.1.proj_in.weight',
        unet,
        u.get('input_blocks.1.1.proj_in.weight') ?? '',
      ],
      ['first_stage_model.decoder.mid.attn_1.q.weight', vae, v.get('decoder.mid.attn_1.q.weight') ?? ''],
      [
        'first_stage_model.decoder.up.0.block.2.conv1.weight',
        vae,
        v.get('decoder.up.0.block.2.conv1.weight') ?? '',
      ],
      [
        'cond_stage_model.transformer.text_model.encoder.layers.1.mlp.fc2.weight',
        te,
        'text_model.encoder.layers.1.mlp.fc2.weight',
      ],
    ];
    for (const [key, header, diffusersKey] of pairs) {
      expect(await readTensorF32(header, diffusersKey)).toEqual(await readTensorF32(single, key));
    }
    expect(vae.tensors.get('decoder.mid_block.attentions.0.to_q.weight')?.shape).toEqual([64, 64]);
    expect(
      JSON.parse(await readFile(join(paths['tiny-sd1-diffusers'], 'unet', 'config.json'), 'utf8'))
        .norm_num_groups,
    ).toBe(8);
  });

  it('initialises norms near 1, biases near 0 and weights at 1/sqrt(fan_in)', async () => {
    const header = await readSafetensorsHeader(paths['tiny-sdxl']);
    const mean = (a: Float32Array) => a.reduce((s, x) => s + x, 0) / a.length;
    const norm = await readTensorF32(header, 'model.diffusion_model.out.0.weight');
    expect(Math.abs(mean(norm) - 1)).toBeLessThan(0.02);
    const bias = await readTensorF32(header, 'model.diffusion_model.out.0.bias');
    expect(Math.abs(mean(bias))).toBeLessThan(0.02);
    const w = await readTensorF32(header, 'model.diffusion_model.time_embed.2.weight');
    const std = Math.sqrt(mean(w.map((x) => x * x)));
    expect(std).toBeGreaterThan(0.8 / Math.sqrt(128));
    expect(std).toBeLessThan(1.2 / Math.sqrt(128));
  });

  it('writes kohya LoRAs with alpha scalars and ss_* metadata', async () => {
    const header = await readSafetensorsHeader(paths['tiny-sdxl-lora']);
    expect(header.metadata).toMatchObject({
      ss_network_dim: '4',
      ss_network_alpha: '2.0',
      ss_base_model_version: 'sdxl_base_v1-0',
    });
    const alpha = 'lora_unet_input_blocks_7_1_transformer_blocks_1_attn2_to_k.alpha';
    expect(header.tensors.get(alpha)?.shape).toEqual([]);
    expect(Array.from(await readTensorF32(header, alpha))).toEqual([2]);
    expect(
      header.tensors.get('lora_unet_input_blocks_7_1_transformer_blocks_1_attn2_to_k.lora_down.weight')
        ?.shape,
    ).toEqual([4, 64]);
  });
});
