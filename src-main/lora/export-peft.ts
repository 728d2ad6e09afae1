// Writes an adapter in PEFT/diffusers naming (`unet.<diffusers path>.lora_A.weight` [r,in], `.lora_B.weight`
// [out,r]). PEFT files carry no alpha tensors (they break diffusers), so alpha goes into diffusers'
// `lora_adapter_metadata` config or is baked into B. Facts: docs/reference/lora-formats.md#where-alpha-lives.

import { referenceOrder, tensorFromF32, writeSafetensors, type TensorToWrite } from '../formats/safetensors';
import {
  checkModule,
  dominantRankAlpha,
  scaleOf,
  type LoRAAdapter,
  type LoRAModuleWeights,
} from './adapter-weights';
import type { ExportDType, ExportResult } from './export-kohya';
import { tensorDataHash } from './hashes';

export interface ExportPeftOptions {
  /** Default F16. */
  dtype?: ExportDType;
  /**
   * `config` (default): A and B unchanged, alpha in `lora_adapter_metadata` (diffusers reads it; exact
   * round trip). `bake`: B multiplied by alpha/rank and no config, for loaders that assume alpha = rank.
   */
  alpha?: 'config' | 'bake';
  /** Extra metadata strings (a PEFT file has no ss_* keys; kohya converters ignore them). */
  metadata?: Record<string, string>;
}

function componentOf(module: string): { component: string; path: string } {
  const dot = module.indexOf('.');
  if (dot <= 0) throw new Error(`${module}: module path has no component prefix (unet., text_encoder., …)`);
  return { component: module.slice(0, dot), path: module.slice(dot + 1) };
}

function moduleTensors(m: LoRAModuleWeights, dtype: ExportDType, bake: boolean): TensorToWrite[] {
  checkModule(m);
  const kernel = m.conv1x1 ? [1, 1] : [];
  const scale = scaleOf(m);
  const B = bake ? m.B.map((v) => v * scale) : m.B;
  return [
    tensorFromF32(`${m.module}.lora_A.weight`, dtype, [m.rank, m.inFeatures, ...kernel], m.A), // [r, in]
    tensorFromF32(`${m.module}.lora_B.weight`, dtype, [m.outFeatures, m.rank, ...kernel], B), // [out, r]
  ];
}

/**
 * diffusers' adapter config, keys prefixed per component (`unet.r`, `unet.lora_alpha`, …); modules whose rank
 * or alpha differ from the common one go into `rank_pattern` / `alpha_pattern` under their full path.
 * @example JSON.parse(peftAdapterConfig(adapter))['unet.lora_alpha']
 */
export function peftAdapterConfig(adapter: LoRAAdapter): string {
  const { rank, alpha } = dominantRankAlpha(adapter);
  const byComponent = new Map<string, LoRAModuleWeights[]>();
  for (const m of adapter.modules) {
    const { component } = componentOf(m.module);
    byComponent.set(component, [...(byComponent.get(component) ?? []), m]);
  }
  const config: Record<string, unknown> = {};
  for (const component of [...byComponent.keys()].sort()) {
    const modules = byComponent.get(component) ?? [];
    const outliers = (pick: (m: LoRAModuleWeights) => number, common: number) =>
      Object.fromEntries(
        modules.filter((m) => pick(m) !== common).map((m) => [componentOf(m.module).path, pick(m)]),
      );
    config[`${component}.alpha_pattern`] = outliers((m) => m.alpha, alpha);
    config[`${component}.lora_alpha`] = alpha;
    config[`${component}.r`] = rank;
    config[`${component}.rank_pattern`] = outliers((m) => m.rank, rank);
    config[`${component}.target_modules`] = [
      ...new Set(modules.map((m) => componentOf(m.module).path)),
    ].sort();
  }
  return JSON.stringify(config, null, 2);
}

/**
 * Writes `adapter` with PEFT key names at `path` (atomically).
 * @example await exportPeft(adapter, 'pytorch_lora_weights.safetensors', { dtype: 'F32' })
 */
export async function exportPeft(
  adapter: LoRAAdapter,
  path: string,
  options: ExportPeftOptions = {},
): Promise<ExportResult> {
  const bake = options.alpha === 'bake';
  const dtype = options.dtype ?? 'F16';
  const tensors = referenceOrder(adapter.modules.flatMap((m) => moduleTensors(m, dtype, bake)));
  const metadata: Record<string, string> = { ...options.metadata, format: 'pt' };
  if (!bake) metadata.lora_adapter_metadata = peftAdapterConfig(adapter);
  await writeSafetensors(path, tensors, metadata);
  const sha256 = tensorDataHash(tensors);
  return { path, tensorCount: tensors.length, sha256, metadata };
}
