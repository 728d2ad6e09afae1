// Will this adapter load, whole, in the tools artists use? For each consumer (A1111, Forge, ComfyUI,
// InvokeAI, diffusers, kohya sd-scripts): which keys it applies and skips, the scale it uses, and warnings,
// from the documented key-mapping rules of each tool (docs/reference/lora-formats.md#acceptance-matrix and
// #how-each-tool-maps-keys) and the base model's modules (a key whose module the base lacks is skipped everywhere).
import { CONSUMER_LABELS, type CompatibilityReport, type ConsumerCompatibility } from '../api/training';
import { readSafetensorsHeader } from '../formats/safetensors';
import type { LoRAFamily, LoRATargetTable } from './adapter-weights';
import { groupKeys, loadLoRA, type Group } from './load';
import { FAMILIES } from '../models/families';

export type Consumer = ConsumerCompatibility['consumer'];
export const CONSUMERS: readonly Consumer[] = ['a1111', 'forge', 'comfyui', 'invokeai', 'diffusers', 'kohya'];

/** How a key names its module (acceptance-matrix rows; text-encoder keys in kohya spelling are their own row). */
export type KeyStyle =
  | 'kohya-diffusers'
  | 'kohya-ldm'
  | 'kohya-te'
  | 'peft'
  | 'diffusers-trainer'
  | 'legacy-processor'
  | 'generic-ldm';

const LDM_BLOCKS = /(input_blocks|middle_block|output_blocks)/;

/** @example styleOf({ stem: 'lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q', naming: 'kohya' }) // 'kohya-ldm' */
export function styleOf(group: Pick<Group, 'stem' | 'naming'>): KeyStyle {
  const { stem, naming } = group;
  if (/^lora_te[12]?_/.test(stem)) return 'kohya-te';
  if (stem.startsWith('lora_unet_')) return LDM_BLOCKS.test(stem) ? 'kohya-ldm' : 'kohya-diffusers';
  if (naming === 'legacy-diffusers' || stem.includes('.processor.')) return 'legacy-processor';
  if (naming === 'peft') return 'peft';
  if (naming === 'diffusers') return 'diffusers-trainer';
  return stem.startsWith('diffusion_model.') ? 'generic-ldm' : 'peft';
}

type Accepts = Record<Consumer, readonly [sd: boolean, sdxl: boolean]>;
const ALL: Accepts = {
  a1111: [true, true],
  forge: [true, true],
  comfyui: [true, true],
  invokeai: [true, true],
  diffusers: [true, true],
  kohya: [true, true],
};
const NONE: Accepts = {
  a1111: [false, false],
  forge: [false, false],
  comfyui: [false, false],
  invokeai: [false, false],
  diffusers: [false, false],
  kohya: [false, false],
};

/** The acceptance matrix: which consumers attach each key style, for SD1/SD2 and for SDXL bases. */
const ACCEPTS: Record<KeyStyle, Accepts> = {
  'kohya-diffusers': ALL,
  'kohya-te': ALL,
  'kohya-ldm': { ...ALL, kohya: [false, true], diffusers: [false, true], invokeai: [false, true] },
  peft: { ...NONE, diffusers: [true, true] },
  'diffusers-trainer': { ...NONE, diffusers: [true, true] },
  'legacy-processor': { ...NONE, comfyui: [true, true], forge: [true, true], diffusers: [true, true] },
  'generic-ldm': { ...NONE, comfyui: [true, true], forge: [true, true] },
};

const STYLE_WORDS: Record<KeyStyle, string> = {
  'kohya-diffusers': 'kohya names with diffusers block paths',
  'kohya-ldm': 'kohya names with LDM block paths',
  'kohya-te': 'kohya text-encoder names',
  peft: 'PEFT names (lora_A/lora_B)',
  'diffusers-trainer': 'diffusers trainer names (lora.down/up)',
  'legacy-processor': 'legacy attention-processor names',
  'generic-ldm': 'dotted LDM names',
};

export type SkippedKey = ConsumerCompatibility['skipped'][number];
export type ConsumerReport = ConsumerCompatibility;
export type CompatReport = CompatibilityReport;

function scaleText(alphas: { rank: number; alpha: number }[], hasAlpha: boolean, consumer: Consumer): string {
  if (alphas.length === 0) return '—';
  if (!hasAlpha && consumer !== 'diffusers') return '1.0 (no alpha in the file)';
  const distinct = [...new Set(alphas.map((a) => `${a.alpha}/${a.rank}`))];
  if (distinct.length > 1) return `alpha/rank per module (${distinct.length} values)`;
  const { alpha, rank } = alphas[0];
  return `alpha/rank = ${alpha}/${rank} = ${+(alpha / rank).toFixed(4)}`;
}

/**
 * The report for an adapter file against a base model family.
 * @example const { consumers } = await compatReport('style.safetensors', 'sd1'); consumers[0].complete
 */
export async function compatReport(
  path: string,
  family: LoRAFamily,
  /** The base model's own LoRA targets (a distilled or resized UNet); default: the family row's. */
  targets?: LoRATargetTable,
): Promise<CompatReport> {
  const header = await readSafetensorsHeader(path);
  const { groups, unknownKeys } = groupKeys(header.tensors.keys());
  const loaded = await loadLoRA(path, targets ? { family, targets } : { family });
  const notInBase = new Map(loaded.skipped.map((s) => [s.stem, s.reason]));
  const sdxl = FAMILIES[family].family === 'sdxl';
  const all = [...groups.values()];
  const styles = new Map(all.map((g) => [g.stem, styleOf(g)]));
  const present = new Set(styles.values());
  const hasAlpha = all.some((g) => g.keys.alpha);
  const alphas = loaded.adapter.modules.map((m) => ({ rank: m.rank, alpha: m.alpha }));
  const total = all.length;

  const consumers = CONSUMERS.map((consumer): ConsumerReport => {
    const skipped: SkippedKey[] = [];
    const warnings: string[] = [];
    for (const g of all) {
      const style = styles.get(g.stem)!;
      const why = notInBase.get(g.stem);
      if (why) skipped.push({ stem: g.stem, reason: `the base model has no such module (${why})` });
      else if (!ACCEPTS[style][consumer][sdxl ? 1 : 0])
        skipped.push({
          stem: g.stem,
          reason: `${CONSUMER_LABELS[consumer]} does not read ${STYLE_WORDS[style]}`,
        });
    }
    let applied = total - skipped.length;
    const kohyaKeys = [...present].some((s) => s.startsWith('kohya'));
    const otherKeys = [...present].some((s) => !s.startsWith('kohya')) || unknownKeys.length > 0;
    if (consumer === 'diffusers' && kohyaKeys && otherKeys) {
      warnings.push(
        'refuses the whole file: kohya keys mixed with keys of another naming ("keys have not been correctly renamed")',
      );
      applied = 0;
    }
    if (sdxl && present.has('kohya-ldm') && present.has('kohya-diffusers')) {
      if (consumer === 'invokeai') {
        warnings.push('refuses the whole file: SDXL keys mix LDM and diffusers block paths');
        applied = 0;
      }
      if (consumer === 'diffusers')
        warnings.push('drops the LDM-path keys when both block spellings are present');
    }
    if (consumer === 'forge' && skipped.length + unknownKeys.length > 12) {
      warnings.push(`applies nothing: more than 12 keys unmatched ("LoRA version mismatch")`);
      applied = 0;
    }
    if (consumer === 'a1111' && sdxl && !(header.metadata.ss_base_model_version ?? '').startsWith('sdxl_'))
      warnings.push(
        'lists it as an SD1 LoRA (ss_base_model_version lacks sdxl_) and hides it while an SDXL model is loaded',
      );
    if (consumer === 'invokeai' && !sdxl && ![...groups.keys()].some((s) => /attn2[._]to_[kv]$/.test(s)))
      warnings.push('cannot tell the base model: no attn2 to_k/to_v key');
    if (unknownKeys.length)
      warnings.push(
        `${unknownKeys.length} key(s) are no LoRA weight (e.g. ${unknownKeys[0]}); ignored or refused`,
      );
    return {
      consumer,
      applied: Math.max(0, applied),
      total,
      skipped,
      scale: scaleText(alphas, hasAlpha, consumer),
      warnings,
      complete:
        applied === total &&
        total > 0 &&
        warnings.every((w) => !w.startsWith('refuses') && !w.startsWith('applies nothing')),
    };
  });
  const incomplete = consumers.filter((c) => !c.complete).map((c) => CONSUMER_LABELS[c.consumer]);
  return {
    family,
    consumers,
    ...(incomplete.length
      ? {
          fix: `${incomplete.join(', ')} would not apply the whole file. Export in kohya naming: tessera convert-lora ${path} --to kohya --out FIXED.safetensors`,
        }
      : {}),
  };
}

/** The report as lines for a terminal. @example formatCompat(await compatReport(p, 'sd1')).join('\n') */
export function formatCompat(report: CompatReport, listSkipped = 5): string[] {
  const lines = [`Compatibility with a ${report.family} base model`];
  for (const c of report.consumers) {
    const mark = c.complete ? 'ok ' : '!! ';
    lines.push(
      `  ${mark}${CONSUMER_LABELS[c.consumer].padEnd(18)}${c.applied}/${c.total} modules applied · scale ${c.scale}`,
    );
    for (const w of c.warnings) lines.push(`       ${w}`);
    for (const s of c.skipped.slice(0, listSkipped)) lines.push(`       skipped ${s.stem}: ${s.reason}`);
    if (c.skipped.length > listSkipped)
      lines.push(`       … and ${c.skipped.length - listSkipped} more skipped`);
  }
  if (report.fix) lines.push('', report.fix);
  return lines;
}
