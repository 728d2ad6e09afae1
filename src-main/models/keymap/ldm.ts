// Single-file (LDM/SGM) checkpoint layout of a family: component prefixes and every key with its shape.
// Follows docs/reference/checkpoint-formats.md#single-file-prefixes.
import type { FamilyConfig, TextEncoderConfig } from '../families';
import { clipKeys } from './clip';
import { openclipKeys } from './openclip';
import type { KeyShape } from './params';
import { unetKeys } from './unet';
import { vaeKeys } from './vae';

export type ComponentName = 'unet' | 'vae' | 'text_encoder' | 'text_encoder_2';

export const LDM_UNET_PREFIX = 'model.diffusion_model.';
export const LDM_VAE_PREFIX = 'first_stage_model.';

/** One component of a single file: its key prefix and its keys without that prefix. */
export interface ComponentKeys {
  component: ComponentName;
  prefix: string;
  keys: KeyShape[];
}

/** A text encoder's keys as stored in single files (HF names for CLIP-L, OpenCLIP names otherwise). */
export function textEncoderLdmKeys(config: TextEncoderConfig): KeyShape[] {
  return config.kind === 'clip'
    ? clipKeys(config, { layers: config.layers, projection: false })
    : openclipKeys(config);
}

/** The components of a family's single file. @example singleFileComponents(FAMILIES.sdxl).map((c) => c.prefix) */
export function singleFileComponents(config: FamilyConfig): ComponentKeys[] {
  return [
    { component: 'unet', prefix: LDM_UNET_PREFIX, keys: unetKeys(config.unet, 'ldm') },
    { component: 'vae', prefix: LDM_VAE_PREFIX, keys: vaeKeys(config.vae, 'ldm') },
    ...config.textEncoders.map((te) => ({
      component: te.component,
      prefix: te.ldmPrefix,
      keys: textEncoderLdmKeys(te),
    })),
  ];
}

/** Every key of a family's single file, prefixed. @example singleFileKeys(FAMILIES.sd1).length */
export function singleFileKeys(config: FamilyConfig): KeyShape[] {
  return singleFileComponents(config).flatMap((c) => c.keys.map((k) => ({ ...k, key: c.prefix + k.key })));
}

/** Which component a single-file key belongs to, or null for extras (EMA copies, schedules, markers). */
export function componentOfKey(config: FamilyConfig, key: string): ComponentName | null {
  const match = singleFilePrefixes(config).find(([prefix]) => key.startsWith(prefix));
  return match ? match[1] : null;
}

function singleFilePrefixes(config: FamilyConfig): [string, ComponentName][] {
  return [
    [LDM_UNET_PREFIX, 'unet'],
    [LDM_VAE_PREFIX, 'vae'],
    ...config.textEncoders.map((te): [string, ComponentName] => [te.ldmPrefix, te.component]),
  ];
}
