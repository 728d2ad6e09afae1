import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../../src-main/models/families';
import {
  componentOfKey,
  singleFileComponents,
  singleFileKeys,
  textEncoderLdmKeys,
} from '../../../src-main/models/keymap/ldm';

describe('single-file layout', () => {
  it('uses the single-file prefixes per family', () => {
    const prefixes = (id: 'sd1' | 'sd2' | 'sdxl' | 'sdxl-refiner') =>
      singleFileComponents(FAMILIES[id]).map((c) => c.prefix);
    expect(prefixes('sd1')).toEqual([
      'model.diffusion_model.',
      'first_stage_model.',
      'cond_stage_model.transformer.',
    ]);
    expect(prefixes('sd2')[2]).toBe('cond_stage_model.model.');
    expect(prefixes('sdxl').slice(2)).toEqual([
      'conditioner.embedders.0.transformer.',
      'conditioner.embedders.1.model.',
    ]);
    expect(prefixes('sdxl-refiner')[2]).toBe('conditioner.embedders.0.model.');
  });

  it('lists every key once with its prefix', () => {
    const keys = singleFileKeys(FAMILIES.sd1).map((k) => k.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('cond_stage_model.transformer.text_model.final_layer_norm.weight');
    expect(keys).toContain('first_stage_model.decoder.mid.attn_1.q.weight');
    expect(singleFileKeys(FAMILIES.sdxl).map((k) => k.key)).toContain(
      'conditioner.embedders.1.model.transformer.resblocks.31.attn.in_proj_weight',
    );
    expect(
      textEncoderLdmKeys(FAMILIES.sd2.textEncoders[0]).find((k) => k.key === 'text_projection')?.shape,
    ).toEqual([1024, 1024]);
  });

  it('finds the component of a key, or null for extras', () => {
    expect(componentOfKey(FAMILIES.sdxl, 'conditioner.embedders.1.model.ln_final.weight')).toBe(
      'text_encoder_2',
    );
    expect(componentOfKey(FAMILIES.sd1, 'first_stage_model.quant_conv.weight')).toBe('vae');
    expect(componentOfKey(FAMILIES.sd1, 'model_ema.decay')).toBeNull();
  });
});
