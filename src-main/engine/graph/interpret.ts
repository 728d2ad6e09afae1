// Plain-TypeScript reference evaluation of an IR graph: the ground truth ORT results are compared with.
// NOTE: every dtype is computed in float64 (i64 exact up to 2^53); f32 outputs are rounded once at the end,
// and f16/bf16 values are held as Float32Array without f16 rounding.

import { readSafetensorsHeader, readTensorF32 } from '../../formats/safetensors';
import type { DType } from './dtype';
import { KERNELS, type Value } from './kernels';
import type { Node } from './node';
import { isOpKind } from './ops';
import { resolveShape, shapeToString, type Dim } from './shape';
import { liveOrder } from './verify';

export interface TensorValue {
  dtype: DType;
  shape: number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

/** A float64 feed or result (finite-difference checks). */
export interface TensorValue64 {
  dtype: DType;
  shape: number[];
  data: Float64Array;
}

/** Feeds by Input name and by Param name (see loadParams). */
export type Feeds = Record<string, TensorValue | TensorValue64>;

function toValue(t: TensorValue | TensorValue64): Value {
  const d = t.data;
  const data = d instanceof BigInt64Array ? Float64Array.from(d, Number) : Float64Array.from(d);
  return { shape: [...t.shape], data };
}

/** Binds plain-symbol dims ('N', 'H') from the fed shapes; compound dims ('H/2') are checked later. */
function bindSymbols(leaves: readonly Node[], feeds: Feeds): Record<string, number> {
  const b: Record<string, number> = {};
  for (const n of leaves) {
    const f = feeds[n.name ?? ''];
    n.shape.forEach((d, i) => {
      if (typeof d !== 'string' || !/^[A-Za-z_]\w*$/.test(d) || !f) return;
      if (b[d] !== undefined && b[d] !== f.shape[i])
        throw new Error(`symbol ${d} bound to ${b[d]} and ${f.shape[i]}`);
      b[d] = f.shape[i];
    });
  }
  return b;
}

function leafValue(n: Node, feeds: Feeds): Value {
  if (n.op === 'Constant') return toValue({ dtype: n.dtype, shape: n.shape as number[], data: constData(n) });
  const f = feeds[n.name ?? ''];
  if (!f) throw new Error(`${n.op} '${n.name}' has no feed`);
  return toValue(f);
}

function constData(n: Node): Float32Array | Int32Array | BigInt64Array | Uint8Array {
  const d = n.data!;
  if (d instanceof Uint16Array)
    throw new Error(`Constant ${n.id}: raw f16 bits are not interpretable; use Float32Array`);
  return d;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Float64 evaluation of `outputs`; shapes are checked against the IR's (symbolic) shapes at every node. */
export function evaluate64(outputs: readonly Node[], feeds: Feeds): TensorValue64[] {
  const order = liveOrder(outputs);
  const b = bindSymbols(
    order.filter((n) => n.op === 'Input' || n.op === 'Param'),
    feeds,
  );
  const dims = (d: readonly Dim[]) => resolveShape(d, b);
  const values = new Map<number, Value>();
  for (const n of order) {
    let v: Value;
    if (n.inputs.length === 0) v = leafValue(n, feeds);
    else if (isOpKind(n.op) && n.op in KERNELS) {
      const kernel = KERNELS[n.op as keyof typeof KERNELS];
      v = kernel(
        n,
        n.inputs.map((i) => values.get(i.id)!),
        dims,
      );
    } else throw new Error(`interpreter has no kernel for ${n.op}`);
    const want = dims(n.shape);
    if (!sameShape(v.shape, want))
      throw new Error(
        `${n.scope}: ${n.op} node ${n.id} gave ${shapeToString(v.shape)}, IR says ${shapeToString(n.shape)} = ${shapeToString(want)}`,
      );
    values.set(n.id, v);
  }
  return outputs.map((o) => ({
    dtype: o.dtype,
    shape: values.get(o.id)!.shape,
    data: values.get(o.id)!.data,
  }));
}

/**
 * Evaluates `outputs` given feeds for every Input (and Param) name.
 * @example const [y] = evaluate([g.add(x, x)], { x: { dtype: 'f32', shape: [2], data: new Float32Array([1, 2]) } })
 */
export function evaluate(outputs: readonly Node[], feeds: Feeds): TensorValue[] {
  return evaluate64(outputs, feeds).map(({ dtype, shape, data }) => ({
    dtype,
    shape,
    data: fromF64(dtype, data),
  }));
}

function fromF64(dtype: DType, d: Float64Array): TensorValue['data'] {
  if (dtype === 'i64') return BigInt64Array.from(d, (v) => BigInt(v));
  if (dtype === 'i32') return Int32Array.from(d);
  if (dtype === 'bool') return Uint8Array.from(d);
  return Float32Array.from(d);
}

/**
 * Reads every Param the outputs reach from its safetensors file, as f32 feeds keyed by param name.
 * @example const y = evaluate([out], { ...feeds, ...(await loadParams([out])) })
 */
export async function loadParams(outputs: readonly Node[]): Promise<Record<string, TensorValue>> {
  const out: Record<string, TensorValue> = {};
  for (const n of liveOrder(outputs)) {
    if (n.op !== 'Param' || !n.param || !n.name) continue;
    const header = await readSafetensorsHeader(n.param.file);
    const raw = await readTensorF32(header, n.param.key);
    const entry = header.tensors.get(n.param.key);
    out[n.name] = {
      dtype: 'f32',
      shape: n.shape as number[],
      data: applyTransform(n, raw, entry?.shape ?? []),
    };
  }
  return out;
}

function applyTransform(n: Node, raw: Float32Array, stored: readonly number[]): Float32Array {
  const t = n.param!.transform;
  if (!t || t.kind === 'squeeze') return raw;
  const cols = stored.slice(1).reduce((a, v) => a * v, 1);
  if (t.kind === 'rows') return raw.slice(t.start * cols, t.end * cols);
  const [r, c] = stored;
  return Float32Array.from({ length: r * c }, (_, i) => raw[(i % r) * c + Math.floor(i / r)]);
}
