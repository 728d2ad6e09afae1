// The CLIP text transformer graph (HF `CLIPTextModel` / `CLIPTextModelWithProjection`, OpenCLIP text tower):
// scopes are HF module paths, so every parameter name is the HF key
// (`text_model.encoder.layers.0.mlp.fc1.weight`) and text-encoder LoRA can target modules by name. Constants:
// docs/reference/checkpoint-formats.md#text-encoder-keys.
import { nn, type Graph, type Node } from '../engine';
import type { TextEncoderConfig } from './families';
import type { ComponentWeights } from './weights';

/** Where the graph gets its parameters: a checkpoint component, or a shape-only stand-in for counting. */
export type TextParamSource = Pick<ComponentWeights, 'param'>;

export interface TextEncoderOptions {
  /**
   * Which hidden state to return, HF `hidden_states` indexing over the FULL tower (`config.layers`): 0 is the
   * embeddings, k the output of layer k; negative counts from the end (-1 last, -2 penultimate). Only the layers
   * up to it are built, which is why SD2's 23-layer diffusers folder serves -2 of the 24-layer tower.
   * Default `config.outputLayer`.
   */
  layer?: number;
  /**
   * Apply `final_layer_norm` to the returned state. Default true: HF `last_hidden_state` for -1, and what A1111 and
   * kohya do for "clip skip" on SD1 and for SD2's penultimate layer; SDXL passes false (see conditioning.ts).
   */
  finalNorm?: boolean;
  /** Also build the pooled projection. Default: when the diffusers model keeps `text_projection` (SDXL bigG). */
  pooled?: boolean;
}

export interface TextEncoderOutputs {
  /** [N, T, hidden] */
  hidden: Node;
  /** [N, projectionDim]: final-LN'd last layer at the first argmax(ids) position (the eos), × text_projection. */
  pooled?: Node;
}

interface Ctx {
  g: Graph;
  config: TextEncoderConfig;
  weights: TextParamSource;
}

const p = (c: Ctx, name: string, shape: readonly number[]): Node =>
  c.weights.param(c.g, c.g.paramName(name), shape);

function linear(c: Ctx, name: string, x: Node, out: number, bias = true): Node {
  const inp = Number(x.shape[x.shape.length - 1]);
  return c.g.scope(name, () =>
    nn.linear(c.g, x, p(c, 'weight', [out, inp]), bias ? p(c, 'bias', [out]) : undefined),
  );
}

function layerNorm(c: Ctx, name: string, x: Node): Node {
  const d = c.config.hidden;
  return c.g.scope(name, () =>
    nn.layerNorm(c.g, x, p(c, 'weight', [d]), p(c, 'bias', [d]), c.config.layerNormEps),
  );
}

/**
 * The hidden-state index (0 = embeddings … layers) a `layer` option names.
 * @example hiddenStateIndex(FAMILIES.sd2.textEncoders[0], -2) === 23
 */
export function hiddenStateIndex(config: TextEncoderConfig, layer: number = config.outputLayer): number {
  const index = layer < 0 ? config.layers + 1 + layer : layer;
  if (!Number.isInteger(layer) || index < 0 || index > config.layers)
    throw new Error(
      `text encoder layer ${layer} is out of range: the ${config.component} has ${config.layers} layers ` +
        `(use -1 … -${config.layers + 1}, or 0 … ${config.layers})`,
    );
  return index;
}

function embeddings(c: Ctx, ids: Node): Node {
  const { g, config } = c;
  const t = ids.shape[1];
  if (typeof t !== 'number' || t > config.maxPositions)
    throw new Error(`text encoder: ids must be [N, T] with a static T ≤ ${config.maxPositions}, got T=${t}`);
  return g.scope('text_model.embeddings', () => {
    const table = g.scope('token_embedding', () => p(c, 'weight', [config.vocab, config.hidden]));
    const tokens = g.gather(table, ids); // [N, T, D]
    const posTable = g.scope('position_embedding', () =>
      p(c, 'weight', [config.maxPositions, config.hidden]),
    );
    const positions = g.slice(posTable, [0], [t], [0]); // [T, D]
    return g.add(tokens, positions);
  });
}

/** Pre-LN block: x + attn(ln1(x)) with a causal mask, then x + mlp(ln2(x)). */
function encoderLayer(c: Ctx, x: Node, i: number): Node {
  const { g, config } = c;
  const d = config.hidden;
  return g.scope(`text_model.encoder.layers.${i}`, () => {
    const h = layerNorm(c, 'layer_norm1', x); // [N, T, D]
    const attn = g.scope('self_attn', () => {
      const [q, k, v] = ['q_proj', 'k_proj', 'v_proj'].map((name) => linear(c, name, h, d));
      const mixed = nn.attention(g, q, k, v, { heads: config.heads, causal: true }); // [N, T, D]
      return linear(c, 'out_proj', mixed, d);
    });
    const x1 = g.add(x, attn);
    const h2 = layerNorm(c, 'layer_norm2', x1); // [N, T, D]
    const m = g.scope('mlp', () => {
      const up = linear(c, 'fc1', h2, config.mlp); // [N, T, mlp]
      const act = config.act === 'quick_gelu' ? nn.quickGelu(g, up) : nn.gelu(g, up);
      return linear(c, 'fc2', act, d); // [N, T, D]
    });
    return g.add(x1, m);
  });
}

/**
 * One-hot [N, 1, T] of the first position holding the row's largest id: OpenCLIP and HF both pool at
 * `ids.argmax(-1)`, the first eos since 49407 is the largest id. NOTE: the one-hot MatMul picks rows exactly.
 */
function firstArgmaxOneHot(g: Graph, ids: Node): Node {
  const t = Number(ids.shape[1]);
  const idsF = g.cast(ids, 'f32'); // ids < 2^24 are exact in f32
  const isMax = g.cast(g.equal(idsF, g.reduceMax(idsF, [1])), 'f32'); // [N, T]
  const rank = g.constant(
    Float32Array.from({ length: t }, (_, i) => t - i),
    [1, t],
  ); // earlier ⇒ larger
  const score = g.mul(isMax, rank);
  const first = g.cast(g.equal(score, g.reduceMax(score, [1])), 'f32'); // [N, T]
  return g.unsqueeze(first, [1]);
}

function pooledOutput(c: Ctx, last: Node, ids: Node): Node {
  const { g, config } = c;
  if (config.projectionDim === null) throw new Error(`the ${config.component} has no text_projection`);
  const normed = layerNorm(c, 'text_model.final_layer_norm', last); // [N, T, D]
  const eos = g.matmul(firstArgmaxOneHot(g, ids), normed); // [N, 1, D]
  const flat = g.reshape(eos, [ids.shape[0], config.hidden]); // [N, D]
  return linear(c, 'text_projection', flat, config.projectionDim, false); // [N, P]
}

/**
 * Builds the text encoder on token ids [N, T] (i32 or i64) and returns the requested hidden state (and the
 * pooled projection when asked). Which layer and norm each family uses: conditioning.ts `CONDITIONING`.
 * @example const { hidden } = buildTextEncoder(g, config, componentOf(ckpt, 'text_encoder'), g.input('ids', 'i32', ['N', 77]))
 */
export function buildTextEncoder(
  g: Graph,
  config: TextEncoderConfig,
  weights: TextParamSource,
  ids: Node,
  opts: TextEncoderOptions = {},
): TextEncoderOutputs {
  const c: Ctx = { g, config, weights };
  const index = hiddenStateIndex(config, opts.layer);
  const wantPooled = opts.pooled ?? (config.diffusersProjection && config.projectionDim !== null);
  const depth = wantPooled ? config.layers : index;
  let x = embeddings(c, ids); // [N, T, D]
  let chosen = x;
  for (let i = 0; i < depth; i++) {
    x = encoderLayer(c, x, i);
    if (i + 1 === index) chosen = x;
  }
  const hidden = opts.finalNorm === false ? chosen : layerNorm(c, 'text_model.final_layer_norm', chosen);
  return wantPooled ? { hidden, pooled: pooledOutput(c, x, ids) } : { hidden };
}
