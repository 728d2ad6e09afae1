import { describe, expect, it } from 'vitest';
import { FAMILIES, FAMILY_IDS } from '../../../src-main/models/families';
import {
  clipTextConfig,
  diffusersFromSingleFile,
  diffusersKeys,
  diffusersUNetConfig,
  diffusersVAEConfig,
  modelIndex,
  schedulerConfig,
} from '../../../src-main/models/keymap/diffusers';
import { singleFileKeys } from '../../../src-main/models/keymap/ldm';
import { paramCount } from '../../../src-main/models/keymap/params';

describe('diffusers layout', () => {
  it('writes the HF unet/config.json fields of the reference configs', () => {
    expect(diffusersUNetConfig(FAMILIES.sd1.unet)).toMatchObject({
      attention_head_dim: 8,
      transformer_layers_per_block: 1,
      cross_attention_dim: 768,
      use_linear_projection: false,
    });
    expect(diffusersUNetConfig(FAMILIES.sd2.unet)).toMatchObject({
      attention_head_dim: [5, 10, 20, 20],
      upcast_attention: true,
    });
    expect(diffusersUNetConfig(FAMILIES.sdxl.unet)).toMatchObject({
      attention_head_dim: [5, 10, 20],
      transformer_layers_per_block: [1, 2, 10],
      down_block_types: ['DownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D'],
      up_block_types: ['CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'UpBlock2D'],
      addition_embed_type: 'text_time',
      projection_class_embeddings_input_dim: 2816,
    });
    expect(diffusersUNetConfig(FAMILIES['sdxl-refiner'].unet).transformer_layers_per_block).toBe(4);
    expect(diffusersVAEConfig(FAMILIES.sdxl.vae)).toMatchObject({
      scaling_factor: 0.13025,
      force_upcast: true,
    });
    expect(clipTextConfig(FAMILIES.sdxl.textEncoders[1])).toMatchObject({
      architectures: ['CLIPTextModelWithProjection'],
      hidden_act: 'gelu',
      num_hidden_layers: 32,
    });
    expect(clipTextConfig(FAMILIES.sd2.textEncoders[0]).num_hidden_layers).toBe(23);
  });

  it('writes scheduler and pipeline files', () => {
    expect(schedulerConfig(FAMILIES['sd2-v']).prediction_type).toBe('v_prediction');
    expect(schedulerConfig(FAMILIES.sd1)).toMatchObject({
      beta_start: 0.00085,
      beta_end: 0.012,
      num_train_timesteps: 1000,
      prediction_type: 'epsilon',
    });
    expect(modelIndex(FAMILIES.sdxl)).toMatchObject({
      _class_name: 'StableDiffusionXLPipeline',
      text_encoder_2: ['transformers', 'CLIPTextModelWithProjection'],
      tokenizer_2: ['transformers', 'CLIPTokenizer'],
    });
  });

  it.each(FAMILY_IDS)(
    '%s: every diffusers tensor comes from an existing single-file tensor of the right size',
    (id) => {
      const single = new Map(singleFileKeys(FAMILIES[id]).map((k) => [k.key, k.shape]));
      for (const s of diffusersFromSingleFile(FAMILIES[id])) {
        expect(single.get(s.from)).toEqual(s.fromShape);
        const size = s.shape.reduce((n, d) => n * d, 1);
        const rows = s.rows ? s.rows[1] - s.rows[0] : (s.fromShape[0] ?? 1);
        expect(size).toBe(rows * s.fromShape.slice(1).reduce((n, d) => n * d, 1));
      }
    },
  );

  it('has the full UNet and VAE in the folder', () => {
    expect(paramCount(diffusersKeys(FAMILIES.sd1, 'unet'))).toBe(859_520_964);
    expect(paramCount(diffusersKeys(FAMILIES.sd1, 'vae'))).toBe(83_653_863);
    expect(paramCount(diffusersKeys(FAMILIES.sd1, 'text_encoder'))).toBe(123_060_480);
  });
});
