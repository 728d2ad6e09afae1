// Architecture from a diffusers folder: UNet, VAE and text-encoder configs read from their config.json files,
// with diffusers' own defaults for absent fields (UNet2DConditionModel, AutoencoderKL, transformers
// CLIPTextConfig). Anything the graph code cannot build is refused here with the field that says so.
import type { TextEncoderConfig, UNetConfig, VAEConfig, HeadRule } from './families';

type Json = Readonly<Record<string, unknown>>;

/** A model whose architecture Tessera cannot build; the message names the file and field. */
export class ArchitectureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchitectureError';
  }
}

const WHERE_UNET = 'unet/config.json';

function field<T>(j: Json, where: string, key: string, fallback: T, ok: (v: unknown) => boolean): T {
  const v = j[key];
  if (v === undefined || v === null) return fallback;
  if (!ok(v)) throw new ArchitectureError(`${where}: ${key} = ${JSON.stringify(v)} is not supported`);
  return v as T;
}

const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
const isIntList = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every(isInt);
const isBool = (v: unknown) => typeof v === 'boolean';

// Fields whose other values change the graph in ways unet.ts does not build; [field, the value it builds].
const UNET_FIXED: readonly [string, unknown][] = [
  ['act_fn', 'silu'],
  ['flip_sin_to_cos', true],
  ['freq_shift', 0],
  ['time_embedding_type', 'positional'],
  ['resnet_time_scale_shift', 'default'],
  ['center_input_sample', false],
  ['class_embed_type', null],
  ['num_class_embeds', null],
  ['encoder_hid_dim', null],
  ['time_embedding_dim', null],
  ['time_cond_proj_dim', null],
  ['timestep_post_act', null],
  ['dual_cross_attention', false],
  ['only_cross_attention', false],
  ['attention_type', 'default'],
  ['conv_in_kernel', 3],
  ['conv_out_kernel', 3],
  ['downsample_padding', 1],
  ['mid_block_scale_factor', 1],
];

function checkFixed(j: Json, where: string, table: readonly [string, unknown][]): void {
  for (const [key, want] of table) {
    const v = j[key];
    if (v === undefined || v === null || v === want) continue;
    throw new ArchitectureError(
      `${where}: ${key} = ${JSON.stringify(v)} is not supported (Tessera builds ${JSON.stringify(want)})`,
    );
  }
}

/** Per-level list from a number or a list of the right length. */
function perLevel(j: Json, key: string, fallback: number, levels: number): number[] {
  const v = field<number | number[]>(j, WHERE_UNET, key, fallback, (x) => isInt(x) || isIntList(x));
  if (typeof v === 'number') return Array<number>(levels).fill(v);
  if (v.length !== levels)
    throw new ArchitectureError(`${WHERE_UNET}: ${key} has ${v.length} entries for ${levels} levels`);
  return v;
}

const isDepthList = (x: unknown): x is (number | number[])[] =>
  Array.isArray(x) && x.every((d) => isInt(d) || isIntList(d));

/** Down-path depth per level; a per-layer list inside a level (asymmetric UNets) must repeat one depth. */
function downDepths(j: Json, levels: number): number[] {
  const raw = j.transformer_layers_per_block;
  if (!Array.isArray(raw) || !raw.some(Array.isArray))
    return perLevel(j, 'transformer_layers_per_block', 1, levels);
  if (!isDepthList(raw) || raw.length !== levels)
    throw new ArchitectureError(
      `${WHERE_UNET}: transformer_layers_per_block = ${JSON.stringify(raw)} is not supported`,
    );
  return raw.map((d, i) => {
    const layers = typeof d === 'number' ? [d] : d;
    if (!layers.every((x) => x === layers[0]))
      throw new ArchitectureError(
        `${WHERE_UNET}: transformer_layers_per_block gives level ${i} the depths ${layers.join(', ')}; Tessera builds one depth per down level`,
      );
    return layers[0];
  });
}

/**
 * Up-path depth per level (level order) and layer from `reverse_transformer_layers_per_block` (up-block order,
 * SSD-1B and Segmind Vega); null when the up path mirrors the down path.
 */
function upDepths(j: Json, levels: number, layersPerBlock: number): number[][] | null {
  const raw = j.reverse_transformer_layers_per_block;
  if (raw === undefined || raw === null) return null;
  if (!isDepthList(raw) || raw.length !== levels)
    throw new ArchitectureError(
      `${WHERE_UNET}: reverse_transformer_layers_per_block = ${JSON.stringify(raw)} is not a depth per up block`,
    );
  const perLayer = raw.map((d) => (typeof d === 'number' ? Array<number>(layersPerBlock + 1).fill(d) : d));
  if (perLayer.some((d) => d.length !== layersPerBlock + 1))
    throw new ArchitectureError(
      `${WHERE_UNET}: reverse_transformer_layers_per_block needs ${layersPerBlock + 1} depths per up block`,
    );
  return perLayer.reverse();
}

/** The up depths only where they differ from the down path, so both layouts derive the same config. */
function mirrorOrOwn(
  up: number[][] | null,
  depth: number[],
  attention: boolean[],
): { upTransformerDepth?: number[][] } {
  const own = up?.map((layers, i) => layers.map((d) => (attention[i] ? d : 0)));
  const mirrored = !own || own.every((layers, i) => layers.every((d) => d === (attention[i] ? depth[i] : 0)));
  return mirrored ? {} : { upTransformerDepth: own };
}

/** A head count per level → the simplest rule that says the same (SD1 count, SD2/SDXL width, or a list). */
export function headRuleOf(heads: number | readonly number[], channels: readonly number[]): HeadRule {
  if (typeof heads === 'number') return { kind: 'heads', heads };
  const widths = channels.map((c, i) => c / heads[i]);
  if (widths.every((w) => Number.isInteger(w) && w === widths[0]))
    return { kind: 'headDim', headDim: widths[0] };
  return { kind: 'levels', heads: [...heads] };
}

function blockKinds(j: Json, channels: readonly number[]): boolean[] {
  const down = field<string[]>(
    j,
    WHERE_UNET,
    'down_block_types',
    ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
    Array.isArray,
  );
  if (down.length !== channels.length)
    throw new ArchitectureError(
      `${WHERE_UNET}: ${down.length} down blocks for ${channels.length} block_out_channels`,
    );
  const attention = down.map((t) => {
    if (t === 'CrossAttnDownBlock2D') return true;
    if (t === 'DownBlock2D') return false;
    throw new ArchitectureError(`${WHERE_UNET}: down block type ${t} is not supported`);
  });
  const mirror = [...attention].reverse().map((a) => (a ? 'CrossAttnUpBlock2D' : 'UpBlock2D'));
  const up = field<string[]>(j, WHERE_UNET, 'up_block_types', mirror, Array.isArray);
  if (JSON.stringify(up) !== JSON.stringify(mirror))
    throw new ArchitectureError(
      `${WHERE_UNET}: up_block_types ${JSON.stringify(up)} do not mirror the down blocks (${JSON.stringify(mirror)})`,
    );
  return attention;
}

function midBlockOf(j: Json): boolean {
  if (!('mid_block_type' in j)) return true;
  const t = j.mid_block_type;
  if (t === null) return false;
  if (t === 'UNetMidBlock2DCrossAttn') return true;
  throw new ArchitectureError(`${WHERE_UNET}: mid_block_type ${JSON.stringify(t)} is not supported`);
}

function additionOf(j: Json): UNetConfig['addition'] {
  const type = field<string | null>(j, WHERE_UNET, 'addition_embed_type', null, (v) => v === 'text_time');
  if (type === null) return null;
  return {
    type: 'text_time',
    timeEmbedDim: field(j, WHERE_UNET, 'addition_time_embed_dim', 256, isInt),
    inputDim: field(j, WHERE_UNET, 'projection_class_embeddings_input_dim', 2816, isInt),
  };
}

/**
 * The UNet config a diffusers `unet/config.json` describes (diffusers defaults for absent fields).
 * @example unetFromDiffusers({ block_out_channels: [32, 64], down_block_types: ['CrossAttnDownBlock2D', 'DownBlock2D'], … })
 */
export function unetFromDiffusers(j: Json): UNetConfig {
  checkFixed(j, WHERE_UNET, UNET_FIXED);
  const channels = field<number[]>(j, WHERE_UNET, 'block_out_channels', [320, 640, 1280, 1280], isIntList);
  const levels = channels.length;
  const attention = blockKinds(j, channels);
  const layers = perLevel(j, 'layers_per_block', 2, levels);
  if (!layers.every((l) => l === layers[0]))
    throw new ArchitectureError(`${WHERE_UNET}: layers_per_block differs per level (${layers.join(', ')})`);
  const depth = downDepths(j, levels);
  const up = upDepths(j, levels, layers[0]);
  const heads = j.num_attention_heads ?? j.attention_head_dim ?? 8;
  if (!(isInt(heads) || isIntList(heads)) || (Array.isArray(heads) && heads.length !== levels))
    throw new ArchitectureError(
      `${WHERE_UNET}: attention_head_dim = ${JSON.stringify(heads)} is not supported`,
    );
  const midBlock = midBlockOf(j);
  return {
    inChannels: field(j, WHERE_UNET, 'in_channels', 4, isInt),
    outChannels: field(j, WHERE_UNET, 'out_channels', 4, isInt),
    blockOutChannels: channels,
    layersPerBlock: layers[0],
    attention,
    transformerDepth: depth.map((d, i) => (attention[i] ? d : 0)),
    ...mirrorOrOwn(up, depth, attention),
    midBlock,
    // NOTE: diffusers gives the mid block the last level's depth and head count.
    midTransformerDepth: midBlock ? depth[levels - 1] : 0,
    headRule: headRuleOf(heads as number | number[], channels),
    crossAttentionDim: field(j, WHERE_UNET, 'cross_attention_dim', 1280, isInt),
    useLinearProjection: field(j, WHERE_UNET, 'use_linear_projection', false, isBool),
    upcastAttention: field(j, WHERE_UNET, 'upcast_attention', false, isBool),
    addition: additionOf(j),
    normGroups: field(j, WHERE_UNET, 'norm_num_groups', 32, isInt),
    normEps: field(j, WHERE_UNET, 'norm_eps', 1e-5, isNum),
    transformerNormEps: 1e-6,
    layerNormEps: 1e-5,
    sampleSize: field(j, WHERE_UNET, 'sample_size', 64, isInt),
  };
}

/**
 * The VAE config a diffusers `vae/config.json` describes (AutoencoderKL defaults for absent fields);
 * `fallback` supplies what the file leaves out and diffusers would default differently per family.
 * @example vaeFromDiffusers(JSON.parse(text), FAMILIES.sd1.vae).blockOutChannels
 */
export function vaeFromDiffusers(j: Json, fallback: VAEConfig): VAEConfig {
  const where = 'vae/config.json';
  checkFixed(j, where, [
    ['act_fn', 'silu'],
    ['mid_block_add_attention', true],
    ['use_quant_conv', true],
    ['use_post_quant_conv', true],
  ]);
  const channels = field<number[]>(j, where, 'block_out_channels', [64], isIntList);
  for (const key of ['down_block_types', 'up_block_types'] as const) {
    const want = key === 'down_block_types' ? 'DownEncoderBlock2D' : 'UpDecoderBlock2D';
    const types = field<string[]>(j, where, key, Array<string>(channels.length).fill(want), Array.isArray);
    if (types.length !== channels.length || types.some((t) => t !== want))
      throw new ArchitectureError(`${where}: ${key} ${JSON.stringify(types)} is not supported`);
  }
  return {
    inChannels: field(j, where, 'in_channels', 3, isInt),
    outChannels: field(j, where, 'out_channels', 3, isInt),
    latentChannels: field(j, where, 'latent_channels', 4, isInt),
    blockOutChannels: channels,
    layersPerBlock: field(j, where, 'layers_per_block', 1, isInt),
    normGroups: field(j, where, 'norm_num_groups', 32, isInt),
    normEps: fallback.normEps,
    scalingFactor: field(j, where, 'scaling_factor', 0.18215, isNum),
    forceUpcast: field(j, where, 'force_upcast', fallback.forceUpcast, isBool),
  };
}

/**
 * A text encoder's config from its `config.json` (transformers CLIPTextConfig). `fallback` (the family's
 * encoder in that folder) supplies the single-file naming and which hidden state conditions the UNet.
 * @example textEncoderFromDiffusers(JSON.parse(text), FAMILIES.sd1.textEncoders[0]).hidden
 */
export function textEncoderFromDiffusers(j: Json, fallback: TextEncoderConfig): TextEncoderConfig {
  const where = `${fallback.component}/config.json`;
  const arch = Array.isArray(j.architectures) ? (j.architectures as unknown[]) : [];
  const withProjection = arch.includes('CLIPTextModelWithProjection');
  const layers = field(j, where, 'num_hidden_layers', 12, isInt);
  const hidden = field(j, where, 'hidden_size', 512, isInt);
  const act = field<string>(j, where, 'hidden_act', 'quick_gelu', (v) => v === 'quick_gelu' || v === 'gelu');
  return {
    ...fallback,
    hidden,
    // NOTE: SD2's folder drops the last OpenCLIP block; `layers` counts the single-file blocks.
    layers: layers + (fallback.layers - fallback.diffusersLayers),
    diffusersLayers: layers,
    heads: field(j, where, 'num_attention_heads', 8, isInt),
    mlp: field(j, where, 'intermediate_size', 2048, isInt),
    act: act as TextEncoderConfig['act'],
    vocab: field(j, where, 'vocab_size', 49408, isInt),
    maxPositions: field(j, where, 'max_position_embeddings', 77, isInt),
    projectionDim: withProjection ? field(j, where, 'projection_dim', hidden, isInt) : fallback.projectionDim,
    diffusersProjection: withProjection,
    layerNormEps: field(j, where, 'layer_norm_eps', 1e-5, isNum),
  };
}
