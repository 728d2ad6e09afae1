// The one typed contract between the UI (Electron IPC or web mode) and the core services.
// Plain DTOs only: this file imports nothing, so preload, renderer, server and CLI can all use it.

/** Stable Diffusion families Tessera knows; `unknown` when no signature matched. */
export type ModelFamily = 'sd1' | 'sd2' | 'sd2-v' | 'sdxl' | 'sdxl-refiner' | 'unknown';

export type ModelLayout = 'single-file' | 'diffusers' | 'lora';

export type LoRANaming = 'kohya' | 'peft' | 'diffusers' | 'legacy-diffusers';

export interface ComponentInfo {
  name: 'unet' | 'vae' | 'text_encoder' | 'text_encoder_2';
  present: boolean;
  tensors: number;
  params: number;
  /** Count of tensors per safetensors dtype, e.g. `{ F16: 686 }`. */
  dtypes: Record<string, number>;
}

export interface LoRAInfo {
  naming: LoRANaming;
  /** Base family the adapter was trained for, from its module names and shapes. */
  family: ModelFamily;
  rank: number | null;
  alpha: number | null;
  /** Number of adapted modules (one per down/up pair). */
  modules: number;
  /** Adapted UNet / text-encoder modules. */
  targets: { unet: number; textEncoder: number };
}

export interface ModelInfo {
  path: string;
  layout: ModelLayout;
  family: ModelFamily;
  /** Human label, e.g. "Stable Diffusion XL (base)". */
  familyLabel: string;
  variant: 'normal' | 'inpaint' | 'ip2p';
  prediction: 'epsilon' | 'v' | 'unknown';
  /** Why detection decided what it did, one line per clue. */
  evidence: string[];
  components: ComponentInfo[];
  totalParams: number;
  tensorCount: number;
  fileBytes: number;
  dtypes: Record<string, number>;
  lora: LoRAInfo | null;
  metadata: Record<string, string>;
  warnings: string[];
}
