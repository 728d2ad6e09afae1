// diffusers folder layout of a family: component folders, weight file names, the config.json files, and
// where each diffusers tensor comes from in a single file (the LDM → diffusers conversion plan).
// Follows docs/reference/checkpoint-formats.md#unet-block-indices, #diffusers-folders and #unet-configs.
import type { FamilyConfig, TextEncoderConfig, UNetConfig, VAEConfig } from '../families';
import { attentionHeads, upDepth } from '../families';
import { clipKeys } from './clip';
import { LDM_UNET_PREFIX, LDM_VAE_PREFIX, type ComponentName } from './ldm';
import { openclipParams } from './openclip';
import type { KeyShape, ParamKind, ParamPair } from './params';
import { unetParamPairs } from './unet';
import { vaeParamPairs } from './vae';

/** Weight file stem per component; variants insert before the extension (`model.fp16.safetensors`). */
export const DIFFUSERS_WEIGHT_STEMS: Record<ComponentName, string> = {
  unet: 'diffusion_pytorch_model',
  vae: 'diffusion_pytorch_model',
  text_encoder: 'model',
  text_encoder_2: 'model',
};

/** One diffusers tensor and the single-file tensor (or row slice / transpose of it) it comes from. */
export interface TensorSource {
  component: ComponentName;
  key: string;
  shape: number[];
  kind: ParamKind;
  from: string;
  fromShape: number[];
  rows?: [number, number];
  transpose?: boolean;
}

function fromPairs(component: ComponentName, prefix: string, pairs: ParamPair[]): TensorSource[] {
  return pairs.map((p) => ({
    component,
    key: p.diffusers,
    shape: p.diffusersShape,
    kind: p.kind,
    from: prefix + p.ldm,
    fromShape: p.ldmShape,
  }));
}

function textEncoderSources(te: TextEncoderConfig): TensorSource[] {
  if (te.kind === 'clip') {
    return clipKeys(te).map((k) => ({
      component: te.component,
      ...k,
      from: te.ldmPrefix + k.key,
      fromShape: k.shape,
    }));
  }
  return openclipParams(te).flatMap((p) =>
    p.parts.map((part) => ({
      component: te.component,
      key: part.hf,
      shape: part.hfShape,
      kind: p.kind,
      from: te.ldmPrefix + p.key,
      fromShape: p.shape,
      ...(part.rows ? { rows: part.rows } : {}),
      ...(part.transpose ? { transpose: true } : {}),
    })),
  );
}

/** Every diffusers tensor of a family with its single-file source. @example diffusersFromSingleFile(FAMILIES.sd1)[0] */
export function diffusersFromSingleFile(config: FamilyConfig): TensorSource[] {
  return [
    ...fromPairs('unet', LDM_UNET_PREFIX, unetParamPairs(config.unet)),
    ...fromPairs('vae', LDM_VAE_PREFIX, vaeParamPairs(config.vae)),
    ...config.textEncoders.flatMap(textEncoderSources),
  ];
}

/** Keys of one diffusers component folder. @example diffusersKeys(FAMILIES.sdxl, 'text_encoder_2') */
export function diffusersKeys(config: FamilyConfig, component: ComponentName): KeyShape[] {
  return diffusersFromSingleFile(config)
    .filter((s) => s.component === component)
    .map(({ key, shape, kind }) => ({ key, shape, kind }));
}

// diffusers gives the mid block the last level's depth, so a level without attention carries the mid depth
// there (1 elsewhere, unused); a mid depth that differs from an attention last level has no spelling.
function perLevelDepth(config: UNetConfig): number | number[] {
  const last = config.blockOutChannels.length - 1;
  const mid = config.midBlock ? config.midTransformerDepth : 1;
  if (config.midBlock && config.attention[last] && config.transformerDepth[last] !== mid)
    throw new Error(
      `unet/config.json cannot say a mid depth ${mid} beside a last-level depth ${config.transformerDepth[last]}`,
    );
  const fixed = config.transformerDepth.map((d, i) => (config.attention[i] ? d : i === last ? mid : null));
  const said = fixed.filter((d): d is number => d !== null);
  if (said.every((d) => d === said[0])) return said[0] ?? 1;
  return fixed.map((d) => d ?? 1);
}

function headsField(config: UNetConfig): number | number[] {
  if (config.headRule.kind === 'heads') return config.headRule.heads;
  return config.blockOutChannels.map((_, i) => attentionHeads(config, i));
}

/** `unet/config.json` for a config (UNet2DConditionModel). @example diffusersUNetConfig(FAMILIES.sd1.unet).cross_attention_dim === 768 */
export function diffusersUNetConfig(config: UNetConfig): Record<string, unknown> {
  const levels = config.blockOutChannels.map((_, i) => i);
  const heads = headsField(config);
  return {
    _class_name: 'UNet2DConditionModel',
    act_fn: 'silu',
    attention_head_dim: heads,
    block_out_channels: [...config.blockOutChannels],
    cross_attention_dim: config.crossAttentionDim,
    down_block_types: levels.map((i) => (config.attention[i] ? 'CrossAttnDownBlock2D' : 'DownBlock2D')),
    mid_block_type: config.midBlock ? 'UNetMidBlock2DCrossAttn' : null,
    up_block_types: [...levels]
      .reverse()
      .map((i) => (config.attention[i] ? 'CrossAttnUpBlock2D' : 'UpBlock2D')),
    downsample_padding: 1,
    flip_sin_to_cos: true,
    freq_shift: 0,
    in_channels: config.inChannels,
    out_channels: config.outChannels,
    layers_per_block: config.layersPerBlock,
    mid_block_scale_factor: 1,
    norm_eps: config.normEps,
    norm_num_groups: config.normGroups,
    sample_size: config.sampleSize,
    transformer_layers_per_block: perLevelDepth(config),
    ...(config.upTransformerDepth
      ? {
          reverse_transformer_layers_per_block: config.blockOutChannels
            .map((_, level) =>
              Array.from({ length: config.layersPerBlock + 1 }, (_, j) => upDepth(config, level, j) || 1),
            )
            .reverse(),
        }
      : {}),
    use_linear_projection: config.useLinearProjection,
    upcast_attention: config.upcastAttention,
    ...(config.addition
      ? {
          addition_embed_type: 'text_time',
          addition_time_embed_dim: config.addition.timeEmbedDim,
          projection_class_embeddings_input_dim: config.addition.inputDim,
        }
      : {}),
  };
}

/** `vae/config.json` (AutoencoderKL). @example diffusersVAEConfig(FAMILIES.sdxl.vae).scaling_factor === 0.13025 */
export function diffusersVAEConfig(config: VAEConfig): Record<string, unknown> {
  const n = config.blockOutChannels.length;
  return {
    _class_name: 'AutoencoderKL',
    act_fn: 'silu',
    block_out_channels: [...config.blockOutChannels],
    down_block_types: Array<string>(n).fill('DownEncoderBlock2D'),
    up_block_types: Array<string>(n).fill('UpDecoderBlock2D'),
    in_channels: config.inChannels,
    out_channels: config.outChannels,
    latent_channels: config.latentChannels,
    layers_per_block: config.layersPerBlock,
    norm_num_groups: config.normGroups,
    scaling_factor: config.scalingFactor,
    force_upcast: config.forceUpcast,
  };
}

/** `text_encoder/config.json` (or `text_encoder_2/`) (transformers CLIPTextConfig). @example clipTextConfig(FAMILIES.sd1.textEncoders[0]).hidden_act === 'quick_gelu' */
export function clipTextConfig(te: TextEncoderConfig): Record<string, unknown> {
  return {
    architectures: [te.diffusersProjection ? 'CLIPTextModelWithProjection' : 'CLIPTextModel'],
    model_type: 'clip_text_model',
    hidden_size: te.hidden,
    intermediate_size: te.mlp,
    num_attention_heads: te.heads,
    num_hidden_layers: te.diffusersLayers,
    max_position_embeddings: te.maxPositions,
    vocab_size: te.vocab,
    hidden_act: te.act,
    layer_norm_eps: te.layerNormEps,
    projection_dim: te.projectionDim ?? te.hidden,
    bos_token_id: 49406,
    eos_token_id: 49407,
    pad_token_id: 49407,
  };
}

function schedulerClass(config: FamilyConfig): string {
  if (config.family === 'sdxl' || config.family === 'sdxl-refiner') return 'EulerDiscreteScheduler';
  return config.prediction === 'v' ? 'DDIMScheduler' : 'PNDMScheduler';
}

/** `scheduler/scheduler_config.json`. @example schedulerConfig(FAMILIES['sd2-v']).prediction_type === 'v_prediction' */
export function schedulerConfig(config: FamilyConfig): Record<string, unknown> {
  const s = config.schedule;
  return {
    _class_name: schedulerClass(config),
    beta_schedule: s.betaSchedule,
    beta_start: s.betaStart,
    beta_end: s.betaEnd,
    num_train_timesteps: s.trainTimesteps,
    prediction_type: config.prediction === 'v' ? 'v_prediction' : 'epsilon',
    steps_offset: 1,
    timestep_spacing: 'leading',
    clip_sample: false,
    set_alpha_to_one: false,
  };
}

/** `model_index.json`. @example modelIndex(FAMILIES.sd1)._class_name === 'StableDiffusionPipeline' */
export function modelIndex(config: FamilyConfig): Record<string, unknown> {
  const index: Record<string, unknown> = {
    _class_name: config.pipelineClass,
    unet: ['diffusers', 'UNet2DConditionModel'],
    vae: ['diffusers', 'AutoencoderKL'],
    scheduler: ['diffusers', schedulerClass(config)],
  };
  for (const te of config.textEncoders) {
    index[te.component] = [
      'transformers',
      te.diffusersProjection ? 'CLIPTextModelWithProjection' : 'CLIPTextModel',
    ];
    index[te.component.replace('text_encoder', 'tokenizer')] = ['transformers', 'CLIPTokenizer'];
  }
  return index;
}
