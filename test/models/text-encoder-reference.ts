// Test helper: a plain-TS CLIP text-encoder forward pass in float64 loops (HF `CLIPTextTransformer` read as
// arithmetic), the independent ground truth for the graph built by models/text-encoder.ts.
import type { TextEncoderConfig } from '../../src-main/models/families';

export interface Weight {
  shape: number[];
  data: Float32Array;
}

/** Deterministic values in ±0.5 (norm weights around 1), one stream per tensor. */
export function seededValues(shape: number[], seed: number, name: string): Weight {
  let s = seed * 2654435761;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const n = shape.reduce((a, d) => a * d, 1);
  const norm = /layer_norm\d?\.weight$/.test(name);
  return { shape, data: Float32Array.from({ length: n }, () => (norm ? 1 + 0.2 * next() : next())) };
}

type Mat = number[][];

const rowsOf = (w: Weight): Mat =>
  Array.from({ length: w.shape[0] }, (_, r) =>
    Array.from(w.data.slice(r * w.shape[1], (r + 1) * w.shape[1])),
  );

function linear(x: Mat, w: Weight, b?: Weight): Mat {
  const W = rowsOf(w);
  return x.map((v) => W.map((wr, o) => wr.reduce((s, wi, i) => s + wi * v[i], b ? b.data[o] : 0)));
}

function layerNorm(x: Mat, w: Weight, b: Weight, eps: number): Mat {
  return x.map((v) => {
    const mean = v.reduce((a, c) => a + c, 0) / v.length;
    const variance = v.reduce((a, c) => a + (c - mean) ** 2, 0) / v.length;
    return v.map((c, i) => ((c - mean) / Math.sqrt(variance + eps)) * w.data[i] + b.data[i]);
  });
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse; integrate the series instead (|x| small in these tests).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const ACT = {
  quick_gelu: (v: number) => v / (1 + Math.exp(-1.702 * v)),
  gelu: (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
};

function causalAttention(q: Mat, k: Mat, v: Mat, heads: number): Mat {
  const d = q[0].length / heads;
  return q.map((qi, t) => {
    const out = new Array<number>(q[0].length).fill(0);
    for (let h = 0; h < heads; h++) {
      const dot = (a: number[], b: number[]) =>
        a.slice(h * d, (h + 1) * d).reduce((s, x, i) => s + x * b[h * d + i], 0);
      const scores = k.slice(0, t + 1).map((kj) => dot(qi, kj) / Math.sqrt(d));
      const max = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - max));
      const z = e.reduce((a, c) => a + c, 0);
      e.forEach((p, j) => {
        for (let i = 0; i < d; i++) out[h * d + i] += (p / z) * v[j][h * d + i];
      });
    }
    return out;
  });
}

const add = (a: Mat, b: Mat): Mat => a.map((r, i) => r.map((v, j) => v + b[i][j]));

/** last_hidden_state ([T][D]) of one token row. */
export function referenceForward(
  config: TextEncoderConfig,
  w: Record<string, Weight>,
  tokens: number[],
): Mat {
  const tok = rowsOf(w['text_model.embeddings.token_embedding.weight']);
  const pos = rowsOf(w['text_model.embeddings.position_embedding.weight']);
  let x: Mat = tokens.map((id, t) => tok[id].map((v, i) => v + pos[t][i]));
  const eps = config.layerNormEps;
  for (let l = 0; l < config.layers; l++) {
    const at = (n: string) => w[`text_model.encoder.layers.${l}.${n}`];
    const h = layerNorm(x, at('layer_norm1.weight'), at('layer_norm1.bias'), eps);
    const [q, k, v] = ['q_proj', 'k_proj', 'v_proj'].map((p) =>
      linear(h, at(`self_attn.${p}.weight`), at(`self_attn.${p}.bias`)),
    );
    const attn = causalAttention(q, k, v, config.heads);
    x = add(x, linear(attn, at('self_attn.out_proj.weight'), at('self_attn.out_proj.bias')));
    const h2 = layerNorm(x, at('layer_norm2.weight'), at('layer_norm2.bias'), eps);
    const up = linear(h2, at('mlp.fc1.weight'), at('mlp.fc1.bias')).map((r) => r.map(ACT[config.act]));
    x = add(x, linear(up, at('mlp.fc2.weight'), at('mlp.fc2.bias')));
  }
  return layerNorm(x, w['text_model.final_layer_norm.weight'], w['text_model.final_layer_norm.bias'], eps);
}
