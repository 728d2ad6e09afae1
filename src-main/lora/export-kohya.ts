// Writes an adapter in kohya naming, the format every SD tool loads: `<stem>.lora_down.weight` [r,in],
// `.lora_up.weight` [out,r], `.alpha` 0-dim, reference tensor order, ss_*/modelspec metadata with hashes.
// Facts: docs/reference/lora-formats.md#export-rules, #kohya-key-grammar, #kohya-unet-naming-per-family,
// #hashes, #export-checklist.

import { basename, extname } from 'node:path';
import {
  referenceOrder,
  tensorFromF32,
  writeSafetensors,
  type FloatDType,
  type TensorToWrite,
} from '../formats/safetensors';
import type { LoRATarget } from '../models/keymap/lora-names';
import {
  allLoRATargets,
  checkModule,
  dominantRankAlpha,
  type LoRAAdapter,
  type LoRAFamily,
  moduleName,
  type LoRAModuleWeights,
  type LoRATargetTable,
} from './adapter-weights';
import { tensorDataHash } from './hashes';
import { buildKohyaMetadata, type KohyaMetadataInput } from './metadata';
import { LoRAError } from './errors';

export type ExportDType = FloatDType;

export interface ExportKohyaOptions {
  /** Weight dtype (default F16). NOTE: alpha is always F32 so alpha/rank survives exactly. */
  dtype?: ExportDType;
  /** The family's targets (default `allLoRATargets`, from models/keymap/lora-names.ts): where kohya stems come from. */
  targets?: LoRATargetTable;
  /** Metadata inputs; family, rank and alpha come from the adapter, outputName defaults to the file stem. */
  metadata?: Partial<Omit<KohyaMetadataInput, 'family' | 'rank' | 'alpha'>>;
}

export interface ExportResult {
  path: string;
  tensorCount: number;
  /** sha256 of the data region = `sshs_model_hash`. */
  sha256: string;
  metadata: Record<string, string>;
}

type Dims = Pick<LoRAModuleWeights, 'inFeatures' | 'outFeatures'>;

/**
 * Module → its target in the family's table; throws naming the module when the table lacks it or, given
 * `dims`, when they differ from the table's (an adapter trained for another family).
 * @example kohyaTargetOf('sd1')('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q').kohyaStem
 */
export function kohyaTargetOf(
  family: LoRAFamily,
  targets: LoRATargetTable = allLoRATargets,
): (module: string, dims?: Dims) => LoRATarget {
  const byModule = new Map(targets(family).map((t) => [moduleName(t), t]));
  return (module, dims) => {
    const target = byModule.get(module);
    if (!target) throw new Error(`${module}: not a ${family} LoRA target, no kohya name for it`);
    if (dims && (dims.inFeatures !== target.inFeatures || dims.outFeatures !== target.outFeatures)) {
      const want = `${target.inFeatures} → ${target.outFeatures}`;
      throw new Error(`${module}: ${dims.inFeatures} → ${dims.outFeatures}, but ${family} has ${want}`);
    }
    return target;
  };
}

function moduleTensors(m: LoRAModuleWeights, target: LoRATarget, dtype: ExportDType): TensorToWrite[] {
  checkModule(m);
  const stem = target.kohyaStem;
  // kohya builds a Conv2d LoRA for a 1×1 conv target and needs 4-D tensors to load it
  const kernel = m.conv1x1 || target.conv1x1 ? [1, 1] : [];
  return [
    tensorFromF32(`${stem}.lora_down.weight`, dtype, [m.rank, m.inFeatures, ...kernel], m.A), // [r, in]
    tensorFromF32(`${stem}.lora_up.weight`, dtype, [m.outFeatures, m.rank, ...kernel], m.B), // [out, r]
    tensorFromF32(`${stem}.alpha`, 'F32', [], Float32Array.of(m.alpha)),
  ];
}

/**
 * The tensors of a kohya file in the reference writer's order (so a Python re-save hashes the same).
 * @example const tensors = kohyaTensors(adapter, 'F16'); tensors[0].name
 */
export function kohyaTensors(
  adapter: LoRAAdapter,
  dtype: ExportDType,
  targets: LoRATargetTable = allLoRATargets,
): TensorToWrite[] {
  const targetOf = kohyaTargetOf(requireFamily(adapter), targets);
  return referenceOrder(adapter.modules.flatMap((m) => moduleTensors(m, targetOf(m.module, m), dtype)));
}

function requireFamily(adapter: LoRAAdapter): LoRAFamily {
  if (adapter.family === 'unknown')
    throw new LoRAError(
      'kohya export needs the base family (sd1, sd2, sd2-v, sdxl), and this LoRA does not say or show it',
    );
  return adapter.family;
}

/**
 * Writes `adapter` as a kohya LoRA at `path` (atomically) and returns what it wrote.
 * The data hash is computed before the header exists, because the header carries it.
 * @example await exportKohya(adapter, 'out/style.safetensors', { dtype: 'F16', metadata: { trainingStartedAt: t0 } })
 */
export async function exportKohya(
  adapter: LoRAAdapter,
  path: string,
  options: ExportKohyaOptions = {},
): Promise<ExportResult> {
  const family = requireFamily(adapter);
  const tensors = kohyaTensors(adapter, options.dtype ?? 'F16', options.targets);
  const sha256 = tensorDataHash(tensors);
  const { rank, alpha } = dominantRankAlpha(adapter);
  const outputName = basename(path, extname(path));
  const metadata = buildKohyaMetadata({ outputName, ...options.metadata, family, rank, alpha }, { sha256 });
  await writeSafetensors(path, tensors, metadata);
  return { path, tensorCount: tensors.length, sha256, metadata };
}
