// Opens a checkpoint (single LDM file or diffusers folder) as per-component weight tables under ONE naming:
// UNet and VAE by their LDM keys (no prefix), text encoders by their HF CLIP keys. Graph code asks for a
// name and a shape; nothing is read until the graph is emitted. Key maps: keymap/*.ts.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DType, Graph, Node, ParamRef } from '../engine';
import type { SafetensorsHeader } from '../formats/safetensors';
import { detectCheckpoint, detectDiffusers, type Detection } from './detect';
import { FAMILIES, type FamilyConfig, type FamilyId, type TextEncoderConfig } from './families';
import { componentFiles, readDiffusersFiles, readHeader } from './checkpoint-files';
import { DIFFUSERS_WEIGHT_STEMS } from './keymap/diffusers';
import { LDM_UNET_PREFIX, LDM_VAE_PREFIX, type ComponentName } from './keymap/ldm';
import { openclipParams } from './keymap/openclip';
import { unetParamPairs } from './keymap/unet';
import { vaeParamPairs } from './keymap/vae';
import type { ParamPair } from './keymap/params';

/** One stored tensor under its canonical name: where it lives and the shape the graph sees. */
export interface StoredWeight {
  ref: ParamRef;
  shape: number[];
}

/** A tensor of the checkpoint that no graph reads, and why that is intended. */
export interface IgnoredTensor {
  key: string;
  reason: string;
}

export class WeightError extends Error {
  constructor(
    readonly where: string,
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'WeightError';
  }
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** The weights of one component; `param()` is the only way graph code reads a checkpoint. */
export class ComponentWeights {
  private readonly requested = new Set<string>();

  constructor(
    readonly component: ComponentName,
    /** The file or folder the weights come from, for messages. */
    readonly where: string,
    private readonly table: ReadonlyMap<string, StoredWeight>,
  ) {}

  has(name: string): boolean {
    return this.table.has(name);
  }

  shapeOf(name: string): readonly number[] | undefined {
    return this.table.get(name)?.shape;
  }

  /** Canonical names, in storage order. */
  names(): string[] {
    return [...this.table.keys()];
  }

  /**
   * A Param node for `name`, checked against the shape the architecture expects.
   * @example const w = weights.param(g, 'out.2.weight', [4, 320, 3, 3]);
   */
  param(g: Graph, name: string, shape: readonly number[], dtype: DType = 'f32'): Node {
    const w = this.table.get(name);
    if (!w)
      throw new WeightError(
        this.where,
        name,
        `${this.where}: the ${this.component} has no tensor '${name}' (expected shape [${shape.join(', ')}]). ` +
          'The file is incomplete or belongs to a different model family.',
      );
    if (!sameShape(w.shape, shape))
      throw new WeightError(
        this.where,
        name,
        `${this.where}: ${this.component} tensor '${name}' has shape [${w.shape.join(', ')}], ` +
          `the model expects [${shape.join(', ')}]. The checkpoint does not match the detected family.`,
      );
    this.requested.add(name);
    return g.param(`${this.component}.${name}`, w.ref, dtype, shape);
  }

  /** Names no `param()` call has read yet: after building every graph, these are the unused tensors. */
  unused(): string[] {
    return this.names().filter((n) => !this.requested.has(n));
  }
}

export interface OpenedCheckpoint {
  path: string;
  layout: 'single-file' | 'diffusers';
  config: FamilyConfig;
  detection: Detection;
  components: Partial<Record<ComponentName, ComponentWeights>>;
  /** Tensors outside every component (EMA copies, schedules, markers) or dropped on purpose. */
  ignored: IgnoredTensor[];
}

/** Weights of one component, or a clear error when the checkpoint lacks it. */
export function componentOf(ckpt: OpenedCheckpoint, name: ComponentName): ComponentWeights {
  const c = ckpt.components[name];
  if (!c)
    throw new WeightError(
      ckpt.path,
      name,
      `${ckpt.path} has no ${name} weights. Use a full checkpoint (UNet, VAE and text encoders), not a UNet-only or pruned file.`,
    );
  return c;
}

function refOf(header: SafetensorsHeader, key: string, transform?: ParamRef['transform']): ParamRef {
  const e = header.tensors.get(key)!;
  return {
    file: header.path,
    key,
    storedAs: e.dtype,
    byteStart: header.dataOffset + e.begin,
    byteEnd: header.dataOffset + e.end,
    ...(transform ? { transform } : {}),
  };
}

function stored(header: SafetensorsHeader, key: string, shape?: number[]): StoredWeight {
  return { ref: refOf(header, key), shape: shape ?? header.tensors.get(key)!.shape };
}

/** `position_ids` is 0…76 stored as a tensor by older transformers versions; the graph builds it itself. */
const IGNORED_TEXT_KEYS = /(^|\.)position_ids$/;

/** CLIP-L in single files keeps HF names under its prefix; OpenCLIP towers are split and renamed. */
function textEncoderTable(
  header: SafetensorsHeader,
  te: TextEncoderConfig,
  claimed: Set<string>,
  ignored: IgnoredTensor[],
): Map<string, StoredWeight> {
  const table = new Map<string, StoredWeight>();
  if (te.kind === 'clip') {
    for (const key of header.tensors.keys()) {
      if (!key.startsWith(te.ldmPrefix)) continue;
      claimed.add(key);
      const name = key.slice(te.ldmPrefix.length);
      if (IGNORED_TEXT_KEYS.test(name))
        ignored.push({ key, reason: 'a constant index table, recomputed by the graph' });
      else table.set(name, stored(header, key));
    }
    return table;
  }
  for (const p of openclipParams(te)) {
    const key = te.ldmPrefix + p.key;
    if (!header.tensors.has(key)) continue;
    claimed.add(key);
    if (p.parts.length === 0)
      ignored.push({ key, reason: 'not used by the text encoder (dropped as diffusers does)' });
    for (const part of p.parts) {
      const transform: ParamRef['transform'] = part.rows
        ? { kind: 'rows', start: part.rows[0], end: part.rows[1] }
        : part.transpose
          ? { kind: 'transpose2d' }
          : undefined;
      table.set(part.hf, { ref: refOf(header, key, transform), shape: part.hfShape });
    }
  }
  return table;
}

function prefixTable(
  header: SafetensorsHeader,
  prefix: string,
  claimed: Set<string>,
): Map<string, StoredWeight> {
  const table = new Map<string, StoredWeight>();
  for (const key of header.tensors.keys()) {
    if (!key.startsWith(prefix)) continue;
    claimed.add(key);
    table.set(key.slice(prefix.length), stored(header, key));
  }
  return table;
}

function pickConfig(detection: Detection, path: string, override?: FamilyId): FamilyConfig {
  if (override) return FAMILIES[override];
  if (!detection.architecture)
    throw new WeightError(
      path,
      '',
      `${path}: ${detection.refusal ?? 'could not tell which model this is'} (${detection.evidence.join('; ')}).`,
    );
  return detection.architecture;
}

async function openSingleFile(path: string, override?: FamilyId): Promise<OpenedCheckpoint> {
  const header = await readHeader(path);
  const detection = detectCheckpoint(header.tensors, header.metadata);
  const config = pickConfig(detection, path, override);
  const claimed = new Set<string>();
  const ignored: IgnoredTensor[] = [];
  const components: OpenedCheckpoint['components'] = {};
  const add = (name: ComponentName, table: Map<string, StoredWeight>) => {
    if (table.size) components[name] = new ComponentWeights(name, path, table);
  };
  add('unet', prefixTable(header, LDM_UNET_PREFIX, claimed));
  add('vae', prefixTable(header, LDM_VAE_PREFIX, claimed));
  for (const te of config.textEncoders) add(te.component, textEncoderTable(header, te, claimed, ignored));
  for (const key of header.tensors.keys())
    if (!claimed.has(key))
      ignored.push({ key, reason: 'outside the UNet, VAE and text encoders (EMA copy, schedule or marker)' });
  return { path, layout: 'single-file', config, detection, components, ignored };
}

/** diffusers names → canonical (LDM) names and shapes, for the UNet and VAE folders. */
function ldmPairs(pairs: readonly ParamPair[]): Map<string, ParamPair> {
  return new Map(pairs.map((p) => [p.diffusers, p]));
}

async function openFolder(dir: string, override?: FamilyId): Promise<OpenedCheckpoint> {
  const detection = detectDiffusers(await readDiffusersFiles(dir));
  const config = pickConfig(detection, dir, override);
  const renames: Partial<Record<ComponentName, Map<string, ParamPair>>> = {
    unet: ldmPairs(unetParamPairs(config.unet)),
    vae: ldmPairs(vaeParamPairs(config.vae)),
  };
  const components: OpenedCheckpoint['components'] = {};
  const ignored: IgnoredTensor[] = [];
  const names: ComponentName[] = ['unet', 'vae', ...config.textEncoders.map((t) => t.component)];
  for (const name of names) {
    const folder = join(dir, name);
    const { files } = await componentFiles(folder, DIFFUSERS_WEIGHT_STEMS[name]);
    const table = new Map<string, StoredWeight>();
    for (const file of files) {
      const header = await readHeader(file);
      for (const key of header.tensors.keys()) {
        const rename = renames[name];
        if (!rename) {
          if (IGNORED_TEXT_KEYS.test(key))
            ignored.push({ key: `${name}/${key}`, reason: 'a constant index table' });
          else table.set(key, stored(header, key));
          continue;
        }
        const pair = rename.get(key);
        if (pair) table.set(pair.ldm, stored(header, key, pair.ldmShape));
        else ignored.push({ key: `${name}/${key}`, reason: `not a ${name} parameter of ${config.label}` });
      }
    }
    if (table.size) components[name] = new ComponentWeights(name, folder, table);
  }
  return { path: dir, layout: 'diffusers', config, detection, components, ignored };
}

/**
 * Opens a checkpoint for graph building: detects the family (or takes `configId`), maps every tensor to its
 * canonical name and records what is ignored on purpose. Reads headers only.
 * @example const ckpt = await openCheckpoint('/models/sd15.safetensors'); componentOf(ckpt, 'unet').param(g, 'out.2.bias', [4])
 */
export async function openCheckpoint(
  path: string,
  options: { configId?: FamilyId } = {},
): Promise<OpenedCheckpoint> {
  const info = await stat(path);
  return info.isDirectory() ? openFolder(path, options.configId) : openSingleFile(path, options.configId);
}
