// The family config tables: the single source of truth for UNet/CLIP/VAE shapes, layouts and schedules.
// Numbers follow docs/reference/checkpoint-formats.md#unet-configs and #layer-constants (HF configs, LDM
// yamls); tiny-* keep the same structure with small widths so tests and fixtures run in milliseconds.
import type { ModelFamily } from '../api/contract';

export type FamilyId =
  'sd1' | 'sd2' | 'sd2-v' | 'sdxl' | 'sdxl-refiner' | 'tiny-sd1' | 'tiny-sd2' | 'tiny-sdxl';

/** How attention heads are chosen: a fixed count (SD1 `num_heads: 8`), a fixed width (SD2/SDXL 64), or a
 * count per level (a diffusers `attention_head_dim` list that is neither; the mid block uses the last). */
export type HeadRule =
  | { kind: 'heads'; heads: number }
  | { kind: 'headDim'; headDim: number }
  | { kind: 'levels'; heads: readonly number[] };

export interface UNetConfig {
  inChannels: number;
  outChannels: number;
  blockOutChannels: readonly number[];
  layersPerBlock: number;
  /** Per level: does it hold cross-attention (CrossAttnDownBlock2D; the up path mirrors it). */
  attention: readonly boolean[];
  /** Transformer blocks per attention block, per level (0 where the level has no attention). */
  transformerDepth: readonly number[];
  /**
   * Transformer blocks of each up-path attention block, per level (level order) and layer (layersPerBlock + 1),
   * where the up path does not mirror the down path (SSD-1B, Segmind Vega); absent: each level's down depth.
   */
  upTransformerDepth?: readonly (readonly number[])[];
  /** Whether the UNet has a mid block (ResBlock, SpatialTransformer, ResBlock); distilled UNets may not. */
  midBlock: boolean;
  /** Transformer blocks in the mid block (0 when there is none). */
  midTransformerDepth: number;
  headRule: HeadRule;
  crossAttentionDim: number;
  /** Linear proj_in/proj_out (SD2/SDXL) instead of 1×1 convs (SD1). */
  useLinearProjection: boolean;
  /** NOTE: SD2.1 needs fp32 attention (`upcast_attention`), else fp16 overflows. */
  upcastAttention: boolean;
  /** SDXL `text_time` conditioning: pooled text + sinusoids of the 6 (base) or 5 (refiner) size ids. */
  addition: { type: 'text_time'; timeEmbedDim: number; inputDim: number } | null;
  normGroups: number;
  normEps: number;
  /** NOTE: the Transformer2D input GroupNorm uses 1e-6, not the ResNet 1e-5. */
  transformerNormEps: number;
  layerNormEps: number;
  sampleSize: number;
}

export interface TextEncoderConfig {
  /** The diffusers folder this encoder lives in. */
  component: 'text_encoder' | 'text_encoder_2';
  /** Key style in single files: HF CLIP (`…transformer.text_model.`) or OpenCLIP (`…model.`). */
  kind: 'clip' | 'openclip';
  /** Single-file key prefix, up to and excluding `text_model.` (clip) or the OpenCLIP names. */
  ldmPrefix: string;
  hidden: number;
  layers: number;
  /** Layers kept in the diffusers folder (SD2 drops the last OpenCLIP block it never uses). */
  diffusersLayers: number;
  heads: number;
  mlp: number;
  act: 'quick_gelu' | 'gelu';
  vocab: number;
  maxPositions: number;
  /** `text_projection` width; null when the encoder has none (CLIP-L in SD1/SDXL). */
  projectionDim: number | null;
  /** Whether the diffusers folder keeps the projection (`CLIPTextModelWithProjection`). */
  diffusersProjection: boolean;
  /** Which hidden state conditions the UNet: -1 last, -2 penultimate (SD2, SDXL). */
  outputLayer: -1 | -2;
  layerNormEps: number;
}

export interface VAEConfig {
  inChannels: number;
  outChannels: number;
  latentChannels: number;
  blockOutChannels: readonly number[];
  /** Encoder resnets per level; the decoder has one more. */
  layersPerBlock: number;
  normGroups: number;
  normEps: number;
  scalingFactor: number;
  /** NOTE: the SDXL VAE overflows in fp16; run it in fp32. */
  forceUpcast: boolean;
}

export interface ScheduleConfig {
  trainTimesteps: number;
  betaSchedule: 'scaled_linear';
  betaStart: number;
  betaEnd: number;
}

export interface FamilyConfig {
  id: FamilyId;
  /** The public family this config belongs to (tiny-* report their full-size family). */
  family: Exclude<ModelFamily, 'unknown'>;
  label: string;
  prediction: 'epsilon' | 'v';
  resolution: number;
  unet: UNetConfig;
  vae: VAEConfig;
  textEncoders: readonly TextEncoderConfig[];
  schedule: ScheduleConfig;
  /** Kohya UNet LoRA stems: SD1/SD2 name diffusers modules, SDXL names LDM modules. */
  kohyaUNetNaming: 'diffusers' | 'ldm';
  pipelineClass: 'StableDiffusionPipeline' | 'StableDiffusionXLPipeline' | 'StableDiffusionXLImg2ImgPipeline';
}

const SCHEDULE: ScheduleConfig = {
  trainTimesteps: 1000,
  betaSchedule: 'scaled_linear',
  betaStart: 0.00085,
  betaEnd: 0.012,
};

const UNET_COMMON = {
  inChannels: 4,
  outChannels: 4,
  layersPerBlock: 2,
  midBlock: true,
  normGroups: 32,
  normEps: 1e-5,
  transformerNormEps: 1e-6,
  layerNormEps: 1e-5,
  upcastAttention: false,
  addition: null,
} as const;

const SD_UNET: UNetConfig = {
  ...UNET_COMMON,
  blockOutChannels: [320, 640, 1280, 1280],
  attention: [true, true, true, false],
  transformerDepth: [1, 1, 1, 0],
  midTransformerDepth: 1,
  headRule: { kind: 'heads', heads: 8 },
  crossAttentionDim: 768,
  useLinearProjection: false,
  sampleSize: 64,
};

const SD2_UNET: UNetConfig = {
  ...SD_UNET,
  headRule: { kind: 'headDim', headDim: 64 },
  crossAttentionDim: 1024,
  useLinearProjection: true,
  upcastAttention: true,
};

const SDXL_UNET: UNetConfig = {
  ...UNET_COMMON,
  blockOutChannels: [320, 640, 1280],
  attention: [false, true, true],
  transformerDepth: [0, 2, 10],
  midTransformerDepth: 10,
  headRule: { kind: 'headDim', headDim: 64 },
  crossAttentionDim: 2048,
  useLinearProjection: true,
  addition: { type: 'text_time', timeEmbedDim: 256, inputDim: 1280 + 6 * 256 },
  sampleSize: 128,
};

const REFINER_UNET: UNetConfig = {
  ...SDXL_UNET,
  blockOutChannels: [384, 768, 1536, 1536],
  attention: [false, true, true, false],
  transformerDepth: [0, 4, 4, 0],
  midTransformerDepth: 4,
  crossAttentionDim: 1280,
  addition: { type: 'text_time', timeEmbedDim: 256, inputDim: 1280 + 5 * 256 },
};

const VAE: VAEConfig = {
  inChannels: 3,
  outChannels: 3,
  latentChannels: 4,
  blockOutChannels: [128, 256, 512, 512],
  layersPerBlock: 2,
  normGroups: 32,
  normEps: 1e-6,
  scalingFactor: 0.18215,
  forceUpcast: false,
};

const SDXL_VAE: VAEConfig = { ...VAE, scalingFactor: 0.13025, forceUpcast: true };

const CLIP_L: TextEncoderConfig = {
  component: 'text_encoder',
  kind: 'clip',
  ldmPrefix: 'cond_stage_model.transformer.',
  hidden: 768,
  layers: 12,
  diffusersLayers: 12,
  heads: 12,
  mlp: 3072,
  act: 'quick_gelu',
  vocab: 49408,
  maxPositions: 77,
  projectionDim: null,
  diffusersProjection: false,
  outputLayer: -1,
  layerNormEps: 1e-5,
};

const OPENCLIP_H: TextEncoderConfig = {
  ...CLIP_L,
  kind: 'openclip',
  ldmPrefix: 'cond_stage_model.model.',
  hidden: 1024,
  layers: 24,
  diffusersLayers: 23,
  heads: 16,
  mlp: 4096,
  act: 'gelu',
  projectionDim: 1024,
  outputLayer: -2,
};

const SDXL_CLIP_L: TextEncoderConfig = {
  ...CLIP_L,
  ldmPrefix: 'conditioner.embedders.0.transformer.',
  outputLayer: -2,
};

const OPENCLIP_BIGG: TextEncoderConfig = {
  ...OPENCLIP_H,
  component: 'text_encoder_2',
  ldmPrefix: 'conditioner.embedders.1.model.',
  hidden: 1280,
  layers: 32,
  diffusersLayers: 32,
  heads: 20,
  mlp: 5120,
  projectionDim: 1280,
  diffusersProjection: true,
};

const REFINER_BIGG: TextEncoderConfig = { ...OPENCLIP_BIGG, ldmPrefix: 'conditioner.embedders.0.model.' };

// Tiny widths: groups of 8 divide every channel count; hidden 32 with 2 heads keeps CLIP small while the
// vocabulary stays 49408 so real tokenizer ids remain valid.
const TINY_TEXT = { hidden: 32, heads: 2, mlp: 64, layers: 2, diffusersLayers: 2 } as const;
const TINY_UNET = { normGroups: 8, blockOutChannels: [32, 64, 64], sampleSize: 8 } as const;
const TINY_VAE: VAEConfig = { ...VAE, blockOutChannels: [32, 64], normGroups: 8 };

const SD1: FamilyConfig = {
  id: 'sd1',
  family: 'sd1',
  label: 'Stable Diffusion 1.x',
  prediction: 'epsilon',
  resolution: 512,
  unet: SD_UNET,
  vae: VAE,
  textEncoders: [CLIP_L],
  schedule: SCHEDULE,
  kohyaUNetNaming: 'diffusers',
  pipelineClass: 'StableDiffusionPipeline',
};

const SD2: FamilyConfig = {
  ...SD1,
  id: 'sd2',
  family: 'sd2',
  label: 'Stable Diffusion 2.x (512, epsilon)',
  unet: SD2_UNET,
  textEncoders: [OPENCLIP_H],
};

const SD2_V: FamilyConfig = {
  ...SD2,
  id: 'sd2-v',
  family: 'sd2-v',
  label: 'Stable Diffusion 2.x (768, v-prediction)',
  prediction: 'v',
  resolution: 768,
  unet: { ...SD2_UNET, sampleSize: 96 },
};

const SDXL: FamilyConfig = {
  id: 'sdxl',
  family: 'sdxl',
  label: 'Stable Diffusion XL (base)',
  prediction: 'epsilon',
  resolution: 1024,
  unet: SDXL_UNET,
  vae: SDXL_VAE,
  textEncoders: [SDXL_CLIP_L, OPENCLIP_BIGG],
  schedule: SCHEDULE,
  kohyaUNetNaming: 'ldm',
  pipelineClass: 'StableDiffusionXLPipeline',
};

const SDXL_REFINER: FamilyConfig = {
  ...SDXL,
  id: 'sdxl-refiner',
  family: 'sdxl-refiner',
  label: 'Stable Diffusion XL (refiner)',
  unet: REFINER_UNET,
  textEncoders: [REFINER_BIGG],
  pipelineClass: 'StableDiffusionXLImg2ImgPipeline',
};

const TINY_SD1: FamilyConfig = {
  ...SD1,
  id: 'tiny-sd1',
  label: 'Tiny SD1 (test model)',
  resolution: 64,
  unet: {
    ...SD_UNET,
    ...TINY_UNET,
    attention: [true, true, false],
    transformerDepth: [1, 1, 0],
    headRule: { kind: 'heads', heads: 2 },
    crossAttentionDim: TINY_TEXT.hidden,
  },
  vae: TINY_VAE,
  textEncoders: [{ ...CLIP_L, ...TINY_TEXT }],
};

const TINY_SD2: FamilyConfig = {
  ...SD2,
  id: 'tiny-sd2',
  label: 'Tiny SD2 (test model)',
  resolution: 64,
  unet: {
    ...SD2_UNET,
    ...TINY_UNET,
    attention: [true, true, false],
    transformerDepth: [1, 1, 0],
    headRule: { kind: 'headDim', headDim: 16 },
    crossAttentionDim: TINY_TEXT.hidden,
  },
  vae: TINY_VAE,
  textEncoders: [{ ...OPENCLIP_H, ...TINY_TEXT, layers: 3, diffusersLayers: 2, projectionDim: 32 }],
};

const TINY_SDXL: FamilyConfig = {
  ...SDXL,
  id: 'tiny-sdxl',
  label: 'Tiny SDXL (test model)',
  resolution: 64,
  unet: {
    ...SDXL_UNET,
    ...TINY_UNET,
    transformerDepth: [0, 1, 2],
    midTransformerDepth: 2,
    headRule: { kind: 'headDim', headDim: 16 },
    crossAttentionDim: 2 * TINY_TEXT.hidden,
    addition: { type: 'text_time', timeEmbedDim: 8, inputDim: TINY_TEXT.hidden + 6 * 8 },
  },
  vae: { ...TINY_VAE, scalingFactor: SDXL_VAE.scalingFactor, forceUpcast: true },
  textEncoders: [
    { ...SDXL_CLIP_L, ...TINY_TEXT },
    { ...OPENCLIP_BIGG, ...TINY_TEXT, projectionDim: 32 },
  ],
};

/** Every known config, in detection order (full-size first, then the test models). */
export const FAMILIES: Readonly<Record<FamilyId, FamilyConfig>> = {
  sd1: SD1,
  sd2: SD2,
  'sd2-v': SD2_V,
  sdxl: SDXL,
  'sdxl-refiner': SDXL_REFINER,
  'tiny-sd1': TINY_SD1,
  'tiny-sd2': TINY_SD2,
  'tiny-sdxl': TINY_SDXL,
};

export const FAMILY_IDS = Object.keys(FAMILIES) as FamilyId[];

/** @example familyConfig('sdxl').unet.crossAttentionDim === 2048 */
export function familyConfig(id: FamilyId): FamilyConfig {
  return FAMILIES[id];
}

/** Heads of the attention blocks at `level` (the mid block uses the last level). @example attentionHeads(FAMILIES.sd1.unet, 0) === 8 */
export function attentionHeads(config: UNetConfig, level: number): number {
  const rule = config.headRule;
  if (rule.kind === 'heads') return rule.heads;
  if (rule.kind === 'levels') return rule.heads[level];
  return config.blockOutChannels[level] / rule.headDim;
}

/** Transformer blocks of up-path layer `j` at `level`. @example upDepth(FAMILIES.sdxl.unet, 2, 0) === 10 */
export function upDepth(config: UNetConfig, level: number, j: number): number {
  return config.upTransformerDepth?.[level][j] ?? config.transformerDepth[level];
}

/** Width of the time embedding (4 × the first block width). @example timeEmbedDim(FAMILIES.sd1.unet) === 1280 */
export function timeEmbedDim(config: UNetConfig): number {
  return 4 * config.blockOutChannels[0];
}
