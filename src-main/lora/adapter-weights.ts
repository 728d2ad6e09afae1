// The in-memory LoRA record every loader produces and every exporter consumes, plus the merge math on plain
// arrays. Naming is PEFT's (A = down, B = up, scale = alpha/rank); docs/reference/lora-formats.md#kohya-key-grammar.

import { FAMILIES, type FamilyConfig, type FamilyId } from '../models/families';
import {
  textEncoderLoRATargets,
  unetLoRATargets,
  type LoRAComponent,
  type LoRATarget,
} from '../models/keymap/lora-names';

/** The family config an adapter belongs to (tiny-* test models included; metadata uses their public family). */
export type LoRAFamily = FamilyId;

/** Where a loader or exporter finds the modules a family's LoRA files may name. */
export type LoRATargetTable = (family: LoRAFamily) => readonly LoRATarget[];

/**
 * Every target a LoRA file may name: kohya's default Transformer2D set (a superset of attention-only) and
 * the text encoders, from models/keymap/lora-names.ts. @example allLoRATargets('sd1').length === 192 + 72
 */
export const allLoRATargets: LoRATargetTable = (family) => [
  ...unetLoRATargets(FAMILIES[family], 'transformer'),
  ...textEncoderLoRATargets(FAMILIES[family]),
];

/**
 * The targets of one architecture (a model derived from its own file) under any family name, for the
 * `targets` option of the loaders and exporters. @example exportKohya(adapter, out, { targets: targetsOf(ckpt.config) })
 */
export function targetsOf(config: FamilyConfig): LoRATargetTable {
  const all = [...unetLoRATargets(config, 'transformer'), ...textEncoderLoRATargets(config)];
  return () => all;
}

/** A target's `LoRAModuleWeights.module` name. @example moduleName(t) === 'unet.mid_block.attentions.0.proj_in' */
export function moduleName(target: Pick<LoRATarget, 'component' | 'internalPath'>): string {
  return `${target.component}.${target.internalPath}`;
}

export interface LoRAModuleWeights {
  /**
   * Diffusers-style module path WITH its component prefix, exactly PEFT's file spelling minus the
   * `.lora_A.weight` suffix: `unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q`,
   * `text_encoder.text_model.encoder.layers.0.self_attn.q_proj`, `text_encoder_2.…`.
   */
  module: string;
  /** [rank, inFeatures], row-major (kohya lora_down / PEFT lora_A). */
  A: Float32Array;
  /** [outFeatures, rank], row-major (kohya lora_up / PEFT lora_B). */
  B: Float32Array;
  rank: number;
  inFeatures: number;
  outFeatures: number;
  /** Loaders apply alpha / rank; a file without alpha means alpha = rank. */
  alpha: number;
  /** Set when the target is a 1×1 Conv2d (SD1 proj_in/proj_out): tensors are written 4-D, [r,in,1,1] / [out,r,1,1]. */
  conv1x1?: boolean;
}

export interface LoRAAdapter {
  family: LoRAFamily | 'unknown';
  modules: LoRAModuleWeights[];
  /** The safetensors `__metadata__` the adapter came with (or should carry); all values strings. */
  metadata: Record<string, string>;
}

/** Component prefixes of `LoRAModuleWeights.module`, one per model part. */
export const COMPONENT_PREFIXES = (
  ['unet', 'text_encoder', 'text_encoder_2'] as const satisfies readonly LoRAComponent[]
).map((c) => `${c}.`);

/** The multiplier loaders apply to B·A. @example scaleOf({ alpha: 8, rank: 16 }) === 0.5 */
export function scaleOf(m: Pick<LoRAModuleWeights, 'alpha' | 'rank'>): number {
  return m.alpha / m.rank;
}

/**
 * Throws when the arrays do not match the declared rank and dims (the record is then unusable).
 * @example checkModule(m) // before exporting or merging
 */
export function checkModule(m: LoRAModuleWeights): void {
  const dims = `rank ${m.rank}, in ${m.inFeatures}, out ${m.outFeatures}`;
  if (![m.rank, m.inFeatures, m.outFeatures].every((n) => Number.isSafeInteger(n) && n > 0)) {
    throw new Error(`${m.module}: dims must be positive integers (${dims})`);
  }
  if (m.A.length !== m.rank * m.inFeatures) {
    throw new Error(
      `${m.module}: A has ${m.A.length} values, [${m.rank}, ${m.inFeatures}] needs ${m.rank * m.inFeatures}`,
    );
  }
  if (m.B.length !== m.outFeatures * m.rank) {
    throw new Error(
      `${m.module}: B has ${m.B.length} values, [${m.outFeatures}, ${m.rank}] needs ${m.outFeatures * m.rank}`,
    );
  }
  if (!Number.isFinite(m.alpha)) throw new Error(`${m.module}: alpha ${m.alpha} is not finite`);
}

/**
 * ΔW = (alpha / rank) · B · A as a row-major [outFeatures, inFeatures] array, what a merge adds to W.
 * NOTE: accumulates in f64 and applies the scale once at the end, so two records with equal A, B and
 * scale give bit-identical ΔW whatever format they came from.
 * @example const dW = deltaWeight(adapter.modules[0]); // dW[o * inFeatures + i]
 */
export function deltaWeight(m: LoRAModuleWeights): Float32Array {
  checkModule(m);
  const { rank: r, inFeatures: nIn, outFeatures: nOut, A, B } = m;
  const scale = scaleOf(m);
  const out = new Float32Array(nOut * nIn);
  const row = new Float64Array(nIn);
  for (let o = 0; o < nOut; o++) {
    row.fill(0);
    for (let k = 0; k < r; k++) {
      const b = B[o * r + k];
      if (b === 0) continue;
      const base = k * nIn;
      for (let i = 0; i < nIn; i++) row[i] += b * A[base + i];
    }
    for (let i = 0; i < nIn; i++) out[o * nIn + i] = row[i] * scale;
  }
  return out;
}

/** The ranks and alphas an adapter uses, most common first (exporters write one global rank/alpha). */
export function dominantRankAlpha(adapter: LoRAAdapter): { rank: number; alpha: number } {
  const count = new Map<string, number>();
  for (const m of adapter.modules) {
    const key = `${m.rank}/${m.alpha}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  const best = [...count.entries()].sort((a, b) => b[1] - a[1])[0];
  if (!best) throw new Error('adapter has no modules');
  const [rank, alpha] = best[0].split('/').map(Number);
  return { rank, alpha };
}
