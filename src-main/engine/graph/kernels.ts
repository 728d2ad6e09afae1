// Reference kernels for interpret.ts: naive loops over float64 buffers, one per op, written from the
// ONNX operator pages. Slow on purpose: obviously correct is the point (they are the tests' ground truth).

import { sliceRange } from './infer';
import type { Node } from './node';
import { attrOf, type OpKind } from './ops';

/** A concrete tensor inside the interpreter: every dtype held as float64 (i64 exact up to 2^53). */
export interface Value {
  shape: number[];
  data: Float64Array;
}

/** A kernel sees the node (for attrs), its input values and its resolved output-only dims (Reshape/Expand). */
export type Kernel = (n: Node, xs: Value[], dims: (d: readonly (number | string)[]) => number[]) => Value;

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const strides = (s: readonly number[]) => {
  const st = new Array<number>(s.length).fill(1);
  for (let i = s.length - 2; i >= 0; i--) st[i] = st[i + 1] * s[i + 1];
  return st;
};
const ints = (n: Node, k: string) => attrOf<readonly number[]>(n, k);

/** For each flat index of `out`, the flat index of `x` it broadcasts from (right-aligned NumPy rules). */
function broadcastIndex(x: readonly number[], out: readonly number[]): Int32Array {
  const lead = out.length - x.length;
  const xs = strides(x);
  const idx = new Int32Array(size(out));
  const os = strides(out);
  for (let i = 0; i < idx.length; i++) {
    let j = 0;
    for (let a = lead; a < out.length; a++) {
      const c = Math.floor(i / os[a]) % out[a];
      if (x[a - lead] !== 1) j += c * xs[a - lead];
    }
    idx[i] = j;
  }
  return idx;
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const x = a[i - r + a.length] ?? 1;
    const y = b[i - r + b.length] ?? 1;
    if (x !== 1 && y !== 1 && x !== y) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    return x === 1 ? y : x;
  });
}

function nary(xs: Value[], f: (...v: number[]) => number): Value {
  const shape = xs.map((x) => x.shape).reduce(broadcastShape);
  const maps = xs.map((x) => broadcastIndex(x.shape, shape));
  const data = new Float64Array(size(shape));
  const args = new Array<number>(xs.length);
  for (let i = 0; i < data.length; i++) {
    for (let k = 0; k < xs.length; k++) args[k] = xs[k].data[maps[k][i]];
    data[i] = f(...args);
  }
  return { shape, data };
}

/** Abramowitz–Stegun 7.1.26 is too coarse for FD checks; this series/continued-fraction pair is ~1e-15. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let k = 1; k < 60; k++) {
      term *= (-ax * ax) / k;
      sum += term / (2 * k + 1);
    }
    return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * sum);
  }
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

const un =
  (f: (v: number) => number): Kernel =>
  (_n, [x]) =>
    nary([x], f);
const bin =
  (f: (a: number, b: number) => number): Kernel =>
  (_n, xs) =>
    nary(xs, f);

function matmul(_n: Node, [a, b]: Value[]): Value {
  const [m, k] = a.shape.slice(-2);
  const nn = b.shape[b.shape.length - 1];
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const ai = broadcastIndex(a.shape.slice(0, -2), batch);
  const bi = broadcastIndex(b.shape.slice(0, -2), batch);
  const data = new Float64Array(size(batch) * m * nn);
  for (let p = 0; p < size(batch); p++) {
    const ao = ai[p] * m * k;
    const bo = bi[p] * k * nn;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < nn; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a.data[ao + i * k + t] * b.data[bo + t * nn + j];
        data[p * m * nn + i * nn + j] = s;
      }
  }
  return { shape: [...batch, m, nn], data };
}

interface Win {
  k: readonly number[];
  s: readonly number[];
  p: readonly number[];
  d: readonly number[];
  g: number;
}
const win = (n: Node): Win => ({
  k: ints(n, 'kernel_shape'),
  s: ints(n, 'strides'),
  p: ints(n, 'pads'),
  d: ints(n, 'dilations'),
  g: attrOf<number>(n, 'group'),
});

/** 2-D only (NCHW); the IR uses nothing else. */
function conv(n: Node, [x, w, b]: Value[]): Value {
  const { k, s, p, d, g } = win(n);
  const [N, C, H, W] = x.shape;
  const M = w.shape[0];
  const cg = C / g;
  const Ho = Math.floor((H + p[0] + p[2] - d[0] * (k[0] - 1) - 1) / s[0]) + 1;
  const Wo = Math.floor((W + p[1] + p[3] - d[1] * (k[1] - 1) - 1) / s[1]) + 1;
  const out = new Float64Array(N * M * Ho * Wo);
  for (let i = 0; i < out.length; i++) {
    const [nb, m, oh, ow] = [
      Math.floor(i / (M * Ho * Wo)),
      Math.floor(i / (Ho * Wo)) % M,
      Math.floor(i / Wo) % Ho,
      i % Wo,
    ];
    let acc = b ? b.data[m] : 0;
    const c0 = Math.floor(m / (M / g)) * cg;
    for (let c = 0; c < cg; c++)
      for (let kh = 0; kh < k[0]; kh++)
        for (let kw = 0; kw < k[1]; kw++) {
          const ih = oh * s[0] - p[0] + kh * d[0];
          const iw = ow * s[1] - p[1] + kw * d[1];
          if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
          acc +=
            x.data[((nb * C + c0 + c) * H + ih) * W + iw] * w.data[((m * cg + c) * k[0] + kh) * k[1] + kw];
        }
    out[i] = acc;
  }
  return { shape: [N, M, Ho, Wo], data: out };
}

/** Scatter form: each input pixel adds its kernel-weighted contribution to the output. */
function convTranspose(n: Node, [x, w, b]: Value[]): Value {
  const { k, s, p, d, g } = win(n);
  const op = ints(n, 'output_padding');
  const [N, C, H, W] = x.shape;
  const mg = w.shape[1];
  const M = mg * g;
  const Ho = (H - 1) * s[0] - p[0] - p[2] + d[0] * (k[0] - 1) + op[0] + 1;
  const Wo = (W - 1) * s[1] - p[1] - p[3] + d[1] * (k[1] - 1) + op[1] + 1;
  const out = new Float64Array(N * M * Ho * Wo);
  for (let nb = 0; nb < N; nb++)
    for (let c = 0; c < C; c++)
      for (let ih = 0; ih < H; ih++)
        for (let iw = 0; iw < W; iw++) {
          const v = x.data[((nb * C + c) * H + ih) * W + iw];
          const m0 = Math.floor(c / (C / g)) * mg;
          for (let mm = 0; mm < mg; mm++)
            for (let kh = 0; kh < k[0]; kh++)
              for (let kw = 0; kw < k[1]; kw++) {
                const oh = ih * s[0] - p[0] + kh * d[0];
                const ow = iw * s[1] - p[1] + kw * d[1];
                if (oh < 0 || ow < 0 || oh >= Ho || ow >= Wo) continue;
                out[((nb * M + m0 + mm) * Ho + oh) * Wo + ow] +=
                  v * w.data[((c * mg + mm) * k[0] + kh) * k[1] + kw];
              }
        }
  if (b) for (let i = 0; i < out.length; i++) out[i] += b.data[Math.floor(i / (Ho * Wo)) % M];
  return { shape: [N, M, Ho, Wo], data: out };
}

/** Generic gather by output multi-index → input flat index (transpose, slice, pad, resize). */
function remap(shape: number[], src: Value, at: (idx: number[]) => number, fill = 0): Value {
  const data = new Float64Array(size(shape));
  const st = strides(shape);
  for (let i = 0; i < data.length; i++) {
    const idx = shape.map((dim, a) => Math.floor(i / st[a]) % dim);
    const j = at(idx);
    data[i] = j < 0 ? fill : src.data[j];
  }
  return { shape, data };
}

function flat(shape: readonly number[], idx: readonly number[]): number {
  const st = strides(shape);
  return idx.reduce((acc, v, a) => acc + v * st[a], 0);
}

function expand(n: Node, [x]: Value[], dims: (d: readonly (number | string)[]) => number[]): Value {
  const shape = broadcastShape(x.shape, dims(attrOf(n, 'shape')));
  const map = broadcastIndex(x.shape, shape);
  return { shape, data: Float64Array.from(map, (j) => x.data[j]) };
}

function transpose(n: Node, [x]: Value[]): Value {
  const perm = ints(n, 'perm');
  const shape = perm.map((p) => x.shape[p]);
  return remap(shape, x, (idx) => {
    const src = new Array<number>(perm.length);
    perm.forEach((p, a) => (src[p] = idx[a]));
    return flat(x.shape, src);
  });
}

function slice(n: Node, [x]: Value[]): Value {
  const [starts, ends, axes, steps] = ['starts', 'ends', 'axes', 'steps'].map((k) => ints(n, k));
  const begin = x.shape.map(() => 0);
  const step = x.shape.map(() => 1);
  const shape = [...x.shape];
  axes.forEach((ax, i) => {
    const [b, , len] = sliceRange(x.shape[ax], starts[i], ends[i], steps[i]);
    [begin[ax], step[ax], shape[ax]] = [b, steps[i], len];
  });
  return remap(shape, x, (idx) =>
    flat(
      x.shape,
      idx.map((v, a) => begin[a] + v * step[a]),
    ),
  );
}

function pad(n: Node, [x]: Value[]): Value {
  const p = ints(n, 'pads');
  const r = x.shape.length;
  const shape = x.shape.map((d, a) => d + p[a] + p[a + r]);
  return remap(
    shape,
    x,
    (idx) => {
      const src = idx.map((v, a) => v - p[a]);
      return src.some((v, a) => v < 0 || v >= x.shape[a]) ? -1 : flat(x.shape, src);
    },
    attrOf<number>(n, 'constant_value'),
  );
}

function resize(n: Node, [x]: Value[]): Value {
  const sc = ints(n, 'scales');
  return remap(
    x.shape.map((d, a) => d * sc[a]),
    x,
    (idx) =>
      flat(
        x.shape,
        idx.map((v, a) => Math.floor(v / sc[a])),
      ),
  );
}

function concat(n: Node, xs: Value[]): Value {
  const axis = attrOf<number>(n, 'axis');
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis], 0);
  const data = new Float64Array(size(shape));
  const outer = size(shape.slice(0, axis));
  let o = 0;
  for (let i = 0; i < outer; i++)
    for (const x of xs) {
      const chunk = size(x.shape.slice(axis));
      data.set(x.data.subarray(i * chunk, (i + 1) * chunk), o);
      o += chunk;
    }
  return { shape, data };
}

function gather(_n: Node, [data, idx]: Value[]): Value {
  const [V, ...rest] = data.shape;
  const row = size(rest);
  const out = new Float64Array(idx.data.length * row);
  idx.data.forEach((v, i) => {
    const r = v < 0 ? v + V : v;
    if (r < 0 || r >= V) throw new Error(`Gather index ${v} out of range [0,${V})`);
    out.set(data.data.subarray(r * row, (r + 1) * row), i * row);
  });
  return { shape: [...idx.shape, ...rest], data: out };
}

function reducer(
  init: number,
  step: (acc: number, v: number) => number,
  finish = (acc: number, _count: number) => acc,
): Kernel {
  return (n, [x]) => {
    const axes = ints(n, 'axes');
    const kept = x.shape.map((d, a) => (axes.includes(a) ? 1 : d));
    const acc = new Float64Array(size(kept)).fill(init);
    const map = broadcastIndex(kept, x.shape);
    for (let i = 0; i < x.data.length; i++) acc[map[i]] = step(acc[map[i]], x.data[i]);
    const count = x.data.length / acc.length;
    for (let i = 0; i < acc.length; i++) acc[i] = finish(acc[i], count);
    const shape = attrOf<number>(n, 'keepdims') ? kept : x.shape.filter((_, a) => !axes.includes(a));
    return { shape, data: acc };
  };
}

function softmax(n: Node, [x]: Value[]): Value {
  const r = x.shape.length;
  const axis = (attrOf<number>(n, 'axis') + r) % r;
  const len = x.shape[axis];
  const inner = size(x.shape.slice(axis + 1));
  const data = new Float64Array(x.data.length);
  for (let o = 0; o < x.data.length / (len * inner); o++)
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => o * len * inner + j * inner + i;
      let mx = -Infinity;
      for (let j = 0; j < len; j++) mx = Math.max(mx, x.data[at(j)]);
      let sum = 0;
      for (let j = 0; j < len; j++) sum += data[at(j)] = Math.exp(x.data[at(j)] - mx);
      for (let j = 0; j < len; j++) data[at(j)] /= sum;
    }
  return { shape: [...x.shape], data };
}

const CASTS: Record<string, (v: number) => number> = {
  i64: Math.trunc,
  i32: Math.trunc,
  bool: (v) => (v !== 0 ? 1 : 0),
};

export const KERNELS: Record<Exclude<OpKind, 'Input' | 'Param' | 'Constant'>, Kernel> = {
  Add: bin((a, b) => a + b),
  Sub: bin((a, b) => a - b),
  Mul: bin((a, b) => a * b),
  Div: bin((a, b) => a / b),
  Pow: bin((a, b) => Math.pow(a, b)),
  Max: bin(Math.max),
  Min: bin(Math.min),
  Neg: un((v) => -v),
  Exp: un(Math.exp),
  Log: un(Math.log),
  Sqrt: un(Math.sqrt),
  Reciprocal: un((v) => 1 / v),
  Tanh: un(Math.tanh),
  Sigmoid: un((v) => 1 / (1 + Math.exp(-v))),
  Erf: un(erf),
  Sin: un(Math.sin),
  Cos: un(Math.cos),
  Relu: un((v) => Math.max(v, 0)),
  Abs: un(Math.abs),
  Identity: un((v) => v),
  Greater: bin((a, b) => (a > b ? 1 : 0)),
  Equal: bin((a, b) => (a === b ? 1 : 0)),
  Where: (_n, xs) => nary(xs, (c, a, b) => (c ? a : b)),
  Cast: (n, [x]) => nary([x], CASTS[n.dtype] ?? ((v) => v)),
  MatMul: matmul,
  Conv: conv,
  ConvTranspose: convTranspose,
  Reshape: (n, [x], dims) => ({ shape: dims(attrOf(n, 'shape')), data: x.data }),
  Transpose: transpose,
  Concat: concat,
  Slice: slice,
  Expand: expand,
  Unsqueeze: (n, [x]) => ({
    shape: n.shape.length ? unsqueezeShape(x.shape, ints(n, 'axes')) : [],
    data: x.data,
  }),
  Squeeze: (n, [x]) => ({ shape: x.shape.filter((_, a) => !ints(n, 'axes').includes(a)), data: x.data }),
  Pad: pad,
  Resize: resize,
  Gather: gather,
  ReduceSum: reducer(0, (a, v) => a + v),
  ReduceMean: reducer(
    0,
    (a, v) => a + v,
    (a, c) => a / c,
  ),
  ReduceMax: reducer(-Infinity, Math.max),
  Softmax: softmax,
};

function unsqueezeShape(shape: readonly number[], axes: readonly number[]): number[] {
  const rest = [...shape];
  return Array.from({ length: shape.length + axes.length }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!));
}
