// The tiny Florence-2 recomputed in plain TypeScript (float64) from the fixture's weights: no ONNX, no
// cache — every decoder call runs the whole sequence. What the ONNX path must agree with.
import { TINY_FLORENCE2, type TinyFlorence2Weights } from '../../fixtures/tiny-florence2';

const { dModel: D, heads: H, headDim: HD, patch } = TINY_FLORENCE2;

/** rows [n, inDim] · w [inDim, outDim] */
function matmul(rows: number[][], w: Float32Array, outDim: number): number[][] {
  return rows.map((r) =>
    Array.from({ length: outDim }, (_, j) => r.reduce((s, x, i) => s + x * w[i * outDim + j], 0)),
  );
}

const add = (a: number[][], b: number[][]) => a.map((r, i) => r.map((x, j) => x + b[i][j]));

function attention(
  q: number[][],
  k: number[][],
  v: number[][],
  bias: (t: number, s: number) => number,
): number[][] {
  const out = q.map(() => new Array<number>(D).fill(0));
  for (let h = 0; h < H; h++) {
    const cols = Array.from({ length: HD }, (_, e) => h * HD + e);
    q.forEach((qt, t) => {
      const scores = k.map(
        (ks, s) => cols.reduce((acc, c) => acc + qt[c] * ks[c], 0) / Math.sqrt(HD) + bias(t, s),
      );
      const max = Math.max(...scores);
      const exp = scores.map((x) => Math.exp(x - max));
      const sum = exp.reduce((a, b) => a + b, 0);
      for (const c of cols) out[t][c] = exp.reduce((acc, p, s) => acc + (p / sum) * v[s][c], 0);
    });
  }
  return out;
}

/** Image tokens for `[3, height, width]` normalized pixels: mean of each patch, then tanh(x · W). */
export function referenceImageFeatures(
  w: TinyFlorence2Weights,
  pixels: Float32Array,
  height: number,
  width: number,
): number[][] {
  const rows = height / patch;
  const cols = width / patch;
  const tokens: number[][] = [];
  for (let by = 0; by < rows; by++)
    for (let bx = 0; bx < cols; bx++) {
      const mean = [0, 1, 2].map((c) => {
        let s = 0;
        for (let y = by * patch; y < (by + 1) * patch; y++)
          for (let x = bx * patch; x < (bx + 1) * patch; x++) s += pixels[c * height * width + y * width + x];
        return s / (patch * patch);
      });
      tokens.push(mean);
    }
  return matmul(tokens, w.vision, D).map((r) => r.map(Math.tanh));
}

/** Encoder states for image features followed by the prompt's token embeddings (all positions attended). */
export function referenceEncode(
  w: TinyFlorence2Weights,
  image: number[][],
  promptIds: readonly number[],
): number[][] {
  const x = [...image, ...promptIds.map((id) => Array.from(w.embed.subarray(id * D, (id + 1) * D)))];
  return add(
    x,
    matmul(x, w.encoder, D).map((r) => r.map(Math.tanh)),
  );
}

/** Logits of the last position for decoder tokens `tokens` over encoder states `encoder` (mask all ones). */
export function referenceLogits(
  w: TinyFlorence2Weights,
  encoder: number[][],
  tokens: readonly number[],
): Float32Array {
  let x = tokens.map((id, t) =>
    Array.from({ length: D }, (_, j) => w.embed[id * D + j] + w.positions[t * D + j]),
  );
  for (const l of w.layers) {
    const self = attention(matmul(x, l.q, D), matmul(x, l.k, D), matmul(x, l.v, D), (t, s) =>
      s <= t ? 0 : -1e9,
    );
    x = add(x, matmul(self, l.o, D));
    const cross = attention(
      matmul(x, l.crossQ, D),
      matmul(encoder, l.crossK, D),
      matmul(encoder, l.crossV, D),
      () => 0,
    );
    x = add(x, matmul(cross, l.crossO, D));
    x = add(
      x,
      matmul(x, l.ffn, D).map((r) => r.map(Math.tanh)),
    );
  }
  return Float32Array.from(matmul([x[x.length - 1]], w.lmHead, w.vocab)[0]);
}
