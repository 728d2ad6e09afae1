// What a file that is no SD1/SD2/SDXL checkpoint is, in one line each (SD3, FLUX, ControlNet, embeddings, a
// lone VAE or text encoder): detect.ts consults this table only when no family signature matched.
import type { CheckpointStructure, Signature } from './signature';

const anyKey = (s: CheckpointStructure, pattern: RegExp) => s.keys.some((k) => pattern.test(k));

/** What a file that is no SD1/SD2/SDXL checkpoint is, in one line (checked only when no family matched). */
export const OTHER_MODEL_SIGNATURES: readonly Signature<string, CheckpointStructure>[] = [
  {
    value: 'a Stable Diffusion 3 model (MMDiT transformer, not a UNet)',
    test: (s) => anyKey(s, /(^|\.)joint_blocks\.0\.context_block\./),
    says: 'joint_blocks.*.context_block → SD3 MMDiT',
  },
  {
    value: 'a FLUX model (a transformer with double and single stream blocks, not a UNet)',
    test: (s) => anyKey(s, /(^|\.)double_blocks\.0\.img_attn\.|(^|\.)single_transformer_blocks\.0\./),
    says: 'double_blocks.*.img_attn / single_transformer_blocks → FLUX',
  },
  {
    value: 'a ControlNet (it steers a base model; it is not one)',
    test: (s) => anyKey(s, /(^|\.)input_hint_block\.0\.|^controlnet_cond_embedding\./),
    says: 'input_hint_block / controlnet_cond_embedding → ControlNet',
  },
  {
    value: 'a textual-inversion embedding',
    test: (s) =>
      s.keys.length <= 4 &&
      s.keys.some((k) => ['emb_params', 'clip_l', 'clip_g', 'string_to_param.*'].includes(k)),
    says: 'a handful of embedding vectors → textual inversion',
  },
  {
    value: 'a VAE on its own (no UNet or text encoder)',
    test: (s) => s.has('encoder.conv_in.weight') && s.has('decoder.conv_out.weight'),
    says: 'encoder./decoder. keys without prefixes → standalone VAE',
  },
  {
    value: 'a text encoder on its own (no UNet or VAE)',
    test: (s) => anyKey(s, /^(text_model\.)?embeddings\.token_embedding\.weight$|^token_embedding\.weight$/),
    says: 'text-model keys without a UNet → standalone text encoder',
  },
];
