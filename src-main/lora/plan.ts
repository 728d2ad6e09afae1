// What a training run adapts: the UNet targets of a family (filtered per block), rank, alpha and the initial
// A/B (PEFT and kohya both: A ~ kaiming_uniform(a=√5) = U(±1/√in), B = 0), or a loaded LoRA to continue from.
// Targets: docs/reference/lora-formats.md#target-modules, #attention-targets; naming: adapter-weights.ts.

import { FAMILIES, type FamilyConfig, type FamilyId } from '../models/families';
import { unetLoRATargets, type LoRATarget, type TargetSet } from '../models/keymap/lora-names';
import { moduleName, targetsOf, type LoRAAdapter, type LoRAModuleWeights } from './adapter-weights';
import { loadLoRA } from './load';

/** A module filter: a path prefix (`input_blocks.1`, `down_blocks.0`), or `/regex/` tested on both paths. */
export type TargetPattern = string | RegExp;

export interface LoRAPlan {
  family: FamilyId;
  /** The architecture read from the base model; defaults to the family's table config. */
  config?: FamilyConfig;
  /** 'attention' (to_q/k/v/out.0 of every transformer block) or 'transformer' (+ proj_in/out, ff). */
  targetSet: TargetSet;
  /** Keep only targets matching one of these (LDM or diffusers path); empty/absent keeps all. */
  include?: readonly TargetPattern[];
  /** Drop targets matching one of these; applied after `include`. */
  exclude?: readonly TargetPattern[];
  rank: number;
  alpha: number;
}

function toMatcher(p: TargetPattern): (path: string) => boolean {
  if (p instanceof RegExp) return (path) => p.test(path);
  const re = /^\/(.+)\/([a-z]*)$/.exec(p);
  if (re) {
    const regex = new RegExp(re[1], re[2]);
    return (path) => regex.test(path);
  }
  // a prefix matches whole path segments only: 'input_blocks.1' must not match 'input_blocks.11'
  return (path) => path === p || path.startsWith(`${p}.`);
}

function matchesAny(t: LoRATarget, patterns: readonly TargetPattern[]): boolean {
  return patterns.map(toMatcher).some((m) => m(t.ldmPath) || m(t.internalPath));
}

function checkPlan(plan: LoRAPlan): void {
  if (!Number.isSafeInteger(plan.rank) || plan.rank <= 0)
    throw new Error(`LoRA rank must be a positive integer, got ${plan.rank}`);
  if (!Number.isFinite(plan.alpha) || plan.alpha <= 0)
    throw new Error(`LoRA alpha must be a positive number, got ${plan.alpha}`);
}

/**
 * The plan's UNet targets in forward order; throws when the filters leave none.
 * @example planTargets({ family: 'sd1', targetSet: 'attention', rank: 16, alpha: 8 }).length === 128
 */
export function planTargets(plan: LoRAPlan): LoRATarget[] {
  checkPlan(plan);
  const all = unetLoRATargets(plan.config ?? FAMILIES[plan.family], plan.targetSet);
  const kept = all.filter(
    (t) =>
      (!plan.include?.length || matchesAny(t, plan.include)) &&
      !(plan.exclude?.length && matchesAny(t, plan.exclude)),
  );
  if (!kept.length)
    throw new Error(
      `LoRA plan for ${plan.family} selects no module (include ${JSON.stringify(plan.include?.map(String) ?? [])}, ` +
        `exclude ${JSON.stringify(plan.exclude?.map(String) ?? [])}); paths look like ${all[0]?.ldmPath}`,
    );
  return kept;
}

/** Uniform numbers in [0, 1); the training loop passes its seeded `init` stream. */
export type Uniform = () => number;

function freshModule(t: LoRATarget, plan: LoRAPlan, random: Uniform): LoRAModuleWeights {
  // kaiming_uniform(a=√5): gain √(2/(1+5)) · √(3/fan_in) = 1/√fan_in
  const bound = 1 / Math.sqrt(t.inFeatures);
  const A = Float32Array.from({ length: plan.rank * t.inFeatures }, () => (2 * random() - 1) * bound);
  const m: LoRAModuleWeights = {
    module: moduleName(t),
    A, // [rank, in]
    B: new Float32Array(t.outFeatures * plan.rank), // [out, rank], zeros: the adapter starts as a no-op
    rank: plan.rank,
    inFeatures: t.inFeatures,
    outFeatures: t.outFeatures,
    alpha: plan.alpha,
  };
  return t.conv1x1 ? { ...m, conv1x1: true } : m;
}

/**
 * A fresh adapter for the plan, A drawn in target order from `random`.
 * @example const adapter = initLoRA(plan, streamRng(seed, 'init'))
 */
export function initLoRA(plan: LoRAPlan, random: Uniform): LoRAAdapter {
  const modules = planTargets(plan).map((t) => freshModule(t, plan, random));
  return { family: plan.family, modules, metadata: {} };
}

function describe(paths: readonly string[]): string {
  const head = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${head} and ${paths.length - 3} more` : head;
}

/**
 * Checks that `loaded` (from lora/load.ts) has exactly the plan's modules with its rank and alpha, and
 * returns it ordered as the plan's targets; every mismatch is named in the error.
 * @example const start = continueLoRA(plan, (await loadLoRA(path, { family: plan.family })).adapter)
 */
export function continueLoRA(plan: LoRAPlan, loaded: LoRAAdapter): LoRAAdapter {
  const targets = planTargets(plan);
  const byModule = new Map(loaded.modules.map((m) => [m.module, m]));
  const wanted = new Set(targets.map(moduleName));
  const missing = targets.map(moduleName).filter((m) => !byModule.has(m));
  const extra = loaded.modules.map((m) => m.module).filter((m) => !wanted.has(m));
  if (missing.length)
    throw new Error(`the LoRA to continue lacks ${missing.length} planned modules: ${describe(missing)}`);
  if (extra.length)
    throw new Error(
      `the LoRA to continue has ${extra.length} modules outside the plan (widen its targets): ${describe(extra)}`,
    );
  const modules = targets.map((t) => byModule.get(moduleName(t))!);
  for (const m of modules) {
    if (m.rank !== plan.rank)
      throw new Error(`${m.module}: rank ${m.rank} in the file, the plan asks for rank ${plan.rank}`);
    if (m.alpha !== plan.alpha)
      throw new Error(`${m.module}: alpha ${m.alpha} in the file, the plan asks for alpha ${plan.alpha}`);
  }
  return { family: plan.family, modules, metadata: loaded.metadata };
}

/**
 * Loads a LoRA file in any naming (lora/load.ts) to continue training under `plan`; a file with modules the
 * loader could not read is refused rather than continued without them.
 * @example const start = await continueFromFile(plan, 'style.safetensors')
 */
export async function continueFromFile(plan: LoRAPlan, path: string): Promise<LoRAAdapter> {
  const targets = plan.config ? targetsOf(plan.config) : undefined;
  const { adapter, skipped } = await loadLoRA(path, { family: plan.family, targets });
  if (skipped.length)
    throw new Error(
      `${path}: ${skipped.length} LoRA modules could not be read, e.g. ${skipped[0].stem} (${skipped[0].reason})`,
    );
  return continueLoRA(plan, adapter);
}
