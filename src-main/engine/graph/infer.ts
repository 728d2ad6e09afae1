// Shape and dtype rules of the op set (the SHAPE table, referenced from ops.ts). Each follows the
// ONNX operator page of its op; symbolic dims go through the monomial algebra of shape.ts.

import { DTYPES, isFloat, type DType } from './dtype';
import type { Attrs, Node } from './node';
import {
  broadcastShapes,
  dimAddInt,
  dimDiv,
  dimEq,
  dimMul,
  dimProduct,
  shapeToString,
  windowOutDim,
  type Dim,
  type Shape,
} from './shape';

interface Inferred {
  dtype: DType;
  shape: Shape;
}

const ints = (a: Attrs, k: string): readonly number[] => a[k] as readonly number[];
const dims = (a: Attrs, k: string): readonly Dim[] => a[k] as readonly Dim[];

function sameDtype(ins: readonly Node[]): DType {
  const d = ins[0].dtype;
  for (const n of ins)
    if (n.dtype !== d) throw new Error(`dtype mismatch ${ins.map((i) => i.dtype).join(' vs ')}`);
  return d;
}

export function leaf(): Inferred {
  throw new Error('leaf nodes are created by the builder, not inferred');
}

export const same = ([x]: readonly Node[]): Inferred => ({ dtype: x.dtype, shape: x.shape });

export function broadcastSame(ins: readonly Node[]): Inferred {
  return { dtype: sameDtype(ins), shape: broadcastShapes(ins[0].shape, ins[1].shape) };
}

export function compare(ins: readonly Node[]): Inferred {
  sameDtype(ins);
  return { dtype: 'bool', shape: broadcastShapes(ins[0].shape, ins[1].shape) };
}

export function where([c, a, b]: readonly Node[]): Inferred {
  if (c.dtype !== 'bool') throw new Error(`condition must be bool, got ${c.dtype}`);
  return { dtype: sameDtype([a, b]), shape: broadcastShapes(c.shape, broadcastShapes(a.shape, b.shape)) };
}

export function cast([x]: readonly Node[], a: Attrs): Inferred {
  const entry = Object.entries(DTYPES).find(([, info]) => info.onnx === a.to);
  if (!entry) throw new Error(`unsupported Cast to=${String(a.to)}`);
  return { dtype: entry[0] as DType, shape: x.shape };
}

export function matmul([a, b]: readonly Node[]): Inferred {
  const dtype = sameDtype([a, b]);
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error('MatMul operands need rank ≥ 2');
  const [m, k1] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (!dimEq(k1, k2)) throw new Error(`inner dims ${k1} and ${k2} differ`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return { dtype, shape: [...batch, m, n] };
}

function checkWindow(x: Node, w: Node, a: Attrs, spatial: number): void {
  if (x.shape.length !== 2 + spatial || w.shape.length !== 2 + spatial)
    throw new Error(`X and W must have rank ${2 + spatial}`);
  const k = ints(a, 'kernel_shape');
  if (!k.every((v, i) => dimEq(v, w.shape[2 + i]))) throw new Error(`kernel_shape [${k}] ≠ W spatial dims`);
}

export function conv([x, w, b]: readonly Node[], a: Attrs): Inferred {
  const dtype = sameDtype(b ? [x, w, b] : [x, w]);
  const s = x.shape.length - 2;
  checkWindow(x, w, a, s);
  const group = a.group as number;
  if (!dimEq(dimMul(w.shape[1], group), x.shape[1]))
    throw new Error(`X channels ${x.shape[1]} ≠ W in-channels ${w.shape[1]} × group ${group}`);
  if (b && (b.shape.length !== 1 || !dimEq(b.shape[0], w.shape[0]))) throw new Error('B must be [M]');
  const [k, st, p, d] = ['kernel_shape', 'strides', 'pads', 'dilations'].map((n) => ints(a, n));
  const spatial = x.shape.slice(2).map((v, i) => windowOutDim(v, k[i], st[i], p[i], p[i + s], d[i]));
  return { dtype, shape: [x.shape[0], w.shape[0], ...spatial] };
}

/** out = (in−1)s − pb − pe + d(k−1) + op + 1; for a symbolic `in` only when that is exactly in·s. */
function transposedDim(v: Dim, k: number, s: number, pb: number, pe: number, d: number, op: number): Dim {
  const c = -s - pb - pe + d * (k - 1) + op + 1;
  if (typeof v === 'number') return (v - 1) * s + c + s;
  if (c === 0) return dimMul(v, s);
  return dimAddInt(dimMul(v, s), c);
}

export function convTranspose([x, w, b]: readonly Node[], a: Attrs): Inferred {
  const dtype = sameDtype(b ? [x, w, b] : [x, w]);
  const s = x.shape.length - 2;
  checkWindow(x, w, a, s);
  const group = a.group as number;
  if (!dimEq(w.shape[0], x.shape[1])) throw new Error(`X channels ${x.shape[1]} ≠ W dim 0 ${w.shape[0]}`);
  const m = dimMul(w.shape[1], group);
  if (b && (b.shape.length !== 1 || !dimEq(b.shape[0], m))) throw new Error('B must be [M]');
  const [k, st, p, d, op] = ['kernel_shape', 'strides', 'pads', 'dilations', 'output_padding'].map((n) =>
    ints(a, n),
  );
  if (op.some((v, i) => v >= st[i] && v >= d[i]))
    throw new Error('output_padding must be < stride or dilation');
  const spatial = x.shape.slice(2).map((v, i) => transposedDim(v, k[i], st[i], p[i], p[i + s], d[i], op[i]));
  return { dtype, shape: [x.shape[0], m, ...spatial] };
}

export function reshape([x]: readonly Node[], a: Attrs): Inferred {
  const target = dims(a, 'shape');
  if (!dimEq(dimProduct(target), dimProduct(x.shape)))
    throw new Error(
      `element count ${dimProduct(x.shape)} ≠ ${dimProduct(target)} of ${shapeToString(target)}`,
    );
  return { dtype: x.dtype, shape: target };
}

export function transpose([x]: readonly Node[], a: Attrs): Inferred {
  const perm = ints(a, 'perm');
  const sorted = [...perm].sort((p, q) => p - q);
  if (perm.length !== x.shape.length || sorted.some((v, i) => v !== i)) throw new Error(`bad perm [${perm}]`);
  return { dtype: x.dtype, shape: perm.map((p) => x.shape[p]) };
}

export function concat(ins: readonly Node[], a: Attrs): Inferred {
  const dtype = sameDtype(ins);
  const axis = a.axis as number;
  const first = ins[0].shape;
  for (const n of ins) {
    const ok = n.shape.length === first.length && n.shape.every((d, i) => i === axis || dimEq(d, first[i]));
    if (!ok) throw new Error(`inputs differ outside axis ${axis}`);
  }
  const total = ins.reduce<Dim>((acc, n) => {
    const d = n.shape[axis];
    if (typeof acc === 'number' && typeof d === 'number') return acc + d;
    if (ins.length === 1) return d;
    throw new Error(`concat along symbolic axis ${axis}`);
  }, 0);
  return { dtype, shape: first.map((d, i) => (i === axis ? total : d)) };
}

/** ONNX Slice clamping on a static axis: [start, end) with positive step. */
export function sliceRange(len: number, start: number, end: number, step: number): [number, number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + len : v, 0), len);
  const b = clamp(start);
  const e = clamp(end);
  return [b, e, Math.max(0, Math.ceil((e - b) / step))];
}

/**
 * Slice length on a symbolic axis d (assumed divisible by `step`): ends are counted from the end
 * (`end < 0` or SLICE_END); the result is d or d/step when the span is d − c with 0 ≤ c < step.
 */
function symbolicSliceLen(d: Dim, start: number, end: number, step: number): Dim {
  const endOff = end < 0 ? end : end >= Number.MAX_SAFE_INTEGER ? 0 : NaN;
  const c = start - endOff;
  if (start < 0 || Number.isNaN(c) || c < 0 || c >= step)
    throw new Error(`slice ${start}:${end}:${step} of ${d}`);
  return step === 1 ? d : dimDiv(d, step);
}

export function slice([x]: readonly Node[], a: Attrs): Inferred {
  const [starts, ends, axes, steps] = ['starts', 'ends', 'axes', 'steps'].map((k) => ints(a, k));
  const shape = [...x.shape];
  axes.forEach((ax, i) => {
    if (steps[i] <= 0) throw new Error('only positive steps');
    const d = x.shape[ax];
    shape[ax] =
      typeof d === 'number'
        ? sliceRange(d, starts[i], ends[i], steps[i])[2]
        : symbolicSliceLen(d, starts[i], ends[i], steps[i]);
  });
  return { dtype: x.dtype, shape };
}

export function expand([x]: readonly Node[], a: Attrs): Inferred {
  return { dtype: x.dtype, shape: broadcastShapes(x.shape, dims(a, 'shape')) };
}

export function unsqueeze([x]: readonly Node[], a: Attrs): Inferred {
  const axes = ints(a, 'axes');
  const out: Dim[] = [];
  const rest = [...x.shape];
  for (let i = 0; i < x.shape.length + axes.length; i++) out.push(axes.includes(i) ? 1 : rest.shift()!);
  if (rest.length) throw new Error(`bad axes [${axes}]`);
  return { dtype: x.dtype, shape: out };
}

export function squeeze([x]: readonly Node[], a: Attrs): Inferred {
  const axes = ints(a, 'axes');
  if (axes.some((ax) => x.shape[ax] !== 1)) throw new Error(`axes [${axes}] are not all size 1`);
  return { dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) };
}

export function pad([x]: readonly Node[], a: Attrs): Inferred {
  const p = ints(a, 'pads');
  const r = x.shape.length;
  if (p.length !== 2 * r || p.some((v) => v < 0)) throw new Error(`pads [${p}] must be 2×rank non-negative`);
  return { dtype: x.dtype, shape: x.shape.map((d, i) => dimAddInt(dimAddInt(d, p[i]), p[i + r])) };
}

export function resize([x]: readonly Node[], a: Attrs): Inferred {
  const sc = ints(a, 'scales');
  if (sc.length !== x.shape.length || sc.some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`scales [${sc}] must be positive integers, one per axis`);
  return { dtype: x.dtype, shape: x.shape.map((d, i) => dimMul(d, sc[i])) };
}

export function gather([data, idx]: readonly Node[], a: Attrs): Inferred {
  if (a.axis !== 0) throw new Error('only axis 0');
  if (idx.dtype !== 'i64' && idx.dtype !== 'i32')
    throw new Error(`indices must be integer, got ${idx.dtype}`);
  return { dtype: data.dtype, shape: [...idx.shape, ...data.shape.slice(1)] };
}

export function reduce([x]: readonly Node[], a: Attrs): Inferred {
  const axes = ints(a, 'axes');
  if (axes.some((ax) => ax < 0 || ax >= x.shape.length)) throw new Error(`axes [${axes}] out of range`);
  const keep = a.keepdims !== 0;
  const shape = x.shape.flatMap((d, i) => (!axes.includes(i) ? [d] : keep ? [1] : []));
  return { dtype: x.dtype, shape };
}

export function softmax([x]: readonly Node[], a: Attrs): Inferred {
  const axis = a.axis as number;
  if (!isFloat(x.dtype)) throw new Error('softmax needs a float input');
  if (axis < -x.shape.length || axis >= x.shape.length) throw new Error(`axis ${axis} out of range`);
  return { dtype: x.dtype, shape: x.shape };
}
