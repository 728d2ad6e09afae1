// LoRA file detection: which naming (kohya, PEFT, diffusers trainer, legacy attn-processor) from an ordered
// grammar table, which base family from module names and dims, rank from shapes and alpha from one scalar.
// Follows docs/reference/lora-formats.md#kohya-key-grammar, #peft-and-diffusers-key-spellings, #invokeai
// (context width).
import type { LoRAInfo, LoRANaming, ModelFamily } from '../api/contract';
import type { KeyTable, Detection, Prediction } from './detect';
import { matchConfig } from './detect';
import { FAMILIES, FAMILY_IDS, type FamilyConfig, type FamilyId } from './families';
import { flatPath, textEncoderLoRATargets, unetLoRATargets, type LoRAComponent } from './keymap/lora-names';

export interface LoRAKey {
  naming: LoRANaming;
  component: LoRAComponent;
  /** Module path in underscore form without component prefix: `down_blocks_0_…_attn1_to_q`. */
  module: string;
  part: 'down' | 'up' | 'alpha';
}

const COMPONENTS: Record<string, LoRAComponent> = {
  lora_unet: 'unet',
  lora_te: 'text_encoder',
  lora_te1: 'text_encoder',
  lora_te2: 'text_encoder_2',
  unet: 'unet',
  text_encoder: 'text_encoder',
  text_encoder_2: 'text_encoder_2',
};
const PARTS: Record<string, LoRAKey['part']> = {
  'lora_down.weight': 'down',
  'lora_up.weight': 'up',
  alpha: 'alpha',
  'lora_A.weight': 'down',
  'lora_B.weight': 'up',
  down: 'down',
  up: 'up',
};

interface Grammar {
  naming: LoRANaming;
  re: RegExp;
  /** Module path (dotted or flat) from the match groups. */
  path: (m: RegExpMatchArray) => string;
}

/** Key grammars, most specific first (legacy processor keys would otherwise read as diffusers-trainer keys). */
export const LORA_KEY_GRAMMARS: readonly Grammar[] = [
  {
    naming: 'kohya',
    re: /^(lora_unet|lora_te[12]?)_(.+)\.(lora_down\.weight|lora_up\.weight|alpha)$/,
    path: (m) => m[2],
  },
  {
    naming: 'peft',
    re: /^(unet|text_encoder(?:_2)?)\.(.+)\.(lora_A\.weight|lora_B\.weight)$/,
    path: (m) => m[2],
  },
  {
    naming: 'legacy-diffusers',
    re: /^(unet|text_encoder(?:_2)?)\.(.+)\.processor\.(to_[qkv]|to_out)_lora\.(down|up)\.weight$/,
    path: (m) => `${m[2]}.${m[3] === 'to_out' ? 'to_out.0' : m[3]}`,
  },
  {
    naming: 'diffusers',
    re: /^(unet|text_encoder(?:_2)?)\.(.+)\.lora\.(down|up)\.weight$/,
    path: (m) => m[2],
  },
];

/** @example parseLoRAKey('lora_unet_mid_block_attentions_0_proj_in.alpha')?.part === 'alpha' */
export function parseLoRAKey(key: string): LoRAKey | null {
  for (const g of LORA_KEY_GRAMMARS) {
    const m = key.match(g.re);
    if (!m) continue;
    const part = PARTS[m[m.length - 1]];
    return { naming: g.naming, component: COMPONENTS[m[1]], module: flatPath(g.path(m)), part };
  }
  return null;
}

/** True when any key is a LoRA tensor key. @example looksLikeLoRA(header.tensors) */
export function looksLikeLoRA(keys: KeyTable): boolean {
  for (const key of keys.keys()) if (parseLoRAKey(key) !== null) return true;
  return false;
}

export interface LoRAModule {
  component: LoRAComponent;
  module: string;
  naming: LoRANaming;
  down?: readonly number[];
  up?: readonly number[];
  alphaKey?: string;
}

/** Groups LoRA tensors into modules; keys no grammar reads come back in `unparsed`. */
export function loraModules(keys: KeyTable): { modules: LoRAModule[]; unparsed: string[] } {
  const modules = new Map<string, LoRAModule>();
  const unparsed: string[] = [];
  for (const [key, { shape }] of keys) {
    const parsed = parseLoRAKey(key);
    if (!parsed) {
      unparsed.push(key);
      continue;
    }
    const id = `${parsed.component}:${parsed.module}`;
    const m = modules.get(id) ?? {
      component: parsed.component,
      module: parsed.module,
      naming: parsed.naming,
    };
    if (parsed.part === 'alpha') m.alphaKey = key;
    else m[parsed.part] = shape;
    modules.set(id, m);
  }
  return { modules: [...modules.values()], unparsed };
}

export interface LoRAStructure {
  modules: LoRAModule[];
  metadata: Readonly<Record<string, string>>;
  contextDim: number | null;
  maxTransformerIndex: number;
  /** Configs whose target tables hold every module with its exact dims. */
  fits: FamilyId[];
}

type Dims = Map<string, [number, number]>;

function targetDims(config: FamilyConfig): Dims {
  const dims: Dims = new Map();
  for (const t of [...unetLoRATargets(config, 'transformer'), ...textEncoderLoRATargets(config)]) {
    dims.set(`${t.component}:${flatPath(t.internalPath)}`, [t.inFeatures, t.outFeatures]);
    dims.set(`${t.component}:${flatPath(t.ldmPath)}`, [t.inFeatures, t.outFeatures]);
  }
  return dims;
}

function fitsTable(modules: LoRAModule[], dims: Dims): boolean {
  return modules.every((m) => {
    const want = dims.get(`${m.component}:${m.module}`);
    return want !== undefined && m.down?.[1] === want[0] && m.up?.[0] === want[1];
  });
}

/** Stage 1 for LoRA files. @example loraStructure(header.tensors, header.metadata).contextDim === 768 */
export function loraStructure(
  keys: KeyTable,
  metadata: Readonly<Record<string, string>> = {},
): LoRAStructure {
  const { modules } = loraModules(keys);
  const toK = modules.find((m) => m.component === 'unet' && m.module.endsWith('attn2_to_k') && m.down);
  const indices = modules.map((m) => Number(m.module.match(/transformer_blocks_(\d+)_/)?.[1] ?? -1));
  const fits = FAMILY_IDS.filter((id) => modules.length > 0 && fitsTable(modules, targetDims(FAMILIES[id])));
  return {
    modules,
    metadata,
    contextDim: toK?.down?.[1] ?? null,
    maxTransformerIndex: Math.max(-1, ...indices),
    fits,
  };
}

interface LoRASignature {
  value: ModelFamily;
  test: (s: LoRAStructure) => boolean;
  says: string;
}

const version = (s: LoRAStructure) => s.metadata.ss_base_model_version ?? '';

/** Ordered family signatures for LoRA files: shapes first, then kohya metadata, then exact target tables. */
export const LORA_FAMILY_SIGNATURES: readonly LoRASignature[] = [
  { value: 'sdxl', test: (s) => s.contextDim === 2048, says: 'attn2.to_k reads 2048-wide context → SDXL' },
  { value: 'sd2', test: (s) => s.contextDim === 1024, says: 'attn2.to_k reads 1024-wide context → SD2.x' },
  { value: 'sd1', test: (s) => s.contextDim === 768, says: 'attn2.to_k reads 768-wide context → SD1.x' },
  {
    value: 'sdxl',
    test: (s) => s.maxTransformerIndex >= 2,
    says: 'transformer_blocks index ≥ 2 exists only in SDXL',
  },
  {
    value: 'sdxl',
    test: (s) => version(s).startsWith('sdxl_'),
    says: 'metadata ss_base_model_version starts with sdxl_',
  },
  {
    value: 'sd2',
    test: (s) => version(s).startsWith('sd_v2') || s.metadata.ss_v2 === 'True',
    says: 'metadata marks an SD2 LoRA (ss_v2 / ss_base_model_version)',
  },
  {
    value: 'sd1',
    test: (s) => version(s).startsWith('sd_v1'),
    says: 'metadata ss_base_model_version is sd_v1',
  },
  ...FAMILY_IDS.map((id) => ({
    value: FAMILIES[id].family,
    test: (s: LoRAStructure) => s.fits.includes(id),
    says: `every module matches the ${id} target table`,
  })),
];

function loraPrediction(s: LoRAStructure, family: ModelFamily, evidence: string[]): Prediction {
  const spec = s.metadata['modelspec.prediction_type'];
  if (spec === 'v' || spec === 'epsilon' || version(s).endsWith('_v')) {
    const value = spec === 'epsilon' ? 'epsilon' : 'v';
    evidence.push(`metadata says the base predicts ${value}`);
    return value;
  }
  return family === 'sd1' || family === 'sdxl' ? 'epsilon' : 'unknown';
}

function mostCommon(values: number[]): number | null {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/** Reads one scalar tensor (the `.alpha` of a kohya module); lets detection stay free of file I/O. */
export type ScalarReader = (key: string) => Promise<number>;

/**
 * Detects a LoRA file: naming, base family, rank and alpha. Reads at most one alpha scalar.
 * @example const d = await detectLoRA(header.tensors, header.metadata, async (k) => (await readTensorF32(header, k))[0]);
 */
export async function detectLoRA(
  keys: KeyTable,
  metadata: Readonly<Record<string, string>> = {},
  readScalar?: ScalarReader,
): Promise<Detection & { lora: LoRAInfo }> {
  const s = loraStructure(keys, metadata);
  const evidence: string[] = [];
  const warnings: string[] = [];
  const namings = [...new Set(s.modules.map((m) => m.naming))];
  evidence.push(`LoRA keys use ${namings.join(' + ')} naming`);
  if (namings.length > 1) warnings.push(`mixed LoRA namings in one file: ${namings.join(', ')}`);
  const row = LORA_FAMILY_SIGNATURES.find((r) => r.test(s));
  let family: ModelFamily = row?.value ?? 'unknown';
  evidence.push(row?.says ?? 'no family signature matched the LoRA modules');
  const prediction = loraPrediction(s, family, evidence);
  if (family === 'sd2' && prediction === 'v') family = 'sd2-v';
  const configId = matchConfig(family, prediction, (c) => s.fits.includes(c.id));
  if (configId) evidence.push(`modules fit the ${configId} targets`);
  const incomplete = s.modules.filter((m) => !m.down || !m.up).length;
  if (incomplete > 0) warnings.push(`${incomplete} LoRA modules lack a down or up tensor`);
  const unparsed = loraModules(keys).unparsed.length;
  if (unparsed > 0) warnings.push(`${unparsed} keys are not LoRA tensors and will be ignored`);
  const rank = mostCommon(s.modules.flatMap((m) => (m.down ? [m.down[0]] : [])));
  const alphaKey = s.modules.find((m) => m.alphaKey)?.alphaKey;
  const alpha = alphaKey && readScalar ? await readScalar(alphaKey) : null;
  if (alpha !== null) evidence.push(`alpha ${alpha} read from ${alphaKey}`);
  const complete = s.modules.filter((m) => m.down && m.up);
  const lora: LoRAInfo = {
    naming: namings[0] ?? 'kohya',
    family,
    rank,
    alpha,
    modules: complete.length,
    targets: {
      unet: complete.filter((m) => m.component === 'unet').length,
      textEncoder: complete.filter((m) => m.component !== 'unet').length,
    },
  };
  return {
    layout: 'lora',
    family,
    configId,
    architecture: null,
    refusal: 'a LoRA adapter, not a base model',
    variant: 'normal',
    prediction,
    evidence,
    warnings,
    lora,
  };
}
