// LoRA target modules of a family and their names in each LoRA file style: kohya stems (SD1/SD2 diffusers
// paths, SDXL LDM paths), PEFT `lora_A/lora_B` keys, and the text-encoder targets. Generated from the UNet walk.
// Follows docs/reference/lora-formats.md#kohya-key-grammar, #attention-targets, #peft-and-diffusers-key-spellings.
import type { FamilyConfig, TextEncoderConfig } from '../families';
import { unetAttentionBlocks, type AttentionBlock } from './unet';

export type LoRAComponent = 'unet' | 'text_encoder' | 'text_encoder_2';

/** One adaptable Linear (or 1×1 conv) of a model. Paths carry no component prefix. */
export interface LoRATarget {
  component: LoRAComponent;
  /** diffusers/HF module path: `down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q`. */
  internalPath: string;
  /** LDM module path (UNet) or the HF path again (text encoders). */
  ldmPath: string;
  /** The family-correct kohya stem, e.g. `lora_unet_down_blocks_0_…_attn1_to_q`. */
  kohyaStem: string;
  inFeatures: number;
  outFeatures: number;
  /** 1×1 conv target (SD1 proj_in/proj_out): LoRA tensors are 4-D. */
  conv1x1?: boolean;
}

/** `attention`: to_q/k/v/out.0 of attn1+attn2 (diffusers trainer default); `transformer`: kohya's default
 * set, every Linear/1×1 conv inside each Transformer2D (adds proj_in/out and the feed-forward). */
export type TargetSet = 'attention' | 'transformer';

export const ATTENTION_PROJECTIONS = ['to_q', 'to_k', 'to_v', 'to_out.0'] as const;

const KOHYA_PREFIX: Record<LoRAComponent, string> = {
  unet: 'lora_unet',
  text_encoder: 'lora_te',
  text_encoder_2: 'lora_te2',
};

/** @example kohyaStem('unet', 'input_blocks.4.1.proj_in') === 'lora_unet_input_blocks_4_1_proj_in' */
export function kohyaStem(component: LoRAComponent, path: string, sdxlTextEncoders = false): string {
  const prefix = sdxlTextEncoders && component === 'text_encoder' ? 'lora_te1' : KOHYA_PREFIX[component];
  return `${prefix}_${path.replaceAll('.', '_')}`;
}

/** Tensor keys of a kohya module. @example kohyaKeys('lora_unet_x').down === 'lora_unet_x.lora_down.weight' */
export function kohyaKeys(stem: string): { down: string; up: string; alpha: string } {
  return { down: `${stem}.lora_down.weight`, up: `${stem}.lora_up.weight`, alpha: `${stem}.alpha` };
}

/** Tensor keys of a PEFT module. @example peftKeys('unet', 'mid_block.attentions.0.proj_in').A === 'unet.mid_block.attentions.0.proj_in.lora_A.weight' */
export function peftKeys(component: LoRAComponent, path: string): { A: string; B: string } {
  return { A: `${component}.${path}.lora_A.weight`, B: `${component}.${path}.lora_B.weight` };
}

function blockTargets(config: FamilyConfig, block: AttentionBlock, set: TargetSet): LoRATarget[] {
  const c = block.channels;
  const ctx = config.unet.crossAttentionDim;
  const linearProj = config.unet.useLinearProjection;
  const rows: [string, number, number, boolean][] = [];
  if (set === 'transformer') rows.push(['proj_in', c, c, !linearProj]);
  for (let t = 0; t < block.depth; t++) {
    for (const attn of ['attn1', 'attn2']) {
      for (const proj of ATTENTION_PROJECTIONS) {
        const cross = attn === 'attn2' && (proj === 'to_k' || proj === 'to_v');
        rows.push([`transformer_blocks.${t}.${attn}.${proj}`, cross ? ctx : c, c, false]);
      }
    }
    if (set === 'transformer') {
      rows.push([`transformer_blocks.${t}.ff.net.0.proj`, c, 8 * c, false]);
      rows.push([`transformer_blocks.${t}.ff.net.2`, 4 * c, c, false]);
    }
  }
  if (set === 'transformer') rows.push(['proj_out', c, c, !linearProj]);
  return rows.map(([tail, inFeatures, outFeatures, conv1x1]) => {
    const internalPath = `${block.diffusers}.${tail}`;
    const ldmPath = `${block.ldm}.${tail}`;
    const stemPath = config.kohyaUNetNaming === 'ldm' ? ldmPath : internalPath;
    const target: LoRATarget = {
      component: 'unet',
      internalPath,
      ldmPath,
      kohyaStem: kohyaStem('unet', stemPath),
      inFeatures,
      outFeatures,
    };
    return conv1x1 ? { ...target, conv1x1 } : target;
  });
}

/**
 * UNet LoRA targets of a family in forward order.
 * @example unetLoRATargets(FAMILIES.sd1).length === 128
 */
export function unetLoRATargets(config: FamilyConfig, set: TargetSet = 'attention'): LoRATarget[] {
  return unetAttentionBlocks(config.unet).flatMap((b) => blockTargets(config, b, set));
}

function textEncoderTargets(te: TextEncoderConfig, sdxl: boolean): LoRATarget[] {
  const d = te.hidden;
  const targets: LoRATarget[] = [];
  for (let i = 0; i < te.diffusersLayers; i++) {
    const at = `text_model.encoder.layers.${i}`;
    const rows: [string, number, number][] = [
      ...['q_proj', 'k_proj', 'v_proj', 'out_proj'].map((p): [string, number, number] => [
        `self_attn.${p}`,
        d,
        d,
      ]),
      ['mlp.fc1', d, te.mlp],
      ['mlp.fc2', te.mlp, d],
    ];
    for (const [tail, inFeatures, outFeatures] of rows) {
      const path = `${at}.${tail}`;
      targets.push({
        component: te.component,
        internalPath: path,
        ldmPath: path,
        kohyaStem: kohyaStem(te.component, path, sdxl),
        inFeatures,
        outFeatures,
      });
    }
  }
  return targets;
}

/** kohya's text-encoder targets (CLIPAttention + CLIPMLP Linears). @example textEncoderLoRATargets(FAMILIES.sd1).length === 72 */
export function textEncoderLoRATargets(config: FamilyConfig): LoRATarget[] {
  const sdxl = config.textEncoders.length > 1;
  return config.textEncoders.flatMap((te) => textEncoderTargets(te, sdxl));
}

/** Underscore form of a module path, the spelling every LoRA naming can be reduced to for matching. */
export function flatPath(path: string): string {
  return path.replaceAll('.', '_');
}
