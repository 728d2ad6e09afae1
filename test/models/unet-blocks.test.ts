// Block-level hand checks of the UNet graph code: one ResBlock and one attention module, built from seeded
// weights and evaluated by the float64 interpreter, against a plain-TypeScript loop computation of
// docs/reference/checkpoint-formats.md#layer-constants.
import { describe, expect, it } from 'vitest';
import { evaluate64, Graph, type Node } from '../../src-main/engine';
import { FAMILIES, type UNetConfig } from '../../src-main/models/families';
import { attention, resBlock, type UNetCtx } from '../../src-main/models/unet';

/** Seeded values in [-0.5, 0.5) per tensor name, so the graph and the plain computation share weights. */
function seeded(name: string, size: number): Float64Array {
  let s = 0;
  for (const ch of name) s = (s * 31 + ch.charCodeAt(0)) >>> 0;
  return Float64Array.from({ length: size }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

/** A weight source that records each tensor and hands the graph a constant of it. */
function constWeights() {
  const values = new Map<string, Float64Array>();
  const w = {
    param(g: Graph, name: string, shape: readonly number[]): Node {
      const v = seeded(
        name,
        shape.reduce((a, b) => a * b, 1),
      );
      values.set(name, v);
      return g.constant(Float32Array.from(v), shape);
    },
  };
  // Constants are stored as f32: the plain computation must see the same rounded values.
  const get = (name: string) => Float64Array.from(Float32Array.from(values.get(name)!));
  return { w, get };
}

const silu = (v: number) => v / (1 + Math.exp(-v));

function groupNorm(
  x: Float64Array,
  c: number,
  hw: number,
  groups: number,
  eps: number,
  w: Float64Array,
  b: Float64Array,
) {
  const out = new Float64Array(x.length);
  const per = (c / groups) * hw;
  for (let gi = 0; gi < groups; gi++) {
    const part = x.subarray(gi * per, (gi + 1) * per);
    const mean = part.reduce((a, v) => a + v, 0) / per;
    const variance = part.reduce((a, v) => a + (v - mean) ** 2, 0) / per;
    for (let i = 0; i < per; i++) {
      const ch = gi * (c / groups) + Math.floor(i / hw);
      out[gi * per + i] = ((part[i] - mean) / Math.sqrt(variance + eps)) * w[ch] + b[ch];
    }
  }
  return out;
}

function conv(
  x: Float64Array,
  cin: number,
  cout: number,
  h: number,
  wd: number,
  k: number,
  w: Float64Array,
  b: Float64Array,
) {
  const out = new Float64Array(cout * h * wd);
  const p = (k - 1) / 2;
  for (let o = 0; o < cout; o++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < wd; xx++) {
        let acc = b[o];
        for (let i = 0; i < cin; i++)
          for (let dy = 0; dy < k; dy++)
            for (let dx = 0; dx < k; dx++) {
              const [sy, sx] = [y + dy - p, xx + dx - p];
              if (sy < 0 || sy >= h || sx < 0 || sx >= wd) continue;
              acc += x[(i * h + sy) * wd + sx] * w[((o * cin + i) * k + dy) * k + dx];
            }
        out[(o * h + y) * wd + xx] = acc;
      }
  return out;
}

/** rows [n, inF] · Wᵀ (+ b) → [n, outF] */
function linear(x: Float64Array, n: number, inF: number, outF: number, w: Float64Array, b?: Float64Array) {
  const out = new Float64Array(n * outF);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < outF; o++) {
      let acc = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) acc += x[r * inF + i] * w[o * inF + i];
      out[r * outF + o] = acc;
    }
  return out;
}

function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

// Small groups so a handful of channels is enough; everything else as SD1.
const CONFIG: UNetConfig = { ...FAMILIES['tiny-sd1'].unet, blockOutChannels: [4, 8], normGroups: 2 };

describe('UNet blocks against a plain computation', () => {
  it('resBlock: GN (2 groups here; eps 1e-5)→SiLU→conv, + time projection, GN→SiLU→conv, + 1×1 skip', () => {
    const [cin, cout, h, w, embDim] = [4, 6, 3, 3, 16];
    const g = new Graph();
    const { w: weights, get } = constWeights();
    const x: UNetCtx = { g, w: weights, c: CONFIG };
    const input = seeded('input', cin * h * w);
    const emb = seeded('emb', embDim);
    const out = g.scope('input_blocks.1.0', () =>
      resBlock(x, g.input('x', 'f32', [1, cin, h, w]), g.input('emb', 'f32', [1, embDim]), cin, cout),
    );
    const [got] = evaluate64([out], {
      x: { dtype: 'f32', shape: [1, cin, h, w], data: input },
      emb: { dtype: 'f32', shape: [1, embDim], data: emb },
    });
    const p = (k: string) => get(`input_blocks.1.0.${k}`);
    const eps = CONFIG.normEps;
    let y = groupNorm(input, cin, h * w, 2, eps, p('in_layers.0.weight'), p('in_layers.0.bias')).map(silu);
    y = conv(y, cin, cout, h, w, 3, p('in_layers.2.weight'), p('in_layers.2.bias'));
    const e = linear(emb.map(silu), 1, embDim, cout, p('emb_layers.1.weight'), p('emb_layers.1.bias'));
    y = y.map((v, i) => v + e[Math.floor(i / (h * w))]);
    y = groupNorm(y, cout, h * w, 2, eps, p('out_layers.0.weight'), p('out_layers.0.bias')).map(silu);
    y = conv(y, cout, cout, h, w, 3, p('out_layers.3.weight'), p('out_layers.3.bias'));
    const skip = conv(input, cin, cout, h, w, 1, p('skip_connection.weight'), p('skip_connection.bias'));
    const want = y.map((v, i) => v + skip[i]);
    expect(got.shape).toEqual([1, cout, h, w]);
    expect(worstDiff(got.data, want)).toBeLessThan(1e-9);
  });

  it('attention: per-head softmax(q·kᵀ/√d)·v over the context, then to_out.0 with bias', () => {
    const [s, t, ch, ctxCh, heads] = [5, 3, 8, 6, 2];
    const d = ch / heads;
    const g = new Graph();
    const { w: weights, get } = constWeights();
    const x: UNetCtx = { g, w: weights, c: CONFIG };
    const tokens = seeded('tokens', s * ch);
    const ctx = seeded('ctx', t * ctxCh);
    const out = g.scope('input_blocks.1.1.transformer_blocks.0', () =>
      attention(
        x,
        'attn2',
        g.input('h', 'f32', [1, s, ch]),
        g.input('c', 'f32', [1, t, ctxCh]),
        ch,
        ctxCh,
        heads,
      ),
    );
    const [got] = evaluate64([out], {
      h: { dtype: 'f32', shape: [1, s, ch], data: tokens },
      c: { dtype: 'f32', shape: [1, t, ctxCh], data: ctx },
    });
    const p = (k: string) => get(`input_blocks.1.1.transformer_blocks.0.attn2.${k}`);
    const q = linear(tokens, s, ch, ch, p('to_q.weight'));
    const k = linear(ctx, t, ctxCh, ch, p('to_k.weight'));
    const v = linear(ctx, t, ctxCh, ch, p('to_v.weight'));
    const mixed = new Float64Array(s * ch);
    for (let hd = 0; hd < heads; hd++)
      for (let i = 0; i < s; i++) {
        const scores = Array.from({ length: t }, (_, j) => {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[i * ch + hd * d + c] * k[j * ch + hd * d + c];
          return dot / Math.sqrt(d);
        });
        const top = Math.max(...scores);
        const ex = scores.map((z) => Math.exp(z - top));
        const sum = ex.reduce((a, b) => a + b, 0);
        for (let c = 0; c < d; c++)
          mixed[i * ch + hd * d + c] = ex.reduce((a, e, j) => a + (e / sum) * v[j * ch + hd * d + c], 0);
      }
    const want = linear(mixed, s, ch, ch, p('to_out.0.weight'), p('to_out.0.bias'));
    expect(got.shape).toEqual([1, s, ch]);
    expect(worstDiff(got.data, want)).toBeLessThan(1e-9);
  });
});
