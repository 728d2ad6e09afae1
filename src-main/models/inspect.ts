// "Inspect a model": one ModelInfo for a single-file checkpoint, a LoRA file or a diffusers folder, from
// safetensors headers only (plus one LoRA alpha scalar). Refuses pickles. Layouts:
// docs/reference/checkpoint-formats.md#single-file-prefixes, #diffusers-folders.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ComponentInfo, ModelInfo } from '../api/contract';
import { readTensorF32, type SafetensorsHeader, type TensorEntry } from '../formats/safetensors/index';
import { describeArchitecture, usageProblems } from './architecture';
import { componentFiles, readDiffusersFiles, readHeader } from './checkpoint-files';
import { detectCheckpoint, detectDiffusers, type Detection } from './detect';
import { detectLoRA, looksLikeLoRA, parseLoRAKey } from './detect-lora';
import { ModelFormatError } from './errors';
import { FAMILIES, FAMILY_IDS } from './families';
import { diffusersKeys, DIFFUSERS_WEIGHT_STEMS } from './keymap/diffusers';
import { singleFileComponents, type ComponentName } from './keymap/ldm';
import { tokenizerVocabSize } from './tokenizer-files';

const COMPONENTS: ComponentName[] = ['unet', 'vae', 'text_encoder', 'text_encoder_2'];

type Tensors = ReadonlyMap<string, Pick<TensorEntry, 'shape' | 'dtype'>>;

function countOf(
  entries: Iterable<Pick<TensorEntry, 'shape' | 'dtype'>>,
): Omit<ComponentInfo, 'name' | 'present'> {
  const info = { tensors: 0, params: 0, dtypes: {} as Record<string, number> };
  for (const e of entries) {
    info.tensors += 1;
    info.params += e.shape.reduce((n, d) => n * d, 1);
    info.dtypes[e.dtype] = (info.dtypes[e.dtype] ?? 0) + 1;
  }
  return info;
}

function totals(all: Tensors): Pick<ModelInfo, 'totalParams' | 'tensorCount' | 'dtypes'> {
  const c = countOf(all.values());
  return { totalParams: c.params, tensorCount: c.tensors, dtypes: c.dtypes };
}

function labelOf(d: Detection): string {
  const base = d.configId
    ? FAMILIES[d.configId].label
    : d.family === 'unknown'
      ? 'Unknown model'
      : FAMILIES[d.family].label;
  const variant =
    d.variant === 'inpaint' ? ' — inpainting' : d.variant === 'ip2p' ? ' — instruct-pix2pix' : '';
  const row = d.configId ? FAMILIES[d.configId] : null;
  const own =
    d.architecture && row && describeArchitecture(d.architecture).join() !== describeArchitecture(row).join()
      ? ' (own architecture)'
      : '';
  return d.layout === 'lora' ? `LoRA for ${base}` : base + variant + own;
}

/** What a component's tensors lack against the derived key list: problems refuse, extras only warn. */
interface Coverage {
  problems: string[];
  warnings: string[];
}

/** Missing / unexpected / mis-shaped keys of one component against the config's key list. */
function completeness(name: string, have: Tensors, want: { key: string; shape: number[] }[]): Coverage {
  const wanted = new Map(want.map((k) => [k.key, k.shape]));
  const missing = want.filter((k) => !have.has(k.key));
  const extra = [...have.keys()].filter((k) => !wanted.has(k) && !k.endsWith('position_ids')).length;
  const misShaped = [...have].filter(([k, e]) => wanted.has(k) && String(wanted.get(k)) !== String(e.shape));
  const out: Coverage = { problems: [], warnings: [] };
  if (!have.size) out.problems.push(`it has no ${name} weights`);
  else if (missing.length)
    out.problems.push(
      `${name}: ${missing.length} tensors the model needs are missing (e.g. ${missing[0].key})`,
    );
  if (misShaped.length)
    out.problems.push(
      `${name}: ${misShaped.length} tensors have unexpected shapes (e.g. ${misShaped[0][0]})`,
    );
  if (extra) out.warnings.push(`${name}: ${extra} unknown keys will be ignored`);
  return out;
}

function refusalOf(d: Detection, problems: string[], tokenizerVocab: number): string | null {
  if (d.refusal) return d.refusal;
  if (problems.length) return `its tensors do not cover the model: ${problems.join('; ')}`;
  const unusable = d.architecture ? usageProblems(d.architecture, tokenizerVocab) : [];
  return unusable.length ? unusable.join('; ') : null;
}

// Every single-file prefix any family uses; they are distinct, so grouping needs no detected config.
const PREFIXES = new Map<string, ComponentName>(
  FAMILY_IDS.flatMap((id) =>
    singleFileComponents(FAMILIES[id]).map((c): [string, ComponentName] => [c.prefix, c.component]),
  ),
);

function splitSingleFile(tensors: Tensors): {
  parts: Map<ComponentName, Map<string, Pick<TensorEntry, 'shape' | 'dtype'>>>;
  ignored: number;
} {
  const parts = new Map(COMPONENTS.map((c) => [c, new Map<string, Pick<TensorEntry, 'shape' | 'dtype'>>()]));
  let ignored = 0;
  for (const [key, entry] of tensors) {
    const prefix = [...PREFIXES.keys()].find((p) => key.startsWith(p));
    if (prefix) parts.get(PREFIXES.get(prefix) as ComponentName)?.set(key, entry);
    else ignored += 1;
  }
  return { parts, ignored };
}

function singleFileInfo(
  header: SafetensorsHeader,
  d: Detection,
  tokenizerVocab: number,
): Pick<ModelInfo, 'components' | 'warnings' | 'refusal'> {
  const { parts, ignored } = splitSingleFile(header.tensors);
  const warnings = [...d.warnings];
  const problems: string[] = [];
  if (ignored)
    warnings.push(
      `${ignored} keys outside the UNet, VAE and text encoders (EMA copies, schedules, markers) are ignored`,
    );
  for (const c of d.architecture ? singleFileComponents(d.architecture) : []) {
    const have = parts.get(c.component) ?? new Map();
    const cover = completeness(
      c.component,
      have,
      c.keys.map((k) => ({ ...k, key: c.prefix + k.key })),
    );
    problems.push(...cover.problems);
    warnings.push(...cover.warnings);
  }
  const components = COMPONENTS.map((name) => {
    const part = parts.get(name) ?? new Map();
    return { name, present: part.size > 0, ...countOf(part.values()) };
  });
  return { components, warnings, refusal: refusalOf(d, problems, tokenizerVocab) };
}

async function inspectFile(path: string): Promise<ModelInfo> {
  const header = await readHeader(path);
  const isLoRA = looksLikeLoRA(header.tensors);
  const detection = isLoRA
    ? await detectLoRA(header.tensors, header.metadata, async (key) => (await readTensorF32(header, key))[0])
    : detectCheckpoint(header.tensors, header.metadata);
  const { components, warnings, refusal } = isLoRA
    ? { components: loraComponents(header), warnings: detection.warnings, refusal: detection.refusal }
    : singleFileInfo(header, detection, await tokenizerVocabSize({ modelDir: dirname(path) }));
  const lora = 'lora' in detection ? (detection as { lora: ModelInfo['lora'] }).lora : null;
  return {
    path,
    ...summaryOf(detection),
    refusal,
    components,
    ...totals(header.tensors),
    fileBytes: header.fileBytes,
    lora,
    metadata: header.metadata,
    warnings,
  };
}

/** LoRA tensors per adapted component (keys no grammar reads count toward the UNet). */
function loraComponents(header: SafetensorsHeader): ComponentInfo[] {
  const componentOf = (key: string): ComponentName => parseLoRAKey(key)?.component ?? 'unet';
  return COMPONENTS.filter((c) => c !== 'vae').map((name) => {
    const entries = [...header.tensors].filter(([k]) => componentOf(k) === name).map(([, e]) => e);
    return { name, present: entries.length > 0, ...countOf(entries) };
  });
}

function summaryOf(
  d: Detection,
): Pick<
  ModelInfo,
  'layout' | 'family' | 'familyLabel' | 'variant' | 'prediction' | 'evidence' | 'architecture'
> {
  return {
    architecture: d.architecture ? describeArchitecture(d.architecture) : [],
    layout: d.layout,
    family: d.family,
    familyLabel: labelOf(d),
    variant: d.variant,
    prediction: d.prediction,
    evidence: d.evidence,
  };
}

async function inspectFolder(dir: string): Promise<ModelInfo> {
  const files = await readDiffusersFiles(dir);
  if (!Object.keys(files.unet).length) {
    const pipeline = files.modelIndex?._class_name;
    const what = typeof pipeline === 'string' ? ` (model_index.json says ${pipeline})` : '';
    throw new ModelFormatError(
      dir,
      'not-a-model',
      `${dir} is a folder without unet/config.json${what}, so it is not a diffusers Stable Diffusion 1.x, 2.x or XL pipeline.`,
    );
  }
  const detection = detectDiffusers(files);
  const config = detection.architecture;
  const warnings = [...detection.warnings];
  const problems: string[] = [];
  const components: ComponentInfo[] = [];
  const all = new Map<string, Pick<TensorEntry, 'shape' | 'dtype'>>();
  let fileBytes = 0;
  for (const name of COMPONENTS) {
    const { files, pickleOnly } = await componentFiles(join(dir, name), DIFFUSERS_WEIGHT_STEMS[name]);
    if (pickleOnly)
      warnings.push(
        `${name}: only pickle (.bin) weights found; they are not read. Convert them to .safetensors.`,
      );
    const tensors = new Map<string, Pick<TensorEntry, 'shape' | 'dtype'>>();
    for (const file of files) {
      const header = await readHeader(file);
      fileBytes += header.fileBytes;
      for (const [k, e] of header.tensors) tensors.set(k, e);
    }
    for (const [k, e] of tensors) all.set(`${name}/${k}`, e);
    const expected =
      config && (name === 'unet' || name === 'vae' || config.textEncoders.some((t) => t.component === name));
    if (expected && config) {
      const cover = completeness(name, tensors, diffusersKeys(config, name));
      problems.push(...cover.problems);
      warnings.push(...cover.warnings);
    }
    components.push({ name, present: tensors.size > 0, ...countOf(tensors.values()) });
  }
  return {
    path: dir,
    ...summaryOf(detection),
    refusal: refusalOf(detection, problems, await tokenizerVocabSize({ modelDir: dir })),
    components,
    ...totals(all),
    fileBytes,
    lora: null,
    metadata: {},
    warnings,
  };
}

/**
 * Describes a model without loading weights: family, variant, prediction, components and counts, with the
 * evidence behind each decision. Throws `ModelFormatError` for pickles and non-safetensors files.
 * @example const info = await inspectModel('/models/v1-5-pruned-emaonly.safetensors'); info.family === 'sd1'
 */
export async function inspectModel(path: string): Promise<ModelInfo> {
  const info = await stat(path);
  return info.isDirectory() ? inspectFolder(path) : inspectFile(path);
}

/**
 * {@link inspectModel}, refusing a model that cannot be sampled or trained with the reason the Start screen
 * shows, before any work starts. `verb` names the work in the message.
 * @example await assertUsableModel('/models/tiny-pipe.safetensors', 'trained on') // throws ModelFormatError
 */
export async function assertUsableModel(path: string, verb = 'used'): Promise<ModelInfo> {
  const info = await inspectModel(path);
  if (info.refusal)
    throw new ModelFormatError(path, 'unusable', `${path} cannot be ${verb}: ${info.refusal}`);
  return info;
}

export { readHeader } from './checkpoint-files';
