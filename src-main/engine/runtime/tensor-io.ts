// Host tensors that cross the ORT boundary, and float conversions for feeds and fetches (bit conversions:
// formats/safetensors).
// ORT's JS API carries float16 as raw Uint16Array bits and has no bfloat16 (onnxruntime-common Tensor types).

import type { DType } from '../graph/dtype';
import { bf16ToF32, f16ToF32, f32ToF16 } from '../../formats/safetensors';

export type TensorData = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;

/** A tensor in host memory. f16 and bf16 data are raw 16-bit patterns; bool is one byte per element. */
export interface TensorValue {
  dtype: DType;
  shape: readonly number[];
  data: TensorData;
}

/** ORT's type string per engine dtype (null: ORT-node cannot carry it; convert to f32 first). */
export const ORT_TYPES: Record<DType, string | null> = {
  f32: 'float32',
  f16: 'float16',
  bf16: null,
  i64: 'int64',
  i32: 'int32',
  bool: 'bool',
};

const DATA_CTORS: Record<DType, new (n: number) => TensorData> = {
  f32: Float32Array,
  f16: Uint16Array,
  bf16: Uint16Array,
  i64: BigInt64Array,
  i32: Int32Array,
  bool: Uint8Array,
};

/** The engine dtype for an ORT type string, or undefined for types the engine does not use. */
export function dtypeFromOrt(type: string): DType | undefined {
  return (Object.keys(ORT_TYPES) as DType[]).find((d) => ORT_TYPES[d] === type);
}

/** Zero-filled tensor; `tensor('f32', [2, 3])`. */
export function tensor(dtype: DType, shape: readonly number[], data?: TensorData): TensorValue {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = data ?? new DATA_CTORS[dtype](n);
  if (d.length !== n)
    throw new Error(`tensor ${dtype} [${shape.join(',')}] needs ${n} elements, got ${d.length}`);
  return { dtype, shape: [...shape], data: d };
}

/** Converts a float tensor to another float dtype; other dtypes must already match. */
export function convertFloat(value: TensorValue, to: DType): TensorValue {
  if (value.dtype === to) return value;
  const f32 = toF32(value);
  if (to === 'f32') return { dtype: 'f32', shape: value.shape, data: f32 };
  if (to === 'f16') return { dtype: 'f16', shape: value.shape, data: f32ToF16(f32) };
  throw new Error(`cannot convert ${value.dtype} to ${to}`);
}

/** Float data as f32 (copies unless it already is f32). */
export function toF32(value: TensorValue): Float32Array {
  if (value.dtype === 'f32') return value.data as Float32Array;
  if (value.dtype === 'f16') return f16ToF32(value.data as Uint16Array);
  if (value.dtype === 'bf16') return bf16ToF32(value.data as Uint16Array);
  throw new Error(`toF32: ${value.dtype} is not a float dtype`);
}
