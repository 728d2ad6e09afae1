import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../../src-main/models/families';
import {
  flatPath,
  kohyaKeys,
  kohyaStem,
  peftKeys,
  textEncoderLoRATargets,
  unetLoRATargets,
} from '../../../src-main/models/keymap/lora-names';
import { unetKeys } from '../../../src-main/models/keymap/unet';
import { referenceTargets } from '../../lora/targets-fixture';

describe('LoRA target names', () => {
  it('gives the export-checklist examples', () => {
    const sd1 = unetLoRATargets(FAMILIES.sd1);
    expect(
      sd1.find((t) => t.kohyaStem === 'lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_attn2_to_v'),
    ).toMatchObject({ inFeatures: 768, outFeatures: 320 });
    const sdxl = unetLoRATargets(FAMILIES.sdxl);
    expect(
      sdxl.find((t) => t.kohyaStem === 'lora_unet_output_blocks_0_1_transformer_blocks_9_attn1_to_out_0'),
    ).toMatchObject({ inFeatures: 1280, outFeatures: 1280 });
    expect(
      sdxl.find((t) => t.kohyaStem === 'lora_unet_input_blocks_4_1_transformer_blocks_1_attn2_to_k'),
    ).toMatchObject({
      internalPath: 'down_blocks.1.attentions.0.transformer_blocks.1.attn2.to_k',
      inFeatures: 2048,
      outFeatures: 640,
    });
  });

  it('counts the modules of the reference target sets', () => {
    expect(unetLoRATargets(FAMILIES.sd1)).toHaveLength(128);
    expect(unetLoRATargets(FAMILIES.sd2)).toHaveLength(128);
    expect(unetLoRATargets(FAMILIES.sdxl)).toHaveLength(560);
    expect(unetLoRATargets(FAMILIES.sd1, 'transformer')).toHaveLength(192);
    expect(unetLoRATargets(FAMILIES.sdxl, 'transformer')).toHaveLength(722);
    expect(textEncoderLoRATargets(FAMILIES.sd1)).toHaveLength(72);
    expect(
      textEncoderLoRATargets(FAMILIES.sdxl).filter((t) => t.kohyaStem.startsWith('lora_te2_')),
    ).toHaveLength(192);
    expect(
      textEncoderLoRATargets(FAMILIES.sdxl).filter((t) => t.kohyaStem.startsWith('lora_te1_')),
    ).toHaveLength(72);
  });

  it('agrees with the lora/ test fixture table written from the reference tables', () => {
    for (const family of ['sd1', 'sd2', 'sdxl'] as const) {
      const mine = unetLoRATargets(FAMILIES[family]).map(
        ({ internalPath, kohyaStem: s, inFeatures, outFeatures }) => ({
          internalPath,
          kohyaStem: s,
          inFeatures,
          outFeatures,
        }),
      );
      expect(new Set(mine.map((t) => JSON.stringify(t)))).toEqual(
        new Set(referenceTargets(family).map((t) => JSON.stringify(t))),
      );
    }
  });

  it('every target names a real UNet weight with matching [out, in] (4-D for SD1 proj_in)', () => {
    for (const id of ['sd1', 'sdxl', 'tiny-sd1'] as const) {
      const weights = new Map(unetKeys(FAMILIES[id].unet, 'diffusers').map((k) => [k.key, k.shape]));
      for (const t of unetLoRATargets(FAMILIES[id], 'transformer')) {
        const shape = weights.get(`${t.internalPath}.weight`);
        expect(shape?.slice(0, 2)).toEqual([t.outFeatures, t.inFeatures]);
        expect(shape?.length === 4).toBe(t.conv1x1 === true);
      }
    }
  });

  it('spells kohya and PEFT keys', () => {
    expect(kohyaStem('unet', 'mid_block.attentions.0.proj_in')).toBe(
      'lora_unet_mid_block_attentions_0_proj_in',
    );
    expect(kohyaStem('text_encoder', 'text_model.encoder.layers.0.mlp.fc1', true)).toBe(
      'lora_te1_text_model_encoder_layers_0_mlp_fc1',
    );
    expect(kohyaKeys('lora_unet_x')).toEqual({
      down: 'lora_unet_x.lora_down.weight',
      up: 'lora_unet_x.lora_up.weight',
      alpha: 'lora_unet_x.alpha',
    });
    expect(peftKeys('unet', 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q').A).toBe(
      'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight',
    );
    expect(flatPath('a.b.to_out.0')).toBe('a_b_to_out_0');
  });
});
