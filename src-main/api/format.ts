// How model facts read to people, shared by the CLI and the renderer so both say "859.5 M" the same way.
// Pure functions over contract DTOs; imports types only.
import type { ComponentInfo, ModelLayout } from './contract';

/** @example formatParams(859_520_964) // '859.5 M'; formatParams(2_567_463_684) // '2.57 B' */
export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/** Binary units, as file managers on Linux and Windows show them. @example formatBytes(2_132_625_894) // '1.99 GiB' */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

/** `{ F16: 686, F32: 2 }` → 'F16 ×686, F32 ×2', most common first. */
export function formatDtypes(dtypes: Record<string, number>): string {
  return Object.entries(dtypes)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([dtype, count]) => `${dtype} ×${count}`)
    .join(', ');
}

export const COMPONENT_LABELS: Readonly<Record<ComponentInfo['name'], string>> = {
  unet: 'UNet',
  vae: 'VAE',
  text_encoder: 'Text encoder',
  text_encoder_2: 'Text encoder 2',
};

export const LAYOUT_LABELS: Readonly<Record<ModelLayout, string>> = {
  'single-file': 'Single file',
  diffusers: 'Diffusers folder',
  lora: 'LoRA adapter',
};

export const PREDICTION_LABELS: Readonly<Record<'epsilon' | 'v' | 'unknown', string>> = {
  epsilon: 'ε (epsilon)',
  v: 'v-prediction',
  unknown: 'unknown',
};
