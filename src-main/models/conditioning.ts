// Prompt → UNet conditioning per family: A1111 75-token chunks encoded separately and joined along tokens, SDXL's
// two encoders joined on channels, the pooled SDXL vector, clip skip, and SGM's zeroed empty negative prompt
// (A1111 `sd_hijack_clip.py`, `sd_models_xl.py`; kohya `get_hidden_states`; SGM `GeneralConditioner`).
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Graph, liveOrder, type Node } from '../engine';
import { compileGraph, type CompileOptions } from '../engine/runtime/compile';
import type { Feed, Session } from '../engine/runtime/session';
import type { FamilyConfig, TextEncoderConfig } from './families';
import type { ComponentName } from './keymap/ldm';
import { buildTextEncoder, type TextParamSource } from './text-encoder';
import { TOKENIZER_SPECS, tokenizeForCLIP, type CLIPTokenizer } from './tokenizer';
import { componentOf, type OpenedCheckpoint } from './weights';
import { usageProblems } from './architecture';
import { ArchitectureError } from './derive-diffusers';

/** How a family turns encoder states into conditioning. */
export interface FamilyConditioning {
  /**
   * `final_layer_norm` on the chosen hidden state. SD1: HF `last_hidden_state`, and A1111/kohya clip skip re-apply
   * it to earlier layers. SD2: LDM `FrozenOpenCLIPEmbedder` applies `ln_final` after the penultimate block (the
   * diffusers folder keeps 23 blocks and returns `last_hidden_state`: the same numbers). SDXL: SGM's embedders and
   * diffusers take `hidden_states[-2]` raw, for both encoders.
   */
  finalNorm: boolean;
  /**
   * Whether clip skip moves the layer. SD1/SD2 follow kohya (`hidden_states[-clip_skip]` of the diffusers model,
   * for SD2 the 23-block one). SDXL ignores it as kohya and A1111 (without `sdxl_clip_l_skip`) do; ComfyUI's -2
   * equals SDXL's default.
   */
  clipSkip: boolean;
  /** An empty negative prompt becomes zeros (SGM `force_zero_embeddings=['txt']`, A1111 `sd_models_xl`). */
  zeroEmptyNegative: boolean;
}

const CLASSIC: FamilyConditioning = { finalNorm: true, clipSkip: true, zeroEmptyNegative: false };
const XL: FamilyConditioning = { finalNorm: false, clipSkip: false, zeroEmptyNegative: true };

export const CONDITIONING: Readonly<Record<FamilyConfig['family'], FamilyConditioning>> = {
  sd1: CLASSIC,
  sd2: CLASSIC,
  'sd2-v': CLASSIC,
  sdxl: XL,
  'sdxl-refiner': XL,
};

/** Graph input name of each encoder's token ids. */
export const IDS_INPUT: Readonly<Record<TextEncoderConfig['component'], string>> = {
  text_encoder: 'input_ids',
  text_encoder_2: 'input_ids_2',
};

/**
 * The hidden-state index (negative, from the end) an encoder contributes under a clip skip setting (1 = none).
 * @example conditioningLayer(FAMILIES.sd1, FAMILIES.sd1.textEncoders[0], 2) === -2
 */
export function conditioningLayer(config: FamilyConfig, te: TextEncoderConfig, clipSkip = 1): number {
  if (!Number.isInteger(clipSkip) || clipSkip < 1 || clipSkip > te.layers)
    throw new Error(`clip skip must be an integer from 1 to ${te.layers}, got ${clipSkip}`);
  return CONDITIONING[config.family].clipSkip ? te.outputLayer - (clipSkip - 1) : te.outputLayer;
}

export interface ConditioningGraph {
  /** [N, T, Σ hidden]: the encoders' states joined on channels. */
  context: Node;
  /** [N, projectionDim] from the encoder that keeps its projection (SDXL bigG). */
  pooled?: Node;
}

/**
 * Every text encoder of a family on its own ids input ({@link IDS_INPUT}, i32 [N, 77]).
 * @example const { context } = buildConditioning(g, ckpt.config, (c) => componentOf(ckpt, c))
 */
export function buildConditioning(
  g: Graph,
  config: FamilyConfig,
  weights: (component: ComponentName) => TextParamSource,
  clipSkip = 1,
): ConditioningGraph {
  const rule = CONDITIONING[config.family];
  const outs = config.textEncoders.map((te) => {
    const ids = g.input(IDS_INPUT[te.component], 'i32', ['N', te.maxPositions]);
    const layer = conditioningLayer(config, te, clipSkip);
    return buildTextEncoder(g, te, weights(te.component), ids, { layer, finalNorm: rule.finalNorm });
  });
  const hidden = outs.map((o) => o.hidden);
  const context = hidden.length === 1 ? hidden[0] : g.concat(hidden, 2); // [N, 77, Σ hidden]
  const pooled = outs.find((o) => o.pooled)?.pooled;
  return pooled ? { context, pooled } : { context };
}

/** A prompt's conditioning, as the UNet takes it. */
export interface Conditioning {
  /** [1, 77·chunks, channels] */
  context: Float32Array;
  shape: [1, number, number];
  /** [1, projectionDim], from the first chunk (A1111, ComfyUI). */
  pooled?: Float32Array;
  /** Token rows per encoder (config order), one Int32Array[77] per chunk. */
  ids: Int32Array[][];
}

export interface EncodeOptions {
  /** A negative prompt: empty ones become zeros where the family says so. */
  negative?: boolean;
}

export interface EncoderOptions extends CompileOptions {
  /** 1 = none (default), 2 = penultimate layer for SD1 … (see {@link FamilyConditioning.clipSkip}). */
  clipSkip?: number;
}

/** Encodes prompts for one checkpoint; the text-encoder session is compiled once, on first use. */
export class Encoder {
  readonly clipSkip: number;
  readonly graph: ConditioningGraph;
  private session?: Promise<Session>;

  constructor(
    readonly config: FamilyConfig,
    weights: (component: ComponentName) => TextParamSource,
    private readonly tokenizer: CLIPTokenizer,
    private readonly options: EncoderOptions = {},
  ) {
    this.clipSkip = options.clipSkip ?? 1;
    const short = usageProblems(config, tokenizer.vocabSize);
    if (short.length)
      throw new ArchitectureError(`cannot encode prompts for this model: ${short.join('; ')}`);
    this.graph = buildConditioning(new Graph(), config, weights, this.clipSkip);
  }

  /** @example const enc = Encoder.fromCheckpoint(await openCheckpoint(path), tok, { clipSkip: 2 }) */
  static fromCheckpoint(
    ckpt: OpenedCheckpoint,
    tokenizer: CLIPTokenizer,
    options: EncoderOptions = {},
  ): Encoder {
    return new Encoder(ckpt.config, (c) => componentOf(ckpt, c), tokenizer, options);
  }

  /** Context channels (768, 1024, 2048, 1280 for the full-size families). */
  get channels(): number {
    return this.config.textEncoders.reduce((sum, te) => sum + te.hidden, 0);
  }

  /** The encoder settings a cached embedding depends on. */
  get settings(): { family: string; clipSkip: number; layers: number[]; finalNorm: boolean } {
    const layers = this.config.textEncoders.map((te) => conditioningLayer(this.config, te, this.clipSkip));
    return {
      family: this.config.id,
      clipSkip: this.clipSkip,
      layers,
      finalNorm: CONDITIONING[this.config.family].finalNorm,
    };
  }

  /** A1111 chunk rows for each encoder (they differ only in padding, so chunk counts agree). */
  tokenize(prompt: string): Int32Array[][] {
    return this.config.textEncoders.map(
      (te) =>
        tokenizeForCLIP(this.tokenizer, prompt, {
          pad: TOKENIZER_SPECS[te.kind].pad,
          maxLength: te.maxPositions,
        }).ids,
    );
  }

  private compiled(): Promise<Session> {
    if (!this.session) {
      const outputs: Record<string, Node> = { ...this.graph };
      const s = compileGraph(outputs, { name: `text_${this.config.id}`, ...this.options });
      this.session = s;
      s.then(undefined, () => (this.session = undefined));
    }
    return this.session;
  }

  /**
   * The conditioning of one prompt: each 75-token chunk encoded as its own 77-token row, rows joined along tokens.
   * @example const { context, shape, pooled } = await encoder.encode('a watercolor fox')
   */
  async encode(prompt: string, opts: EncodeOptions = {}): Promise<Conditioning> {
    const ids = this.tokenize(prompt);
    if (opts.negative && prompt === '' && CONDITIONING[this.config.family].zeroEmptyNegative)
      return this.zeros(ids);
    const chunks = ids[0].length;
    const feeds: Record<string, Feed> = {};
    this.config.textEncoders.forEach((te, i) => {
      const data = new Int32Array(chunks * te.maxPositions);
      ids[i].forEach((row, r) => data.set(row, r * te.maxPositions));
      feeds[IDS_INPUT[te.component]] = { dtype: 'i32', shape: [chunks, te.maxPositions], data };
    });
    const out = await (await this.compiled()).run(feeds);
    const context = f32(out.context, 'context');
    const tokens = context.length / this.channels;
    const result: Conditioning = { context, shape: [1, tokens, this.channels], ids };
    if (this.graph.pooled) {
      const pooled = f32(out.pooled, 'pooled');
      result.pooled = pooled.slice(0, pooled.length / chunks);
    }
    return result;
  }

  private zeros(ids: Int32Array[][]): Conditioning {
    const tokens = this.config.textEncoders[0].maxPositions;
    const result: Conditioning = {
      context: new Float32Array(tokens * this.channels),
      shape: [1, tokens, this.channels],
      ids,
    };
    const pooledDim = this.graph.pooled?.shape[1];
    if (typeof pooledDim === 'number') result.pooled = new Float32Array(pooledDim);
    return result;
  }

  /**
   * What the encoder's output depends on: family, settings, and every weight's file (path, size, mtime) and byte
   * range. Cheap (no weights read); a rewritten or moved checkpoint gets a new identity.
   * @example const modelId = await encoder.identity()
   */
  async identity(): Promise<string> {
    const outputs = [this.graph.context, ...(this.graph.pooled ? [this.graph.pooled] : [])];
    const params = liveOrder(outputs)
      .flatMap((n) => (n.op === 'Param' && n.param && n.name ? [{ name: n.name, ...n.param }] : []))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const files = [...new Set(params.map((q) => q.file))].sort();
    const stats = await Promise.all(files.map(async (f) => ({ f, ...pickStat(await stat(f)) })));
    const hash = createHash('sha256');
    hash.update(JSON.stringify({ settings: this.settings, config: this.config.textEncoders, stats, params }));
    return hash.digest('hex');
  }

  dispose(): void {
    // A failed compile has nothing to release; its error already reached the caller.
    void this.session?.then(
      (s) => s.dispose(),
      () => undefined,
    );
    this.session = undefined;
  }
}

const pickStat = (s: { size: number; mtimeMs: number }) => ({ size: s.size, mtimeMs: s.mtimeMs });

function f32(v: Feed | undefined, what: string): Float32Array {
  if (!v || !('data' in v) || !(v.data instanceof Float32Array))
    throw new Error(`text encoder: output ${what} is missing or not f32`);
  return v.data;
}

/**
 * SDXL `time_ids`: [orig_h, orig_w, crop_top, crop_left, target_h, target_w] (diffusers `_get_add_time_ids`).
 * @example sdxlTimeIds({ width: 1024, height: 768 }, { top: 0, left: 0 }, { width: 1024, height: 768 })
 */
export function sdxlTimeIds(
  original: { width: number; height: number },
  crop: { top: number; left: number },
  target: { width: number; height: number },
): Float32Array {
  return Float32Array.of(original.height, original.width, crop.top, crop.left, target.height, target.width);
}
