// `tessera convert-lora`: any LoRA naming in, kohya or PEFT out, with the effective ΔW = (alpha/rank)·B·A
// unchanged (alpha moved to where the target format keeps it). Facts:
// docs/reference/lora-formats.md#where-alpha-lives, #diffusers-to-kohya.

import { isFloatDType } from '../formats/safetensors';
import type { LoRAFamily, LoRATargetTable } from './adapter-weights';
import { exportKohya, type ExportDType, type ExportResult } from './export-kohya';
import { exportPeft } from './export-peft';
import { loadLoRA, type LoRANaming, type SkippedModule } from './load';
import { LoRAError } from './errors';

export interface ConvertLoRAOptions {
  /** The family's targets (default `allLoRATargets`); kohya stems on either side resolve through them. */
  targets?: LoRATargetTable;
  /** Override family detection. */
  family?: LoRAFamily;
  /** Output weight dtype; default: the dtype the input's matrices had (F32 if that is not a float type). */
  dtype?: ExportDType;
  /** PEFT output: alpha in the adapter config (default) or baked into B. */
  peftAlpha?: 'config' | 'bake';
  /** Write even when some keys could not be converted (they are still listed in the result). */
  allowDrop?: boolean;
}

export interface ConvertResult {
  from: LoRANaming;
  to: 'kohya' | 'peft';
  family: LoRAFamily | 'unknown';
  modules: number;
  unknownKeys: string[];
  skipped: SkippedModule[];
  written: ExportResult;
}

// Source metadata worth carrying into a kohya file; hashes are recomputed, the legacy hash cannot be.
const CARRIED = /^(ss_|modelspec\.|tessera\.)/;
const STALE = new Set(['sshs_model_hash', 'sshs_legacy_hash', 'modelspec.hash_sha256']);

function carriedMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => CARRIED.test(k) && !STALE.has(k)));
}

/** ss_* provenance (and Tessera's family id) kept in a PEFT file (diffusers ignores it), so PEFT → kohya can bring it back. */
function trainingMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(carriedMetadata(metadata)).filter(
      ([k]) => k.startsWith('ss_') || k.startsWith('tessera.'),
    ),
  );
}

function dropReport(unknownKeys: string[], skipped: SkippedModule[]): string {
  const lines = [
    ...unknownKeys.slice(0, 5).map((k) => `unknown key ${k}`),
    ...skipped.slice(0, 5).map((s) => `${s.stem}: ${s.reason}`),
  ];
  return `${unknownKeys.length} unknown key(s) and ${skipped.length} module(s) would be dropped:\n  ${lines.join('\n  ')}`;
}

/**
 * Converts the LoRA at `inPath` to `to` naming at `outPath`; throws before writing when anything would be
 * dropped, unless `allowDrop`.
 * @example await convertLoRA('pytorch_lora_weights.safetensors', 'style.safetensors', 'kohya')
 */
export async function convertLoRA(
  inPath: string,
  outPath: string,
  to: 'kohya' | 'peft',
  options: ConvertLoRAOptions = {},
): Promise<ConvertResult> {
  const loaded = await loadLoRA(inPath, { family: options.family, targets: options.targets });
  const { adapter, unknownKeys, skipped } = loaded;
  if (adapter.modules.length === 0)
    throw new LoRAError(`${inPath}: no LoRA module could be loaded. ${dropReport(unknownKeys, skipped)}`);
  if (!options.allowDrop && (unknownKeys.length > 0 || skipped.length > 0)) {
    throw new LoRAError(`${inPath}: ${dropReport(unknownKeys, skipped)}`);
  }
  const dtype = options.dtype ?? (isFloatDType(loaded.dtype) ? loaded.dtype : 'F32');
  const written =
    to === 'kohya'
      ? await exportKohya(adapter, outPath, {
          targets: options.targets,
          dtype,
          metadata: { extra: carriedMetadata(adapter.metadata) },
        })
      : await exportPeft(adapter, outPath, {
          dtype,
          alpha: options.peftAlpha,
          metadata: trainingMetadata(adapter.metadata),
        });
  return {
    from: loaded.naming,
    to,
    family: adapter.family,
    modules: adapter.modules.length,
    unknownKeys,
    skipped,
    written,
  };
}
