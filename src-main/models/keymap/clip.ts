// HF CLIPTextModel parameter names (`text_model.…`), the layout of diffusers `text_encoder*/` folders and of
// CLIP-L inside single files. Follows docs/reference/checkpoint-formats.md#text-encoder-keys.
import type { TextEncoderConfig } from '../families';
import type { KeyShape } from './params';

function linear(keys: KeyShape[], name: string, out: number, inp: number): void {
  keys.push({ key: `${name}.weight`, shape: [out, inp], kind: 'weight' });
  keys.push({ key: `${name}.bias`, shape: [out], kind: 'bias' });
}

function layerNorm(keys: KeyShape[], name: string, d: number): void {
  keys.push({ key: `${name}.weight`, shape: [d], kind: 'norm-weight' });
  keys.push({ key: `${name}.bias`, shape: [d], kind: 'norm-bias' });
}

/** HF names of one encoder layer (`text_model.encoder.layers.i.…`). */
export function clipLayerKeys(config: TextEncoderConfig, i: number): KeyShape[] {
  const keys: KeyShape[] = [];
  const d = config.hidden;
  const at = `text_model.encoder.layers.${i}`;
  for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj'])
    linear(keys, `${at}.self_attn.${proj}`, d, d);
  layerNorm(keys, `${at}.layer_norm1`, d);
  linear(keys, `${at}.mlp.fc1`, config.mlp, d);
  linear(keys, `${at}.mlp.fc2`, d, config.mlp);
  layerNorm(keys, `${at}.layer_norm2`, d);
  return keys;
}

/**
 * HF CLIP text-model keys. `layers` and `projection` default to the diffusers folder's choices.
 * @example clipKeys(FAMILIES.sd1.textEncoders[0]).length === 196
 */
export function clipKeys(
  config: TextEncoderConfig,
  options: { layers?: number; projection?: boolean } = {},
): KeyShape[] {
  const layers = options.layers ?? config.diffusersLayers;
  const projection = options.projection ?? config.diffusersProjection;
  const d = config.hidden;
  const keys: KeyShape[] = [
    { key: 'text_model.embeddings.token_embedding.weight', shape: [config.vocab, d], kind: 'embedding' },
    {
      key: 'text_model.embeddings.position_embedding.weight',
      shape: [config.maxPositions, d],
      kind: 'embedding',
    },
  ];
  for (let i = 0; i < layers; i++) keys.push(...clipLayerKeys(config, i));
  layerNorm(keys, 'text_model.final_layer_norm', d);
  if (projection && config.projectionDim !== null) {
    keys.push({ key: 'text_projection.weight', shape: [config.projectionDim, d], kind: 'weight' });
  }
  return keys;
}
