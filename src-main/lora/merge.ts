// Bakes an adapter into a single-file base checkpoint: W' = W + strength·(alpha/rank)·B·A for every adapted
// weight, every other tensor copied byte for byte (or only re-typed), written atomically as a new file. Key
// mapping: docs/reference/checkpoint-formats.md#single-file-prefixes,
// docs/reference/lora-formats.md#kohya-unet-naming-per-family; the ΔW math lives in adapter-weights.ts.

import { resolve } from 'node:path';
import {
  decodeToF32,
  isFloatDType,
  readSafetensorsHeader,
  readTensorBytes,
  tensorFromF32,
  writeSafetensors,
  type FloatDType,
  type SafetensorsHeader,
  type TensorToWrite,
} from '../formats/safetensors';
import { FAMILIES, type FamilyConfig } from '../models/families';
import { LDM_UNET_PREFIX } from '../models/keymap/ldm';
import type { LoRATarget } from '../models/keymap/lora-names';
import { openCheckpoint } from '../models/weights';
import { deltaWeight, moduleName, targetsOf, type LoRAAdapter } from './adapter-weights';
import { LoRAError } from './errors';

/** 'keep' leaves every dtype as stored; F16/F32 re-type every float tensor (merged ones included). */
export type MergeDType = 'keep' | 'F16' | 'F32';

export interface MergeOptions {
  /** Multiplier on every module's ΔW (default 1). */
  strength?: number;
  dtype?: MergeDType;
  /** Extra `__metadata__` entries, added over the base file's. */
  metadata?: Record<string, string>;
}

export interface MergeResult {
  path: string;
  /** Single-file keys that received a ΔW. */
  mergedKeys: string[];
  tensorCount: number;
}

/** The single-file weight key of a LoRA target; OpenCLIP text encoders fuse q/k/v and are refused. */
function weightKey(config: FamilyConfig, t: LoRATarget): string {
  if (t.component === 'unet') return `${LDM_UNET_PREFIX}${t.ldmPath}.weight`;
  const te = config.textEncoders.find((e) => e.component === t.component);
  if (!te || te.kind !== 'clip')
    throw new Error(`${moduleName(t)}: merging into an OpenCLIP text encoder (fused q/k/v) is not supported`);
  return `${te.ldmPrefix}${t.ldmPath}.weight`;
}

/** ΔW per single-file key, checked against the stored shapes. */
function deltasByKey(
  adapter: LoRAAdapter,
  config: FamilyConfig,
  header: SafetensorsHeader,
  strength: number,
): Map<string, Float32Array> {
  const targets = new Map(targetsOf(config)(config.id).map((t) => [moduleName(t), t]));
  const out = new Map<string, Float32Array>();
  for (const m of adapter.modules) {
    const t = targets.get(m.module);
    if (!t) throw new Error(`${m.module}: not a module of ${config.label}`);
    const key = weightKey(config, t);
    const entry = header.tensors.get(key);
    const n = m.outFeatures * m.inFeatures;
    if (!entry) throw new Error(`${m.module}: the base checkpoint has no '${key}'`);
    if (entry.shape.reduce((a, b) => a * b, 1) !== n)
      throw new Error(
        `${m.module}: '${key}' is [${entry.shape.join(', ')}], the LoRA is ${m.outFeatures}×${m.inFeatures}`,
      );
    out.set(
      key,
      deltaWeight(m).map((v) => v * strength),
    );
  }
  return out;
}

function bytesOf(t: TensorToWrite): Uint8Array {
  const d = t.data;
  if (typeof d === 'function') throw new Error(`${t.name}: expected in-memory data`);
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function outputTensor(
  header: SafetensorsHeader,
  name: string,
  delta: Float32Array | undefined,
  dtype: MergeDType,
): TensorToWrite {
  const entry = header.tensors.get(name)!;
  const isFloat = isFloatDType(entry.dtype);
  const outType = isFloat && dtype !== 'keep' ? dtype : entry.dtype;
  const data = async (): Promise<Uint8Array> => {
    const bytes = await readTensorBytes(header, name);
    if (!delta && outType === entry.dtype) return bytes; // unchanged tensors are copied byte for byte
    const values = decodeToF32(entry.dtype, bytes);
    if (delta) for (let i = 0; i < values.length; i++) values[i] += delta[i];
    return bytesOf(tensorFromF32(name, outType as FloatDType, entry.shape, values));
  };
  return { name, dtype: outType, shape: entry.shape, data };
}

async function familyOf(basePath: string, adapter: LoRAAdapter): Promise<FamilyConfig> {
  const ckpt = await openCheckpoint(basePath); // detected, so a LoRA of another family is caught
  if (ckpt.layout !== 'single-file')
    throw new LoRAError(`${basePath}: merging needs a single-file checkpoint, not a diffusers folder`);
  if (adapter.family === 'unknown') return ckpt.config;
  const wanted = FAMILIES[adapter.family];
  if (wanted.family !== ckpt.config.family)
    throw new LoRAError(`the adapter is for ${adapter.family}, the base checkpoint is ${ckpt.config.family}`);
  return ckpt.config; // the architecture read from the base names the weights to change
}

/**
 * Writes `outPath`: the base checkpoint with the adapter merged in. The base is never modified.
 * @example await mergeLoRA('sd15.safetensors', (await loadLoRA('style.safetensors')).adapter, 'sd15-style.safetensors', { dtype: 'F16' })
 */
export async function mergeLoRA(
  basePath: string,
  adapter: LoRAAdapter,
  outPath: string,
  options: MergeOptions = {},
): Promise<MergeResult> {
  if (resolve(basePath) === resolve(outPath))
    throw new LoRAError(`merge output ${outPath} would overwrite the base checkpoint`);
  const config = await familyOf(basePath, adapter);
  const header = await readSafetensorsHeader(basePath);
  const deltas = deltasByKey(adapter, config, header, options.strength ?? 1);
  const dtype = options.dtype ?? 'keep';
  const tensors = [...header.tensors.keys()].map((name) =>
    outputTensor(header, name, deltas.get(name), dtype),
  );
  await writeSafetensors(outPath, tensors, { ...header.metadata, ...options.metadata });
  return { path: outPath, mergedKeys: [...deltas.keys()], tensorCount: tensors.length };
}
