// Deterministic tiny random checkpoints with the exact SD key layouts (single files, a diffusers folder and
// kohya LoRAs), generated from models/families.ts + models/keymap, plus architecture variants (TINY_VARIANTS)
// in both layouts. Usage: tsx scripts/make-tiny-checkpoints.ts [outDir]
// Each tensor's values depend only on (seed, single-file key), so the diffusers copy holds the same weights.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { tensorFromF32, writeSafetensors, type TensorToWrite } from '../src-main/formats/safetensors/index';
import { CONFIG_ID_KEY } from '../src-main/lora/metadata';
import { ARCHITECTURE_HINT_KEY, architectureHint } from '../src-main/models/derive-keys';
import { FAMILIES, type FamilyConfig } from '../src-main/models/families';
import {
  clipTextConfig,
  diffusersFromSingleFile,
  diffusersUNetConfig,
  diffusersVAEConfig,
  DIFFUSERS_WEIGHT_STEMS,
  modelIndex,
  schedulerConfig,
  type TensorSource,
} from '../src-main/models/keymap/diffusers';
import { singleFileKeys, type ComponentName } from '../src-main/models/keymap/ldm';
import { kohyaKeys, unetLoRATargets } from '../src-main/models/keymap/lora-names';
import type { KeyShape, ParamKind } from '../src-main/models/keymap/params';
import { CLIPTokenizer } from '../src-main/models/tokenizer';
import { bundledVocabDir, CLIP_BPE_FILE, CLIP_VOCAB_SIZE } from '../src-main/models/tokenizer-files';

const { sd1: SD1, 'tiny-sd1': TINY_SD1, 'tiny-sdxl': TINY_SDXL } = FAMILIES;

/**
 * Architectures no family row has, each written in both layouts (`<name>.safetensors`, `<name>-diffusers`):
 * the small test-pipeline shape library authors use, a distilled SD1 (one ResBlock per level, a level without
 * attention, no mid block), an SDXL with per-level depths, and 9-channel inpainting and 8-channel
 * instruct-pix2pix UNets.
 */
export const TINY_VARIANTS: Readonly<Record<string, FamilyConfig>> = {
  'tiny-pipe': {
    ...TINY_SD1,
    unet: {
      ...SD1.unet,
      blockOutChannels: [32, 64],
      attention: [true, false],
      transformerDepth: [1, 0],
      headRule: { kind: 'heads', heads: 8 },
      crossAttentionDim: 32,
      sampleSize: 32,
    },
    textEncoders: [
      { ...SD1.textEncoders[0], hidden: 32, layers: 5, diffusersLayers: 5, heads: 4, mlp: 37, vocab: 1000 },
    ],
    vae: { ...SD1.vae, blockOutChannels: [32, 32, 32, 32], layersPerBlock: 1 },
  },
  'tiny-distilled': {
    ...TINY_SD1,
    unet: {
      ...TINY_SD1.unet,
      layersPerBlock: 1,
      attention: [true, false, true],
      transformerDepth: [1, 0, 1],
      midBlock: false,
      midTransformerDepth: 0,
    },
  },
  // Per-level depths, and an up path that does not mirror them per layer (SSD-1B, Segmind Vega).
  'tiny-sdxl-depths': {
    ...TINY_SDXL,
    unet: {
      ...TINY_SDXL.unet,
      transformerDepth: [0, 2, 1],
      upTransformerDepth: [
        [0, 0, 0],
        [1, 2, 1],
        [2, 1, 1],
      ],
      midTransformerDepth: 1,
    },
  },
  'tiny-inpaint': { ...TINY_SD1, unet: { ...TINY_SD1.unet, inChannels: 9 } },
  'tiny-pix2pix': { ...TINY_SD1, unet: { ...TINY_SD1.unet, inChannels: 8 } },
};

export interface TinyCheckpointOptions {
  seed?: number;
  dtype?: 'F32' | 'F16';
  rank?: number;
  alpha?: number;
}

/** mulberry32: a 32-bit seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** FNV-1a of a key, so every tensor gets its own stream whatever the file order. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function gaussians(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const a = 2 * Math.PI * rand();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

const numel = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

/** Values of one parameter: norms ≈ 1, biases ≈ 0, weights ~ N(0, 1/fan_in) so tiny forward passes stay sane. */
export function tinyValues(key: string, shape: readonly number[], kind: ParamKind, seed = 0): Float32Array {
  const values = gaussians(numel(shape), (hashKey(key) ^ seed) >>> 0);
  const fanIn = shape.length > 1 ? numel(shape.slice(1)) : 1;
  const scale: Record<ParamKind, number> = {
    weight: 1 / Math.sqrt(fanIn),
    bias: 0.02,
    'norm-weight': 0.02,
    'norm-bias': 0.02,
    embedding: 0.02,
    scalar: 0,
  };
  const offset = kind === 'norm-weight' ? 1 : kind === 'scalar' ? Math.log(1 / 0.07) : 0;
  return values.map((v) => offset + v * scale[kind]);
}

function lazyTensor(
  name: string,
  shape: number[],
  dtype: 'F32' | 'F16',
  values: () => Float32Array,
): TensorToWrite {
  return {
    name,
    dtype,
    shape,
    data: async () => {
      const data = tensorFromF32(name, dtype, shape, values()).data;
      if (typeof data === 'function') return data();
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
  };
}

function singleFileTensors(config: FamilyConfig, opts: Required<TinyCheckpointOptions>): TensorToWrite[] {
  return singleFileKeys(config).map((k: KeyShape) =>
    lazyTensor(k.key, k.shape, opts.dtype, () => tinyValues(k.key, k.shape, k.kind, opts.seed)),
  );
}

/** A diffusers tensor from its single-file source values (row slice for OpenCLIP q/k/v, transpose for the projection). */
function convertedValues(src: TensorSource, seed: number): Float32Array {
  const from = tinyValues(src.from, src.fromShape, src.kind, seed);
  if (src.rows) {
    const width = src.fromShape.length > 1 ? src.fromShape[1] : 1;
    return from.slice(src.rows[0] * width, src.rows[1] * width);
  }
  if (!src.transpose) return from;
  const [rows, cols] = src.fromShape;
  const out = new Float32Array(from.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = from[r * cols + c];
  return out;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A text encoder with a smaller embedding table than CLIP's comes with its own tokenizer (test pipelines do):
 * the byte symbols, their `</w>` forms, the first CLIP merges and the two specials, `vocab` tokens in all.
 */
async function writeOwnTokenizer(dir: string, config: FamilyConfig): Promise<void> {
  const vocab = Math.min(...config.textEncoders.map((t) => t.vocab));
  if (vocab >= CLIP_VOCAB_SIZE) return;
  const clip = gunzipSync(await readFile(join(bundledVocabDir() ?? '', CLIP_BPE_FILE))).toString('utf8');
  const { vocabJson, mergesText } = CLIPTokenizer.fromMerges(clip, {}, vocab - 2 * 256 - 2).toHF();
  await mkdir(join(dir, 'tokenizer'), { recursive: true });
  await writeFile(join(dir, 'tokenizer', 'vocab.json'), vocabJson);
  await writeFile(join(dir, 'tokenizer', 'merges.txt'), mergesText);
}

async function writeDiffusersFolder(
  dir: string,
  config: FamilyConfig,
  opts: Required<TinyCheckpointOptions>,
): Promise<void> {
  const sources = diffusersFromSingleFile(config);
  const configs: Record<ComponentName, unknown> = {
    unet: diffusersUNetConfig(config.unet),
    vae: diffusersVAEConfig(config.vae),
    text_encoder: config.textEncoders[0] ? clipTextConfig(config.textEncoders[0]) : null,
    text_encoder_2: config.textEncoders[1] ? clipTextConfig(config.textEncoders[1]) : null,
  };
  await mkdir(join(dir, 'scheduler'), { recursive: true });
  await writeJson(join(dir, 'model_index.json'), modelIndex(config));
  await writeJson(join(dir, 'scheduler', 'scheduler_config.json'), schedulerConfig(config));
  await writeOwnTokenizer(dir, config);
  const components = [...new Set(sources.map((s) => s.component))];
  for (const component of components) {
    await mkdir(join(dir, component), { recursive: true });
    await writeJson(join(dir, component, 'config.json'), configs[component]);
    const tensors = sources
      .filter((s) => s.component === component)
      .map((s) => lazyTensor(s.key, s.shape, opts.dtype, () => convertedValues(s, opts.seed)));
    await writeSafetensors(join(dir, component, `${DIFFUSERS_WEIGHT_STEMS[component]}.safetensors`), tensors);
  }
}

function loraMetadata(
  config: FamilyConfig,
  name: string,
  rank: number,
  alpha: number,
): Record<string, string> {
  const sdxl = config.family === 'sdxl';
  return {
    ss_network_module: 'networks.lora',
    ss_network_dim: String(rank),
    ss_network_alpha: alpha.toFixed(1),
    ss_v2: String(config.family.startsWith('sd2') ? 'True' : 'False'),
    ss_base_model_version: sdxl ? 'sdxl_base_v1-0' : 'sd_v1',
    ss_output_name: name,
    'modelspec.sai_model_spec': '1.0.1',
    'modelspec.architecture': sdxl ? 'stable-diffusion-xl-v1-base/lora' : 'stable-diffusion-v1/lora',
    'modelspec.implementation': sdxl ? 'https://github.com/Stability-AI/generative-models' : 'diffusers',
    'modelspec.title': name,
    'modelspec.prediction_type': config.prediction,
    [CONFIG_ID_KEY]: config.id,
  };
}

/**
 * A kohya LoRA over every UNet target of `config` (small non-zero up weights, so it has an effect).
 * @example await writeTinyLoRA(join(dir, 'ssd.safetensors'), 'ssd', TINY_VARIANTS['tiny-sdxl-depths'])
 */
export async function writeTinyLoRA(
  path: string,
  name: string,
  config: FamilyConfig,
  options: TinyCheckpointOptions = {},
): Promise<void> {
  const opts: Required<TinyCheckpointOptions> = { seed: 0, dtype: 'F32', rank: 4, alpha: 2, ...options };
  const { rank, alpha, seed } = opts;
  const tensors = unetLoRATargets(config).flatMap((t) => {
    const keys = kohyaKeys(t.kohyaStem);
    const down = tinyValues(keys.down, [rank, t.inFeatures], 'weight', seed);
    const up = tinyValues(keys.up, [t.outFeatures, rank], 'bias', seed); // small but non-zero: the LoRA has an effect
    return [
      tensorFromF32(keys.down, opts.dtype, [rank, t.inFeatures], down),
      tensorFromF32(keys.up, opts.dtype, [t.outFeatures, rank], up),
      tensorFromF32(keys.alpha, 'F32', [], Float32Array.of(alpha)),
    ];
  });
  await writeSafetensors(path, tensors, loraMetadata(config, name, rank, alpha));
}

/**
 * Writes the tiny fixtures into `outDir` and returns their paths by name.
 * @example const paths = await makeTinyCheckpoints(tmp); await inspectModel(paths['tiny-sd1'])
 */
export async function makeTinyCheckpoints(
  outDir: string,
  options: TinyCheckpointOptions = {},
): Promise<Record<string, string>> {
  const opts: Required<TinyCheckpointOptions> = { seed: 0, dtype: 'F32', rank: 4, alpha: 2, ...options };
  await mkdir(outDir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const id of ['tiny-sd1', 'tiny-sd2', 'tiny-sdxl'] as const) {
    const config = FAMILIES[id];
    paths[id] = join(outDir, `${id}.safetensors`);
    await writeSafetensors(paths[id], singleFileTensors(config, opts), {
      'modelspec.prediction_type': config.prediction,
    });
  }
  for (const id of ['tiny-sd1', 'tiny-sdxl'] as const) {
    paths[`${id}-diffusers`] = join(outDir, `${id}-diffusers`);
    await writeDiffusersFolder(paths[`${id}-diffusers`], FAMILIES[id], opts);
  }
  for (const [name, config] of Object.entries(TINY_VARIANTS)) {
    paths[name] = join(outDir, `${name}.safetensors`);
    await writeSafetensors(paths[name], singleFileTensors(config, opts), {
      'modelspec.prediction_type': config.prediction,
      [ARCHITECTURE_HINT_KEY]: architectureHint(config),
    });
    paths[`${name}-diffusers`] = join(outDir, `${name}-diffusers`);
    await writeDiffusersFolder(paths[`${name}-diffusers`], config, opts);
  }
  for (const id of ['tiny-sd1', 'tiny-sdxl'] as const) {
    const name = `${id}-lora`;
    paths[name] = join(outDir, `${name}.safetensors`);
    await writeTinyLoRA(paths[name], name, FAMILIES[id], opts);
  }
  return paths;
}

// NOTE: the name check keeps this from running when the module is bundled into another script (bench-gpu).
if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  /make-tiny-checkpoints\.[jt]s$/.test(process.argv[1])
) {
  const outDir = process.argv[2] ?? join('test', '.tmp', 'fixtures');
  const paths = await makeTinyCheckpoints(outDir);
  for (const [name, path] of Object.entries(paths)) console.log(`${name}: ${path}`);
}
