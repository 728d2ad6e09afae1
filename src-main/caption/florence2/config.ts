// What a Florence-2 folder says about itself: the four ONNX files, token ids and generation defaults
// (config.json, generation_config.json) and the image preprocessing (preprocessor_config.json).
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The onnx-community export's layout (the one transformers.js loads). */
export const FLORENCE2_ONNX = {
  vision: 'onnx/vision_encoder.onnx',
  embed: 'onnx/embed_tokens.onnx',
  encoder: 'onnx/encoder_model.onnx',
  decoder: 'onnx/decoder_model_merged.onnx',
} as const;

export interface Florence2Generation {
  /** The decoder's first input token (`</s>` in BART-style models). */
  decoderStartId: number;
  eosId: number;
  /** Forced as the first generated token (`<s>`), or null. */
  forcedBosId: number | null;
  /** Forced when the length limit is reached, or null. */
  forcedEosId: number | null;
  /** No n-gram of this size is generated twice; 0 turns the rule off. */
  noRepeatNgram: number;
  beams: number;
  lengthPenalty: number;
  /** Beam search ends as soon as `beams` sequences are finished (else: once no running beam can beat them). */
  earlyStopping: boolean;
  maxNewTokens: number;
  /** The decoder's position table (`max_position_embeddings`): no caption can be longer. */
  maxPositions: number | null;
}

export interface Florence2Preprocess {
  width: number;
  height: number;
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface Florence2Config {
  generation: Florence2Generation;
  preprocess: Florence2Preprocess;
}

/** Published Florence-2 values, used where a file leaves a field out. */
const DEFAULT_GENERATION: Florence2Generation = {
  decoderStartId: 2,
  eosId: 2,
  forcedBosId: 0,
  forcedEosId: 2,
  noRepeatNgram: 3,
  beams: 3,
  lengthPenalty: 1,
  earlyStopping: false,
  // Captions are a sentence or a paragraph; the processor's examples allow 1024, far beyond either.
  maxNewTokens: 256,
  maxPositions: null,
};

type Json = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const nullableId = (v: unknown, fallback: number | null): number | null =>
  v === null ? null : (num(v) ?? fallback);

/** Generation settings from config.json (text_config) overlaid by generation_config.json, as HF does. */
export function parseGeneration(config: Json, generation: Json): Florence2Generation {
  const text = { ...((config.text_config as Json | undefined) ?? {}), ...config, ...generation };
  const d = DEFAULT_GENERATION;
  return {
    decoderStartId: num(text.decoder_start_token_id) ?? d.decoderStartId,
    eosId: num(text.eos_token_id) ?? d.eosId,
    forcedBosId: nullableId(text.forced_bos_token_id, d.forcedBosId),
    forcedEosId: nullableId(text.forced_eos_token_id, d.forcedEosId),
    noRepeatNgram: num(text.no_repeat_ngram_size) ?? d.noRepeatNgram,
    beams: num(text.num_beams) ?? d.beams,
    lengthPenalty: num(text.length_penalty) ?? d.lengthPenalty,
    // HF also accepts "never"; it only differs from false with a length penalty above 1.
    earlyStopping: text.early_stopping === true,
    maxNewTokens: num(text.max_new_tokens) ?? d.maxNewTokens,
    maxPositions: num(text.max_position_embeddings) ?? d.maxPositions,
  };
}

function triple(v: unknown, name: string, path: string): [number, number, number] {
  if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number'))
    return v as [number, number, number];
  throw new Error(`${path}: ${name} must be three numbers (one per RGB channel); download the model again`);
}

/** preprocessor_config.json: target size, 1/255 rescale, per-channel mean and std. */
export function parsePreprocess(json: Json, path = 'preprocessor_config.json'): Florence2Preprocess {
  const size = (json.size ?? json.crop_size) as Json | undefined;
  const width = num(size?.width);
  const height = num(size?.height);
  if (!width || !height)
    throw new Error(`${path}: size.width and size.height are required; download the model again`);
  return {
    width,
    height,
    rescale: json.do_rescale === false ? 1 : (num(json.rescale_factor) ?? 1 / 255),
    mean: json.do_normalize === false ? [0, 0, 0] : triple(json.image_mean, 'image_mean', path),
    std: json.do_normalize === false ? [1, 1, 1] : triple(json.image_std, 'image_std', path),
  };
}

async function readJson(folder: string, name: string, optional = false): Promise<Json> {
  const path = join(folder, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    if (optional) return {};
    throw new Error(`${path} is missing: download the Florence-2 model again`);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}): download the model again`);
  }
}

/** Checks that every file is there and reads the configs; errors name the missing file. */
export async function loadFlorence2Config(folder: string): Promise<Florence2Config> {
  for (const file of Object.values(FLORENCE2_ONNX)) {
    await access(join(folder, file)).catch(() => {
      throw new Error(
        `${join(folder, file)} is missing: a Florence-2 folder needs ${Object.values(FLORENCE2_ONNX).join(', ')}; download the model again`,
      );
    });
  }
  const [config, generation, preprocess] = await Promise.all([
    readJson(folder, 'config.json'),
    readJson(folder, 'generation_config.json', true),
    readJson(folder, 'preprocessor_config.json'),
  ]);
  return {
    generation: parseGeneration(config, generation),
    preprocess: parsePreprocess(preprocess, join(folder, 'preprocessor_config.json')),
  };
}
