// Architecture from a single file's tensor names and shapes (ComfyUI model_detection.detect_unet_config):
// levels, channels, layers, attention and transformer depth per level, mid block, projection kind, added
// conditioning, text-encoder and VAE sizes. What weights do not store (head count, norm groups and eps,
// activations) comes from the family's defaults, overridden by a `tessera.architecture` metadata hint.
import { ArchitectureError } from './derive-diffusers';
import type { FamilyConfig, TextEncoderConfig, UNetConfig, VAEConfig } from './families';
import { LDM_UNET_PREFIX, LDM_VAE_PREFIX } from './keymap/ldm';

export type ShapeOf = (key: string) => readonly number[] | undefined;

/** Metadata key holding what the weights cannot say, as JSON `{unet?, vae?, text_encoder?, text_encoder_2?}`. */
export const ARCHITECTURE_HINT_KEY = 'tessera.architecture';

// The fields a hint may set: exactly those no tensor shape records.
const UNET_UNSTORED = [
  'headRule',
  'normGroups',
  'normEps',
  'transformerNormEps',
  'layerNormEps',
  'upcastAttention',
  'sampleSize',
] as const;
const VAE_UNSTORED = ['normGroups', 'normEps', 'scalingFactor', 'forceUpcast'] as const;
const TEXT_UNSTORED = ['heads', 'act', 'layerNormEps', 'outputLayer'] as const;

type Hint = Partial<Record<'unet' | 'vae' | 'text_encoder' | 'text_encoder_2', Record<string, unknown>>>;

function pick(from: Record<string, unknown> | undefined, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => from && k in from).map((k) => [k, from![k]]));
}

function parseHint(metadata: Readonly<Record<string, string>>): Hint {
  const text = metadata[ARCHITECTURE_HINT_KEY];
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Hint) : {};
  } catch (err) {
    throw new ArchitectureError(`metadata ${ARCHITECTURE_HINT_KEY} is not JSON: ${String(err)}`);
  }
}

/** The hint a writer stores so a single file says what its weights cannot. */
export function architectureHint(config: FamilyConfig): string {
  const hint: Hint = {
    unet: pick(config.unet as unknown as Record<string, unknown>, UNET_UNSTORED),
    vae: pick(config.vae as unknown as Record<string, unknown>, VAE_UNSTORED),
  };
  for (const te of config.textEncoders)
    hint[te.component] = pick(te as unknown as Record<string, unknown>, TEXT_UNSTORED);
  return JSON.stringify(hint);
}

const countOf = (shape: ShapeOf, key: (i: number) => string): number => {
  let n = 0;
  while (shape(key(n))) n++;
  return n;
};

function need(shape: ShapeOf, key: string, what: string): readonly number[] {
  const s = shape(key);
  if (!s) throw new ArchitectureError(`the ${what} has no tensor ${key}`);
  return s;
}

interface Block {
  out: number;
  depth: number;
  linear: boolean | null;
  context: number | null;
}

function attentionAt(shape: ShapeOf, at: string): Omit<Block, 'out'> {
  const projIn = shape(`${at}.proj_in.weight`);
  if (!projIn) return { depth: 0, linear: null, context: null };
  const depth = countOf(shape, (t) => `${at}.transformer_blocks.${t}.norm1.weight`);
  const context = shape(`${at}.transformer_blocks.0.attn2.to_k.weight`)?.[1] ?? null;
  return { depth, linear: projIn.length === 2, context };
}

/** Input blocks grouped by level: each a resblock (+ attention), levels split at the `op` downsamplers. */
function downLevels(shape: ShapeOf): Block[][] {
  const levels: Block[][] = [[]];
  for (let n = 1; ; n++) {
    const at = `${LDM_UNET_PREFIX}input_blocks.${n}`;
    if (shape(`${at}.0.op.weight`)) {
      levels.push([]);
      continue;
    }
    const out = shape(`${at}.0.out_layers.3.weight`)?.[0];
    if (out === undefined) break;
    levels[levels.length - 1].push({ out, ...attentionAt(shape, `${at}.1`) });
  }
  return levels;
}

function uniform<T>(values: T[], what: string): T {
  if (!values.every((v) => v === values[0]))
    throw new ArchitectureError(`the UNet's ${what} differ inside one level (${values.join(', ')})`);
  return values[0];
}

/** Transformer depth of each up-path attention block per level and layer; a level with attention needs it on every layer. */
function upPathDepths(shape: ShapeOf, attention: boolean[], L: number): number[][] {
  const levels = attention.length;
  const depths: number[][] = Array.from({ length: levels }, () => []);
  for (let k = 0; k < levels; k++) {
    const level = levels - 1 - k;
    for (let j = 0; j <= L; j++) {
      const at = `${LDM_UNET_PREFIX}output_blocks.${k * (L + 1) + j}`;
      need(shape, `${at}.0.out_layers.3.weight`, 'UNet');
      const d = attentionAt(shape, `${at}.1`).depth;
      if (d > 0 !== attention[level])
        throw new ArchitectureError(
          `the UNet's up path does not mirror its down path: ${at}.1 ${d ? 'has' : 'lacks'} attention, level ${level} ${attention[level] ? 'has' : 'lacks'} it`,
        );
      depths[level].push(d);
    }
  }
  const extra = `${LDM_UNET_PREFIX}output_blocks.${levels * (L + 1)}.0.out_layers.3.weight`;
  if (shape(extra)) throw new ArchitectureError(`the UNet has more output blocks than its down path needs`);
  return depths;
}

function midOf(shape: ShapeOf): { midBlock: boolean; depth: number; attn: Omit<Block, 'out'> } {
  const at = `${LDM_UNET_PREFIX}middle_block`;
  if (!shape(`${at}.0.in_layers.0.weight`))
    return { midBlock: false, depth: 0, attn: { depth: 0, linear: null, context: null } };
  const attn = attentionAt(shape, `${at}.1`);
  if (!attn.depth || !shape(`${at}.2.in_layers.0.weight`))
    throw new ArchitectureError('the UNet mid block is not ResBlock + SpatialTransformer + ResBlock');
  return { midBlock: true, depth: attn.depth, attn };
}

/**
 * The UNet config a single file's `model.diffusion_model.*` shapes describe; `defaults` supplies what no
 * shape records. @example unetFromKeys((k) => header.tensors.get(k)?.shape, FAMILIES.sd1.unet)
 */
export function unetFromKeys(shape: ShapeOf, defaults: UNetConfig): UNetConfig {
  const [c0, inChannels] = need(shape, `${LDM_UNET_PREFIX}input_blocks.0.0.weight`, 'UNet');
  const outChannels = need(shape, `${LDM_UNET_PREFIX}out.2.weight`, 'UNet')[0];
  const levels = downLevels(shape);
  if (levels.some((l) => l.length === 0))
    throw new ArchitectureError('the UNet has a level without ResBlocks');
  const L = uniform(
    levels.map((l) => l.length),
    'ResBlock counts',
  );
  const channels = levels.map((l, i) =>
    uniform(
      l.map((b) => b.out),
      `level ${i} widths`,
    ),
  );
  if (channels[0] !== c0)
    throw new ArchitectureError(
      `the UNet's conv_in makes ${c0} channels, its first level has ${channels[0]}`,
    );
  const depth = levels.map((l, i) =>
    uniform(
      l.map((b) => b.depth),
      `level ${i} transformer depths`,
    ),
  );
  const attention = depth.map((d) => d > 0);
  const up = upPathDepths(shape, attention, L);
  const mirrored = up.every((layers, level) => layers.every((d) => d === depth[level]));
  const mid = midOf(shape);
  const blocks = [...levels.flat(), { out: 0, ...mid.attn }].filter((b) => b.depth > 0);
  const label = shape(`${LDM_UNET_PREFIX}label_emb.0.0.weight`);
  const addition = defaults.addition;
  if (label && !addition)
    throw new ArchitectureError('the UNet has label_emb, its family has no added conditioning');
  return {
    ...defaults,
    inChannels,
    outChannels,
    blockOutChannels: channels,
    layersPerBlock: L,
    attention,
    transformerDepth: depth,
    ...(mirrored ? {} : { upTransformerDepth: up }),
    midBlock: mid.midBlock,
    midTransformerDepth: mid.depth,
    headRule: defaults.headRule,
    crossAttentionDim: blocks[0]?.context ?? defaults.crossAttentionDim,
    useLinearProjection: blocks[0]?.linear ?? defaults.useLinearProjection,
    addition: label && addition ? { ...addition, inputDim: label[1] } : null,
  };
}

/** The VAE config of a single file's `first_stage_model.*` shapes. */
export function vaeFromKeys(shape: ShapeOf, defaults: VAEConfig): VAEConfig {
  const P = LDM_VAE_PREFIX;
  const inChannels = need(shape, `${P}encoder.conv_in.weight`, 'VAE')[1];
  const levels = countOf(shape, (i) => `${P}encoder.down.${i}.block.0.conv2.weight`);
  const channels = Array.from(
    { length: levels },
    (_, i) => shape(`${P}encoder.down.${i}.block.0.conv2.weight`)![0],
  );
  const L = countOf(shape, (j) => `${P}encoder.down.0.block.${j}.conv2.weight`);
  const decoderL = countOf(shape, (j) => `${P}decoder.up.0.block.${j}.conv2.weight`);
  if (!levels || decoderL !== L + 1)
    throw new ArchitectureError(
      `the VAE has ${L} encoder and ${decoderL} decoder ResBlocks per level (want n and n+1)`,
    );
  return {
    ...defaults,
    inChannels,
    outChannels: need(shape, `${P}decoder.conv_out.weight`, 'VAE')[0],
    latentChannels: need(shape, `${P}decoder.conv_in.weight`, 'VAE')[1],
    blockOutChannels: channels,
    layersPerBlock: L,
  };
}

/** A text encoder's sizes from its single-file tensors (HF CLIP or OpenCLIP names under its prefix). */
export function textEncoderFromKeys(shape: ShapeOf, defaults: TextEncoderConfig): TextEncoderConfig {
  const p = defaults.ldmPrefix;
  const clip = defaults.kind === 'clip';
  const what = `${defaults.component} (${p})`;
  const tokens = need(
    shape,
    clip ? `${p}text_model.embeddings.token_embedding.weight` : `${p}token_embedding.weight`,
    what,
  );
  const positions = need(
    shape,
    clip ? `${p}text_model.embeddings.position_embedding.weight` : `${p}positional_embedding`,
    what,
  );
  const layerKey = (i: number) =>
    clip
      ? `${p}text_model.encoder.layers.${i}.mlp.fc1.weight`
      : `${p}transformer.resblocks.${i}.mlp.c_fc.weight`;
  const layers = countOf(shape, layerKey);
  if (!layers) throw new ArchitectureError(`the ${what} has no encoder layers`);
  const projection = clip ? null : (shape(`${p}text_projection`)?.[1] ?? null);
  return {
    ...defaults,
    hidden: tokens[1],
    vocab: tokens[0],
    maxPositions: positions[0],
    layers,
    diffusersLayers: layers - (defaults.layers - defaults.diffusersLayers),
    mlp: shape(layerKey(0))![0],
    projectionDim: clip ? defaults.projectionDim : projection,
  };
}

/** `defaults` with the hint's unstored fields for one component applied. */
function hinted<T extends object>(
  defaults: T,
  hint: Record<string, unknown> | undefined,
  keys: readonly string[],
): T {
  return { ...defaults, ...pick(hint, keys) } as T;
}

/**
 * The whole architecture of a single file: `row` is the family-table config detection chose (names, labels,
 * defaults); every size comes from the shapes. Throws `ArchitectureError` when a part cannot be built.
 * @example architectureFromKeys((k) => header.tensors.get(k)?.shape, header.metadata, FAMILIES.sd1)
 */
export function architectureFromKeys(
  shape: ShapeOf,
  metadata: Readonly<Record<string, string>>,
  row: FamilyConfig,
): FamilyConfig {
  const hint = parseHint(metadata);
  const unet = unetFromKeys(shape, hinted(row.unet, hint.unet, UNET_UNSTORED));
  const vae = shape(`${LDM_VAE_PREFIX}encoder.conv_in.weight`)
    ? vaeFromKeys(shape, hinted(row.vae, hint.vae, VAE_UNSTORED))
    : hinted(row.vae, hint.vae, VAE_UNSTORED);
  const textEncoders = row.textEncoders.map((te) => {
    const defaults = hinted(te, hint[te.component], TEXT_UNSTORED);
    const present =
      te.kind === 'clip'
        ? `${te.ldmPrefix}text_model.embeddings.token_embedding.weight`
        : `${te.ldmPrefix}token_embedding.weight`;
    return shape(present) ? textEncoderFromKeys(shape, defaults) : defaults;
  });
  return { ...row, unet, vae, textEncoders };
}
