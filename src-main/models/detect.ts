// Model detection in two stages (ComfyUI-style): read the structure from key names and shapes, then walk
// ordered tables of one-line signatures (family, variant, prediction). Single files and diffusers folders.
// Follows docs/reference/checkpoint-formats.md#family-detection.
import type { ModelFamily, ModelLayout } from '../api/contract';
import { architectureFromDiffusers, deriveChecked, type ComponentJsons } from './architecture';
import { OTHER_MODEL_SIGNATURES } from './detect-other';
import { architectureFromKeys } from './derive-keys';
import { FAMILIES, FAMILY_IDS, type FamilyConfig, type FamilyId } from './families';
import { diffusersUNetConfig } from './keymap/diffusers';
import { LDM_UNET_PREFIX } from './keymap/ldm';
import type { CheckpointStructure, Signature } from './signature';

export type { CheckpointStructure, Signature } from './signature';

/** Key → shape, e.g. a safetensors header's tensor map or a JSON key list. */
export type KeyTable = ReadonlyMap<string, { shape: readonly number[] }>;

export type Prediction = 'epsilon' | 'v' | 'unknown';
export type Variant = 'normal' | 'inpaint' | 'ip2p';

export interface Detection {
  layout: ModelLayout;
  family: ModelFamily;
  /** The family-table row lending names, labels and defaults (tiny-* for test models); null when unknown. */
  configId: FamilyId | null;
  /** The architecture read from the model itself; null when unknown or refused. */
  architecture: FamilyConfig | null;
  /** Why this model cannot be built, or null. */
  refusal: string | null;
  variant: Variant;
  prediction: Prediction;
  evidence: string[];
  warnings: string[];
}

const META_PREDICTION = 'modelspec.prediction_type';
const UNET = LDM_UNET_PREFIX;

/** Stage 2 for single files: the first matching row names the family. Text-encoder keys win; UNet widths cover UNet-only files. */
export const FAMILY_SIGNATURES: readonly Signature<ModelFamily, CheckpointStructure>[] = [
  {
    value: 'sdxl',
    test: (s) => s.has('conditioner.embedders.1.model.ln_final.weight'),
    says: 'conditioner.embedders.1 is OpenCLIP bigG → SDXL base',
  },
  {
    value: 'sdxl-refiner',
    test: (s) => s.has('conditioner.embedders.0.model.ln_final.weight'),
    says: 'conditioner.embedders.0 is OpenCLIP bigG alone → SDXL refiner',
  },
  {
    value: 'sd2',
    test: (s) => s.has('cond_stage_model.model.ln_final.weight'),
    says: 'cond_stage_model.model is OpenCLIP ViT-H → SD2.x',
  },
  {
    value: 'sd1',
    test: (s) => s.has('cond_stage_model.transformer.text_model.final_layer_norm.weight'),
    says: 'cond_stage_model.transformer is CLIP-L → SD1.x',
  },
  {
    value: 'sd1',
    test: (s) => s.has('cond_stage_model.transformer.final_layer_norm.weight'),
    says: 'old-style CLIP-L keys without text_model. → SD1.x',
  },
  {
    value: 'sdxl',
    test: (s) => s.contextDim === 2048 && s.admChannels === 2816,
    says: 'UNet cross-attention 2048 wide with 2816 added conditioning → SDXL base',
  },
  {
    value: 'sdxl-refiner',
    test: (s) => s.contextDim === 1280 && s.admChannels === 2560,
    says: 'UNet cross-attention 1280 wide with 2560 added conditioning → SDXL refiner',
  },
  {
    value: 'sd2',
    test: (s) => s.contextDim === 1024 && s.linearProjection === true,
    says: 'UNet cross-attention 1024 wide, linear proj_in → SD2.x',
  },
  {
    value: 'sd1',
    test: (s) => s.contextDim === 768 && s.linearProjection === false,
    says: 'UNet cross-attention 768 wide, 1×1-conv proj_in → SD1.x',
  },
];

export const VARIANT_SIGNATURES: readonly Signature<Variant, Pick<CheckpointStructure, 'inChannels'>>[] = [
  {
    value: 'inpaint',
    test: (s) => s.inChannels === 9,
    says: 'UNet conv_in takes 9 channels (latent + mask + masked image) → inpainting',
  },
  {
    value: 'ip2p',
    test: (s) => s.inChannels === 8,
    says: 'UNet conv_in takes 8 channels (latent + image latent) → instruct-pix2pix',
  },
];

/** Prediction clues in trust order; the family default and the SD2 guess live in `predictionOf`. */
export const PREDICTION_SIGNATURES: readonly Signature<
  Exclude<Prediction, 'unknown'>,
  CheckpointStructure
>[] = [
  {
    value: 'v',
    test: (s) => s.metadata[META_PREDICTION] === 'v',
    says: 'metadata modelspec.prediction_type = v',
  },
  {
    value: 'epsilon',
    test: (s) => s.metadata[META_PREDICTION] === 'epsilon',
    says: 'metadata modelspec.prediction_type = epsilon',
  },
  { value: 'v', test: (s) => s.has('v_pred'), says: 'marker key v_pred → v-prediction' },
  {
    value: 'v',
    test: (s) => /-768-v\b/.test(s.metadata['modelspec.architecture'] ?? ''),
    says: 'metadata modelspec.architecture names a 768-v model',
  },
];

function firstShape(keys: KeyTable, pattern: RegExp): readonly number[] | null {
  for (const [key, { shape }] of keys) if (pattern.test(key)) return shape;
  return null;
}

/** Stage 1 for single files. @example checkpointStructure(header.tensors, header.metadata).contextDim */
export function checkpointStructure(
  keys: KeyTable,
  metadata: Readonly<Record<string, string>> = {},
): CheckpointStructure {
  const conv = keys.get(`${UNET}input_blocks.0.0.weight`)?.shape;
  const toK = firstShape(
    keys,
    /^model\.diffusion_model\.(input|middle|output)_blocks?(\.\d+)?\.1\.transformer_blocks\.0\.attn2\.to_k\.weight$/,
  );
  const projIn = firstShape(keys, /^model\.diffusion_model\..*\.1\.proj_in\.weight$/);
  return {
    has: (key) => keys.has(key),
    keys: [...keys.keys()],
    metadata,
    modelChannels: conv ? conv[0] : null,
    inChannels: conv ? conv[1] : null,
    contextDim: toK ? toK[1] : null,
    linearProjection: projIn ? projIn.length === 2 : null,
    admChannels: keys.get(`${UNET}label_emb.0.0.weight`)?.shape[1] ?? null,
  };
}

function firstMatch<T, S>(table: readonly Signature<T, S>[], s: S): Signature<T, S> | undefined {
  return table.find((row) => row.test(s));
}

function predictionOf(
  family: ModelFamily,
  s: CheckpointStructure,
  evidence: string[],
  warnings: string[],
): Prediction {
  const row = firstMatch(PREDICTION_SIGNATURES, s);
  if (row) {
    evidence.push(row.says);
    return row.value;
  }
  if (family === 'unknown') return 'unknown';
  if (family === 'sd2') {
    // NOTE: nothing in an SD2 safetensors file records its objective
    // (docs/reference/checkpoint-formats.md#v-prediction); diffusers defaults to v.
    const says512 = s.metadata['modelspec.resolution']?.startsWith('512');
    const guess = says512 ? 'epsilon' : 'v';
    evidence.push(
      `guess: SD2 file records no prediction type; assuming ${guess === 'v' ? 'v-prediction (the 768 SD2.x default)' : 'epsilon (metadata says 512 px)'}`,
    );
    warnings.push(`Prediction type ${guess} is a guess for this SD2 model; change it if samples look wrong.`);
    return guess;
  }
  evidence.push(`${family} models predict epsilon unless marked otherwise`);
  return 'epsilon';
}

const GROUP: Record<Exclude<ModelFamily, 'unknown'>, string> = {
  sd1: 'sd1',
  sd2: 'sd2',
  'sd2-v': 'sd2',
  sdxl: 'sdxl',
  'sdxl-refiner': 'sdxl-refiner',
};

/** The config whose family group, base width and context width fit; same-prediction configs first. */
export function matchConfig(
  family: ModelFamily,
  prediction: Prediction,
  fits: (c: FamilyConfig) => boolean,
): FamilyId | null {
  if (family === 'unknown') return null;
  const candidates = FAMILY_IDS.map((id) => FAMILIES[id]).filter(
    (c) => GROUP[c.family] === GROUP[family] && fits(c),
  );
  const best = candidates.find((c) => c.prediction === prediction) ?? candidates[0];
  return best ? best.id : null;
}

/** The full-size family row of a family (its id is a FamilyId too). */
function fullSizeRow(family: ModelFamily): FamilyId | null {
  return family === 'unknown' ? null : family;
}

/**
 * Detects a single-file checkpoint from its keys and shapes (no weights read).
 * @example detectCheckpoint(header.tensors, header.metadata).family === 'sdxl'
 */
export function detectCheckpoint(keys: KeyTable, metadata: Readonly<Record<string, string>> = {}): Detection {
  const s = checkpointStructure(keys, metadata);
  const evidence: string[] = [];
  const warnings: string[] = [];
  const familyRow = firstMatch(FAMILY_SIGNATURES, s);
  let family: ModelFamily = familyRow ? familyRow.value : 'unknown';
  evidence.push(familyRow ? familyRow.says : 'no known text-encoder or UNet signature matched');
  const other = familyRow ? undefined : firstMatch(OTHER_MODEL_SIGNATURES, s);
  if (other) evidence.push(other.says);
  const variantRow = firstMatch(VARIANT_SIGNATURES, s);
  if (variantRow) evidence.push(variantRow.says);
  const prediction = predictionOf(family, s, evidence, warnings);
  if (family === 'sd2' && prediction === 'v') family = 'sd2-v';
  const fits = (c: FamilyConfig) =>
    c.unet.blockOutChannels[0] === s.modelChannels && c.unet.crossAttentionDim === s.contextDim;
  const configId = matchConfig(family, prediction, fits) ?? fullSizeRow(family);
  if (configId) evidence.push(`defaults (heads, norms, resolution) from the ${configId} family row`);
  const derived = deriveChecked(
    () => architectureFromKeys((k) => keys.get(k)?.shape, metadata, FAMILIES[configId as FamilyId]),
    configId,
    evidence,
    'tensor shapes',
  );
  if (other)
    derived.refusal = `this is ${other.value}; Tessera trains Stable Diffusion 1.x, 2.x and XL UNets`;
  return {
    layout: 'single-file',
    family,
    configId,
    ...derived,
    variant: variantRow ? variantRow.value : 'normal',
    prediction,
    evidence,
    warnings,
  };
}

/** The JSON files of a diffusers folder that detection reads (parsed; absent ones undefined). */
export interface DiffusersFiles extends ComponentJsons {
  unet: Record<string, unknown>;
  scheduler?: Record<string, unknown>;
  modelIndex?: Record<string, unknown>;
}

type UNetJson = Record<string, unknown>;

export const DIFFUSERS_FAMILY_SIGNATURES: readonly Signature<ModelFamily, UNetJson>[] = [
  {
    value: 'sdxl',
    test: (u) => u.cross_attention_dim === 2048 && u.addition_embed_type === 'text_time',
    says: 'unet/config.json: cross_attention_dim 2048 + text_time embedding → SDXL base',
  },
  {
    value: 'sdxl-refiner',
    test: (u) => u.cross_attention_dim === 1280 && u.projection_class_embeddings_input_dim === 2560,
    says: 'unet/config.json: cross_attention_dim 1280 + 2560 added conditioning → SDXL refiner',
  },
  {
    value: 'sd2',
    test: (u) => u.cross_attention_dim === 1024,
    says: 'unet/config.json: cross_attention_dim 1024 → SD2.x',
  },
  {
    value: 'sd1',
    test: (u) => u.cross_attention_dim === 768,
    says: 'unet/config.json: cross_attention_dim 768 → SD1.x',
  },
];

/** When no width says it: the text encoders' layout names the family (any size). */
export const DIFFUSERS_ENCODER_SIGNATURES: readonly Signature<ModelFamily, DiffusersFiles>[] = [
  {
    value: 'sdxl',
    test: (f) => f.unet.addition_embed_type === 'text_time' && !!f.text_encoder && !!f.text_encoder_2,
    says: 'text_time conditioning with text_encoder + text_encoder_2 → SDXL base layout',
  },
  {
    value: 'sdxl-refiner',
    test: (f) => f.unet.addition_embed_type === 'text_time' && !f.text_encoder && !!f.text_encoder_2,
    says: 'text_time conditioning with text_encoder_2 alone → SDXL refiner layout',
  },
  {
    value: 'sd2',
    test: (f) => !f.unet.addition_embed_type && f.text_encoder?.hidden_act === 'gelu' && !f.text_encoder_2,
    says: 'one GELU text encoder (OpenCLIP style) → SD2.x layout',
  },
  {
    value: 'sd1',
    test: (f) =>
      !f.unet.addition_embed_type &&
      !!f.text_encoder &&
      f.text_encoder.hidden_act !== 'gelu' &&
      !f.text_encoder_2,
    says: 'one quick-GELU CLIP text encoder → SD1.x layout',
  },
];

// Fields that pin a UNet's structure; a folder whose config agrees on all of them is that config.
const STRUCTURE_FIELDS = [
  'block_out_channels',
  'cross_attention_dim',
  'layers_per_block',
  'down_block_types',
  'use_linear_projection',
  'transformer_layers_per_block',
];

function sameStructure(unet: UNetJson, config: FamilyConfig): boolean {
  const want = diffusersUNetConfig(config.unet);
  return STRUCTURE_FIELDS.every((f) => JSON.stringify(unet[f] ?? want[f]) === JSON.stringify(want[f]));
}

/** Base and context widths as a single file's rows are matched (so both layouts pick the same row). */
function sameWidths(unet: UNetJson, config: FamilyConfig): boolean {
  const channels = unet.block_out_channels;
  return (
    Array.isArray(channels) &&
    channels[0] === config.unet.blockOutChannels[0] &&
    unet.cross_attention_dim === config.unet.crossAttentionDim
  );
}

function diffusersPrediction(files: DiffusersFiles, family: ModelFamily, evidence: string[]): Prediction {
  const type = files.scheduler?.prediction_type;
  if (type === 'v_prediction' || type === 'epsilon') {
    evidence.push(`scheduler_config.json: prediction_type ${type}`);
    return type === 'epsilon' ? 'epsilon' : 'v';
  }
  if (family === 'unknown') return 'unknown';
  evidence.push('scheduler_config.json has no prediction_type; diffusers then uses epsilon');
  return 'epsilon';
}

/**
 * Detects a diffusers folder from its JSON configs.
 * @example detectDiffusers({ unet: JSON.parse(unetJson), scheduler }).family === 'sd1'
 */
export function detectDiffusers(files: DiffusersFiles): Detection {
  const evidence: string[] = [];
  const warnings: string[] = [];
  const row =
    firstMatch(DIFFUSERS_FAMILY_SIGNATURES, files.unet) ?? firstMatch(DIFFUSERS_ENCODER_SIGNATURES, files);
  const exact = FAMILY_IDS.map((id) => FAMILIES[id]).find((c) => sameStructure(files.unet, c));
  let family: ModelFamily = row?.value ?? exact?.family ?? 'unknown';
  evidence.push(
    row?.says ??
      (exact
        ? `unet/config.json matches the ${exact.id} structure`
        : 'unet/config.json and the text encoders match no known family'),
  );
  const pipeline = files.modelIndex?._class_name;
  if (typeof pipeline === 'string') evidence.push(`model_index.json: ${pipeline}`);
  const inChannels = typeof files.unet.in_channels === 'number' ? files.unet.in_channels : null;
  const variantRow = firstMatch(VARIANT_SIGNATURES, { inChannels });
  if (variantRow) evidence.push(variantRow.says);
  const prediction = diffusersPrediction(files, family, evidence);
  if (family === 'sd2' && prediction === 'v') family = 'sd2-v';
  const configId =
    matchConfig(family, prediction, (c) => sameStructure(files.unet, c)) ??
    matchConfig(family, prediction, (c) => sameWidths(files.unet, c)) ??
    fullSizeRow(family);
  if (configId) evidence.push(`names and defaults from the ${configId} family row`);
  const derived = deriveChecked(
    () => architectureFromDiffusers(files, FAMILIES[configId as FamilyId]),
    configId,
    evidence,
    'config.json files',
  );
  return {
    layout: 'diffusers',
    family,
    configId,
    ...derived,
    variant: variantRow?.value ?? 'normal',
    prediction,
    evidence,
    warnings,
  };
}
