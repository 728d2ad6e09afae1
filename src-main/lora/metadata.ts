// The `__metadata__` of an exported LoRA: kohya `ss_*` keys (Python `str()` spellings) and Stability
// `modelspec.*` keys. Facts: docs/reference/lora-formats.md#kohya-metadata, #modelspec, #who-reads-metadata.

import { FAMILIES, type FamilyConfig } from '../models/families';
import type { LoRAFamily } from './adapter-weights';
import { modelspecHash } from './hashes';

type PublicFamily = FamilyConfig['family'];

interface LoRASpelling {
  /** kohya `args.v2` */
  v2: boolean;
  baseModelVersion: string;
  architecture: string;
}

// What kohya (KS model_util / sai_model_spec) writes for a LoRA on each public family. Resolution,
// prediction and key naming come from models/families.ts. The refiner has no verified kohya spelling.
const LORA_SPELLINGS: Partial<Record<PublicFamily, LoRASpelling>> = {
  sd1: { v2: false, baseModelVersion: 'sd_v1', architecture: 'stable-diffusion-v1/lora' },
  sd2: { v2: true, baseModelVersion: 'sd_v2', architecture: 'stable-diffusion-v2-512/lora' },
  'sd2-v': { v2: true, baseModelVersion: 'sd_v2_v', architecture: 'stable-diffusion-v2-768-v/lora' },
  sdxl: { v2: false, baseModelVersion: 'sdxl_base_v1-0', architecture: 'stable-diffusion-xl-v1-base/lora' },
};

/** modelspec.implementation names the codebase whose variable names the keys follow. */
const IMPLEMENTATION = {
  diffusers: 'diffusers',
  ldm: 'https://github.com/Stability-AI/generative-models',
} as const;

interface FamilyMetadata extends LoRASpelling {
  implementation: string;
  resolution: [number, number];
  prediction: 'epsilon' | 'v';
}

function familyMetadata(id: LoRAFamily): FamilyMetadata {
  const config = FAMILIES[id];
  const spelling = LORA_SPELLINGS[config.family];
  if (!spelling) throw new Error(`no kohya metadata is known for ${config.family} LoRAs`);
  return {
    ...spelling,
    implementation: IMPLEMENTATION[config.kohyaUNetNaming],
    resolution: [config.resolution, config.resolution],
    prediction: config.prediction,
  };
}

export interface KohyaMetadataInput {
  family: LoRAFamily;
  rank: number;
  alpha: number;
  /** Alias in `<lora:NAME:1>`; set it to the file stem (A1111 `get_alias`). */
  outputName: string;
  title?: string;
  /** Unix seconds (float), as Python's `time.time()`. */
  trainingStartedAt?: number;
  trainingFinishedAt?: number;
  /** {datasetDir: {tag: count}} — counts must be integers (A1111 parses them with int()). */
  tagFrequency?: Record<string, Record<string, number>>;
  resolution?: [number, number];
  sdModelName?: string;
  clipSkip?: number;
  /** What the run did, for the kohya keys tools show (A1111/Forge cards, Civitai, the kohya GUI). */
  training?: TrainingFacts;
  /** `modelspec.*` fields a user can edit on export. */
  trigger?: string;
  author?: string;
  description?: string;
  /** A small preview image as a `data:image/...;base64,` URL. */
  thumbnail?: string;
  /** Other `ss_*` / `modelspec.*` strings to carry (e.g. from a converted file); computed keys win. */
  extra?: Record<string, string>;
}

/** The run's settings and progress, in kohya's terms. */
export interface TrainingFacts {
  /** Optimizer steps done when the file was written. */
  steps: number;
  epoch: number;
  numEpochs: number;
  maxTrainSteps: number;
  learningRate: number;
  lrScheduler: string;
  /** e.g. `AdamW(weight_decay=0.01,betas=(0.9,0.999),eps=1e-08)` */
  optimizer: string;
  noiseOffset: number;
  /** null: min-SNR weighting off. */
  minSnrGamma: number | null;
  batchSize: number;
  gradientAccumulation: number;
  seed: number;
  /** kohya `--mixed_precision`: `fp16` or `no`. */
  mixedPrecision: 'fp16' | 'no';
  timestepRange: [number, number];
  /** images × repeats */
  numTrainImages: number;
  /** {folder: {n_repeats, img_count}} */
  datasetDirs: Record<string, { n_repeats: number; img_count: number }>;
  /** Caption handling and augmentation. */
  captions: { shuffle: boolean; keepTokens: number; dropout: number; tagDropout: number };
  flip: boolean;
  randomCrop: boolean;
  /** Aspect buckets: the side range and how many images (× repeats) each bucket got. */
  buckets: { minSide: number; maxSide: number; counts: { resolution: [number, number]; count: number }[] };
  /** Base model hashes as A1111 computes them: legacy 8 hex, and the full-file sha256. */
  sdModelHash?: string;
  newSdModelHash?: string;
}

export interface DataHashes {
  /** sha256 hex of the data region. */
  sha256: string;
}

/** Python `repr(float)`: shortest round-trip digits, `8.0`, `0.0001`, `1e-05`, `1e+16`. @example pyFloat(8) === '8.0' */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = x.toFixed(Math.max(0, mantissa.replace(/^-/, '').replace('.', '').length - 1 - exp));
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/** kohya's `ss_resolution` text `(w, h)` back to numbers; undefined when absent or malformed. */
export function parseResolution(text: string | undefined): [number, number] | undefined {
  const m = /^\((\d+),\s*(\d+)\)$/.exec(text ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Python `json.dumps(v)` defaults: `", "` / `": "` separators and ASCII-only output. @example pyJson({a: 1}) === '{"a": 1}' */
export function pyJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new Error(`pyJson: cannot encode ${String(value)}`);
    return text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  const fields = Object.entries(value).map(([k, v]) => `${pyJson(k)}: ${pyJson(v)}`);
  return `{${fields.join(', ')}}`;
}

/** `datetime.fromtimestamp(int(ts)).isoformat()`: local time, no zone. @example isoLocal(0) */
export function isoLocal(unixSeconds: number): string {
  const d = new Date(Math.trunc(unixSeconds) * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function ssKeys(input: KohyaMetadataInput, fam: FamilyMetadata): Record<string, string> {
  const [w, h] = input.resolution ?? fam.resolution;
  const out: Record<string, string> = {
    ss_network_module: 'networks.lora',
    ss_network_dim: String(input.rank),
    ss_network_alpha: pyFloat(input.alpha),
    ss_v2: fam.v2 ? 'True' : 'False',
    ss_base_model_version: fam.baseModelVersion,
    ss_output_name: input.outputName,
    ss_resolution: `(${w}, ${h})`,
    ss_clip_skip: input.clipSkip === undefined ? 'None' : String(input.clipSkip),
  };
  if (input.sdModelName !== undefined) out.ss_sd_model_name = input.sdModelName;
  if (input.trainingStartedAt !== undefined) out.ss_training_started_at = pyFloat(input.trainingStartedAt);
  if (input.trainingFinishedAt !== undefined) out.ss_training_finished_at = pyFloat(input.trainingFinishedAt);
  if (input.tagFrequency !== undefined) out.ss_tag_frequency = pyJson(checkedTags(input.tagFrequency));
  if (input.training) Object.assign(out, trainingKeys(input.training));
  return out;
}

function trainingKeys(t: TrainingFacts): Record<string, string> {
  const out: Record<string, string> = {
    ss_steps: String(t.steps),
    ss_epoch: String(t.epoch),
    ss_num_epochs: String(t.numEpochs),
    ss_max_train_steps: String(t.maxTrainSteps),
    ss_learning_rate: pyFloat(t.learningRate),
    ss_unet_lr: pyFloat(t.learningRate),
    ss_text_encoder_lr: 'None', // the text encoders are not trained
    ss_lr_scheduler: t.lrScheduler,
    ss_optimizer: t.optimizer,
    ss_noise_offset: t.noiseOffset > 0 ? pyFloat(t.noiseOffset) : 'None',
    ss_min_snr_gamma: t.minSnrGamma === null ? 'None' : pyFloat(t.minSnrGamma),
    ss_batch_size_per_device: String(t.batchSize),
    ss_gradient_accumulation_steps: String(t.gradientAccumulation),
    ss_total_batch_size: String(t.batchSize * t.gradientAccumulation),
    ss_seed: String(t.seed),
    ss_mixed_precision: t.mixedPrecision,
    ss_num_train_images: String(t.numTrainImages),
    ss_dataset_dirs: pyJson(t.datasetDirs),
    ss_shuffle_caption: t.captions.shuffle ? 'True' : 'False',
    ss_keep_tokens: String(t.captions.keepTokens),
    ss_caption_dropout_rate: pyFloat(t.captions.dropout),
    ss_caption_tag_dropout_rate: pyFloat(t.captions.tagDropout),
    ss_flip_aug: t.flip ? 'True' : 'False',
    ss_random_crop: t.randomCrop ? 'True' : 'False',
    ss_enable_bucket: 'True',
    ss_min_bucket_reso: String(t.buckets.minSide),
    ss_max_bucket_reso: String(t.buckets.maxSide),
    ss_bucket_info: pyJson({
      buckets: Object.fromEntries(t.buckets.counts.map((b, i) => [String(i), b])),
      mean_img_ar_error: 0,
    }),
  };
  if (t.sdModelHash) out.ss_sd_model_hash = t.sdModelHash;
  if (t.newSdModelHash) out.ss_new_sd_model_hash = t.newSdModelHash;
  return out;
}

function checkedTags(freq: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
  for (const [dir, tags] of Object.entries(freq)) {
    for (const [tag, n] of Object.entries(tags)) {
      if (!Number.isSafeInteger(n))
        throw new Error(`ss_tag_frequency ${dir}/${tag}: count ${n} is not an integer`);
    }
  }
  return freq;
}

function modelspecKeys(input: KohyaMetadataInput, fam: FamilyMetadata): Record<string, string> {
  const [w, h] = input.resolution ?? fam.resolution;
  const out: Record<string, string> = {
    'modelspec.sai_model_spec': '1.0.1',
    'modelspec.architecture': fam.architecture,
    'modelspec.implementation': fam.implementation,
    'modelspec.title': input.title ?? input.outputName,
    'modelspec.resolution': `${w}x${h}`,
    'modelspec.prediction_type': fam.prediction,
  };
  const when = input.trainingFinishedAt ?? input.trainingStartedAt;
  if (when !== undefined) out['modelspec.date'] = isoLocal(when);
  if (input.clipSkip !== undefined) out['modelspec.encoder_layer'] = String(input.clipSkip);
  const range = input.training?.timestepRange;
  if (range && (range[0] > 0 || range[1] < 1000)) out['modelspec.timestep_range'] = `${range[0]},${range[1]}`;
  if (input.trigger) out['modelspec.trigger_phrase'] = input.trigger;
  if (input.author) out['modelspec.author'] = input.author;
  if (input.description) out['modelspec.description'] = input.description;
  if (input.thumbnail) out['modelspec.thumbnail'] = input.thumbnail;
  return out;
}

/** Tessera's own key: the family config an adapter was trained on (other tools ignore unknown keys). */
export const CONFIG_ID_KEY = 'tessera.config_id';

/**
 * Every metadata string of a kohya-format LoRA. Pass `hashes` once the data region is known: it adds
 * `sshs_model_hash` and `modelspec.hash_sha256`, which must describe the file's own bytes.
 * @example buildKohyaMetadata({ family: 'sd1', rank: 16, alpha: 8, outputName: 'style' }, { sha256 })
 */
export function buildKohyaMetadata(input: KohyaMetadataInput, hashes?: DataHashes): Record<string, string> {
  const fam = familyMetadata(input.family);
  const out: Record<string, string> = {
    ...(input.extra ?? {}),
    ...ssKeys(input, fam),
    ...modelspecKeys(input, fam),
  };
  // The exact config (tiny-* test models share their public family's spelling above).
  out[CONFIG_ID_KEY] = input.family;
  if (hashes) {
    out.sshs_model_hash = hashes.sha256;
    out['modelspec.hash_sha256'] = modelspecHash(hashes.sha256);
  }
  // docs/reference/lora-formats.md#export-rules: a PEFT config key in a kohya file makes diffusers refuse it.
  delete out.lora_adapter_metadata;
  return out;
}

/**
 * The family a file's metadata declares, read the way A1111 does (`ss_base_model_version`, then `ss_v2`),
 * or undefined when it says nothing. @example familyFromMetadata({ ss_base_model_version: 'sdxl_base_v1-0' })
 */
export function familyFromMetadata(metadata: Record<string, string>): LoRAFamily | undefined {
  const own = metadata[CONFIG_ID_KEY];
  if (own && Object.hasOwn(FAMILIES, own)) return own as LoRAFamily;
  const version = metadata.ss_base_model_version ?? '';
  if (version.startsWith('sdxl_')) return 'sdxl';
  const rows = Object.entries(LORA_SPELLINGS) as [PublicFamily, LoRASpelling][];
  const arch = metadata['modelspec.architecture'];
  return (rows.find(([, s]) => s.baseModelVersion === version) ??
    rows.find(([, s]) => s.architecture === arch))?.[0];
}
