// OpenCLIP text-tower names (`transformer.resblocks.i.attn.in_proj_weight`, SD2 and SDXL's bigG) and their
// map to HF CLIP names: in_proj split into q/k/v rows, text_projection transposed, unused keys dropped.
// Follows docs/reference/checkpoint-formats.md#text-encoder-keys (diffusers/ComfyUI OpenCLIP → HF rules).
import type { TextEncoderConfig } from '../families';
import type { KeyShape, ParamKind } from './params';

/** How an OpenCLIP tensor becomes an HF tensor: whole, a row slice [start, end), or transposed. */
export interface OpenCLIPPart {
  hf: string;
  hfShape: number[];
  rows?: [number, number];
  transpose?: boolean;
}

export interface OpenCLIPParam {
  key: string;
  shape: number[];
  kind: ParamKind;
  /** Empty when diffusers drops the tensor (SD2's last block, logit_scale, SD2's projection). */
  parts: OpenCLIPPart[];
}

function whole(key: string, hf: string, shape: number[], kind: ParamKind): OpenCLIPParam {
  return { key, shape, kind, parts: [{ hf, hfShape: shape }] };
}

function resblock(config: TextEncoderConfig, i: number, kept: boolean): OpenCLIPParam[] {
  const d = config.hidden;
  const at = `transformer.resblocks.${i}`;
  const hf = `text_model.encoder.layers.${i}`;
  const qkv = ['q_proj', 'k_proj', 'v_proj'];
  const split = (suffix: 'weight' | 'bias'): OpenCLIPPart[] =>
    qkv.map((q, n) => ({
      hf: `${hf}.self_attn.${q}.${suffix}`,
      hfShape: suffix === 'weight' ? [d, d] : [d],
      rows: [n * d, (n + 1) * d] as [number, number],
    }));
  const params: OpenCLIPParam[] = [
    whole(`${at}.ln_1.weight`, `${hf}.layer_norm1.weight`, [d], 'norm-weight'),
    whole(`${at}.ln_1.bias`, `${hf}.layer_norm1.bias`, [d], 'norm-bias'),
    { key: `${at}.attn.in_proj_weight`, shape: [3 * d, d], kind: 'weight', parts: split('weight') },
    { key: `${at}.attn.in_proj_bias`, shape: [3 * d], kind: 'bias', parts: split('bias') },
    whole(`${at}.attn.out_proj.weight`, `${hf}.self_attn.out_proj.weight`, [d, d], 'weight'),
    whole(`${at}.attn.out_proj.bias`, `${hf}.self_attn.out_proj.bias`, [d], 'bias'),
    whole(`${at}.ln_2.weight`, `${hf}.layer_norm2.weight`, [d], 'norm-weight'),
    whole(`${at}.ln_2.bias`, `${hf}.layer_norm2.bias`, [d], 'norm-bias'),
    whole(`${at}.mlp.c_fc.weight`, `${hf}.mlp.fc1.weight`, [config.mlp, d], 'weight'),
    whole(`${at}.mlp.c_fc.bias`, `${hf}.mlp.fc1.bias`, [config.mlp], 'bias'),
    whole(`${at}.mlp.c_proj.weight`, `${hf}.mlp.fc2.weight`, [d, config.mlp], 'weight'),
    whole(`${at}.mlp.c_proj.bias`, `${hf}.mlp.fc2.bias`, [d], 'bias'),
  ];
  return kept ? params : params.map((p) => ({ ...p, parts: [] }));
}

/** Every OpenCLIP text parameter (no prefix) with the HF tensors it becomes in a diffusers folder. */
export function openclipParams(config: TextEncoderConfig): OpenCLIPParam[] {
  const d = config.hidden;
  const params: OpenCLIPParam[] = [
    whole(
      'token_embedding.weight',
      'text_model.embeddings.token_embedding.weight',
      [config.vocab, d],
      'embedding',
    ),
    whole(
      'positional_embedding',
      'text_model.embeddings.position_embedding.weight',
      [config.maxPositions, d],
      'embedding',
    ),
  ];
  for (let i = 0; i < config.layers; i++) params.push(...resblock(config, i, i < config.diffusersLayers));
  params.push(whole('ln_final.weight', 'text_model.final_layer_norm.weight', [d], 'norm-weight'));
  params.push(whole('ln_final.bias', 'text_model.final_layer_norm.bias', [d], 'norm-bias'));
  if (config.projectionDim !== null) {
    // OpenCLIP applies x @ P with P [d, proj]; HF Linear stores [proj, d].
    const p = config.projectionDim;
    const parts = config.diffusersProjection
      ? [{ hf: 'text_projection.weight', hfShape: [p, d], transpose: true }]
      : [];
    params.push({ key: 'text_projection', shape: [d, p], kind: 'weight', parts });
  }
  params.push({ key: 'logit_scale', shape: [], kind: 'scalar', parts: [] });
  return params;
}

/** OpenCLIP keys (no prefix) as stored in single files. @example openclipKeys(FAMILIES.sd2.textEncoders[0]) */
export function openclipKeys(config: TextEncoderConfig): KeyShape[] {
  return openclipParams(config).map(({ key, shape, kind }) => ({ key, shape, kind }));
}

/** HF name → the OpenCLIP key (and row slice / transpose) it comes from. @example hfToOpenCLIP(cfg).get('text_projection.weight') */
export function hfToOpenCLIP(config: TextEncoderConfig): Map<string, { openclip: string } & OpenCLIPPart> {
  const map = new Map<string, { openclip: string } & OpenCLIPPart>();
  for (const param of openclipParams(config)) {
    for (const part of param.parts) map.set(part.hf, { openclip: param.key, ...part });
  }
  return map;
}
