// Reads a LoRA .safetensors in any common naming (kohya, PEFT, diffusers trainer, legacy attn-processor)
// into the internal `LoRAAdapter`, with alpha as each format defines it and every unused key reported.
// Facts: docs/reference/lora-formats.md#kohya-key-grammar, #peft-and-diffusers-key-spellings, #where-alpha-lives.

import {
  readSafetensorsHeader,
  readTensorF32,
  type SafetensorsDType,
  type SafetensorsHeader,
} from '../formats/safetensors';
import {
  allLoRATargets,
  COMPONENT_PREFIXES,
  moduleName,
  type LoRAAdapter,
  type LoRAFamily,
  type LoRAModuleWeights,
  type LoRATargetTable,
} from './adapter-weights';
import type { LoRATarget } from '../models/keymap/lora-names';
import { FAMILIES, FAMILY_IDS } from '../models/families';
import { familyFromMetadata } from './metadata';

export type LoRANaming = 'kohya' | 'peft' | 'diffusers' | 'legacy-diffusers';
type Role = 'A' | 'B' | 'alpha';

// Suffix → role and naming (the PEFT and diffusers spellings, ComfyUI's suffixes). No suffix is the tail of
// another, so the order does not matter.
const KEY_RULES: readonly { suffix: string; role: Role; naming: LoRANaming | null }[] = [
  { suffix: '.lora_down.weight', role: 'A', naming: 'kohya' },
  { suffix: '.lora_up.weight', role: 'B', naming: 'kohya' },
  { suffix: '.lora_A.default.weight', role: 'A', naming: 'peft' },
  { suffix: '.lora_B.default.weight', role: 'B', naming: 'peft' },
  { suffix: '.lora_A.weight', role: 'A', naming: 'peft' },
  { suffix: '.lora_B.weight', role: 'B', naming: 'peft' },
  { suffix: '.lora_linear_layer.down.weight', role: 'A', naming: 'diffusers' },
  { suffix: '.lora_linear_layer.up.weight', role: 'B', naming: 'diffusers' },
  { suffix: '.lora.down.weight', role: 'A', naming: 'diffusers' },
  { suffix: '.lora.up.weight', role: 'B', naming: 'diffusers' },
  // legacy: `attn1.processor.to_q_lora.down.weight` → stem `attn1.processor.to_q`
  { suffix: '_lora.down.weight', role: 'A', naming: 'legacy-diffusers' },
  { suffix: '_lora.up.weight', role: 'B', naming: 'legacy-diffusers' },
  { suffix: '.alpha', role: 'alpha', naming: null },
];

export interface LoadLoRAOptions {
  /** Skip detection (metadata, then attn2.to_k width, then LDM block names). */
  family?: LoRAFamily;
  /** The family's targets (default `allLoRATargets`); kohya stems resolve only through them (underscores are ambiguous). */
  targets?: LoRATargetTable;
  /** `lora_alpha` from a PEFT `adapter_config.json` kept next to the file. */
  peftAlpha?: number;
}

export interface SkippedModule {
  stem: string;
  keys: string[];
  reason: string;
}

export interface LoadedLoRA {
  adapter: LoRAAdapter;
  /** The naming most of the file's pairs use. */
  naming: LoRANaming;
  /** Keys that are no LoRA weight or alpha at all (DoRA magnitudes, lora_mid, …). */
  unknownKeys: string[];
  /** Recognised keys whose module could not be loaded, with why. */
  skipped: SkippedModule[];
  /** One line per clue that decided the family. */
  evidence: string[];
  /** The dtype most of the loaded A/B matrices had in the file (what a converter should keep). */
  dtype: SafetensorsDType;
}

export interface Group {
  stem: string;
  naming: LoRANaming | null;
  keys: Partial<Record<Role, string>>;
}

/** Tensor names grouped by module stem, each with its A/B/alpha keys and naming; the rest are unknown keys. */
export function groupKeys(names: Iterable<string>): { groups: Map<string, Group>; unknownKeys: string[] } {
  const groups = new Map<string, Group>();
  const unknownKeys: string[] = [];
  for (const name of names) {
    const rule = KEY_RULES.find((r) => name.endsWith(r.suffix));
    if (!rule) {
      unknownKeys.push(name);
      continue;
    }
    const stem = name.slice(0, -rule.suffix.length);
    const group = groups.get(stem) ?? { stem, naming: null, keys: {} };
    group.keys[rule.role] = name;
    group.naming = group.naming ?? rule.naming;
    groups.set(stem, group);
  }
  return { groups, unknownKeys };
}

/** attn2.to_k/to_v input width → the first public family with that context width (InvokeAI's probe). */
function familyOfContextWidth(width: number): LoRAFamily | undefined {
  return FAMILY_IDS.find((id) => FAMILIES[id].family === id && FAMILIES[id].unet.crossAttentionDim === width);
}

function detectFamily(
  header: SafetensorsHeader,
  groups: Map<string, Group>,
  given: LoRAFamily | undefined,
): { family: LoRAFamily | 'unknown'; evidence: string[] } {
  if (given) return { family: given, evidence: [`family ${given} given by the caller`] };
  const fromMeta = familyFromMetadata(header.metadata);
  if (fromMeta) return { family: fromMeta, evidence: [`metadata declares ${fromMeta}`] };
  for (const g of groups.values()) {
    const key = g.keys.A;
    if (!key || !/attn2[._]to_[kv]$/.test(g.stem)) continue;
    const width = header.tensors.get(key)?.shape[1] ?? 0;
    const family = familyOfContextWidth(width);
    if (family) return { family, evidence: [`${key} takes ${width}-wide context → ${family}`] };
  }
  const ldm = [...groups.keys()].find((s) => /(input_blocks|middle_block|output_blocks)/.test(s));
  if (ldm) return { family: 'sdxl', evidence: [`${ldm} uses LDM block names (kohya SDXL)`] };
  return { family: 'unknown', evidence: ['no metadata, no attn2.to_k/to_v and no LDM block names'] };
}

/**
 * alpha as the file's format defines it: kohya keeps it in a tensor (missing ⇒ rank); PEFT-style files
 * in the adapter config (metadata or the caller's), else alpha = rank (scale 1).
 */
function alphaFor(
  group: Group,
  module: string,
  rank: number,
  alphaTensor: Float32Array | undefined,
  peftAlpha: (module: string) => number | undefined,
): number {
  if (alphaTensor) return alphaTensor[0];
  return (group.naming === 'kohya' ? undefined : peftAlpha(module)) ?? rank;
}

/** Reads `lora_adapter_metadata` (diffusers: keys prefixed per component) into a per-module lookup. */
function peftAlphaLookup(path: string, metadata: Record<string, string>, fallback: number | undefined) {
  let config: Record<string, unknown> = {};
  const text = metadata.lora_adapter_metadata;
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`${path}: metadata lora_adapter_metadata is not JSON`, { cause: err });
    }
    if (parsed && typeof parsed === 'object') config = parsed as Record<string, unknown>;
  }
  return (module: string): number | undefined => {
    const dot = module.indexOf('.');
    const component = module.slice(0, dot);
    const path = module.slice(dot + 1);
    const patterns = config[`${component}.alpha_pattern`];
    if (patterns && typeof patterns === 'object') {
      for (const [p, a] of Object.entries(patterns as Record<string, unknown>)) {
        if (typeof a === 'number' && (path === p || path.endsWith(`.${p}`))) return a;
      }
    }
    const alpha = config[`${component}.lora_alpha`];
    return typeof alpha === 'number' ? alpha : fallback;
  };
}

type Resolved = { module: string; target?: LoRATarget } | { reason: string };
type StemResolver = (stem: string) => Resolved;

const KOHYA_PREFIX = /^lora_(unet|te|te1|te2)_/;
// Bare diffusers UNet paths (PEFT adapters saved from the UNet alone) get the `unet.` component.
const BARE_UNET = /^(down_blocks|mid_block|up_blocks|conv_in|conv_out|time_embedding)\./;
// Other kohya spellings loaders accept for the same module (docs/reference/lora-formats.md#acceptance-matrix,
// #diffusers-to-kohya): diffusers paths for SDXL UNets, and `lora_te_`/`lora_te1_` used interchangeably for
// the first text encoder.
const STEM_ALIASES: Partial<Record<LoRATarget['component'], string[]>> = {
  unet: ['lora_unet_'],
  text_encoder: ['lora_te_', 'lora_te1_'],
};

/** The family's targets by kohya stem (its own and the aliases) and by module name. */
function targetIndex(table: readonly LoRATarget[]) {
  const byStem = new Map<string, LoRATarget>();
  for (const t of table) {
    for (const prefix of STEM_ALIASES[t.component] ?? [])
      byStem.set(prefix + t.internalPath.replaceAll('.', '_'), t);
  }
  for (const t of table) byStem.set(t.kohyaStem, t); // the family-correct stem wins any clash
  return { byStem, byModule: new Map(table.map((t) => [moduleName(t), t])) };
}

/** Stem → internal module: kohya stems through the family's table, dotted stems are already paths. */
function stemResolver(family: LoRAFamily | 'unknown', targets: LoRATargetTable): StemResolver {
  const index = family === 'unknown' ? undefined : targetIndex(targets(family));
  return (stem) => {
    if (!KOHYA_PREFIX.test(stem)) {
      const dotted = dottedModule(stem);
      return 'module' in dotted ? { ...dotted, target: index?.byModule.get(dotted.module) } : dotted;
    }
    if (!index) return { reason: 'kohya stem, but the base family could not be determined' };
    const target = index.byStem.get(stem);
    if (!target) return { reason: `not a known ${family} LoRA target` };
    return { module: moduleName(target), target };
  };
}

function dottedModule(stem: string): { module: string } | { reason: string } {
  let path = stem.replace(/^base_model\.model\./, '').replaceAll('.processor.', '.');
  if (path.endsWith('.to_out')) path += '.0'; // legacy `to_out_lora` names the Linear inside to_out
  if (BARE_UNET.test(path)) path = `unet.${path}`;
  if (!COMPONENT_PREFIXES.some((p) => path.startsWith(p))) {
    return { reason: `unknown component (expected ${COMPONENT_PREFIXES.join(' ')})` };
  }
  return { module: path };
}

type ModuleResult = { module: LoRAModuleWeights } | { reason: string };

async function loadGroup(
  header: SafetensorsHeader,
  group: Group,
  resolve: StemResolver,
  peftAlpha: (module: string) => number | undefined,
): Promise<ModuleResult> {
  const { A: keyA, B: keyB, alpha: keyAlpha } = group.keys;
  if (!keyA || !keyB) {
    const has = [keyA && 'a down/A matrix', keyB && 'an up/B matrix', keyAlpha && 'an alpha'].filter(Boolean);
    return { reason: `has ${has.join(' and ')} only` };
  }
  const resolved = resolve(group.stem);
  if ('reason' in resolved) return resolved;
  const shapeA = header.tensors.get(keyA)?.shape ?? [];
  const shapeB = header.tensors.get(keyB)?.shape ?? [];
  const shape = checkShapes(shapeA, shapeB);
  if ('reason' in shape) return shape;
  const { target } = resolved;
  if (
    target &&
    (target.inFeatures !== shape.dims.inFeatures || target.outFeatures !== shape.dims.outFeatures)
  ) {
    const dims = `${shape.dims.inFeatures} → ${shape.dims.outFeatures}`;
    return { reason: `${dims} does not fit the target (${target.inFeatures} → ${target.outFeatures})` };
  }
  const alphaTensor = keyAlpha ? await readTensorF32(header, keyAlpha) : undefined;
  if (alphaTensor && alphaTensor.length !== 1)
    return { reason: `alpha has ${alphaTensor.length} values, expected 1` };
  const module: LoRAModuleWeights = {
    module: resolved.module,
    A: await readTensorF32(header, keyA),
    B: await readTensorF32(header, keyB),
    ...shape.dims,
    alpha: alphaFor(group, resolved.module, shape.dims.rank, alphaTensor, peftAlpha),
  };
  if (shape.conv1x1 || target?.conv1x1) module.conv1x1 = true;
  return { module };
}

type Dims = { rank: number; inFeatures: number; outFeatures: number };

function checkShapes(a: number[], b: number[]): { dims: Dims; conv1x1: boolean } | { reason: string } {
  const text = `down/A [${a.join(', ')}], up/B [${b.join(', ')}]`;
  const conv = a.length === 4 && b.length === 4;
  if (conv && (a[2] !== 1 || a[3] !== 1)) {
    return {
      reason: `conv LoRA with a ${a[2]}×${a[3]} kernel is not supported (attention targets only): ${text}`,
    };
  }
  if (conv && (b[2] !== 1 || b[3] !== 1)) return { reason: `conv up/B must be 1×1: ${text}` };
  if (!conv && (a.length !== 2 || b.length !== 2)) return { reason: `expected 2-D or 4-D matrices: ${text}` };
  if (a[0] !== b[1]) return { reason: `rank mismatch: ${text}` };
  return { dims: { rank: a[0], inFeatures: a[1], outFeatures: b[0] }, conv1x1: conv };
}

function mostCommon<T>(items: T[], fallback: T): T {
  const counts = new Map<T, number>();
  for (const i of items) counts.set(i, (counts.get(i) ?? 0) + 1);
  return [...counts.entries()].sort((x, y) => y[1] - x[1])[0]?.[0] ?? fallback;
}

/**
 * Loads every LoRA pair of a safetensors file; never drops a key silently (see `unknownKeys`, `skipped`).
 * @example const { adapter, skipped } = await loadLoRA('style.safetensors')
 */
export async function loadLoRA(path: string, options: LoadLoRAOptions = {}): Promise<LoadedLoRA> {
  const header = await readSafetensorsHeader(path);
  const { groups, unknownKeys } = groupKeys(header.tensors.keys());
  const { family, evidence } = detectFamily(header, groups, options.family);
  const resolve = stemResolver(family, options.targets ?? allLoRATargets);
  const peftAlpha = peftAlphaLookup(path, header.metadata, options.peftAlpha);
  const modules: LoRAModuleWeights[] = [];
  const skipped: SkippedModule[] = [];
  for (const group of groups.values()) {
    const result = await loadGroup(header, group, resolve, peftAlpha);
    if ('module' in result) modules.push(result.module);
    else skipped.push({ stem: group.stem, keys: Object.values(group.keys), reason: result.reason });
  }
  const namings = [...groups.values()].flatMap((g) => (g.naming ? [g.naming] : []));
  const dtypes = [...groups.values()].flatMap((g) =>
    g.keys.A ? [header.tensors.get(g.keys.A)?.dtype ?? 'F32'] : [],
  );
  return {
    adapter: { family, modules, metadata: header.metadata },
    naming: mostCommon(namings, 'kohya'),
    unknownKeys,
    skipped,
    evidence,
    dtype: mostCommon<SafetensorsDType>(dtypes, 'F32'),
  };
}
