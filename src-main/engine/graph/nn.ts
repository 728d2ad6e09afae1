// Composite layers built from primitives (style.md: composites unless ORT has a kernel worth targeting;
// docs/reference/ort-notes.md#groupnorm: GroupNorm as the ReduceMean composite, Gelu via Erf). Torch weight layouts.

import type { Conv2dOpts, Graph } from './builder';
import type { Node } from './node';
import { dimDiv, type Dim } from './shape';

export type { Adapter, Conv2dOpts } from './builder';

/** x Wᵀ + b with W [out, in] (torch layout). Consults the Graph's adapter first. */
export function linear(g: Graph, x: Node, weight: Node, bias?: Node): Node {
  const adapted = g.options.adapter?.linear?.(g, x, weight, bias);
  if (adapted) return adapted;
  return linearPlain(g, x, weight, bias);
}

/** The un-adapted linear, for adapters that wrap it. */
export function linearPlain(g: Graph, x: Node, weight: Node, bias?: Node): Node {
  const y = g.matmul(x, g.transpose(weight, [1, 0])); // [..., out]
  return bias ? g.add(y, bias) : y;
}

/** NCHW convolution with square stride/padding/dilation. Consults the Graph's adapter first. */
export function conv2d(g: Graph, x: Node, weight: Node, bias?: Node, o: Conv2dOpts = {}): Node {
  const adapted = g.options.adapter?.conv2d?.(g, x, weight, bias, o);
  if (adapted) return adapted;
  return conv2dPlain(g, x, weight, bias, o);
}

export function conv2dPlain(g: Graph, x: Node, weight: Node, bias?: Node, o: Conv2dOpts = {}): Node {
  const s = o.stride ?? 1;
  const d = o.dilation ?? 1;
  return g.conv(x, weight, bias, {
    strides: [s, s],
    pads: o.padding ?? 0,
    dilations: [d, d],
    group: o.groups ?? 1,
  });
}

/** Runs `fn` in f32 and casts back: NOTE norm statistics stay f32 even under an f16 policy. */
function inF32(g: Graph, x: Node, fn: (x32: Node) => Node): Node {
  return g.cast(fn(g.cast(x, 'f32')), x.dtype);
}

/** (x − mean) / √(var + eps) over `axes`, with its closed-form gradient declared on the graph. */
export function normalize(g: Graph, x: Node, axes: number[], eps: number): Node {
  const centered = g.sub(x, g.reduceMean(x, axes));
  const variance = g.reduceMean(g.mul(centered, centered), axes);
  const std = g.sqrt(g.add(variance, eps));
  const y = g.div(centered, std);
  g.defineVjp(y, { inputs: [x], vjp: (b, dy, read) => [normalizeDx(b, read(y), read(std), dy, axes)] });
  return y;
}

/**
 * dx = (dy − mean(dy) − ŷ·mean(dy·ŷ)) / std: the normalize Jacobian (symmetric) applied to dy, 7 nodes instead
 * of the ~18 the primitive rules build through mean, variance and sqrt.
 */
export function normalizeDx(g: Graph, y: Node, std: Node, dy: Node, axes: number[]): Node {
  const projected = g.mul(y, g.reduceMean(g.mul(dy, y), axes));
  return g.div(g.sub(g.sub(dy, g.reduceMean(dy, axes)), projected), std);
}

/** GroupNorm on [N, C, ...]: statistics over (C/groups, spatial), then per-channel affine. */
export function groupNorm(g: Graph, x: Node, groups: number, weight?: Node, bias?: Node, eps = 1e-5): Node {
  const [n, c, ...spatial] = x.shape;
  const cg = dimDiv(c, groups);
  const y = inF32(g, x, (x32) => {
    const grouped = g.reshape(x32, [n, groups, cg, ...spatial]); // [N, G, C/G, ...]
    const axes = Array.from({ length: spatial.length + 1 }, (_, i) => i + 2);
    return g.reshape(normalize(g, grouped, axes, eps), x.shape);
  });
  const perChannel = (p: Node) => g.reshape(p, [c, ...spatial.map(() => 1)]); // [C, 1, 1]
  const scaled = weight ? g.mul(y, perChannel(weight)) : y;
  return bias ? g.add(scaled, perChannel(bias)) : scaled;
}

/** LayerNorm over the last axis. */
export function layerNorm(g: Graph, x: Node, weight?: Node, bias?: Node, eps = 1e-5): Node {
  const y = inF32(g, x, (x32) => normalize(g, x32, [x.shape.length - 1], eps));
  const scaled = weight ? g.mul(y, weight) : y;
  return bias ? g.add(scaled, bias) : scaled;
}

/** GELU: exact ½x(1+erf(x/√2)), or the tanh approximation. */
export function gelu(g: Graph, x: Node, approximate: 'none' | 'tanh' = 'none'): Node {
  if (approximate === 'tanh') {
    const inner = g.mul(g.add(x, g.mul(g.mul(g.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return g.mul(g.mul(x, 0.5), g.add(g.tanh(inner), 1));
  }
  return g.mul(g.mul(x, 0.5), g.add(g.erf(g.mul(x, Math.SQRT1_2)), 1));
}

/** CLIP-L's x·σ(1.702x). */
export const quickGelu = (g: Graph, x: Node): Node => g.mul(x, g.sigmoid(g.mul(x, 1.702)));

/** x·σ(x). */
export const silu = (g: Graph, x: Node): Node => g.mul(x, g.sigmoid(x));

export const softmax = (g: Graph, x: Node, axis = -1): Node => g.softmax(x, axis);

/** Equal static-size chunks along `axis`. */
export function split(g: Graph, x: Node, parts: number, axis = -1): Node[] {
  const ax = axis < 0 ? axis + x.shape.length : axis;
  const len = x.shape[ax];
  if (typeof len !== 'number' || len % parts) throw new Error(`${g.scopeName}: split ${len} into ${parts}`);
  const step = len / parts;
  return Array.from({ length: parts }, (_, i) => g.slice(x, [i * step], [(i + 1) * step], [ax]));
}

/** GEGLU activation on an already projected [.., 2C]: h · gelu(gate). */
export function geglu(g: Graph, projected: Node): Node {
  const [h, gate] = split(g, projected, 2, -1);
  return g.mul(h, gelu(g, gate));
}

export interface AttentionOpts {
  heads: number;
  causal?: boolean;
}

/** [N, T, C] → [N, heads, T, d] */
function heads(g: Graph, x: Node, h: number, perm: number[]): Node {
  const [n, t, c] = x.shape;
  return g.transpose(g.reshape(x, [n, t, h, dimDiv(c, h)]), perm);
}

/**
 * Multi-head scaled dot-product attention on projected q [N,Tq,C], k/v [N,Tk,C] → [N,Tq,C].
 * 4-D batched MatMul over [N, heads, T, d]; the causal mask needs a static Tq = Tk.
 */
export function attention(g: Graph, q: Node, k: Node, v: Node, o: AttentionOpts): Node {
  const [n, tq, c] = q.shape;
  const d = dimDiv(c, o.heads);
  if (typeof d !== 'number') throw new Error(`${g.scopeName}: attention head dim ${d} must be static`);
  const qh = heads(g, q, o.heads, [0, 2, 1, 3]); // [N, h, Tq, d]
  const kt = heads(g, k, o.heads, [0, 2, 3, 1]); // [N, h, d, Tk]
  const vh = heads(g, v, o.heads, [0, 2, 1, 3]); // [N, h, Tk, d]
  let scores = g.mul(g.matmul(qh, kt), 1 / Math.sqrt(d)); // [N, h, Tq, Tk]
  if (o.causal) scores = g.add(scores, causalMask(g, tq, k.shape[1]));
  const out = g.matmul(g.softmax(scores, -1), vh); // [N, h, Tq, d]
  return g.reshape(g.transpose(out, [0, 2, 1, 3]), [n, tq, c]);
}

/** NOTE: −∞ above the diagonal; exp(−∞) = 0 and a row always keeps its diagonal, so no NaN. */
function causalMask(g: Graph, tq: Dim, tk: Dim): Node {
  if (typeof tq !== 'number' || typeof tk !== 'number')
    throw new Error('causal attention needs static lengths');
  const m = Float32Array.from({ length: tq * tk }, (_, i) => (i % tk > Math.floor(i / tk) ? -Infinity : 0));
  return g.constant(m, [tq, tk]);
}

/** NCHW nearest 2× upsampling (ONNX Resize nearest / asymmetric / floor). */
export const upsampleNearest2x = (g: Graph, x: Node): Node => g.resizeNearest(x, [1, 1, 2, 2]);

export interface TimestepOpts {
  flipSinToCos?: boolean;
  freqShift?: number;
  maxPeriod?: number;
}

/**
 * Sinusoidal embedding of t [N] → [N, dim]: f_i = exp(−ln(maxPeriod)·i/(half − freqShift)),
 * [sin, cos](t·f), or [cos, sin] with flipSinToCos (docs/reference/checkpoint-formats.md#layer-constants).
 */
export function timestepEmbedding(g: Graph, t: Node, dim: number, o: TimestepOpts = {}): Node {
  if (dim % 2) throw new Error(`${g.scopeName}: timestep embedding dim ${dim} must be even`);
  const half = dim / 2;
  const shift = o.freqShift ?? 1;
  const freqs = Float32Array.from({ length: half }, (_, i) =>
    Math.exp((-Math.log(o.maxPeriod ?? 10000) * i) / (half - shift)),
  );
  const args = g.mul(g.unsqueeze(g.cast(t, 'f32'), [1]), g.constant(freqs, [1, half])); // [N, half]
  const [s, c] = [g.sin(args), g.cos(args)];
  return g.concat(o.flipSinToCos ? [c, s] : [s, c], 1);
}
